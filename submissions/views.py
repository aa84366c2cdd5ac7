"""Pages for the submission to the central database (RULES.md §3, §5).

Registrar pages (註冊組; 404 for everyone else): pre-check (預檢), submit (提交), the list of
submissions with delivery status (polled by htmx while building or delivering), one
submission with its receipt (收訖明細), check periods, students' answers and the resubmission
of disputed students. Student pages: the receipt check — what the central database now holds
for them, and marking it correct or disputed during a check period.
"""

import datetime
import uuid
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.http import AuthedRequest
from accounts.roles import get_role_context
from audit.actions import record_event

from . import actions, selectors
from .actions import MIN_CHECK_PERIOD, SubmissionError
from .forms import CheckPeriodForm, ConfirmationForm, PrecheckForm
from .lines import snapshot_lines
from .models import ConfirmationStatus, Roster, Submission, SubmissionStatus
from .permissions import (
    access_student_submission,
    access_submission,
    registrar_school_or_404,
    student_of,
)
from .precheck import Severity, summarize
from .precheck import precheck as run_precheck

POLL_SECONDS = 2


def _is_htmx(request: AuthedRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _error_text(exc: SubmissionError) -> str:
    return " ".join(exc.messages)


# ---------------------------------------------------------------------------------------------
# Registrar: pre-check and submit


@require_http_methods(["GET"])
def precheck_page(request: AuthedRequest) -> HttpResponse:
    """預檢: choose the school year, semester (0 for yearly rosters) and rosters, then see every
    problem (student number, name, roster, field, what is wrong) with counts and links to fix
    it; with no errors, a button to submit. The run is audit-logged (it reads every student's
    data)."""
    school = registrar_school_or_404(request.user)
    term = get_role_context(request.user).term
    initial = {
        "school_year": term.school_year if term else None,
        "semester": term.semester if term else 1,
        "rosters": [Roster.BASIC, Roster.COURSE_RECORDS],
    }
    form = PrecheckForm(request.GET if "school_year" in request.GET else None, initial=initial)
    context: dict[str, Any] = {"school": school, "form": form, "ran": False}
    if form.is_bound and form.is_valid():
        try:
            rosters, semester = actions.normalize_rosters(
                form.cleaned_data["rosters"], form.cleaned_data["semester"]
            )
        except SubmissionError as exc:
            form.add_error(None, _error_text(exc))
        else:
            year = form.cleaned_data["school_year"]
            problems = run_precheck(school, year, semester, rosters)
            record_event(
                actor=request.user,
                action="precheck.run",
                target=f"school:{school.code}",
                request=request,
                detail={"school_year": year, "semester": semester, "rosters": rosters},
            )
            context.update(
                ran=True,
                problems=[p for p in problems if p.severity != Severity.INFO],
                infos=[p for p in problems if p.severity == Severity.INFO],
                counts=summarize(problems),
                school_year=year,
                semester=semester,
                rosters=rosters,
                roster_labels=[str(Roster(r).label) for r in rosters],
                previous=actions.latest_submission(school, year, semester, rosters),
            )
    return render(request, "submissions/precheck.html", context)


@require_POST
def submit(request: AuthedRequest) -> HttpResponse:
    """提交: runs the pre-check again and submits when it has no errors; then the list."""
    school = registrar_school_or_404(request.user)
    form = PrecheckForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("提交內容不完整，請重新預檢。"))
        return redirect("submissions:precheck")
    data = form.cleaned_data
    try:
        submission = actions.submit_rosters(
            actor=request.user,
            school=school,
            school_year=data["school_year"],
            semester=data["semester"],
            rosters=data["rosters"],
            expected_version=data.get("expected_version"),
        )
    except PermissionDenied:
        raise Http404 from None
    except SubmissionError as exc:
        messages.error(request, _error_text(exc))
        query = urlencode(
            {"school_year": data["school_year"], "semester": data["semester"],
             "rosters": data["rosters"]},
            doseq=True,
        )  # fmt: skip
        return redirect(f"{reverse('submissions:precheck')}?{query}")
    messages.success(
        request,
        _("已提交第 %(version)d 版（%(n)d 位學生），正在打包並傳送到中央資料庫。")
        % {"version": submission.version, "n": submission.student_count},
    )
    return redirect("submissions:list")


# ---------------------------------------------------------------------------------------------
# Registrar: submissions and their delivery status


def _list_context(request: AuthedRequest) -> dict[str, Any]:
    school = registrar_school_or_404(request.user)
    submissions = list(selectors.list_submissions(school))
    for submission in submissions:
        submission.summary = selectors.receipt_summary(submission)  # type: ignore[attr-defined]
        submission.roster_labels = [str(Roster(r).label) for r in submission.rosters]  # type: ignore[attr-defined]
    return {
        "school": school,
        "submissions": submissions,
        "active": selectors.any_active(submissions),
        "poll_seconds": POLL_SECONDS,
    }


def submission_list(request: AuthedRequest) -> HttpResponse:
    """提交紀錄: every submission with status, progress, attempts, next retry, error and
    receipt summary; polled every 2 s while any is building or delivering."""
    context = _list_context(request)
    if _is_htmx(request):
        return render(request, "submissions/partials/submission_table.html", context)
    return render(request, "submissions/submission_list.html", context)


def _detail_context(request: AuthedRequest, submission: Submission) -> dict[str, Any]:
    confirmations = list(selectors.list_confirmations(submission))
    summaries = selectors.disputed_line_summaries(submission, confirmations)
    for c in confirmations:
        c.line_summaries = [  # type: ignore[attr-defined]
            (line, selectors.line_fix_url(c.student, line)) for line in summaries.get(c.pk, [])
        ]
    periods = list(submission.check_periods.order_by("-opens_at"))
    now = timezone.now()
    return {
        "submission": submission,
        "summary": selectors.receipt_summary(submission),
        "active": submission.status in selectors.ACTIVE_STATUSES,
        "poll_seconds": POLL_SECONDS,
        "periods": periods,
        # Accepted, and no period open now or still to come: prompt to open one.
        "needs_period": submission.status == SubmissionStatus.ACCEPTED
        and not any(p.closes_at > now for p in periods),
        "open_period": actions.open_period(submission),
        "confirmations": confirmations,
        "disputes": [c for c in confirmations if c.status == "disputed"],
        "n_correct": sum(1 for c in confirmations if c.status == "correct"),
        "roster_labels": [str(Roster(r).label) for r in submission.rosters],
    }


def submission_detail(request: AuthedRequest, code: uuid.UUID) -> HttpResponse:
    """One submission: delivery status (polled while active), receipt summary, check periods
    with a form to open one, students' answers with disputes first (each with the lines the
    student marked wrong: roster and main fields), and resubmission."""
    submission = access_submission(request.user, code)
    context = _detail_context(request, submission)
    if _is_htmx(request):
        response = render(request, "submissions/partials/submission_status.html", context)
        if not context["active"]:
            # Delivery has ended: reload the whole page so the check-period part follows.
            response["HX-Refresh"] = "true"
        return response
    context["period_form"] = CheckPeriodForm(initial=_period_initial())
    return render(request, "submissions/submission_detail.html", context)


def _period_initial() -> dict[str, datetime.datetime]:
    """A suggested check period: from now to 23:59 three days on (Taipei time), ≥ 3 days."""
    opens = timezone.localtime().replace(second=0, microsecond=0)
    closes = (opens + MIN_CHECK_PERIOD).replace(hour=23, minute=59)
    return {"opens_at": opens, "closes_at": closes}


@require_POST
def check_period(request: AuthedRequest, code: uuid.UUID) -> HttpResponse:
    """Open a receipt-check period (≥ 3 days, RULES.md §3)."""
    submission = access_submission(request.user, code)
    form = CheckPeriodForm(request.POST)
    if form.is_valid():
        try:
            actions.open_check_period(
                actor=request.user,
                submission=submission,
                opens_at=form.cleaned_data["opens_at"],
                closes_at=form.cleaned_data["closes_at"],
            )
        except PermissionDenied:
            raise Http404 from None
        except SubmissionError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("已開放收訖確認期間。"))
            return redirect("submissions:detail", code=submission.code)
    context = _detail_context(request, submission)
    context["period_form"] = form
    return render(request, "submissions/submission_detail.html", context, status=400)


@require_POST
def resubmit(request: AuthedRequest, code: uuid.UUID) -> HttpResponse:
    """Resubmit a new version for the students who disputed (RULES.md §5 step 4)."""
    submission = access_submission(request.user, code)
    try:
        new = actions.resubmit_disputed(actor=request.user, submission=submission)
    except PermissionDenied:
        raise Http404 from None
    except SubmissionError as exc:
        messages.error(request, _error_text(exc))
        return redirect("submissions:detail", code=submission.code)
    messages.success(
        request,
        _("已為 %(n)d 位回報資料有誤的學生重新提交第 %(version)d 版。")
        % {"n": new.student_count, "version": new.version},
    )
    return redirect("submissions:detail", code=new.code)


# ---------------------------------------------------------------------------------------------
# Student: receipt check (收訖明細確認)


def receipt_list(request: AuthedRequest) -> HttpResponse:
    """收訖明細確認: what the central database now holds for the student, and each submission
    with a check period (open: a link to answer; closed: read-only with the dates)."""
    student = student_of(request.user)
    central, central_error = selectors.fetch_central_records(student)
    return render(
        request,
        "submissions/receipt_list.html",
        {
            "student": student,
            "receipts": selectors.list_student_receipts(student),
            "central": central,
            "central_error": central_error,
        },
    )


@require_http_methods(["GET", "POST"])
def receipt_detail(request: AuthedRequest, code: uuid.UUID) -> HttpResponse:
    """One submission's receipt for the student: the central database's current record of its
    rosters, year and semester, and (during the period) marking it 正確 or 有誤 with a
    checkbox on each wrong line and/or a note (RULES.md §3, §5 step 4). When this submission
    corrected a version the student disputed, the lines it changed are marked and the disputed
    ones listed with their new values. 404 unless the submission carried this student."""
    student, submission = access_student_submission(request.user, code)
    answered = submission.confirmations.filter(student=student).first()
    initial = (
        {"status": answered.status, "note": answered.note}
        if answered is not None and answered.status != ConfirmationStatus.RESOLVED
        else {}
    )
    form = ConfirmationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.confirm_receipt(
                actor=request.user,
                submission=submission,
                student=student,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
                lines=form.cleaned_data["lines"],
            )
        except PermissionDenied:
            raise Http404 from None
        except SubmissionError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("已送出確認結果。"))
            return redirect("submissions:receipt", code=submission.code)
    receipt = selectors.get_student_receipt(submission, student)
    central, central_error = selectors.fetch_central_records(student, submission)
    mine = snapshot_lines(submission, student)
    if form.is_bound:
        picked = set(request.POST.getlist("lines"))
    elif receipt.confirmation is not None:
        picked = set(receipt.confirmation.disputed_lines)
    else:
        picked = set()
    correction = selectors.correction_for(submission, student)
    selectors.annotate_lines(
        central,
        pickable=set(mine) if receipt.can_answer else set(),
        picked=picked,
        changes=correction.changes if correction else None,
    )
    my_lines = [
        mine.get(line_id, line_id)
        for line_id in (receipt.confirmation.disputed_lines if receipt.confirmation else [])
    ]
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "submissions/receipt_detail.html",
        {
            "student": student,
            "submission": submission,
            "receipt": receipt,
            "central": central,
            "central_error": central_error,
            "form": form,
            "my_lines": my_lines,
            "correction": correction,
            "can_pick": receipt.can_answer and bool(mine),
            "lines_col": (receipt.can_answer and bool(mine)) or correction is not None,
        },
        status=status,
    )
