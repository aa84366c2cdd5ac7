"""Durable storage: atomic, fsynced, never overwriting; fault injection (RELIABILITY.md F2)."""

import errno
import hashlib
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile

from files.errors import StorageFailure
from files.ingest import check_and_store
from files.rules import DOCUMENT_RULE
from files.storage import TMP_PREFIX, DurableFileSystemStorage, blob_name

from . import samples
from .conftest import files_under
from .faults import FaultyStorage


def test_save_fsyncs_file_then_links_then_fsyncs_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps: list[str] = []

    class Recording(DurableFileSystemStorage):
        def _io(self, op: str, func: Any, *args: Any) -> Any:
            steps.append(op)
            return func(*args)

    storage = Recording(location=str(tmp_path))
    assert storage.save("ab/cd/abcd", ContentFile(b"hello")) == "ab/cd/abcd"
    assert (tmp_path / "ab/cd/abcd").read_bytes() == b"hello"
    # New directories are fsynced into their parents; the file before it gets its name.
    assert steps == [
        "mkdir", "fsync_dir", "mkdir", "fsync_dir", "open", "write", "fsync", "close", "link",
        "fsync_dir",
    ]  # fmt: skip
    assert not list(tmp_path.rglob(f"{TMP_PREFIX}*"))


def test_save_never_overwrites_or_renames(tmp_path: Path) -> None:
    storage = DurableFileSystemStorage(location=str(tmp_path))
    storage.save("ab/cd/abcd", ContentFile(b"one"))
    with pytest.raises(FileExistsError):
        storage.save("ab/cd/abcd", ContentFile(b"two"))
    assert (tmp_path / "ab/cd/abcd").read_bytes() == b"one"
    assert storage.get_available_name("ab/cd/abcd") == "ab/cd/abcd"
    assert not list(tmp_path.rglob(f"{TMP_PREFIX}*"))


def _use_faulty(settings: Any, blob_dirs: dict[str, Path], where: str) -> None:
    backend = {"BACKEND": "files.tests.faults.FaultyStorage"}
    plain = {"BACKEND": "files.storage.DurableFileSystemStorage"}
    settings.STORAGES = {
        **settings.STORAGES,
        "blobs": {
            **(backend if where == "primary" else plain),
            "OPTIONS": {"location": str(blob_dirs["primary"])},
        },
        "blobs_replica": {
            **(backend if where == "replica" else plain),
            "OPTIONS": {"location": str(blob_dirs["replica"])},
        },
    }


@pytest.mark.parametrize("where", ["primary", "replica"])
@pytest.mark.parametrize(
    ("error", "code"), [(errno.ENOSPC, "storage_full"), (errno.EIO, "storage_error")]
)
def test_fault_at_every_step_leaves_no_partial_file_f2(
    settings: Any, replica_dirs: dict[str, Path], where: str, error: int, code: str
) -> None:
    _use_faulty(settings, replica_dirs, where)
    data = samples.pdf()
    sha = hashlib.sha256(data).hexdigest()
    failures = 0
    for n in range(1, 200):
        # Start empty each time, so every step (mkdir, write, fsync, link…) is reached.
        for root in (replica_dirs["primary"], replica_dirs["replica"]):
            shutil.rmtree(root, ignore_errors=True)
        FaultyStorage.reset(fail_at=n, error=error)
        try:
            check_and_store(ContentFile(data, name="a.pdf"), rule=DOCUMENT_RULE)
        except StorageFailure as exc:
            failures += 1
            assert exc.code == code
            assert exc.message.startswith(
                "伺服器儲存空間不足" if error == errno.ENOSPC else "伺服器儲存檔案時發生錯誤"
            )
        else:
            assert len(FaultyStorage.ops) < n, "an injected fault went unnoticed"
            break
        finally:
            # Invariant after every attempt: no temporary file, no spooled upload copy, and
            # any blob present is complete (never a partial file under a blob name).
            for root in (replica_dirs["primary"], replica_dirs["replica"]):
                for path in files_under(root):
                    assert not path.name.startswith(TMP_PREFIX)
                    assert hashlib.sha256(path.read_bytes()).hexdigest() == sha
            assert files_under(replica_dirs["uploads"]) == []
    else:
        pytest.fail("never succeeded")
    assert failures >= 12  # every step of the faulty storage was exercised
    for root in (replica_dirs["primary"], replica_dirs["replica"]):
        assert (root / blob_name(sha)).read_bytes() == data
