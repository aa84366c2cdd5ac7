"""What admissions will see (RULES.md §3, §5): the student's central-database record, narrowed
per admission channel. Served as the student's own page (``/cabinet/central/``) and, for
people allowed to see the student (``can_view_student``: bound parent, homeroom teacher,
registrar), at ``/students/<code>/cabinet/central/`` — those reads are audit-logged.
"""

import uuid

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.http import AuthedRequest
from portfolios.views.common import base_context, resolve_student

from .admissions import CHANNEL_RULES, DEFAULT_CHANNEL, get_central_record_view


@require_GET
def central_record(request: AuthedRequest, student_code: uuid.UUID | None = None) -> HttpResponse:
    """The central database's record as the chosen channel (``?channel=``) would see it; the
    national ID masked; "尚未提交" when the central database holds nothing."""
    student = resolve_student(request, student_code, "central_record")
    channel = request.GET.get("channel") or DEFAULT_CHANNEL
    if channel not in CHANNEL_RULES:
        channel = DEFAULT_CHANNEL
    view = get_central_record_view(student, channel=channel)
    return render(
        request,
        "submissions/admissions/central_record.html",
        {
            **base_context(request, student),
            "view": view,
            "channels": list(CHANNEL_RULES.values()),
            "channel": channel,
        },
    )
