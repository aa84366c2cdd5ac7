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


def cut_off_messages(request: AuthedRequest, school_year: int | None) -> list[str]:
    """Messages for uploads the upload handler dropped for passing the absolute ceiling
    (files.upload_handlers), e.g. "文件：檔案大於 10.0 MB，超過 4 MB 上限" (RULES.md §10)."""
    from files.ingest import size_rejection
    from files.upload_handlers import cut_off_uploads

    from ..models import RuleSet

    cut = cut_off_uploads(request)
    if not cut:
        return []
    rules = RuleSet.for_year(school_year) if school_year else RuleSet.objects.first()
    by_field = {
        "document": rules.document_rule if rules else None,
        "media_file": rules.media_rule if rules else None,
        "attachment": rules.attachment_rule if rules else None,
    }
    messages = []
    for upload in cut:
        rule = by_field.get(upload.field_name)
        if rule is None:
            continue
        reason = size_rejection(upload.bytes_seen, rule.max_bytes, at_least=True).message
        messages.append(f"{rule.label}：{reason}")
    return messages
