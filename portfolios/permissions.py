"""Who may see or act on portfolio items. Same 404 for missing and not-yours (STYLE.md)."""

import uuid

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import User
from accounts.roles import get_role_context
from schools.models import Teacher
from schools.permissions import can_view_student

from .models import ConsultationRecord, CourseOutcome, OutcomeStatus, Performance, ProxyCertifier


def certifier_teacher_ids(teacher: Teacher) -> Q:
    """Offerings whose outcomes this teacher may certify: their own, and those of teachers
    they are proxy (代理人) for in that term (RULES.md §4 rule 4)."""
    proxied = ProxyCertifier.objects.filter(proxy=teacher).values_list("teacher_id", "term_id")
    condition = Q(course_record__offering__teacher=teacher)
    for teacher_id, term_id in proxied:
        condition |= Q(
            course_record__offering__teacher_id=teacher_id, course_record__offering__term_id=term_id
        )
    return condition


def can_certify(user: User, outcome: CourseOutcome) -> bool:
    """The subject teacher of the outcome's offering, or their proxy for that term."""
    teacher = get_role_context(user).teacher
    if teacher is None:
        return False
    offering = outcome.course_record.offering
    if offering.teacher_id is None:
        return False
    if offering.teacher_id == teacher.pk:
        return True
    return ProxyCertifier.objects.filter(
        proxy=teacher, teacher_id=offering.teacher_id, term_id=offering.term_id
    ).exists()


def can_view_outcome(user: User, outcome: CourseOutcome) -> bool:
    """Anyone who may see the student, and the teachers who may certify it once the student
    has sent it (a draft is not theirs to see: RULES.md §4, certification starts at submit)."""
    if can_view_student(user, outcome.student):
        return True
    return outcome.status != OutcomeStatus.DRAFT and can_certify(user, outcome)


def access_outcome(user: User, code: uuid.UUID, *, for_write: bool = False) -> CourseOutcome:
    """Fetch an outcome by code; for_write: only its student. 404 for missing and not-yours."""
    outcome = (
        CourseOutcome.objects.select_related(
            "student__school",
            "course_record__offering__term",
            "course_record__offering__course",
            "document_blob",
            "media_blob",
        )
        .filter(code=code)
        .first()
    )
    if outcome is None:
        raise Http404
    if for_write:
        if outcome.student.user_id != user.pk:
            raise Http404
    elif not can_view_outcome(user, outcome):
        raise Http404
    return outcome


def access_performance(user: User, code: uuid.UUID, *, for_write: bool = False) -> Performance:
    performance = (
        Performance.objects.select_related("student__school", "document_blob", "media_blob")
        .filter(code=code)
        .first()
    )
    if performance is None:
        raise Http404
    if for_write:
        if performance.student.user_id != user.pk:
            raise Http404
    elif not can_view_student(user, performance.student):
        raise Http404
    return performance


def can_view_consultation(user: User, record: ConsultationRecord) -> bool:
    context = get_role_context(user)
    if context.teacher is not None and record.teacher_id == context.teacher.pk:
        return True
    return can_view_student(user, record.student)


def access_consultation(user: User, code: uuid.UUID) -> ConsultationRecord:
    record = (
        ConsultationRecord.objects.select_related("student__school", "attachment_blob", "teacher")
        .filter(code=code)
        .first()
    )
    if record is None or not can_view_consultation(user, record):
        raise Http404
    return record


def certifiable_outcomes(user: User) -> QuerySet[CourseOutcome]:
    """Outcomes the person may certify (any state), for the teacher's queue."""
    teacher = get_role_context(user).teacher
    if teacher is None:
        return CourseOutcome.objects.none()
    return CourseOutcome.objects.filter(certifier_teacher_ids(teacher))
