"""Serving portfolio files to the people allowed to see them (RULES.md §10; RELIABILITY I4).

Downloads are attachments with nosniff; only images and PDFs get an inline preview, with
their detected content type and a sandboxing CSP (files.serving.blob_response).
"""

import uuid

from django.http import Http404
from django.http.response import HttpResponseBase

from accounts.http import AuthedRequest
from audit.actions import record_event
from files.serving import blob_response

from ..models import ConsultationRecord, CourseOutcome, Performance
from ..permissions import access_consultation, access_outcome, access_performance


def item_file(request: AuthedRequest, kind: str, code: uuid.UUID, slot: str) -> HttpResponseBase:
    """``/files/<kind>/<code>/<slot>/`` — kind outcome|performance|consultation, slot
    document|media|attachment; ``?preview=1`` asks for an inline preview. 404 for missing and
    not-yours alike. Reads of someone else's file are audit-logged."""
    item: CourseOutcome | Performance | ConsultationRecord
    if kind == "outcome":
        item = access_outcome(request.user, code)
    elif kind == "performance":
        item = access_performance(request.user, code)
    elif kind == "consultation":
        item = access_consultation(request.user, code)
    else:
        raise Http404
    if slot not in {"document", "media", "attachment"}:
        raise Http404
    blob = getattr(item, f"{slot}_blob", None)
    name = getattr(item, f"{slot}_name", "")
    if blob is None:
        raise Http404
    student = item.student
    if student.user_id != request.user.pk:
        record_event(
            actor=request.user,
            action="file.view",
            target=f"{kind}:{code}:{slot}",
            student=student,
            request=request,
        )
    return blob_response(blob, display_name=name or slot, inline=request.GET.get("preview") == "1")
