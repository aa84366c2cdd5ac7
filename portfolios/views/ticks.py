"""Yearly ticking (勾選): certified outcomes (n/6) and performances (n/10) per school year."""

import uuid

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from accounts.http import AuthedRequest

from .. import actions, selectors
from ..errors import PortfolioError
from ..permissions import access_outcome, access_performance
from ..schedule import tick_window_state
from .common import base_context, resolve_student


def _context(request: AuthedRequest, student, school_year: int | None):  # type: ignore[no-untyped-def]
    years = selectors.item_years(student)
    if school_year not in years:
        school_year = years[0] if years else None
    board = selectors.tick_board(student, school_year) if school_year else None
    state = tick_window_state(school_year, student.school, student) if school_year else None
    return {
        **base_context(request, student),
        "years": years,
        "school_year": school_year,
        "board": board,
        "tick_state": state,
    }


def tick_page(request: AuthedRequest, student_code: uuid.UUID | None = None) -> HttpResponse:
    """The tick page of one school year (``?school_year=``, default the latest)."""
    student = resolve_student(request, student_code, "ticks")
    try:
        school_year = int(request.GET.get("school_year", ""))
    except ValueError:
        school_year = None
    return render(request, "portfolios/ticks.html", _context(request, student, school_year))


@require_POST
def tick_toggle(request: AuthedRequest, kind: str, code: uuid.UUID) -> HttpResponse:
    """Tick or untick one item (``action=tick|untick``); htmx gets the board back, with the
    refusal message (e.g. the cap) shown above it."""
    if kind == "outcome":
        item = access_outcome(request.user, code, for_write=True)
    elif kind == "performance":
        item = access_performance(request.user, code, for_write=True)  # type: ignore[assignment]
    else:
        raise Http404
    error = ""
    try:
        if request.POST.get("action") == "untick":
            actions.untick_item(actor=request.user, item=item)
        else:
            actions.tick_item(actor=request.user, item=item)
    except PortfolioError as exc:
        error = " ".join(exc.messages)
    context = {**_context(request, item.student, item.school_year), "tick_error": error}
    template = (
        "portfolios/partials/tick_board.html"
        if request.headers.get("HX-Request") == "true"
        else "portfolios/ticks.html"
    )
    return render(
        request,
        template,
        context,
        status=409 if error and not request.headers.get("HX-Request") else 200,
    )
