"""Students record diverse performances (多元表現, RULES.md §2.5, §10). Not certified (§4)."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import current_term
from audit.actions import record_event
from schools.models import Student

from ..errors import PortfolioError
from ..models import Performance, RecordType, RuleSet, TickSlot
from ..record_types import title_of
from ..validation import check_quota, clean_description, clean_external_link
from .common import attach, lock_student, replace_files, require_upload_window, store


def _require_owner(actor: User, student: Student) -> None:
    if student.user_id != actor.pk:
        raise PermissionDenied


def create_performance(
    *,
    actor: User,
    student: Student,
    record_type: str,
    details: dict[str, Any],
    description: str,
    external_link: str = "",
    document: UploadedFile | None = None,
    media: UploadedFile | None = None,
) -> Performance:
    """Record a diverse performance of one of the ten record types in the current term.

    ``details`` are the type's own fields, already validated by its form
    (``portfolios.record_types``). Description required (≤ the year's cap), optional proof
    document, media file and http(s) external link (RULES.md §10). Inside the current term's
    upload window and the storage quota. Raises PermissionDenied or PortfolioError. Audit:
    ``performance.created``.
    """
    _require_owner(actor, student)
    if record_type not in RecordType.values:
        raise PortfolioError(_("未知的紀錄類型。"), code="record_type")
    term = current_term(student.school)
    if term is None:
        raise PortfolioError(_("學校尚未設定目前學期。"), code="no_term")
    rules = RuleSet.for_year(term.school_year)
    text = clean_description(description, max_chars=rules.description_max_chars)
    link = clean_external_link(external_link)
    require_upload_window(term, student)
    stored_doc = store(document, rules.document_rule)
    stored_media = store(media, rules.media_rule)
    with transaction.atomic():
        locked = lock_student(student)
        check_quota(locked, adding=sum(s.size for s in (stored_doc, stored_media) if s))
        doc, med = attach(stored_doc), attach(stored_media)
        performance = Performance.objects.create(
            student=locked,
            record_type=record_type,
            school_year=term.school_year,
            term=term,
            title=title_of(record_type, details) or str(RecordType(record_type).label),
            details=details,
            description=text,
            external_link=link,
            document_blob=doc.blob if doc else None,
            document_name=doc.name if doc else "",
            media_blob=med.blob if med else None,
            media_name=med.name if med else "",
        )
        record_event(
            actor=actor,
            action="performance.created",
            target=f"performance:{performance.code}",
            student=locked,
            detail={"record_type": record_type},
        )
    return performance


def update_performance(
    *,
    actor: User,
    performance: Performance,
    details: dict[str, Any],
    description: str,
    external_link: str = "",
    document: UploadedFile | None = None,
    media: UploadedFile | None = None,
    remove_document: bool = False,
    remove_media: bool = False,
) -> Performance:
    """Edit a performance inside its term's upload window; refused once submitted."""
    _require_owner(actor, performance.student)
    if TickSlot.objects.filter(performance=performance, locked_at__isnull=False).exists():
        raise PortfolioError(_("這筆多元表現已由學校提交至中央資料庫，不能再修改。"), code="locked")
    rules = RuleSet.for_year(performance.school_year)
    text = clean_description(description, max_chars=rules.description_max_chars)
    link = clean_external_link(external_link)
    require_upload_window(performance.term, performance.student)
    stored_doc = store(document, rules.document_rule)
    stored_media = store(media, rules.media_rule)
    with transaction.atomic():
        student = lock_student(performance.student)
        current = (
            Performance.objects.select_for_update(of=("self",))
            .select_related("document_blob", "media_blob")
            .get(pk=performance.pk)
        )
        replace_files(
            current,
            student,
            document=stored_doc,
            media=stored_media,
            remove_document=remove_document,
            remove_media=remove_media,
        )
        current.details = details
        current.title = title_of(current.record_type, details) or current.title
        current.description = text
        current.external_link = link
        current.save()
        record_event(
            actor=actor,
            action="performance.updated",
            target=f"performance:{current.code}",
            student=student,
        )
    return current


def delete_performance(*, actor: User, performance: Performance, confirmed: bool = False) -> None:
    """Delete a performance inside its term's upload window; refused once submitted, while
    ticked (untick first) and without ``confirmed``."""
    _require_owner(actor, performance.student)
    if TickSlot.objects.filter(performance=performance, locked_at__isnull=True).exists():
        raise PortfolioError(_("這筆多元表現已勾選，請先取消勾選再刪除。"), code="ticked")
    if not confirmed:
        raise PortfolioError(_("請勾選「確定刪除」後再按刪除。"), code="confirm_required")
    if TickSlot.objects.filter(performance=performance, locked_at__isnull=False).exists():
        raise PortfolioError(_("這筆多元表現已由學校提交至中央資料庫，不能刪除。"), code="locked")
    require_upload_window(performance.term, performance.student)
    with transaction.atomic():
        record_event(
            actor=actor,
            action="performance.deleted",
            target=f"performance:{performance.code}",
            student=performance.student,
            detail={"record_type": performance.record_type, "title": performance.title},
        )
        performance.delete()
