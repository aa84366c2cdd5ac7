"""Import: a verified transfer package into a student on the receiving school's register."""

from __future__ import annotations

import datetime
import uuid
import zipfile
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from audit.actions import record_event
from files.errors import FileRejected
from files.ingest import blob_for, check_and_store
from files.names import name_extension
from portfolios.models import (
    CourseOutcome,
    OutcomeStatus,
    Performance,
    RecordType,
    RuleSet,
    TickKind,
    TickSlot,
)
from schools.identity import normalize_id
from schools.models import (
    CadreRecord,
    Course,
    CourseOffering,
    CourseRecord,
    School,
    Student,
    Term,
)
from schools.permissions import is_registrar_of

from ..models import TransferImport, TransferredItem
from .common import (
    TransferRefused,
)
from .reading import TransferPackage, _refuse_tampered, read_package

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
