"""Transfer students (轉學生): export one student's whole school-side portfolio as a package and
import it at another school. RULES.md §1 (歷程交換人員), §2.4 (flag 轉學轉科前), §5 ("Students
who transfer carry their portfolio via an export/import exchange package (per-student JSON +
files + filename mapping)").

Package (``format: "licheng-transfer"``, ``format_version: 1``), a ZIP holding:

* ``manifest.json`` — package id, creation time (UTC ISO), the exporting school, and
  ``parts``: every other member with its SHA-256 and size in bytes (files also their MD5);
* ``student.json`` — basic data (register data, school-entered cadre records), course records
  with their terms and courses, course outcomes (certification state, certifier's name as
  text), diverse performances, ticks; dates ISO (Gregorian), decimals as strings;
* ``files/<sha256>`` — the bytes of every document and media file, named by content.

Course-consultation records never leave the school (RULES.md §2) and are not exported;
attendance and merits are school-platform records and stay too.

Import never trusts the package: every part is checked against the manifest (a tampered or
truncated package is refused whole), every file goes through ``files.ingest.check_and_store``
again under the rules of its item's 學年度, and the student must already be on the receiving
school's register with the same national ID. All rows are written in one transaction.

How the earlier school's records are attached at the receiving school: terms are the receiving
school's own terms of the same 學年度/學期 (created, not current, when missing); each course
becomes a ``Course`` of the receiving school keeping its 23-character course code — whose
positions 4–9 still name the earlier school — offered in an ``CourseOffering`` without class
or teacher. Every created course record, outcome and performance gets a ``TransferredItem``
row marking it as before the transfer (轉學轉科前) and holding the certifier's name as text.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import re
import tempfile
import uuid
import zipfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from audit.actions import record_event
from files.errors import BlobUnavailable, FileRejected
from files.ingest import blob_for, check_and_store
from files.models import Blob
from files.names import name_extension
from files.serving import open_blob
from portfolios.models import (
    CourseOutcome,
    OutcomeStatus,
    Performance,
    RecordType,
    RuleSet,
    TickKind,
    TickSlot,
)
from schools.identity import mask_id, normalize_id
from schools.models import (
    CadreRecord,
    Course,
    CourseOffering,
    CourseRecord,
    School,
    Student,
    Teacher,
    Term,
)
from schools.permissions import is_registrar_of

from .models import TransferImport, TransferredItem

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


def _counts(data: dict[str, Any]) -> dict[str, int]:
    return {
        key: len(data.get(key) or [])
        for key in ("course_records", "cadre_records", "outcomes", "performances", "ticks")
    }


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


def _staging_dir() -> Path:
    directory = Path(
        getattr(settings, "LICHENG_TRANSFER_DIR", "") or Path(settings.MEDIA_ROOT) / "transfer"
    )
    directory.mkdir(parents=True, exist_ok=True)
    return directory


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


# --- Reading and verifying a package --------------------------------------------------------

TAMPERED = "資料包已損毀或遭竄改：{what}，未匯入任何資料。請向原就讀學校重新索取資料包。"


def _refuse_tampered(what: str) -> TransferRefused:
    return TransferRefused(TAMPERED.format(what=what), code="tampered")


@dataclass
class TransferPackage:
    """A verified transfer package: every part matched the manifest."""

    path: Path
    sha256: str  # of the whole ZIP
    manifest: dict[str, Any]
    data: dict[str, Any]

    @property
    def package_id(self) -> uuid.UUID:
        return uuid.UUID(str(self.manifest["package_id"]))

    @property
    def source_school(self) -> dict[str, str]:
        return dict(self.manifest["school"])

    @property
    def national_id(self) -> str:
        return normalize_id(str(self.data["student"]["national_id"]))

    @property
    def masked_id(self) -> str:
        return mask_id(self.national_id)

    @property
    def student_name(self) -> str:
        return str(self.data["student"]["name"])

    @property
    def counts(self) -> dict[str, int]:
        return {**_counts(self.data), "files": len(self.file_parts)}

    @property
    def file_parts(self) -> dict[str, dict[str, Any]]:
        return {
            p["path"].removeprefix("files/"): p
            for p in self.manifest["parts"]
            if p["path"].startswith("files/")
        }


def _hash_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> tuple[str, int]:
    sha = hashlib.sha256()
    size = 0
    with archive.open(info) as member:
        while chunk := member.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise _refuse_tampered(f"{info.filename} 超過大小上限")
            sha.update(chunk)
    return sha.hexdigest(), size


def _check_schema(data: Any) -> None:
    if not isinstance(data, dict) or not isinstance(data.get("student"), dict):
        raise TransferRefused("資料包內容格式不符（缺少學生基本資料），未匯入。", code="schema")
    for key in ("national_id", "name", "date_of_birth"):
        if not data["student"].get(key):
            raise TransferRefused(f"資料包內容格式不符（缺少 {key}），未匯入。", code="schema")
    for key in ("course_records", "cadre_records", "outcomes", "performances", "ticks"):
        if not isinstance(data.get(key, []), list):
            raise TransferRefused(f"資料包內容格式不符（{key}），未匯入。", code="schema")


def read_package(path: Path) -> TransferPackage:
    """Open and verify a transfer package; raises :class:`TransferRefused` (``not_a_package``,
    ``version``, ``tampered``, ``schema``) when anything does not match. Reads each member in
    1 MiB chunks; memory does not grow with the files."""
    if not zipfile.is_zipfile(path):
        raise TransferRefused("上傳的檔案不是轉學生歷程資料包（ZIP）。", code="not_a_package")
    whole = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            whole.update(chunk)
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            names = [i.filename for i in infos]
            if len(names) != len(set(names)) or len(names) > MAX_MEMBERS:
                raise _refuse_tampered("成員重複或過多")
            if MANIFEST not in names:
                raise TransferRefused("資料包缺少 manifest.json，未匯入。", code="not_a_package")
            manifest_info = archive.getinfo(MANIFEST)
            if manifest_info.file_size > MAX_DATA_BYTES:
                raise _refuse_tampered("manifest.json 過大")
            try:
                manifest = json.loads(archive.read(MANIFEST).decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                raise _refuse_tampered("manifest.json 無法解讀") from None
            if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
                raise TransferRefused(
                    "這不是轉學生歷程資料包（格式不符），未匯入。", code="not_a_package"
                )
            if manifest.get("format_version") != FORMAT_VERSION:
                raise TransferRefused(
                    f"資料包格式版本 {manifest.get('format_version')} 不支援"
                    f"（支援第 {FORMAT_VERSION} 版），未匯入。",
                    code="version",
                )
            try:
                parts = {str(p["path"]): p for p in manifest["parts"]}
                uuid.UUID(str(manifest["package_id"]))
                str(manifest["school"]["code"])
            except (KeyError, TypeError, ValueError):
                raise _refuse_tampered("manifest.json 欄位不全") from None
            members = set(names) - {MANIFEST}
            if set(parts) != members:
                missing = sorted(set(parts) - members)
                extra = sorted(members - set(parts))
                what = f"缺少 {missing[0]}" if missing else f"多出未列於清單的 {extra[0]}"
                raise _refuse_tampered(what)
            if DATA not in parts:
                raise _refuse_tampered("缺少 student.json")
            total = 0
            for name in sorted(members):
                if name != DATA and not FILE_MEMBER.match(name):
                    raise _refuse_tampered(f"不明成員 {name}")
                limit = MAX_DATA_BYTES if name == DATA else MAX_FILE_BYTES
                digest, size = _hash_member(archive, archive.getinfo(name), limit)
                total += size
                if total > MAX_TOTAL_BYTES:
                    raise _refuse_tampered("總大小超過上限")
                expected = parts[name]
                if digest != expected.get("sha256") or size != expected.get("size"):
                    raise _refuse_tampered(f"{name} 的檢查碼不符")
                if name != DATA and name.removeprefix("files/") != digest:
                    raise _refuse_tampered(f"{name} 的內容與檔名不符")
            try:
                data = json.loads(archive.read(DATA).decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                raise _refuse_tampered("student.json 無法解讀") from None
    except zipfile.BadZipFile:  # includes a CRC error in a member
        raise _refuse_tampered("ZIP 結構錯誤") from None
    _check_schema(data)
    package = TransferPackage(path=path, sha256=whole.hexdigest(), manifest=manifest, data=data)
    files = package.file_parts
    for kind in ("outcomes", "performances"):
        for item in data.get(kind, []):
            for role in ("document", "media"):
                ref = item.get(role)
                if ref and ref.get("sha256") not in files:
                    raise _refuse_tampered(f"缺少 {ref.get('name', '')} 的檔案")
    return package


# --- Staging between the preview and the import --------------------------------------------


def stage_upload(uploaded: File) -> tuple[str, TransferPackage]:
    """Keep an uploaded package for its preview, verified. Returns a token naming it and the
    package; raises :class:`TransferRefused` (the copy is removed then)."""
    token = uuid.uuid4().hex
    path = _staging_dir() / f"upload-{token}.zip"
    with path.open("wb") as out:
        for chunk in uploaded.chunks(_CHUNK):
            out.write(chunk)
    try:
        return token, read_package(path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def staged_path(token: str) -> Path:
    """The staged package of ``token``; ``TransferRefused("expired")`` when it is gone."""
    if not re.fullmatch(r"[0-9a-f]{32}", token or ""):
        raise TransferRefused("找不到上傳的資料包，請重新上傳。", code="expired")
    path = _staging_dir() / f"upload-{token}.zip"
    if not path.exists():
        raise TransferRefused("找不到上傳的資料包，請重新上傳。", code="expired")
    return path


def discard_staged(token: str) -> None:
    with contextlib.suppress(TransferRefused):
        staged_path(token).unlink(missing_ok=True)


# --- Import ---------------------------------------------------------------------------------


def _parse_dt(raw: str | None) -> datetime.datetime | None:
    if not raw:
        return None
    value = datetime.datetime.fromisoformat(raw)
    return value if timezone.is_aware(value) else timezone.make_aware(value, datetime.UTC)


def _parse_dec(raw: Any) -> Decimal | None:
    if raw in (None, ""):
        return None
    try:
        return Decimal(str(raw))
    except InvalidOperation:
        raise TransferRefused(f"資料包內容格式不符（數值 {raw!r}），未匯入。", "schema") from None


#: An extension for a file whose stored name has none (the check still compares content).
_EXTENSION_OF_TYPE = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "audio/mpeg": "mp3",
    "video/mp4": "mp4",
}


def _check_one(package: TransferPackage, ref: dict[str, Any], rule: Any) -> Any:
    name = str(ref.get("name") or "")
    if not name_extension(name):
        name = f"{name or 'file'}.{_EXTENSION_OF_TYPE.get(str(ref.get('content_type')), 'bin')}"
    with (
        zipfile.ZipFile(package.path) as archive,
        archive.open(f"files/{ref['sha256']}") as member,
    ):
        return check_and_store(File(member, name=name), rule=rule)


def _check_files(package: TransferPackage) -> dict[str, Any]:
    """Run every referenced file through ``check_and_store`` under its item's rules; returns
    StoredFile by SHA-256. Raises TransferRefused naming the item when one is refused."""
    stored: dict[str, Any] = {}
    labels = {"outcomes": "課程學習成果", "performances": "多元表現"}
    for kind, label in labels.items():
        for item in package.data.get(kind, []):
            rules = RuleSet.for_year(int(item["school_year"]))
            for role, rule in (("document", rules.document_rule), ("media", rules.media_rule)):
                ref = item.get(role)
                if not ref or ref["sha256"] in stored:
                    continue
                name = str(ref.get("name") or "")
                try:
                    result = _check_one(package, ref, rule)
                except FileRejected as exc:
                    raise TransferRefused(
                        f"{label}「{item.get('description') or item.get('title', '')}」的檔案"
                        f"「{name}」未通過檢查：{exc.message}。未匯入任何資料。",
                        code="file_rejected",
                    ) from exc
                if result.sha256 != ref["sha256"]:
                    raise _refuse_tampered(f"{name} 的檢查碼不符")
                stored[ref["sha256"]] = result
    return stored


def _default_dates(school_year: int, semester: int) -> tuple[datetime.date, datetime.date]:
    """Term dates when the package has none: 學年度 N starts 1 Aug of AD N+1911; semester 1
    runs Aug–Jan, semester 2 Feb–Jul (RULES.md §0.2 calendar note)."""
    year = school_year + 1911
    if semester == 1:
        return datetime.date(year, 8, 1), datetime.date(year + 1, 1, 31)
    return datetime.date(year + 1, 2, 1), datetime.date(year + 1, 7, 31)


class _Attacher:
    """Finds or creates the receiving school's terms, courses and offerings for the earlier
    school's records (see the module docstring)."""

    def __init__(self, school: School) -> None:
        self.school = school
        self.terms: dict[tuple[int, int], Term] = {
            (t.school_year, t.semester): t for t in Term.objects.filter(school=school)
        }

    def term(self, raw: dict[str, Any]) -> Term:
        key = (int(raw["school_year"]), int(raw["semester"]))
        if key not in self.terms:
            start, end = _default_dates(*key)
            if raw.get("start_date") and raw.get("end_date"):
                start = datetime.date.fromisoformat(raw["start_date"])
                end = datetime.date.fromisoformat(raw["end_date"])
            self.terms[key] = Term.objects.create(
                school=self.school,
                school_year=key[0],
                semester=key[1],
                start_date=start,
                end_date=end,
                is_current=False,
            )
        return self.terms[key]

    def offering(self, term: Term, raw: dict[str, Any]) -> CourseOffering:
        course, _created = Course.objects.get_or_create(
            school=self.school,
            code=str(raw["code"]),
            grade=int(raw["grade"]),
            semester=int(raw["semester"]),
            defaults={"name": str(raw["name"]), "credits": _parse_dec(raw["credits"]) or 0},
        )
        offering = CourseOffering.objects.filter(
            term=term, course=course, school_class__isnull=True
        ).first()
        if offering is None:
            offering = CourseOffering.objects.create(term=term, course=course)
        return offering


def _tick_slot(student: Student, school_year: int, kind: str, wanted: int) -> int:
    """The earlier school's slot number when free at the receiving school, else the next one
    after the student's highest slot of that year and kind."""
    taken = TickSlot.objects.filter(student=student, school_year=school_year, kind=kind)
    if not taken.filter(slot=wanted).exists():
        return wanted
    return int(taken.aggregate(m=Max("slot"))["m"] or 0) + 1


def import_student_package(
    *,
    actor: User,
    school: School,
    path: Path,
    student: Student,
    request: HttpRequest | None = None,
) -> TransferImport:
    """Import a verified transfer package into ``student``'s portfolio at ``school``.

    Registrars of ``school`` only (``PermissionDenied``); ``student`` must be on the school's
    register with the package's national ID. Checks the package again, then every file
    through ``check_and_store``; then, in one transaction, creates terms/courses/offerings as
    needed, the course records, cadre records, outcomes (certification state kept, certifier
    name as text), performances and ticks, a ``TransferImport`` with a ``TransferredItem`` per
    item, and an audit row ``transfer.import``.

    Raises :class:`TransferRefused`: ``tampered``/``schema``/… from :func:`read_package`,
    ``national_id_mismatch``, ``same_school``, ``already_imported``, ``record_exists``,
    ``file_rejected``. Files stored before a refusal are unreferenced blobs that
    ``sweep_blobs`` removes.
    """
    if not is_registrar_of(actor, school.pk) or student.school_id != school.pk:
        raise PermissionDenied
    package = read_package(path)
    if package.national_id != normalize_id(student.national_id):
        raise TransferRefused(
            f"資料包學生的身分證統一編號（{package.masked_id}）與所選學生"
            f"{student.name}（{student.masked_id}）不符，未匯入。",
            code="national_id_mismatch",
        )
    if package.source_school["code"] == school.code:
        raise TransferRefused("這是本校匯出的資料包，不需匯入。", code="same_school")
    if TransferImport.objects.filter(student=student, package_id=package.package_id).exists():
        raise TransferRefused("這個資料包已匯入過這位學生，未重複匯入。", code="already_imported")
    stored = _check_files(package)
    data = package.data
    with transaction.atomic():
        locked = Student.objects.select_for_update().get(pk=student.pk)
        if TransferImport.objects.filter(student=locked, package_id=package.package_id).exists():
            raise TransferRefused(
                "這個資料包已匯入過這位學生，未重複匯入。", code="already_imported"
            )
        transfer = TransferImport.objects.create(
            school=school,
            student=locked,
            source_school_code=package.source_school["code"],
            source_school_name=str(package.source_school.get("name", "")),
            package_id=package.package_id,
            package_sha256=package.sha256,
            imported_by=actor,
        )
        attach = _Attacher(school)
        items: list[TransferredItem] = []
        blobs = {sha: blob_for(result) for sha, result in stored.items()}

        records: dict[str, CourseRecord] = {}
        for raw in data["course_records"]:
            term = attach.term(raw["term"])
            offering = attach.offering(term, raw["course"])
            if CourseRecord.objects.filter(offering=offering, student=locked).exists():
                raise TransferRefused(
                    f"學生已有 {term.label}「{raw['course']['name']}」的修課紀錄，"
                    "可能已匯入過；未匯入任何資料。",
                    code="record_exists",
                )
            record = CourseRecord.objects.create(
                offering=offering,
                student=locked,
                score=_parse_dec(raw.get("score")),
                passed=raw.get("passed"),
                makeup_score=_parse_dec(raw.get("makeup_score")),
                makeup_passed=raw.get("makeup_passed"),
                credits_earned=_parse_dec(raw.get("credits_earned")),
                remark=str(raw.get("remark") or ""),
            )
            records[str(raw["code"])] = record
            items.append(
                TransferredItem(
                    transfer=transfer,
                    kind="course_record",
                    object_code=record.code,
                    source_code=uuid.UUID(str(raw["code"])),
                )
            )

        for raw in data["cadre_records"]:
            CadreRecord.objects.create(
                student=locked,
                term=attach.term(raw["term"]),
                unit_name=str(raw["unit_name"]),
                position_title=str(raw["position_title"]),
                level=str(raw["level"]),
                start_date=datetime.date.fromisoformat(raw["start_date"]),
                end_date=datetime.date.fromisoformat(raw["end_date"])
                if raw.get("end_date")
                else None,
            )

        created: dict[str, CourseOutcome | Performance] = {}
        for raw in data["outcomes"]:
            if str(raw["course_record"]) not in records:
                raise _refuse_tampered("課程學習成果對應的修課紀錄不在資料包中")
            document, media = raw.get("document"), raw.get("media")
            status = str(raw["status"])
            if status not in OutcomeStatus.values:
                raise TransferRefused(f"不明的認證狀態 {status}，未匯入。", code="schema")
            certified = status == OutcomeStatus.CERTIFIED
            outcome = CourseOutcome.objects.create(
                student=locked,
                course_record=records[str(raw["course_record"])],
                school_year=int(raw["school_year"]),
                semester=int(raw["semester"]),
                description=str(raw["description"]),
                status=status,
                sent_at=_parse_dt(raw.get("sent_at")),
                certified_at=_parse_dt(raw.get("certified_at")),
                certified_document_sha256=document["sha256"] if certified and document else "",
                certified_media_sha256=media["sha256"] if certified and media else "",
                returned_at=_parse_dt(raw.get("returned_at")),
                return_reason=str(raw.get("return_reason") or ""),
                document_blob=blobs[document["sha256"]] if document else None,
                document_name=str(document.get("name") or "") if document else "",
                media_blob=blobs[media["sha256"]] if media else None,
                media_name=str(media.get("name") or "") if media else "",
            )
            created[str(raw["code"])] = outcome
            items.append(
                TransferredItem(
                    transfer=transfer,
                    kind="outcome",
                    object_code=outcome.code,
                    source_code=uuid.UUID(str(raw["code"])),
                    certifier_name=str(raw.get("certifier_name") or "")[:50],
                )
            )

        for raw in data["performances"]:
            if raw["record_type"] not in RecordType.values:
                raise TransferRefused(
                    f"不明的多元表現類型 {raw['record_type']}，未匯入。", code="schema"
                )
            document, media = raw.get("document"), raw.get("media")
            performance = Performance.objects.create(
                student=locked,
                record_type=raw["record_type"],
                school_year=int(raw["school_year"]),
                term=attach.term(raw["term"]),
                title=str(raw["title"]),
                details=raw.get("details") or {},
                description=str(raw["description"]),
                external_link=str(raw.get("external_link") or ""),
                document_blob=blobs[document["sha256"]] if document else None,
                document_name=str(document.get("name") or "") if document else "",
                media_blob=blobs[media["sha256"]] if media else None,
                media_name=str(media.get("name") or "") if media else "",
            )
            created[str(raw["code"])] = performance
            items.append(
                TransferredItem(
                    transfer=transfer,
                    kind="performance",
                    object_code=performance.code,
                    source_code=uuid.UUID(str(raw["code"])),
                )
            )

        for raw in data["ticks"]:
            item = created.get(str(raw["item"]))
            if item is None:
                raise _refuse_tampered("勾選的項目不在資料包中")
            kind = TickKind.OUTCOME if isinstance(item, CourseOutcome) else TickKind.PERFORMANCE
            if str(raw["kind"]) != kind:
                raise _refuse_tampered("勾選的類別與項目不符")
            year = int(raw["school_year"])
            TickSlot.objects.create(
                student=locked,
                school_year=year,
                kind=kind,
                slot=_tick_slot(locked, year, kind, int(raw["slot"])),
                outcome=item if isinstance(item, CourseOutcome) else None,
                performance=item if isinstance(item, Performance) else None,
                semester=raw.get("semester"),
                locked_at=_parse_dt(raw.get("locked_at")),
            )

        TransferredItem.objects.bulk_create(items)
        transfer.counts = package.counts
        transfer.save(update_fields=["counts"])
        record_event(
            actor=actor,
            action="transfer.import",
            target=f"student:{locked.code}",
            student=locked,
            request=request,
            detail={
                "package_id": str(package.package_id),
                "source_school_code": package.source_school["code"],
                "counts": package.counts,
            },
        )
    return transfer
