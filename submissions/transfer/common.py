"""Constants, errors and helpers shared by the transfer package's export, reading and import."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.conf import settings

FORMAT = "licheng-transfer"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATA = "student.json"
FILE_MEMBER = re.compile(r"^files/[0-9a-f]{64}$")

#: Limits on what an uploaded package may hold (a ZIP bomb or a giant JSON is refused).
MAX_DATA_BYTES = 20_000_000  # student.json
MAX_FILE_BYTES = 12_000_000  # any one file (the largest rule is 10 MB, RULES.md §10)
MAX_TOTAL_BYTES = 2_000_000_000
MAX_MEMBERS = 5_000
_CHUNK = 1024 * 1024


class TransferRefused(Exception):
    """A package or import refused; nothing was imported. ``message`` is for the registrar,
    ``code`` is stable for tests."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return self.message


def _staging_dir() -> Path:
    directory = Path(
        getattr(settings, "LICHENG_TRANSFER_DIR", "") or Path(settings.MEDIA_ROOT) / "transfer"
    )
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _counts(data: dict[str, Any]) -> dict[str, int]:
    return {
        key: len(data.get(key) or [])
        for key in ("course_records", "cadre_records", "outcomes", "performances", "ticks")
    }
