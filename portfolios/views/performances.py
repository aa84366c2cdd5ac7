"""Diverse performances (多元表現): list by the Taipei cards, create per record type, edit."""

import uuid

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.http import AuthedRequest

from .. import actions, selectors
from ..errors import PortfolioError
from ..forms import PerformanceForm
from ..models import Performance, PerformanceGroup, RecordType, WindowKind
from ..models.items import GROUP_OF_TYPE
from ..permissions import access_performance
from ..record_types import details_form_class, details_initial, details_to_json, display_details
from ..schedule import window_state
from .common import base_context, cut_off_messages, resolve_student


def performance_list(request: AuthedRequest, student_code: uuid.UUID | None = None) -> HttpResponse:
    """Performances grouped under the Taipei cards (幹部經歷, 競賽參與, …), newest first;
    ``?group=`` narrows to one card."""
    student = resolve_student(request, student_code, "performances")
    group = request.GET.get("group") or ""
    if group and group not in PerformanceGroup.values:
        group = ""
    performances = selectors.list_performances(student)
    if group:
        types = [t for t, g in GROUP_OF_TYPE.items() if g == group]
        performances = performances.filter(record_type__in=types)
    term = selectors.current_term_of(student)
    upload_state = window_state(WindowKind.UPLOAD, term, student) if term else None
    types_by_group = [
        (PerformanceGroup(g), [RecordType(t) for t, tg in GROUP_OF_TYPE.items() if tg == g])
        for g in PerformanceGroup.values
    ]
    return render(
        request,
        "portfolios/performance_list.html",
        {
            **base_context(request, student),
            "performances": performances,
            "group": group,
            "groups": PerformanceGroup.choices,
            "types_by_group": types_by_group,
            "upload_state": upload_state,
        },
    )


def _save(
    request: AuthedRequest,
    form: PerformanceForm,
    details_form,
    record_type: str,
    performance: Performance | None,
):  # type: ignore[no-untyped-def]
    details = details_to_json(record_type, details_form.cleaned_data)
    common = {
        "actor": request.user,
        "details": details,
        "description": form.cleaned_data["description"],
        "external_link": form.cleaned_data["external_link"],
        "document": form.cleaned_data["document"],
        "media": form.cleaned_data["media_file"],
    }
    if performance is None:
        student = resolve_student(request, None, "performances")
        return actions.create_performance(student=student, record_type=record_type, **common)
    return actions.update_performance(
        performance=performance,
        remove_document=form.cleaned_data["remove_document"],
        remove_media=form.cleaned_data["remove_media"],
        **common,
    )


def performance_new(request: AuthedRequest, record_type: str) -> HttpResponse:
    """Record a new performance of ``record_type`` with that type's own fields (RULES.md §2.5)."""
    student = resolve_student(request, None, "performances")
    if record_type not in RecordType.values:
        raise Http404
    form = PerformanceForm(request.POST or None, request.FILES or None)
    details_form = details_form_class(record_type)(request.POST or None, prefix="d")
    cut = cut_off_messages(request, None) if request.method == "POST" else []
    for message in cut:
        form.add_error(None, message)
    if request.method == "POST" and not cut and form.is_valid() and details_form.is_valid():
        try:
            performance = _save(request, form, details_form, record_type, None)
        except PortfolioError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("已新增「%(title)s」。") % {"title": performance.title})
            return redirect("portfolios:performance_detail", code=performance.code)
    return render(
        request,
        "portfolios/performance_form.html",
        {
            **base_context(request, student),
            "form": form,
            "details_form": details_form,
            "record_type": RecordType(record_type),
            "performance": None,
        },
    )


def performance_detail(request: AuthedRequest, code: uuid.UUID) -> HttpResponse:
    """One performance; its owner edits it here inside the upload window."""
    performance = access_performance(request.user, code)
    own = performance.student.user_id == request.user.pk
    form = details_form = None
    if own:
        initial = {
            "description": performance.description,
            "external_link": performance.external_link,
        }
        form = PerformanceForm(request.POST or None, request.FILES or None, initial=initial)
        details_form = details_form_class(performance.record_type)(
            request.POST or None,
            prefix="d",
            initial=details_initial(performance.record_type, performance.details),
        )
        cut = cut_off_messages(request, performance.school_year) if request.method == "POST" else []
        for message in cut:
            form.add_error(None, message)
        if request.method == "POST" and not cut and form.is_valid() and details_form.is_valid():
            try:
                performance = _save(
                    request, form, details_form, performance.record_type, performance
                )
            except PortfolioError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("已儲存。"))
                return redirect("portfolios:performance_detail", code=performance.code)
    elif request.method == "POST":
        return HttpResponse(status=405)
    upload_state = window_state(WindowKind.UPLOAD, performance.term, performance.student)
    return render(
        request,
        "portfolios/performance_detail.html",
        {
            **base_context(request, performance.student),
            "performance": performance,
            "rows": display_details(performance.record_type, performance.details),
            "form": form,
            "details_form": details_form,
            "upload_state": upload_state,
        },
    )


@require_POST
def performance_delete(request: AuthedRequest, code: uuid.UUID) -> HttpResponse:
    performance = access_performance(request.user, code, for_write=True)
    try:
        actions.delete_performance(
            actor=request.user,
            performance=performance,
            confirmed=request.POST.get("confirm") == "yes",
        )
    except PortfolioError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("portfolios:performance_detail", code=performance.code)
    messages.success(request, _("已刪除。"))
    return redirect("portfolios:performances")
