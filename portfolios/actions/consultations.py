"""Course-consultation teachers record consultations (課程諮詢紀錄, RULES.md §1, §2, §10)."""

import datetime

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.roles import get_role_context
from audit.actions import record_event
from schools.models import Student, Term

from ..errors import PortfolioError
from ..models import ConsultationKind, ConsultationRecord, RuleSet
from ..validation import clean_description
from .common import attach, store


def create_consultation_record(
    *,
    actor: User,
    student: Student,
    term: Term,
    date: datetime.date,
    kind: str,
    description: str,
    attachment: UploadedFile | None = None,
) -> ConsultationRecord:
    """Record a group or individual consultation for a student of the teacher's school.

    Only course-consultation teachers (課程諮詢教師) of that school; description ≤ the year's
    cap; optional pdf/jpg/png attachment ≤ 2 MB (RULES.md §10). Never leaves the school
    platform (§12 item 5). Raises PermissionDenied or PortfolioError. Audit:
    ``consultation.created``.
    """
    context = get_role_context(actor)
    teacher = context.teacher
    if (
        teacher is None
        or not context.has(Role.CONSULTATION_TEACHER)
        or teacher.school_id != student.school_id
        or term.school_id != student.school_id
    ):
        raise PermissionDenied
    if kind not in ConsultationKind.values:
        raise PortfolioError(_("請選擇諮詢方式。"), code="kind")
    rules = RuleSet.for_year(term.school_year)
    text = clean_description(description, max_chars=rules.description_max_chars)
    stored = store(attachment, rules.attachment_rule)
    with transaction.atomic():
        ref = attach(stored)
        record = ConsultationRecord.objects.create(
            student=student,
            teacher=teacher,
            term=term,
            date=date,
            kind=kind,
            description=text,
            attachment_blob=ref.blob if ref else None,
            attachment_name=ref.name if ref else "",
        )
        record_event(
            actor=actor,
            action="consultation.created",
            target=f"consultation:{record.code}",
            student=student,
        )
    return record
