"""Receiving a package (收件): verify everything, then store it whole or not at all.

The package format is in docs/package-format.md. The central side trusts nothing the school
computed: it re-hashes ``manifest.json`` against ``manifest.sha256`` (the tag manifest), every
part against the manifest, checks that nothing listed is missing and nothing unlisted is there
(a BagIt bag that is complete and valid, RELIABILITY.md §1.4), validates every JSONL line, and
checks every referenced file is present with matching checksums. Any failure refuses the
package whole with a machine-readable reason (``Refusal.code``), recording only a
``ReceivedPackage(status=rejected)`` row. Acceptance is idempotent on the package id
(RELIABILITY.md F6, D8): a repeated delivery of the same manifest returns the stored receipt
and changes nothing; the same id with a different manifest is refused.

Refusal codes (HTTP status): ``truncated`` (400: not a readable ZIP, or a part ends early),
``checksum_mismatch`` (400), ``missing_part`` (400), ``unexpected_part`` (400), ``schema`` (400),
``unsupported_format`` (400), ``too_large`` (413), ``unauthorized`` (401), ``wrong_school``
(403), ``stale_version`` (409: an older version after a newer one was accepted),
``idempotency_conflict`` (409: a known package id with different content).
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import json
import re
import sqlite3
import tempfile
import uuid
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

import ijson
from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from pydantic import ValidationError

from files.hashing import Digest, Hasher
from files.ingest import put_blob
from files.spool import DiskIndex
from files.storage import blob_name

from .models import CentralFile, CentralRecord, CentralSchool, PackageStatus, ReceivedPackage
from .package_schema import (
    FILE_PART,
    FORMAT_VERSIONS,
    HEX64,
    ID_PATTERN,
    MANIFEST,
    PACKAGE_FORMAT,
    ROSTER_PART,
    SEMESTER_ROSTERS,
    TAG_MANIFEST,
    YEARLY_ROSTERS,
    ManifestHeader,
    PartEntry,
    Refusal,
    RosterLine,
    first_error,
)

__all__ = ["ID_PATTERN", "Refusal", "receive_package", "school_for_token", "spool"]

CHUNK = 1024 * 1024
MAX_MANIFEST_BYTES = 256 * 1024 * 1024  # read streaming; ~170 bytes per part
MAX_LINE_BYTES = 16 * 1024 * 1024
_BATCH = 500
#: Roster lines stored per INSERT: a line of 10 performances is ~10 KB of Python objects.
_LINE_BATCH = 100


# --- Tokens ----------------------------------------------------------------------------------


def hash_token(token: str) -> str:
    """SHA-256 (hex) of an API token; tokens are long random strings, so a fast hash suffices."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def school_for_token(token: str) -> CentralSchool | None:
    """The active CentralSchool holding ``token``, or None."""
    if not token:
        return None
    return CentralSchool.objects.filter(token_hash=hash_token(token), active=True).first()


# --- Receiving -------------------------------------------------------------------------------


def central_storage() -> Storage:
    """The central database's file store (``STORAGES["central_blobs"]``)."""
    return storages["central_blobs"]


@dataclass
class Outcome:
    """What to answer: HTTP status and JSON body (a receipt, or ``{"error", "detail"}``)."""

    status: int
    body: dict[str, Any]
    duplicate: bool = False


class _IngestIndex(DiskIndex):
    """What the ingest remembers per part, line and student, on disk (files.spool), so a
    package of any size is verified in constant memory (apart from zipfile's own list of the
    ZIP's members, ~0.5 KiB each).

    ``parts``: the manifest's parts; ``content_type`` is set once a roster line references the
    file. ``members``: the ZIP's member names. ``lines``: (roster, national_id) seen.
    ``students``: distinct national IDs across rosters.
    """

    def __init__(self) -> None:
        super().__init__()
        self.execute(
            "CREATE TABLE parts (path TEXT PRIMARY KEY, sha256 TEXT, md5 TEXT, size INTEGER, "
            "content_type TEXT)"
        )
        self.execute("CREATE TABLE members (name TEXT PRIMARY KEY)")
        self.execute(
            "CREATE TABLE lines (roster TEXT, national_id TEXT, PRIMARY KEY (roster, national_id))"
        )
        self.execute("CREATE TABLE students (national_id TEXT PRIMARY KEY)")

    def part(self, path: str) -> PartEntry | None:
        row = self.execute("SELECT sha256, md5, size FROM parts WHERE path = ?", (path,)).fetchone()
        return PartEntry(path=path, sha256=row[0], md5=row[1], size=row[2]) if row else None

    def parts(self, prefix: str = "") -> Iterator[PartEntry]:
        """Parts in path order (those whose path starts with ``prefix``), one at a time."""
        for path, sha256, md5, size in self.execute(
            "SELECT path, sha256, md5, size FROM parts WHERE substr(path, 1, ?) = ? ORDER BY path",
            (len(prefix), prefix),
        ):
            yield PartEntry(path=path, sha256=sha256, md5=md5, size=size)

    def files(self) -> Iterator[tuple[PartEntry, str]]:
        """File parts with the content type their first referencing line gave."""
        for path, sha256, md5, size, content_type in self.execute(
            "SELECT path, sha256, md5, size, content_type FROM parts "
            "WHERE substr(path, 1, 6) = 'files/' ORDER BY path"
        ):
            yield PartEntry(path=path, sha256=sha256, md5=md5, size=size), content_type or ""


@dataclass
class _Verified:
    manifest: ManifestHeader
    manifest_sha256: str
    index: _IngestIndex
    combos: set[tuple[str, int, int]] = field(default_factory=set)


class Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


def spool(stream: Readable, *, limit: int | None = None) -> Path:
    """Copy a request body to a temporary file in chunks (never whole in memory); the caller
    deletes it. Raises Refusal("too_large") past ``limit`` bytes."""
    limit = limit if limit is not None else settings.LICHENG_CENTRAL_MAX_PACKAGE_BYTES
    tmp = tempfile.NamedTemporaryFile(  # noqa: SIM115 (handed to the caller)
        prefix="central-package-", suffix=".zip", dir=settings.FILE_UPLOAD_TEMP_DIR, delete=False
    )
    size = 0
    try:
        with tmp:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise Refusal("too_large", f"the package is larger than {limit} bytes")
                tmp.write(chunk)
    except BaseException:
        Path(tmp.name).unlink(missing_ok=True)
        raise
    return Path(tmp.name)


def receive_package(*, school: CentralSchool, path: Path, package_id_hint: str = "") -> Outcome:
    """Verify and store the package at ``path`` delivered by ``school``.

    Returns Outcome(200, receipt) when accepted (or already accepted with the same manifest),
    else Outcome(<status>, {"error": code, "detail": ...}) after recording a rejected
    ReceivedPackage row (unless the id was already accepted: that row never changes).
    """
    digest = _digest_file(path)
    try:
        with _open_zip(path) as zf, _IngestIndex() as index:
            verified = _verify_manifest(zf, school, package_id_hint, index)
            existing = ReceivedPackage.objects.filter(
                package_id=verified.manifest.package_id
            ).first()
            if existing is not None and existing.status == PackageStatus.ACCEPTED:
                return _repeat(existing, verified.manifest_sha256)
            _verify_parts(zf, verified)
            _verify_lines(zf, school, verified)
            _check_not_stale(school, verified)
            _store_files(zf, verified)
            return _store(zf, school, verified, digest)
    except Refusal as refusal:
        _record_rejection(school, path, digest, package_id_hint, refusal)
        return Outcome(refusal.status, refusal.body())


def _digest_file(path: Path) -> Digest:
    hasher = Hasher()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            hasher.update(chunk)
    return hasher.digest()


def _open_zip(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise Refusal("truncated", f"not a complete ZIP package ({exc})") from exc


def _read_part(zf: zipfile.ZipFile, name: str) -> Iterator[bytes]:
    """The bytes of one part in chunks; a damaged part becomes a Refusal."""
    try:
        with zf.open(name) as handle:
            while chunk := handle.read(CHUNK):
                yield chunk
    except (EOFError, zipfile.BadZipFile, zlib.error, ValueError, OSError) as exc:
        message = str(exc)
        if isinstance(exc, zipfile.BadZipFile) and "CRC" in message:
            raise Refusal("checksum_mismatch", f"{name}: {message}") from exc
        if isinstance(exc, zlib.error):
            raise Refusal("checksum_mismatch", f"{name}: {message}") from exc
        raise Refusal("truncated", f"{name}: {message}") from exc


def _read_small(zf: zipfile.ZipFile, name: str, limit: int) -> bytes:
    if zf.getinfo(name).file_size > limit:
        raise Refusal("schema", f"{name} is larger than {limit} bytes")
    return b"".join(_read_part(zf, name))


def _verify_manifest(
    zf: zipfile.ZipFile, school: CentralSchool, hint: str, index: _IngestIndex
) -> _Verified:
    if len(zf.NameToInfo) != len(zf.filelist):
        raise Refusal("unexpected_part", "a part name appears twice in the ZIP")
    for name in (MANIFEST, TAG_MANIFEST):
        if name not in zf.NameToInfo:
            raise Refusal("missing_part", f"{name} is missing")
    tag = _read_small(zf, TAG_MANIFEST, 1024).decode("ascii", "replace").split()
    if len(tag) != 2 or tag[1] != MANIFEST or not re.match(HEX64, tag[0]):
        raise Refusal("schema", f"{TAG_MANIFEST} must read '<sha256>  {MANIFEST}'")
    if zf.getinfo(MANIFEST).file_size > MAX_MANIFEST_BYTES:
        raise Refusal("schema", f"{MANIFEST} is larger than {MAX_MANIFEST_BYTES} bytes")
    hasher = hashlib.sha256()
    for chunk in _read_part(zf, MANIFEST):  # also checks the ZIP CRC and the length
        hasher.update(chunk)
    manifest_sha256 = hasher.hexdigest()
    if manifest_sha256 != tag[0]:
        raise Refusal("checksum_mismatch", f"{MANIFEST} does not match {TAG_MANIFEST}")
    with zf.open(MANIFEST) as handle:
        data = _read_manifest(handle, index)
    if data.get("format") != PACKAGE_FORMAT:
        raise Refusal("unsupported_format", f"format must be {PACKAGE_FORMAT!r}")
    if data.get("format_version") not in FORMAT_VERSIONS:
        raise Refusal(
            "unsupported_format", f"format_version {data.get('format_version')!r} unsupported"
        )
    try:
        manifest = ManifestHeader.model_validate(data)
    except ValidationError as exc:
        raise Refusal("schema", f"{MANIFEST}: {first_error(exc)}") from exc
    if manifest.school_code != school.code:
        raise Refusal(
            "wrong_school",
            f"the package is for school {manifest.school_code}; the token is {school.code}'s",
        )
    if hint and hint != str(manifest.package_id):
        raise Refusal("schema", "package_id differs from the manifest's")
    if len(set(manifest.rosters)) != len(manifest.rosters):
        raise Refusal("schema", "a roster is listed twice")
    if SEMESTER_ROSTERS & set(manifest.rosters) and manifest.semester not in (1, 2):
        raise Refusal("schema", "semester rosters need semester 1 or 2")
    return _Verified(manifest, manifest_sha256, index)


#: How deeply manifest.json may nest (top object → parts list → part → value is 3). ijson's
#: prefixed events cost memory quadratic in the depth, so the reader uses its unprefixed
#: events and refuses anything deeper.
MAX_MANIFEST_DEPTH = 8


def _read_manifest(handle: IO[bytes], index: _IngestIndex) -> dict[str, Any]:
    """Parse ``manifest.json`` as a stream (ijson): returns its top-level keys except
    ``parts``; each part is validated (``PartEntry``) and stored in ``index`` as it is read.
    Raises Refusal("schema") for anything that is not one JSON object with a ``parts`` list,
    a repeated top-level key, a part listed twice, or nesting deeper than MAX_MANIFEST_DEPTH."""
    header: dict[str, Any] = {}
    depth = 0  # open containers before the current event
    key: str | None = None
    builder: ijson.ObjectBuilder | None = None  # the current header value
    part: ijson.ObjectBuilder | None = None  # the current part
    number = 0
    seen_parts = False
    try:
        for event, value in ijson.basic_parse(handle, use_float=True):
            level = depth  # where this event sits
            if event in ("start_map", "start_array"):
                depth += 1
                if depth > MAX_MANIFEST_DEPTH:
                    raise Refusal(
                        "schema", f"{MANIFEST} nests deeper than {MAX_MANIFEST_DEPTH} levels"
                    )
            elif event in ("end_map", "end_array"):
                depth -= 1
            if level == 0:
                if event != "start_map":
                    raise Refusal("schema", f"{MANIFEST} is not a JSON object")
                continue
            if level == 1 and event == "map_key":
                if value in header or (value == "parts" and seen_parts):
                    raise Refusal("schema", f"{MANIFEST}: key {value!r} appears twice")
                key = value
                seen_parts = seen_parts or value == "parts"
                builder = None if value == "parts" else ijson.ObjectBuilder()
                continue
            if level == 1 and event == "end_map":
                continue  # the end of the manifest
            if key != "parts":
                assert builder is not None  # a value follows its key
                builder.event(event, value)
                if depth == 1:  # the value is complete
                    header[str(key)] = builder.value
                    builder = None
                continue
            # The value of "parts": a list of part objects.
            if level == 1:
                if event != "start_array":
                    raise Refusal("schema", f"{MANIFEST}: parts must be a list of objects")
                continue
            if level == 2 and event == "end_array":
                continue
            if level == 2 and event != "start_map":
                raise Refusal("schema", f"{MANIFEST}: parts must be a list of objects")
            if part is None:
                part = ijson.ObjectBuilder()
            part.event(event, value)
            if depth == 2:  # the part object is complete
                _index_part(index, part.value, number)
                number += 1
                part = None
    except ijson.JSONError as exc:
        raise Refusal("schema", f"{MANIFEST} is not JSON: {exc}") from exc
    if not seen_parts:
        raise Refusal("schema", f"{MANIFEST}: parts: Field required")
    return header


def _index_part(index: _IngestIndex, value: Any, number: int) -> None:
    try:
        part = PartEntry.model_validate(value)
    except ValidationError as exc:
        raise Refusal("schema", f"{MANIFEST}: parts.{number}.{first_error(exc)}") from exc
    if part.path in (MANIFEST, TAG_MANIFEST):
        raise Refusal("schema", f"part {part.path} is listed twice")
    try:
        index.execute(
            "INSERT INTO parts (path, sha256, md5, size) VALUES (?, ?, ?, ?)",
            (part.path, part.sha256, part.md5, part.size),
        )
    except sqlite3.IntegrityError as exc:
        raise Refusal("schema", f"part {part.path} is listed twice") from exc


def _repeat(existing: ReceivedPackage, manifest_sha256: str) -> Outcome:
    if existing.receipt.get("manifest_sha256") != manifest_sha256:
        raise Refusal(
            "idempotency_conflict",
            "this package id was accepted with other content; a new version needs a new id",
        )
    return Outcome(200, existing.receipt, duplicate=True)


def _verify_parts(zf: zipfile.ZipFile, verified: _Verified) -> None:
    """Complete (nothing missing, nothing unlisted) and valid (every checksum matches)."""
    index = verified.index
    index.executemany(
        "INSERT OR IGNORE INTO members VALUES (?)",
        (
            (info.filename,)
            for info in zf.infolist()
            if info.filename not in (MANIFEST, TAG_MANIFEST)
        ),
    )

    def first(sql: str) -> list[str]:
        return [name for (name,) in index.execute(sql + " ORDER BY 1 LIMIT 5")]

    if missing := first("SELECT path FROM parts EXCEPT SELECT name FROM members"):
        raise Refusal("missing_part", f"listed but not in the package: {', '.join(missing)}")
    if extra := first("SELECT name FROM members EXCEPT SELECT path FROM parts"):
        raise Refusal("unexpected_part", f"not listed in the manifest: {', '.join(extra)}")
    rosters = set(verified.manifest.rosters)
    listed_rosters: set[str] = set()
    for part in index.parts():
        roster = ROSTER_PART.match(part.path)
        file_part = FILE_PART.match(part.path)
        if roster and roster.group(1) in rosters:
            listed_rosters.add(roster.group(1))
            continue
        if file_part and file_part.group(1) == part.sha256:
            continue
        if file_part:
            raise Refusal("checksum_mismatch", f"{part.path} is listed with another SHA-256")
        raise Refusal("unexpected_part", f"{part.path} is not a part of this format")
    for roster_name in verified.manifest.rosters:
        if roster_name not in listed_rosters:
            raise Refusal("missing_part", f"rosters/{roster_name}.jsonl is missing")
    for part in index.parts():
        hasher = Hasher()
        for chunk in _read_part(zf, part.path):
            hasher.update(chunk)
            if hasher.size > part.size:
                break
        got = hasher.digest()
        if got.size != part.size:
            raise Refusal("checksum_mismatch", f"{part.path}: size {got.size}, listed {part.size}")
        if got.sha256 != part.sha256 or got.md5 != part.md5:
            raise Refusal(
                "checksum_mismatch", f"{part.path}: SHA-256 or MD5 differs from the manifest"
            )


#: How deeply a roster line may nest (line → records → record → a file entry is 4); deeper
#: JSON is refused before it reaches the database (PostgreSQL's jsonb has its own limit).
MAX_LINE_DEPTH = 10


def _nesting(value: Any) -> int:
    """How many containers deep ``value`` goes (iterative: no recursion limit)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            level += 1
            deepest = max(deepest, level)
            if level <= MAX_LINE_DEPTH:
                stack.extend((child, level) for child in item)
    return deepest


def _lines(zf: zipfile.ZipFile, path: str) -> Iterator[tuple[int, RosterLine]]:
    """Validated lines of one roster part, one at a time."""
    buffer = b""
    number = 0

    def parse(raw: bytes) -> RosterLine:
        try:
            data = json.loads(raw.decode("utf-8"))
            if _nesting(data) > MAX_LINE_DEPTH:
                raise RecursionError
            return RosterLine.model_validate(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise Refusal("schema", f"{path} line {number}: not JSON ({exc})") from exc
        except RecursionError as exc:
            raise Refusal("schema", f"{path} line {number}: nested too deeply") from exc
        except ValidationError as exc:
            raise Refusal("schema", f"{path} line {number}: {first_error(exc)}") from exc

    for chunk in _read_part(zf, path):
        buffer += chunk
        while (end := buffer.find(b"\n")) >= 0:
            raw, buffer = buffer[:end], buffer[end + 1 :]
            number += 1
            yield number, parse(raw)
        if len(buffer) > MAX_LINE_BYTES:
            raise Refusal("schema", f"{path} line {number + 1} is longer than {MAX_LINE_BYTES}")
    if buffer.strip():
        number += 1
        yield number, parse(buffer)


def _verify_lines(zf: zipfile.ZipFile, school: CentralSchool, verified: _Verified) -> None:
    manifest = verified.manifest
    index = verified.index
    for roster in manifest.rosters:
        path = f"rosters/{roster}.jsonl"
        semester = 0 if roster in YEARLY_ROSTERS else manifest.semester
        for number, line in _lines(zf, path):
            where = f"{path} line {number}"
            if line.roster != roster:
                raise Refusal("schema", f"{where}: roster {line.roster} in {path}")
            if line.school_year != manifest.school_year or line.semester != semester:
                raise Refusal(
                    "schema", f"{where}: year/semester must be {manifest.school_year}-{semester}"
                )
            try:
                index.execute("INSERT INTO lines VALUES (?, ?)", (roster, line.national_id))
            except sqlite3.IntegrityError as exc:
                raise Refusal("schema", f"{where}: the student appears twice") from exc
            index.execute("INSERT OR IGNORE INTO students VALUES (?)", (line.national_id,))
            for record in line.records:
                if record.get("school_code") != school.code:
                    raise Refusal("schema", f"{where}: a record's school_code is not {school.code}")
                if record.get("national_id") != line.national_id:
                    raise Refusal("schema", f"{where}: a record's national_id differs")
            for entry in line.files:
                part = index.part(f"files/{entry.sha256}")
                if part is None:
                    raise Refusal(
                        "missing_part", f"{where}: file {entry.sha256} is not in the package"
                    )
                if part.md5 != entry.md5 or part.size != entry.size:
                    raise Refusal(
                        "checksum_mismatch", f"{where}: file {entry.sha256} MD5 or size differs"
                    )
                index.execute(
                    "UPDATE parts SET content_type = ? WHERE path = ? AND content_type IS NULL",
                    (entry.content_type, part.path),
                )
        verified.combos.add((roster, manifest.school_year, semester))
    students = index.execute("SELECT COUNT(*) FROM students").fetchone()[0]
    if students != manifest.students:
        raise Refusal(
            "schema",
            f"manifest says {manifest.students} students; the rosters hold {students}",
        )
    unreferenced = index.execute(
        "SELECT path FROM parts WHERE substr(path, 1, 6) = 'files/' AND content_type IS NULL "
        "ORDER BY path LIMIT 1"
    ).fetchone()
    if unreferenced:
        raise Refusal("unexpected_part", f"no record references {unreferenced[0]}")


def _newer_versions(school: CentralSchool, verified: _Verified) -> QuerySet[CentralRecord]:
    version = verified.manifest.version
    records = CentralRecord.objects.none()
    for roster, school_year, semester in verified.combos:
        records |= CentralRecord.objects.filter(
            school_code=school.code,
            roster=roster,
            school_year=school_year,
            semester=semester,
            is_current=True,
            package__version__gt=version,
        )
    return records


def _check_not_stale(school: CentralSchool, verified: _Verified) -> None:
    newer = _newer_versions(school, verified).values_list("package__version", flat=True).first()
    if newer is not None:
        raise Refusal(
            "stale_version",
            f"version {verified.manifest.version} is older than the accepted version {newer}",
        )


def _store_files(zf: zipfile.ZipFile, verified: _Verified) -> None:
    """Write every file into the central store (content-addressed, fsynced, read back) before
    the database commit; a crash in between leaves only unreferenced, verified files."""
    storage = central_storage()
    for part in verified.index.parts("files/"):
        with tempfile.NamedTemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR) as tmp:
            for chunk in _read_part(zf, part.path):
                tmp.write(chunk)
            tmp.flush()
            put_blob(
                storage,
                blob_name(part.sha256),
                tmp.name,  # a str: see files.storage on pathlib interning
                Digest(part.sha256, part.md5, part.size),
            )


def _store(
    zf: zipfile.ZipFile, school: CentralSchool, verified: _Verified, digest: Digest
) -> Outcome:
    manifest = verified.manifest
    with transaction.atomic():
        # One ingest per school at a time: the stale-version check and the version numbers
        # below must see every earlier commit.
        CentralSchool.objects.select_for_update().get(pk=school.pk)
        existing = ReceivedPackage.objects.filter(package_id=manifest.package_id).first()
        if existing is not None and existing.status == PackageStatus.ACCEPTED:
            return _repeat(existing, verified.manifest_sha256)
        _check_not_stale(school, verified)
        now = timezone.now()
        package, _created = ReceivedPackage.objects.update_or_create(
            package_id=manifest.package_id,
            defaults={
                "school_code": school.code,
                "school_year": manifest.school_year,
                "semester": manifest.semester,
                "version": manifest.version,
                "sha256": digest.sha256,
                "size": digest.size,
                "status": PackageStatus.ACCEPTED,
                "reason_code": "",
                "reason": "",
            },
        )
        ReceivedPackage.objects.filter(pk=package.pk).update(received_at=now)
        for batch in itertools.batched(verified.index.files(), _BATCH):
            CentralFile.objects.bulk_create(
                [
                    CentralFile(
                        sha256=part.sha256, md5=part.md5, size=part.size, content_type=content_type
                    )
                    for part, content_type in batch
                ],
                ignore_conflicts=True,
            )
        students: list[dict[str, Any]] = []
        for roster in manifest.rosters:
            students.extend(_store_roster(zf, school, package, roster, now))
        CentralRecord.objects.filter(package=package).update(received_at=now)
        receipt = {
            "package_id": str(manifest.package_id),
            "status": PackageStatus.ACCEPTED.value,
            "school_code": school.code,
            "school_year": manifest.school_year,
            "semester": manifest.semester,
            "version": manifest.version,
            "received_at": now.isoformat(),
            "manifest_sha256": verified.manifest_sha256,
            "package_sha256": digest.sha256,
            "students": students,
        }
        ReceivedPackage.objects.filter(pk=package.pk).update(receipt=receipt)
    return Outcome(200, receipt)


def _store_roster(
    zf: zipfile.ZipFile,
    school: CentralSchool,
    package: ReceivedPackage,
    roster: str,
    now: datetime.datetime,
) -> list[dict[str, Any]]:
    """New CentralRecord versions for one roster's lines; earlier versions stay, not current."""
    entries: list[dict[str, Any]] = []
    batch: list[tuple[RosterLine, int | None, int]] = []
    lines: list[RosterLine] = []

    def flush() -> None:
        # The current version of each student's record, for this batch only (constant memory).
        current = {
            national_id: (pk, version)
            for pk, national_id, version in CentralRecord.objects.filter(
                school_code=school.code,
                roster=roster,
                school_year=lines[0].school_year,
                semester=lines[0].semester,
                is_current=True,
                national_id__in=[line.national_id for line in lines],
            ).values_list("pk", "national_id", "version")
        }
        for line in lines:
            previous = current.get(line.national_id)
            batch.append(
                (line, previous[0] if previous else None, previous[1] + 1 if previous else 1)
            )
        lines.clear()
        stale = [pk for _line, pk, _version in batch if pk is not None]
        if stale:
            CentralRecord.objects.filter(pk__in=stale).update(is_current=False)
        rows = [
            CentralRecord(
                package=package,
                school_code=school.code,
                national_id=line.national_id,
                roster=roster,
                school_year=line.school_year,
                semester=line.semester,
                version=version,
                records=line.records,
                files=[entry.model_dump() for entry in line.files],
                is_current=True,
            )
            for line, _pk, version in batch
        ]
        CentralRecord.objects.bulk_create(rows)
        for line, _pk, version in batch:
            entries.append(
                {
                    "national_id": line.national_id,
                    "roster": roster,
                    "school_year": line.school_year,
                    "semester": line.semester,
                    "record_count": len(line.records),
                    "file_count": len(line.files),
                    "sha256s": [entry.sha256 for entry in line.files],
                    "version": version,
                    "received_at": now.isoformat(),
                }
            )
        batch.clear()

    path = f"rosters/{roster}.jsonl"
    for _number, line in _lines(zf, path):
        lines.append(line)
        if len(lines) >= _LINE_BATCH:
            flush()
    if lines:
        flush()
    return entries


def _record_rejection(
    school: CentralSchool, path: Path, digest: Digest, hint: str, refusal: Refusal
) -> None:
    """Keep a ReceivedPackage(status=rejected) row; nothing else is stored. An accepted row
    for the same id is never touched."""
    manifest: dict[str, Any] = {}
    try:
        with zipfile.ZipFile(path) as zf, zf.open(MANIFEST) as handle:
            # Streamed: only the top-level scalars, never the parts list; unprefixed events
            # (see MAX_MANIFEST_DEPTH), stopping at that depth.
            depth, key = 0, None
            for event, value in ijson.basic_parse(handle):
                if event == "map_key" and depth == 1:
                    key = value
                elif event in ("string", "number") and depth == 1 and key in _REJECTION_KEYS:
                    manifest.setdefault(key, value)
                elif event in ("start_map", "start_array"):
                    depth += 1
                    if depth > MAX_MANIFEST_DEPTH:
                        break
                elif event in ("end_map", "end_array"):
                    depth -= 1
    except Exception:  # noqa: S110 (best effort: the manifest may be what is broken)
        pass
    package_id = _uuid(manifest.get("package_id")) or _uuid(hint) or uuid.uuid4()
    existing = ReceivedPackage.objects.filter(package_id=package_id).first()
    if existing is not None and existing.status == PackageStatus.ACCEPTED:
        return
    if existing is not None and existing.school_code != school.code:
        # Another school's package id: do not let this sender overwrite its record.
        package_id = uuid.uuid4()

    def small_int(name: str) -> int | None:
        value = manifest.get(name)
        return value if isinstance(value, int) and 0 <= value < 32768 else None

    ReceivedPackage.objects.update_or_create(
        package_id=package_id,
        defaults={
            "school_code": school.code,
            "school_year": small_int("school_year"),
            "semester": small_int("semester"),
            "version": small_int("version"),
            "sha256": digest.sha256,
            "size": digest.size,
            "status": PackageStatus.REJECTED,
            "reason_code": refusal.code,
            "reason": refusal.detail[:2000],
            "receipt": {},
        },
    )


_REJECTION_KEYS = {"package_id", "school_year", "semester", "version"}


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None
