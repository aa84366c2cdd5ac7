"""Course learning outcomes (課程學習成果): the student's list, upload, edit, send, delete."""

import uuid

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.http import AuthedRequest
from schools.models import CourseRecord

from .. import actions, selectors
from ..errors import PortfolioError
from ..forms import OutcomeEditForm, OutcomeUploadForm
from ..models import OutcomeStatus, WindowKind
from ..permissions import access_outcome
from ..schedule import window_state
from .common import base_context, cut_off_messages, resolve_student


def outcome_list(request: AuthedRequest, student_code: uuid.UUID | None = None) -> HttpResponse:
    """The student's outcomes by term with their certification state and return reasons."""
    student = resolve_student(request, student_code, "outcomes")
    outcomes = selectors.list_outcomes(student)
    term = selectors.current_term_of(student)
    upload_state = window_state(WindowKind.UPLOAD, term, student) if term else None
    return render(
        request,
        "portfolios/outcome_list.html",
        {
            **base_context(request, student),
            "outcomes": outcomes,
            "upload_state": upload_state,
            "term": term,
        },
    )


def outcome_upload(request: AuthedRequest) -> HttpResponse:
    """Upload an outcome for one of the student's course records (RULES.md §2.4, §10)."""
    student = resolve_student(request, None, "outcomes")
    initial = {}
    record_code = request.GET.get("record")
    if record_code:
        initial["course_record"] = record_code
    form = OutcomeUploadForm(
        request.POST or None, request.FILES or None, student=student, initial=initial
    )
    cut: list[str] = []
    if request.method == "POST":
        term = selectors.current_term_of(student)
        cut = cut_off_messages(request, term.school_year if term else None)
    for message in cut:
        form.add_error(None, message)
    if request.method == "POST" and not cut and form.is_valid():
        record: CourseRecord = form.cleaned_data["course_record"]
        try:
            outcome = actions.upload_outcome(
                actor=request.user,
                course_record=record,
                description=form.cleaned_data["description"],
                document=form.cleaned_data["document"],
                media=form.cleaned_data["media_file"],
                send=form.cleaned_data["send"],
            )
        except PortfolioError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request, _("已上傳「%(name)s」的學習成果。") % {"name": record.offering.course.name}
            )
            return redirect("portfolios:outcome_detail", code=outcome.code)
    term = selectors.current_term_of(student)
    return render(
        request,
        "portfolios/outcome_upload.html",
        {
            **base_context(request, student),
            "form": form,
            "upload_state": window_state(WindowKind.UPLOAD, term, student) if term else None,
        },
        status=200,
    )


def outcome_detail(request: AuthedRequest, code: uuid.UUID) -> HttpResponse:
    """One outcome: files (download / preview), state, reason; the owner can edit it."""
    outcome = access_outcome(request.user, code)
    own = outcome.student.user_id == request.user.pk
    form = None
    term = outcome.course_record.offering.term
    upload_state = window_state(WindowKind.UPLOAD, term, outcome.student)
    if own:
        form = OutcomeEditForm(
            request.POST or None,
            request.FILES or None,
            initial={"description": outcome.description},
        )
        cut = cut_off_messages(request, outcome.school_year) if request.method == "POST" else []
        for message in cut:
            form.add_error(None, message)
        if request.method == "POST" and not cut and form.is_valid():
            try:
                outcome = actions.update_outcome(
                    actor=request.user,
                    outcome=outcome,
                    description=form.cleaned_data["description"],
                    document=form.cleaned_data["document"],
                    media=form.cleaned_data["media_file"],
                    remove_document=form.cleaned_data["remove_document"],
                    remove_media=form.cleaned_data["remove_media"],
                    send=form.cleaned_data["send"],
                )
            except PortfolioError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("已儲存。"))
                return redirect("portfolios:outcome_detail", code=outcome.code)
    elif request.method == "POST":
        return HttpResponse(status=405)
    return render(
        request,
        "portfolios/outcome_detail.html",
        {
            **base_context(request, outcome.student),
            "outcome": outcome,
            "form": form,
            "upload_state": upload_state,
            "Status": OutcomeStatus,
        },
    )


@require_POST
def outcome_send(request: AuthedRequest, code: uuid.UUID) -> HttpResponse:
    outcome = access_outcome(request.user, code, for_write=True)
    try:
        actions.send_outcome(actor=request.user, outcome=outcome)
        messages.success(request, _("已送出認證。"))
    except PortfolioError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("portfolios:outcome_detail", code=outcome.code)


@require_POST
def outcome_delete(request: AuthedRequest, code: uuid.UUID) -> HttpResponse:
    outcome = access_outcome(request.user, code, for_write=True)
    try:
        actions.delete_outcome(
            actor=request.user, outcome=outcome, confirmed=request.POST.get("confirm") == "yes"
        )
    except PortfolioError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("portfolios:outcome_detail", code=outcome.code)
    messages.success(request, _("已刪除學習成果。"))
    return redirect("portfolios:outcomes")
