"""Export: one student's school-side portfolio as a transfer package (see the package docstring)."""

from __future__ import annotations

import datetime
import hashlib
import json
import tempfile
import uuid
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from audit.actions import record_event
from files.errors import BlobUnavailable
from files.models import Blob
from files.serving import open_blob
from portfolios.models import (
    CourseOutcome,
    Performance,
    TickSlot,
)
from schools.models import (
    CadreRecord,
    CourseRecord,
    School,
    Student,
    Teacher,
    Term,
)
from schools.permissions import is_registrar_of

from ..models import TransferredItem
from .common import (
    _CHUNK,
    DATA,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    _counts,
    _staging_dir,
)

# --- Export ---------------------------------------------------------------------------------


def _dec(value: Decimal | None) -> str | None:
    return str(value) if value is not None else None


def _date(value: datetime.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _term(term: Term) -> dict[str, Any]:
    return {
        "school_year": term.school_year,
        "semester": term.semester,
        "start_date": term.start_date.isoformat(),
        "end_date": term.end_date.isoformat(),
    }


def _file(blob: Blob | None, name: str, blobs: dict[str, Blob]) -> dict[str, Any] | None:
    if blob is None:
        return None
    blobs[blob.sha256] = blob
    return {
        "sha256": blob.sha256,
        "md5": blob.md5,
        "size": blob.size,
        "content_type": blob.content_type,
        "name": name,
    }


def _certifier_names(outcomes: list[CourseOutcome]) -> dict[uuid.UUID, str]:
    """Certifier name per outcome code: the teacher's name, or the name an earlier transfer
    carried in."""
    user_ids = {o.certified_by_id for o in outcomes if o.certified_by_id}
    teachers = dict(Teacher.objects.filter(user_id__in=user_ids).values_list("user_id", "name"))
    users = {u.pk: u for u in User.objects.filter(pk__in=user_ids)}
    carried = dict(
        TransferredItem.objects.filter(
            object_code__in=[o.code for o in outcomes], kind="outcome"
        ).values_list("object_code", "certifier_name")
    )
    names: dict[uuid.UUID, str] = {}
    for outcome in outcomes:
        if outcome.certified_by_id:
            user = users.get(outcome.certified_by_id)
            names[outcome.code] = teachers.get(outcome.certified_by_id) or (
                (user.get_full_name() or user.get_username()) if user else ""
            )
        else:
            names[outcome.code] = carried.get(outcome.code, "")
    return names


def student_data(student: Student) -> tuple[dict[str, Any], dict[str, Blob]]:
    """The student's school-side portfolio as the package's ``student.json``, and the blobs it
    references by SHA-256. A few queries, independent of the number of items."""
    blobs: dict[str, Blob] = {}
    records = list(
        CourseRecord.objects.filter(student=student)
        .select_related("offering__course", "offering__term")
        .order_by("offering__term__school_year", "offering__term__semester", "pk")
    )
    cadres = list(
        CadreRecord.objects.filter(student=student).select_related("term").order_by("start_date")
    )
    outcomes = list(
        CourseOutcome.objects.filter(student=student)
        .select_related("course_record", "document_blob", "media_blob")
        .order_by("school_year", "semester", "pk")
    )
    performances = list(
        Performance.objects.filter(student=student)
        .select_related("term", "document_blob", "media_blob")
        .order_by("school_year", "pk")
    )
    ticks = list(
        TickSlot.objects.filter(student=student)
        .select_related("outcome", "performance")
        .order_by("school_year", "kind", "slot")
    )
    certifiers = _certifier_names(outcomes)
    data: dict[str, Any] = {
        "student": {
            "national_id": student.national_id,
            "name": student.name,
            "date_of_birth": student.date_of_birth.isoformat(),
            "gender": student.gender,
            "entry_year": student.entry_year,
            "department": student.department,
            "student_number": student.student_number,
        },
        "course_records": [
            {
                "code": str(r.code),
                "term": _term(r.offering.term),
                "course": {
                    "code": r.offering.course.code,
                    "name": r.offering.course.name,
                    "credits": _dec(r.offering.course.credits),
                    "grade": r.offering.course.grade,
                    "semester": r.offering.course.semester,
                },
                "score": _dec(r.score),
                "passed": r.passed,
                "makeup_score": _dec(r.makeup_score),
                "makeup_passed": r.makeup_passed,
                "credits_earned": _dec(r.credits_earned),
                "remark": r.remark,
            }
            for r in records
        ],
        "cadre_records": [
            {
                "term": _term(c.term),
                "unit_name": c.unit_name,
                "position_title": c.position_title,
                "level": c.level,
                "start_date": c.start_date.isoformat(),
                "end_date": _date(c.end_date),
            }
            for c in cadres
        ],
        "outcomes": [
            {
                "code": str(o.code),
                "course_record": str(o.course_record.code),
                "school_year": o.school_year,
                "semester": o.semester,
                "description": o.description,
                "status": o.status,
                "sent_at": o.sent_at.isoformat() if o.sent_at else None,
                "certified_at": o.certified_at.isoformat() if o.certified_at else None,
                "certifier_name": certifiers.get(o.code, ""),
                "returned_at": o.returned_at.isoformat() if o.returned_at else None,
                "return_reason": o.return_reason,
                "created_at": o.created_at.isoformat(),
                "document": _file(o.document_blob, o.document_name, blobs),
                "media": _file(o.media_blob, o.media_name, blobs),
            }
            for o in outcomes
        ],
        "performances": [
            {
                "code": str(p.code),
                "record_type": p.record_type,
                "school_year": p.school_year,
                "term": _term(p.term),
                "title": p.title,
                "details": p.details,
                "description": p.description,
                "external_link": p.external_link,
                "created_at": p.created_at.isoformat(),
                "document": _file(p.document_blob, p.document_name, blobs),
                "media": _file(p.media_blob, p.media_name, blobs),
            }
            for p in performances
        ],
        "ticks": [
            {
                "school_year": t.school_year,
                "kind": t.kind,
                "slot": t.slot,
                "item": str(t.outcome.code if t.outcome else t.performance.code),  # type: ignore[union-attr]
                "semester": t.semester,
                "locked_at": t.locked_at.isoformat() if t.locked_at else None,
            }
            for t in ticks
        ],
    }
    return data, blobs


@dataclass
class ExportedPackage:
    """A built transfer package on disk (the caller removes ``path``)."""

    path: Path
    filename: str
    package_id: uuid.UUID
    sha256: str
    size: int  # bytes
    counts: dict[str, int]


def _copy_hashing(source: IO[bytes], target: IO[bytes]) -> tuple[str, int]:
    sha = hashlib.sha256()
    size = 0
    while chunk := source.read(_CHUNK):
        sha.update(chunk)
        size += len(chunk)
        target.write(chunk)
    return sha.hexdigest(), size


def write_package(
    data: dict[str, Any], blobs: dict[str, Blob], school: School, out: IO[bytes]
) -> dict[str, Any]:
    """Write a transfer package ZIP to ``out`` (streamed: files are copied in 1 MiB chunks
    from verified blob copies); returns the manifest. Raises ``BlobUnavailable`` when a file
    has no good copy."""
    package_id = uuid.uuid4()
    parts: list[dict[str, Any]] = []
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        body = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
        archive.writestr(DATA, body)
        parts.append({"path": DATA, "sha256": hashlib.sha256(body).hexdigest(), "size": len(body)})
        for sha256 in sorted(blobs):
            blob = blobs[sha256]
            name = f"files/{sha256}"
            handle = open_blob(blob)
            try:
                info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_STORED  # PDFs, images and media are compressed
                info.file_size = blob.size
                with archive.open(info, "w") as target:
                    digest, size = _copy_hashing(handle, target)
            finally:
                handle.close()
            if digest != blob.sha256 or size != blob.size:
                raise BlobUnavailable(blob.sha256)
            parts.append({"path": name, "sha256": digest, "md5": blob.md5, "size": size})
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "package_id": str(package_id),
            "created_at": timezone.now().isoformat(),
            "school": {"code": school.code, "name": school.name},
            "counts": {**_counts(data), "files": len(blobs)},
            "parts": parts,
        }
        archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
    return manifest


def export_student_package(
    *, actor: User, student: Student, request: HttpRequest | None = None
) -> ExportedPackage:
    """Build the transfer package of ``student`` (registrars of the student's school only;
    ``PermissionDenied`` otherwise) into a file under the transfer directory; audit row
    ``transfer.export`` (no national ID in it). Raises ``BlobUnavailable`` when a file has no
    good copy (nothing is exported then)."""
    if not is_registrar_of(actor, student.school_id):
        raise PermissionDenied
    data, blobs = student_data(student)
    fd, name = tempfile.mkstemp(prefix="export-", suffix=".zip", dir=_staging_dir())
    path = Path(name)
    try:
        with open(fd, "wb") as out:
            manifest = write_package(data, blobs, student.school, out)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    sha256 = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            sha256.update(chunk)
    counts = manifest["counts"]
    record_event(
        actor=actor,
        action="transfer.export",
        target=f"student:{student.code}",
        student=student,
        request=request,
        detail={"package_id": manifest["package_id"], "counts": counts},
    )
    return ExportedPackage(
        path=path,
        filename=f"transfer-{student.school.code}-{student.student_number}.zip",
        package_id=uuid.UUID(manifest["package_id"]),
        sha256=sha256.hexdigest(),
        size=path.stat().st_size,
        counts=counts,
    )
