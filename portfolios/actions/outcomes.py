"""Students upload, edit, send and delete course learning outcomes (RULES.md §2.4, §4, §10)."""

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.actions import record_event
from schools.models import CourseRecord

from ..errors import PortfolioError
from ..models import CourseOutcome, OutcomeStatus, RuleSet, TickSlot, Window, WindowKind
from ..validation import check_quota, clean_description
from .common import attach, lock_student, replace_files, require_upload_window, store


def _require_owner(actor: User, student_id: int) -> None:
    student = getattr(actor, "student", None)
    if student is None or student.pk != student_id:
        raise PermissionDenied


def _require_unlocked(outcome: CourseOutcome) -> None:
    if TickSlot.objects.filter(outcome=outcome, locked_at__isnull=False).exists():
        raise PortfolioError(
            _("這件學習成果已由學校提交至中央資料庫，不能再修改或刪除。"), code="locked"
        )


def _check_upload_cap(
    outcome_term_id: int, student_id: int, school_year: int, semester: int
) -> None:
    """The school's optional per-semester cap on uploaded outcomes (RULES.md §3)."""
    window = Window.objects.filter(term_id=outcome_term_id, kind=WindowKind.UPLOAD).first()
    if window is None or window.upload_cap is None:
        return
    count = CourseOutcome.objects.filter(
        student_id=student_id, school_year=school_year, semester=semester
    ).count()
    if count >= window.upload_cap:
        raise PortfolioError(
            _("本學期已上傳 %(count)d 件課程學習成果，已達學校規定的每學期 %(cap)d 件上限。")
            % {"count": count, "cap": window.upload_cap},
            code="upload_cap",
        )


def upload_outcome(
    *,
    actor: User,
    course_record: CourseRecord,
    description: str,
    document: UploadedFile | None = None,
    media: UploadedFile | None = None,
    send: bool = True,
) -> CourseOutcome:
    """Upload a course learning outcome for one of the student's own course records.

    Needs a description (≤ the year's character cap) and a document and/or a media file
    (RULES.md §2.4, §10, §12 item 1), inside the upload window of the course record's term
    (§3), within the school's per-semester cap and the student's storage quota. Files are
    checked and fsynced before the row is committed (ARCHITECTURE.md, life of an upload).
    With ``send`` the outcome goes straight to the teacher (待認證), else it stays a draft.

    Raises PermissionDenied (not the student's record) or PortfolioError. Audit:
    ``outcome.uploaded``.
    """
    _require_owner(actor, course_record.student_id)
    term = course_record.offering.term
    rules = RuleSet.for_year(term.school_year)
    text = clean_description(description, max_chars=rules.description_max_chars)
    if document is None and media is None:
        raise PortfolioError(_("請至少上傳文件或影音檔案其中一項。"), code="file_required")
    student = course_record.student
    require_upload_window(term, student)
    stored_doc = store(document, rules.document_rule)
    stored_media = store(media, rules.media_rule)
    adding = sum(s.size for s in (stored_doc, stored_media) if s)
    with transaction.atomic():
        student = lock_student(student)
        _check_upload_cap(term.pk, student.pk, term.school_year, term.semester)
        check_quota(student, adding=adding)
        doc, med = attach(stored_doc), attach(stored_media)
        now = timezone.now()
        outcome = CourseOutcome.objects.create(
            student=student,
            course_record=course_record,
            school_year=term.school_year,
            semester=term.semester,
            description=text,
            document_blob=doc.blob if doc else None,
            document_name=doc.name if doc else "",
            media_blob=med.blob if med else None,
            media_name=med.name if med else "",
            status=OutcomeStatus.PENDING if send else OutcomeStatus.DRAFT,
            sent_at=now if send else None,
        )
        record_event(
            actor=actor,
            action="outcome.uploaded",
            target=f"outcome:{outcome.code}",
            student=student,
            detail={
                "document_sha256": doc.blob.sha256 if doc else "",
                "media_sha256": med.blob.sha256 if med else "",
                "status": outcome.status,
            },
        )
    return outcome


def update_outcome(
    *,
    actor: User,
    outcome: CourseOutcome,
    description: str,
    document: UploadedFile | None = None,
    media: UploadedFile | None = None,
    remove_document: bool = False,
    remove_media: bool = False,
    send: bool = True,
) -> CourseOutcome:
    """Edit an outcome: new description and/or replaced or removed files.

    Certification (RULES.md §4): changing the file bytes or the description of a certified
    outcome voids the certification (back to 待認證, and its tick is released); re-uploading
    identical bytes (same SHA-256) with the same description keeps it (§4 rule 7). A returned
    outcome goes back to the teacher when sent. Refused once its tick is locked by submission.

    Raises PermissionDenied or PortfolioError. Audit: ``outcome.updated`` and, when it
    happens, ``outcome.certification_voided``.
    """
    _require_owner(actor, outcome.student_id)
    _require_unlocked(outcome)
    term = outcome.course_record.offering.term
    rules = RuleSet.for_year(term.school_year)
    text = clean_description(description, max_chars=rules.description_max_chars)
    require_upload_window(term, outcome.student)
    keeps_document = outcome.document_blob_id is not None and not remove_document
    keeps_media = outcome.media_blob_id is not None and not remove_media
    if document is None and media is None and not keeps_document and not keeps_media:
        raise PortfolioError(_("請至少保留或上傳文件或影音檔案其中一項。"), code="file_required")
    stored_doc = store(document, rules.document_rule)
    stored_media = store(media, rules.media_rule)
    with transaction.atomic():
        student = lock_student(outcome.student)
        current = (
            CourseOutcome.objects.select_for_update(of=("self",))
            .select_related("document_blob", "media_blob")
            .get(pk=outcome.pk)
        )
        old_description = current.description
        replace_files(
            current,
            student,
            document=stored_doc,
            media=stored_media,
            remove_document=remove_document,
            remove_media=remove_media,
        )
        current.description = text
        now = timezone.now()
        if current.status == OutcomeStatus.CERTIFIED:
            same = (
                (current.document_blob.sha256 if current.document_blob else "")
                == current.certified_document_sha256
                and (current.media_blob.sha256 if current.media_blob else "")
                == current.certified_media_sha256
                and text == old_description
            )
            if not same:
                current.status = OutcomeStatus.PENDING
                current.sent_at = now
                current.certified_by = None
                current.certified_at = None
                current.certified_document_sha256 = ""
                current.certified_media_sha256 = ""
                TickSlot.objects.filter(outcome=current).delete()
                record_event(
                    actor=actor,
                    action="outcome.certification_voided",
                    target=f"outcome:{current.code}",
                    student=student,
                    detail={"reason": "content changed"},
                )
        elif send and current.status in {OutcomeStatus.DRAFT, OutcomeStatus.RETURNED}:
            current.status = OutcomeStatus.PENDING
            current.sent_at = now
        current.save()
        record_event(
            actor=actor,
            action="outcome.updated",
            target=f"outcome:{current.code}",
            student=student,
            detail={
                "document_sha256": current.document_blob.sha256 if current.document_blob else "",
                "media_sha256": current.media_blob.sha256 if current.media_blob else "",
                "status": current.status,
            },
        )
    return current


def send_outcome(*, actor: User, outcome: CourseOutcome) -> CourseOutcome:
    """Send a draft or returned outcome to the teacher (→ 待認證), inside the upload window."""
    _require_owner(actor, outcome.student_id)
    require_upload_window(outcome.course_record.offering.term, outcome.student)
    with transaction.atomic():
        current = CourseOutcome.objects.select_for_update(of=("self",)).get(pk=outcome.pk)
        if current.status not in {OutcomeStatus.DRAFT, OutcomeStatus.RETURNED}:
            raise PortfolioError(_("這件學習成果已送出認證。"), code="already_sent")
        current.status = OutcomeStatus.PENDING
        current.sent_at = timezone.now()
        current.save(update_fields=["status", "sent_at", "updated_at"])
        record_event(
            actor=actor,
            action="outcome.sent",
            target=f"outcome:{current.code}",
            student=current.student,
        )
    return current


def delete_outcome(*, actor: User, outcome: CourseOutcome, confirmed: bool = False) -> None:
    """Delete an outcome inside the upload window; refused once submitted, while it is ticked
    (untick first), and without ``confirmed`` (the page asks the student to confirm, saying
    that a certified outcome would need certifying again). The blob stays until no row
    references it (sweep_blobs). Audit: ``outcome.deleted``."""
    _require_owner(actor, outcome.student_id)
    _require_unlocked(outcome)
    if TickSlot.objects.filter(outcome=outcome).exists():
        raise PortfolioError(_("這件學習成果已勾選，請先取消勾選再刪除。"), code="ticked")
    if not confirmed:
        raise PortfolioError(_("請勾選「確定刪除」後再按刪除。"), code="confirm_required")
    require_upload_window(outcome.course_record.offering.term, outcome.student)
    with transaction.atomic():
        record_event(
            actor=actor,
            action="outcome.deleted",
            target=f"outcome:{outcome.code}",
            student=outcome.student,
            detail={"status": outcome.status, "description": outcome.description},
        )
        outcome.delete()
