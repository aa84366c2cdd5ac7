"""Fixtures of the files tests: private blob storages and upload temp dirs per test."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from files.storage import TMP_PREFIX

from . import samples

SettingsWrapper = Any  # pytest-django's settings fixture


@pytest.fixture
def blob_dirs(settings: SettingsWrapper, tmp_path: Path) -> dict[str, Path]:
    """A fresh primary blob root and upload temp dir (no replica)."""
    dirs = {"primary": tmp_path / "primary", "uploads": tmp_path / "uploads"}
    dirs["uploads"].mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(dirs["uploads"])
    settings.STORAGES = {
        **settings.STORAGES,
        "blobs": {
            "BACKEND": "files.storage.DurableFileSystemStorage",
            "OPTIONS": {"location": str(dirs["primary"])},
        },
    }
    return dirs


@pytest.fixture
def replica_dirs(
    settings: SettingsWrapper, blob_dirs: dict[str, Path], tmp_path: Path
) -> dict[str, Path]:
    """blob_dirs plus a replica root."""
    blob_dirs["replica"] = tmp_path / "replica"
    settings.STORAGES = {
        **settings.STORAGES,
        "blobs_replica": {
            "BACKEND": "files.storage.DurableFileSystemStorage",
            "OPTIONS": {"location": str(blob_dirs["replica"])},
        },
    }
    return blob_dirs


def files_under(root: Path) -> list[Path]:
    """Every regular file under ``root`` (empty when it does not exist)."""
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def nothing_stored(blob_dirs: dict[str, Path]) -> Callable[[], None]:
    """Assert that no blob, temporary file or spooled upload copy is left anywhere."""

    def check() -> None:
        for root in blob_dirs.values():
            assert files_under(root) == [], root
            assert not [p for p in root.rglob(f"{TMP_PREFIX}*")] if root.exists() else True

    return check


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    return samples.ffmpeg_samples(tmp_path_factory.mktemp("media"))
