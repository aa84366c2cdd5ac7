"""Who may see or act on submissions. Same 404 for missing and not-yours (STYLE.md).

Registrars (註冊組) of the school run the pre-check, submit, open check periods, see disputes
and resubmit; a student sees only the submissions that carried them (RULES.md §1, §5).
"""

import uuid

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
from accounts.roles import get_role_context
from schools.models import School, Student
from schools.permissions import is_registrar_of

from .models import Submission


def can_manage_submissions(user: User, school: School) -> bool:
    """Registrars of the school this year."""
    return is_registrar_of(user, school.pk)


def registrar_school_or_404(user: User) -> School:
    """The school the person is a registrar of (their role context's school); 404 otherwise."""
    school = get_role_context(user).school
    if school is None or not can_manage_submissions(user, school):
        raise Http404
    return school


def visible_submissions(user: User) -> QuerySet[Submission]:
    """Submissions of the schools the person is a registrar of."""
    ids = get_role_context(user).registrar_school_ids
    return Submission.objects.filter(school_id__in=ids)


def access_submission(user: User, code: uuid.UUID) -> Submission:
    """A submission of a school the person is a registrar of; 404 for missing and not-yours."""
    submission = visible_submissions(user).select_related("school").filter(code=code).first()
    if submission is None:
        raise Http404
    return submission


def student_of(user: User) -> Student:
    """The person's own student record; 404 for people who are not students."""
    student = get_role_context(user).student
    if student is None:
        raise Http404
    return student


def can_view_receipt(user: User, student: Student, submission: Submission) -> bool:
    """The student themself, for a submission that carried them."""
    return (
        student.user_id is not None
        and student.user_id == user.pk
        and submission.snapshots.filter(student=student).exists()
    )


def access_student_submission(user: User, code: uuid.UUID) -> tuple[Student, Submission]:
    """The person's student record and a submission that carried them; 404 otherwise
    (including another student's submission and any non-student)."""
    student = student_of(user)
    submission = Submission.objects.select_related("school").filter(code=code).first()
    if submission is None or not can_view_receipt(user, student, submission):
        raise Http404
    return student, submission
