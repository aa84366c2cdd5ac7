"""Helpers shared by portfolio views."""

import uuid

from django.http import Http404

from accounts.http import AuthedRequest
from accounts.roles import get_role_context
from audit.actions import record_personal_data_view
from schools.models import Student
from schools.permissions import access_student


def resolve_student(request: AuthedRequest, student_code: uuid.UUID | None, what: str) -> Student:
    """The student whose pages are shown: the user's own (``student_code`` None), or an
    allowed other (``can_view_student``), whose read is audit-logged. 404 otherwise."""
    if student_code is None:
        student = get_role_context(request.user).student
        if student is None:
            raise Http404
        return student
    student = access_student(request.user, student_code)
    record_personal_data_view(viewer=request.user, student=student, what=what, request=request)
    return student


def base_context(request: AuthedRequest, student: Student) -> dict[str, object]:
    own = student.user_id == request.user.pk
    return {"student": student, "own": own, "student_code": None if own else student.code}
