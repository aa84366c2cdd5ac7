"""Snapshots and the package sent to the central database (RULES.md §5; docs/package-format.md).

``snapshot_submission`` freezes exactly what is sent, per student and roster, inside the submit
transaction. ``build_package`` turns a submission's snapshots into one ZIP — a BagIt-like
package (RELIABILITY.md §1.4): ``manifest.json`` lists every other part with its SHA-256, MD5
and size, and ``manifest.sha256`` (the tag manifest) holds the checksum of ``manifest.json``.

The build is streamed in constant memory: file bytes are copied from the blob storage in
chunks, JSONL lines are written one snapshot at a time, and the per-file bookkeeping (distinct
files, the manifest's parts, the ZIP central directory) lives in a temporary on-disk index
(files.spool). It is deterministic (the same snapshots give the same bytes, so a rebuild after
a crash cannot change what a package id means) and durable (a temporary file in the target
directory, fsynced, then renamed into place and the directory fsynced).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from files.hashing import Hasher
from files.models import Blob
from files.serving import open_blob
from files.spool import DiskBackedZipFile, DiskIndex
from schools.models import Student

from .models import Roster, Snapshot, Submission, SubmissionStatus
from .rosters import rows_for

PACKAGE_FORMAT = "licheng-central-package"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
TAG_MANIFEST = "manifest.sha256"
PROGRESS_EVERY = 50  # update Submission.progress every N students (or files)
CHUNK = 1024 * 1024
_BATCH = 500


class PackageError(Exception):
    """The package cannot be built (e.g. a file's bytes are unavailable or changed)."""


# --- Snapshots -------------------------------------------------------------------------------


def snapshot_submission(
    submission: Submission, students: Iterable[Student], rosters: Sequence[str]
) -> int:
    """Freeze what ``submission`` sends: one immutable Snapshot per student and roster.

    Call inside the submit transaction, before enqueueing the build (``tasks.enqueue_build``).
    Rows come from ``rosters.rows_for`` — the same rows the pre-check checked — for the
    submission's school year and semester (yearly rosters carry semester 0). A student with no
    rows in a roster still gets an (empty) snapshot: "nothing" is what was sent. Sets
    ``submission.student_count``; returns the number of snapshots created.
    """
    unknown = set(rosters) - set(Roster.values)
    if unknown:
        raise ValueError(f"unknown rosters: {sorted(unknown)}")
    batch: list[Snapshot] = []
    created = 0
    student_ids: set[int] = set()
    for student in students:
        student_ids.add(student.pk)
        for roster in rosters:
            rows = rows_for(roster, student, submission.school_year, submission.semester)
            batch.append(
                Snapshot(
                    submission=submission,
                    student=student,
                    roster=roster,
                    school_year=rows.school_year,
                    semester=rows.semester,
                    records=rows.records,
                    files=rows.files,
                )
            )
        if len(batch) >= _BATCH:
            Snapshot.objects.bulk_create(batch)
            created += len(batch)
            batch = []
    if batch:
        Snapshot.objects.bulk_create(batch)
        created += len(batch)
    submission.student_count = len(student_ids)
    if not submission.rosters:
        submission.rosters = list(rosters)
    submission.save(update_fields=["student_count", "rosters", "updated_at"])
    return created


# --- Package ---------------------------------------------------------------------------------


def package_path(submission: Submission) -> Path:
    """Where the package of ``submission`` lives: ``MEDIA_ROOT/packages/<school>/<code>.zip``."""
    return (
        Path(settings.MEDIA_ROOT) / "packages" / submission.school.code / f"{submission.code}.zip"
    )


def file_sha256(path: Path) -> str:
    """SHA-256 (hex) of a file on disk, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def package_is_intact(submission: Submission) -> bool:
    """Whether the built package is on disk with the recorded SHA-256."""
    if not submission.package_sha256:
        return False
    path = package_path(submission)
    return path.is_file() and file_sha256(path) == submission.package_sha256


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _makedirs(path: Path) -> None:
    missing = []
    current = path
    while not current.exists():
        missing.append(current)
        current = current.parent
    for directory in reversed(missing):
        directory.mkdir(exist_ok=True)
        _fsync_dir(directory.parent)


def _json_line(obj: Any) -> bytes:
    return (
        json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"
    ).encode("utf-8")


class _Progress:
    """Writes Submission.progress (0–99 while building) every PROGRESS_EVERY units."""

    def __init__(self, submission: Submission, total: int) -> None:
        self.submission = submission
        self.total = max(total, 1)
        self.done = 0

    def step(self) -> None:
        self.done += 1
        if self.done % PROGRESS_EVERY == 0:
            percent = min(99, self.done * 100 // self.total)
            Submission.objects.filter(pk=self.submission.pk).update(progress=percent)


def _part_entry(path: str, hasher: Hasher) -> dict[str, Any]:
    digest = hasher.digest()
    return {"path": path, "sha256": digest.sha256, "md5": digest.md5, "size": digest.size}


class _PackageIndex(DiskIndex):
    """What the build remembers per file, on disk (files.spool): the distinct files to
    package and the parts written so far, in order (for the manifest)."""

    def __init__(self) -> None:
        super().__init__()
        self.execute("CREATE TABLE files (sha256 TEXT PRIMARY KEY)")
        self.execute(
            "CREATE TABLE parts (seq INTEGER PRIMARY KEY, path TEXT, sha256 TEXT, md5 TEXT, "
            "size INTEGER)"
        )

    def add_files(self, sha256s: Iterable[str]) -> None:
        self.executemany("INSERT OR IGNORE INTO files VALUES (?)", ((s,) for s in sha256s))

    def file_count(self) -> int:
        return int(self.execute("SELECT COUNT(*) FROM files").fetchone()[0])

    def files(self) -> Iterator[str]:
        for (sha256,) in self.execute("SELECT sha256 FROM files ORDER BY sha256"):
            yield sha256

    def add_part(self, entry: dict[str, Any]) -> None:
        self.execute(
            "INSERT INTO parts (path, sha256, md5, size) VALUES (?, ?, ?, ?)",
            (entry["path"], entry["sha256"], entry["md5"], entry["size"]),
        )

    def parts(self) -> Iterator[dict[str, Any]]:
        for path, sha256, md5, size in self.execute(
            "SELECT path, sha256, md5, size FROM parts ORDER BY seq"
        ):
            yield {"path": path, "sha256": sha256, "md5": md5, "size": size}


def _write_roster(
    zf: zipfile.ZipFile,
    submission: Submission,
    roster: str,
    date_time: tuple[int, int, int, int, int, int],
    progress: _Progress,
) -> dict[str, Any]:
    name = f"rosters/{roster}.jsonl"
    info = zipfile.ZipInfo(name, date_time=date_time)
    info.compress_type = zipfile.ZIP_DEFLATED
    hasher = Hasher()
    snapshots = (
        Snapshot.objects.filter(submission=submission, roster=roster)
        .select_related("student")
        .order_by("student__student_number", "student_id")
    )
    with zf.open(info, "w", force_zip64=True) as out:
        for snapshot in snapshots.iterator(chunk_size=200):
            line = _json_line(
                {
                    "national_id": snapshot.student.national_id,
                    "roster": snapshot.roster,
                    "school_year": snapshot.school_year,
                    "semester": snapshot.semester,
                    "records": snapshot.records,
                    "files": snapshot.files,
                }
            )
            hasher.update(line)
            out.write(line)
            progress.step()
    return _part_entry(name, hasher)


def _write_file(
    zf: zipfile.ZipFile, sha256: str, date_time: tuple[int, int, int, int, int, int]
) -> dict[str, Any]:
    blob = Blob.objects.filter(sha256=sha256).first()
    if blob is None:
        raise PackageError(f"file {sha256} is not in the blob store")
    name = f"files/{sha256}"
    info = zipfile.ZipInfo(name, date_time=date_time)
    info.compress_type = zipfile.ZIP_STORED  # files are already compressed formats
    info.file_size = blob.size
    hasher = Hasher()
    with open_blob(blob) as src, zf.open(info, "w") as out:
        while chunk := src.read(CHUNK):
            data = chunk if isinstance(chunk, bytes) else chunk.encode()
            hasher.update(data)
            out.write(data)
    entry = _part_entry(name, hasher)
    if entry["sha256"] != sha256 or entry["size"] != blob.size:
        raise PackageError(f"file {sha256} changed while it was being packaged")
    return entry


def manifest_header(submission: Submission) -> dict[str, Any]:
    """The manifest of ``submission``'s package without its ``parts`` (docs/package-format.md)."""
    return {
        "format": PACKAGE_FORMAT,
        "format_version": FORMAT_VERSION,
        "package_id": str(submission.code),
        "school_code": submission.school.code,
        "school_year": submission.school_year,
        "semester": submission.semester,
        "version": submission.version,
        "rosters": list(submission.rosters),
        "created_at": submission.created_at.isoformat(),
        "students": submission.student_count,
    }


def _write_manifest(
    zf: zipfile.ZipFile,
    submission: Submission,
    parts: Iterable[dict[str, Any]],
    date_time: tuple[int, int, int, int, int, int],
) -> str:
    """Stream ``manifest.json`` (the header, then ``"parts"`` one per line) into the ZIP;
    returns its SHA-256. Never holds the whole manifest in memory."""
    info = zipfile.ZipInfo(MANIFEST, date_time=date_time)
    info.compress_type = zipfile.ZIP_DEFLATED
    digest = hashlib.sha256()
    with zf.open(info, "w", force_zip64=True) as out:

        def write(text: str) -> None:
            data = text.encode("utf-8")
            digest.update(data)
            out.write(data)

        header = json.dumps(manifest_header(submission), ensure_ascii=False, indent=1)
        write(header[:-2] + ',\n "parts": [')  # header ends with "\n}"
        separator = "\n  "
        for part in parts:
            write(separator + json.dumps(part, ensure_ascii=False, sort_keys=True))
            separator = ",\n  "
        write("\n ]\n}")
    return digest.hexdigest()


def build_package(submission: Submission) -> Path:
    """Build ``submission``'s package from its snapshots; returns the ZIP's path.

    Idempotent: an intact package already built (recorded SHA-256 matches) is returned as is;
    otherwise the same bytes are rebuilt (ZIP times are the submission's creation time).
    Sets status BUILDING then BUILT with ``package_name``/``package_sha256``/``package_size``
    and ``progress`` (updated every PROGRESS_EVERY students or files). Raises PackageError
    (a file's bytes are missing or changed; see files.serving.open_blob) or OSError.

    Memory is constant in the size of the school: file bytes are copied in CHUNK-sized pieces,
    roster lines are written one snapshot at a time, and what is kept per file (the distinct
    files, the manifest's parts, the ZIP central directory) lives in a temporary on-disk
    SQLite database (files.spool). W5 in docs/benchmarks.md measures it.
    """
    path = package_path(submission)
    if package_is_intact(submission):
        return path
    Submission.objects.filter(pk=submission.pk).update(
        status=SubmissionStatus.BUILDING, progress=0, updated_at=timezone.now()
    )
    date_time = timezone.localtime(submission.created_at).timetuple()[:6]
    rosters = list(submission.rosters)

    _makedirs(path.parent)
    tmp = path.parent / f".tmp-{submission.code}-{secrets.token_hex(4)}"
    try:
        with _PackageIndex() as index:
            total = 0
            for files in (
                Snapshot.objects.filter(submission=submission)
                .values_list("files", flat=True)
                .iterator(chunk_size=500)
            ):
                total += 1
                index.add_files(entry["sha256"] for entry in files)
            progress = _Progress(submission, total + index.file_count())
            with tmp.open("xb") as raw:
                with DiskBackedZipFile(raw, "w", allowZip64=True) as zf:
                    for roster in rosters:
                        index.add_part(_write_roster(zf, submission, roster, date_time, progress))
                    for sha256 in index.files():
                        index.add_part(_write_file(zf, sha256, date_time))
                        progress.step()
                    manifest_sha256 = _write_manifest(zf, submission, index.parts(), date_time)
                    tag = zipfile.ZipInfo(TAG_MANIFEST, date_time=date_time)
                    zf.writestr(tag, f"{manifest_sha256}  {MANIFEST}\n")
                raw.flush()
                os.fsync(raw.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise

    submission.package_name = str(path.relative_to(settings.MEDIA_ROOT))
    submission.package_sha256 = file_sha256(path)
    submission.package_size = path.stat().st_size
    submission.status = SubmissionStatus.BUILT
    submission.progress = 100
    with transaction.atomic():
        submission.save(
            update_fields=[
                "package_name",
                "package_sha256",
                "package_size",
                "status",
                "progress",
                "updated_at",
            ]
        )
    return path
