"""The schema of a package as the central side reads it (docs/package-format.md), and the
refusal codes with their HTTP statuses. Independent of the school side's code on purpose."""

from __future__ import annotations

import datetime
import re
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

PACKAGE_FORMAT = "licheng-central-package"
FORMAT_VERSIONS = {1}
MANIFEST = "manifest.json"
TAG_MANIFEST = "manifest.sha256"
SEMESTER_ROSTERS = {"basic", "course_records"}
YEARLY_ROSTERS = {"outcomes", "performances"}
ROSTERS = SEMESTER_ROSTERS | YEARLY_ROSTERS

HEX64 = r"^[0-9a-f]{64}$"
HEX32 = r"^[0-9a-f]{32}$"
ID_PATTERN = r"^[A-Z][0-9A-Z][0-9]{8}$"  # national ID or resident number (RULES.md §8.1)
ROSTER_PART = re.compile(r"^rosters/([a-z_]+)\.jsonl$")
FILE_PART = re.compile(r"^files/([0-9a-f]{64})$")

STATUS_FOR = {
    "unauthorized": 401,
    "wrong_school": 403,
    "not_found": 404,
    "stale_version": 409,
    "idempotency_conflict": 409,
    "too_large": 413,
}


class Refusal(Exception):
    """A package or request refused whole, with a machine-readable ``code``."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail

    @property
    def status(self) -> int:
        return STATUS_FOR.get(self.code, 400)

    def body(self) -> dict[str, str]:
        return {"error": self.code, "detail": self.detail}


# --- Schemas of the manifest and the JSONL lines (docs/package-format.md) ---------------------


class PartEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str = Field(max_length=200)
    sha256: str = Field(pattern=HEX64)
    md5: str = Field(pattern=HEX32)
    size: int = Field(ge=0)


class ManifestHeader(BaseModel):
    """``manifest.json`` without its ``parts`` (those are read and checked one at a time)."""

    model_config = ConfigDict(extra="forbid")
    format: Literal["licheng-central-package"]
    format_version: int
    package_id: uuid.UUID
    school_code: str = Field(pattern=r"^[0-9A-Za-z]{6}$")
    school_year: int = Field(ge=1, le=999)
    semester: int = Field(ge=0, le=2)
    version: int = Field(ge=1)
    rosters: list[Literal["basic", "course_records", "outcomes", "performances"]] = Field(
        min_length=1
    )
    created_at: datetime.datetime
    students: int = Field(ge=0)


class FileEntry(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str = Field(max_length=20)
    name: str = Field(max_length=255)
    sha256: str = Field(pattern=HEX64)
    md5: str = Field(pattern=HEX32)
    size: int = Field(ge=0)
    content_type: str = Field(max_length=50)


class RosterLine(BaseModel):
    model_config = ConfigDict(extra="forbid")
    national_id: str = Field(pattern=ID_PATTERN)
    roster: Literal["basic", "course_records", "outcomes", "performances"]
    school_year: int = Field(ge=1, le=999)
    semester: int = Field(ge=0, le=2)
    records: list[dict[str, Any]]
    files: list[FileEntry]


def first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err.get("loc", ()))
    return f"{where}: {err.get('msg', '')}" if where else str(err.get("msg", ""))
