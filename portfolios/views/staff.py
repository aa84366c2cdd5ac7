"""Staff pages for portfolios: the certification queue (任課教師 and proxies), consultation
records (課程諮詢教師), a class's progress (導師, registrar), windows and proxies (註冊組).

Views parse input and call one action or read; refusals from actions (PortfolioError) become
messages or form errors naming the problem. Pages for a role the person does not hold are 404.
RULES.md §1 (roles), §3 (windows, caps), §4 (certification).
"""

import uuid
from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.http import AuthedRequest
from accounts.models import Role
from accounts.roles import get_role_context
from audit.actions import record_event
from schools.models import ClassMembership, School, SchoolClass, Student, Teacher, Term
from schools.permissions import access_class

from .. import actions
from ..errors import PortfolioError
from ..forms import ConsultationForm, ExtensionForm, ProxyForm, ReturnForm, WindowForm
from ..models import (
    ConsultationRecord,
    CourseOutcome,
    OutcomeStatus,
    Performance,
    ProxyCertifier,
    RuleSet,
    TickKind,
    TickSlot,
    Window,
    WindowExtension,
    WindowKind,
)
from ..permissions import certifiable_outcomes
from ..schedule import WindowState, format_local, window_state

RECENT_LIMIT = 20


def _is_htmx(request: AuthedRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _teacher_or_404(request: AuthedRequest) -> Teacher:
    teacher = get_role_context(request.user).teacher
    if teacher is None:
        raise Http404
    return teacher


def _error_text(exc: PortfolioError) -> str:
    return " ".join(exc.messages)


# ---------------------------------------------------------------------------------------------
# Certification queue (認證), RULES.md §4


def list_pending_for_certifier(request: AuthedRequest) -> QuerySet[CourseOutcome]:
    """Pending outcomes the person may certify (own offerings, and those of teachers they
    proxy for in that term), oldest term first, then course and student number. Each row has
    ``class_name``: the student's class in the offering's term."""
    class_name = ClassMembership.objects.filter(
        student=OuterRef("student_id"), term=OuterRef("course_record__offering__term_id")
    ).values("school_class__name")[:1]
    return (
        certifiable_outcomes(request.user)
        .filter(status=OutcomeStatus.PENDING)
        .select_related(
            "student",
            "course_record__offering__course",
            "course_record__offering__term",
            "course_record__offering__teacher",
            "document_blob",
            "media_blob",
        )
        .annotate(class_name=Subquery(class_name))
        .order_by(
            "course_record__offering__term__school_year",
            "course_record__offering__term__semester",
            "course_record__offering__course__name",
            "student__student_number",
            "sent_at",
        )
    )


def list_recently_decided(request: AuthedRequest) -> list[CourseOutcome]:
    """Outcomes this person certified or returned that are still in that state, newest first
    (at most ``RECENT_LIMIT``); ``decided_at`` is the certification or return time."""
    return list(
        CourseOutcome.objects.filter(
            Q(status=OutcomeStatus.CERTIFIED, certified_by=request.user)
            | Q(status=OutcomeStatus.RETURNED, returned_by=request.user)
        )
        .select_related(
            "student", "course_record__offering__course", "course_record__offering__term"
        )
        .annotate(
            decided_at=Case(
                When(status=OutcomeStatus.CERTIFIED, then=F("certified_at")),
                default=F("returned_at"),
                output_field=DateTimeField(),
            )
        )
        .order_by("-decided_at")[:RECENT_LIMIT]
    )


def _queue_context(request: AuthedRequest) -> dict[str, object]:
    pending = list(list_pending_for_certifier(request))
    states: dict[int, WindowState] = {}
    for outcome in pending:
        term = outcome.course_record.offering.term
        if term.pk not in states:
            states[term.pk] = window_state(WindowKind.CERTIFY, term)
        outcome.certify_state = states[term.pk]  # type: ignore[attr-defined]
    terms = {o.course_record.offering.term.pk: o.course_record.offering.term for o in pending}
    return {
        "pending": pending,
        "term_states": [(terms[pk], state) for pk, state in states.items()],
        "any_open": any(state.is_open for state in states.values()),
        "recent": list_recently_decided(request),
        "reason_max": actions.certification.RETURN_REASON_MAX,
    }


def _queue_response(request: AuthedRequest) -> HttpResponse:
    """After a POST: the queue partial for htmx, else a redirect back to the queue page."""
    if _is_htmx(request):
        return render(request, "portfolios/staff/partials/queue.html", _queue_context(request))
    return redirect("portfolios:certification_queue")


def certification_queue(request: AuthedRequest) -> HttpResponse:
    """待認證學習成果: the person's pending outcomes with previews, bulk certify, per-row
    return; and what they recently certified or returned. 404 for people who are not
    teachers. ``?count=1`` returns only the pending count (lazy badge on the teacher home)."""
    teacher = _teacher_or_404(request)
    if request.GET.get("count") == "1":
        n = list_pending_for_certifier(request).count()
        return render(request, "portfolios/staff/partials/pending_count.html", {"n": n})
    context = _queue_context(request)
    return render(
        request, "portfolios/staff/certification_queue.html", {"teacher": teacher, **context}
    )


def _parse_codes(raw: list[str]) -> list[uuid.UUID]:
    codes: list[uuid.UUID] = []
    for value in raw:
        try:
            codes.append(uuid.UUID(value))
        except ValueError:
            raise Http404 from None
    return list(dict.fromkeys(codes))


@require_POST
def certify(request: AuthedRequest) -> HttpResponse:
    """Certify the outcomes listed in ``codes`` at once (all or nothing, RULES.md §4).

    Any code that is missing or not certifiable by the person is a 404 and nothing changes;
    refusals of the action (window closed, not pending) become an error message."""
    _teacher_or_404(request)
    codes = _parse_codes(request.POST.getlist("codes"))
    if not codes:
        messages.error(request, _("請先勾選要認證的學習成果。"))
        return _queue_response(request)
    outcomes = list(certifiable_outcomes(request.user).filter(code__in=codes))
    if len(outcomes) != len(codes):
        raise Http404
    try:
        done = actions.certify_outcomes(actor=request.user, outcomes=outcomes)
    except PermissionDenied:
        raise Http404 from None
    except PortfolioError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("已認證 %(n)d 件學習成果。") % {"n": len(done)})
    return _queue_response(request)


@require_POST
def return_view(request: AuthedRequest, code: uuid.UUID) -> HttpResponse:
    """Return one pending outcome to its student with a required reason (退回, RULES.md §4.3).
    404 unless the person may certify it."""
    _teacher_or_404(request)
    outcome = certifiable_outcomes(request.user).filter(code=code).select_related("student").first()
    if outcome is None:
        raise Http404
    form = ReturnForm(request.POST)
    form.is_valid()  # one optional text field: always valid; the action checks the reason
    try:
        actions.return_outcome(
            actor=request.user, outcome=outcome, reason=form.cleaned_data.get("reason", "")
        )
    except PermissionDenied:
        raise Http404 from None
    except PortfolioError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(
            request,
            _("已退回 %(name)s 的「%(title)s」。")
            % {"name": outcome.student.name, "title": outcome.description[:20]},
        )
    return _queue_response(request)


# ---------------------------------------------------------------------------------------------
# Course-consultation records (課程諮詢紀錄), RULES.md §1, §12 item 5


@require_http_methods(["GET", "POST"])
def consultation_list(request: AuthedRequest) -> HttpResponse:
    """The consultation records this teacher entered, and a form to add one (課程諮詢教師
    only, else 404). The student is looked up by 學號 within the teacher's school."""
    context = get_role_context(request.user)
    teacher = context.teacher
    if teacher is None or not context.has(Role.CONSULTATION_TEACHER) or context.term is None:
        raise Http404
    form = ConsultationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["student_number"].strip()
        student = Student.objects.filter(school_id=teacher.school_id, student_number=number).first()
        if student is None:
            form.add_error("student_number", _("查無學號 %(number)s 的學生") % {"number": number})
        else:
            try:
                actions.create_consultation_record(
                    actor=request.user,
                    student=student,
                    term=context.term,
                    date=form.cleaned_data["date"],
                    kind=form.cleaned_data["kind"],
                    description=form.cleaned_data["description"],
                    attachment=form.cleaned_data["attachment"],
                )
            except PortfolioError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(
                    request, _("已新增 %(name)s 的課程諮詢紀錄。") % {"name": student.name}
                )
                return redirect("portfolios:consultation_list")
    records = (
        ConsultationRecord.objects.filter(teacher=teacher)
        .select_related("student", "term", "attachment_blob")
        .order_by("-date", "-created_at")
    )
    return render(
        request,
        "portfolios/staff/consultation_list.html",
        {"teacher": teacher, "term": context.term, "form": form, "records": records},
    )


# ---------------------------------------------------------------------------------------------
# Class progress (導師 view), issue item 7


def _term_for_class(school_class: SchoolClass) -> Term | None:
    """The current term if it falls in the class's school year, else the year's latest."""
    terms = Term.objects.filter(
        school_id=school_class.school_id, school_year=school_class.school_year
    )
    return terms.filter(is_current=True).first() or terms.order_by("-semester").first()


def _count_of(model: type, **filters: object) -> Coalesce:
    """A correlated COUNT(*) over ``model`` rows of the outer membership's student."""
    sub = (
        model._default_manager.filter(student=OuterRef("student_id"), **filters)  # type: ignore[attr-defined]
        .order_by()
        .values("student")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(sub, output_field=IntegerField()), 0)


def list_class_progress(school_class: SchoolClass, term: Term) -> QuerySet[ClassMembership]:
    """The class's members in ``term`` by seat number, each annotated with this school year's
    counts: outcomes (all states), pending, returned, certified, outcome and performance
    ticks, performances. One query whatever the class size."""
    year = term.school_year
    return (
        ClassMembership.objects.filter(school_class=school_class, term=term)
        .select_related("student")
        .annotate(
            n_outcomes=_count_of(CourseOutcome, school_year=year),
            n_pending=_count_of(CourseOutcome, school_year=year, status=OutcomeStatus.PENDING),
            n_returned=_count_of(CourseOutcome, school_year=year, status=OutcomeStatus.RETURNED),
            n_certified=_count_of(CourseOutcome, school_year=year, status=OutcomeStatus.CERTIFIED),
            n_outcome_ticks=_count_of(TickSlot, school_year=year, kind=TickKind.OUTCOME),
            n_performance_ticks=_count_of(TickSlot, school_year=year, kind=TickKind.PERFORMANCE),
            n_performances=_count_of(Performance, school_year=year),
        )
        .order_by("seat_number")
    )


PROGRESS_COLUMNS = (
    "n_outcomes", "n_pending", "n_returned", "n_certified", "n_outcome_ticks",
    "n_performance_ticks", "n_performances",
)  # fmt: skip


def class_progress(request: AuthedRequest, code: uuid.UUID) -> HttpResponse:
    """學習歷程進度 of a class (its homeroom teacher or a registrar; 404 otherwise), read-only,
    each student linking to their cabinet. The roster read is audit-logged."""
    school_class = access_class(request.user, code)
    term = _term_for_class(school_class)
    members = list(list_class_progress(school_class, term)) if term else []
    rules = RuleSet.for_year(term.school_year) if term else None
    totals = {name: sum(getattr(m, name) for m in members) for name in PROGRESS_COLUMNS}
    record_event(
        actor=request.user,
        action="class_progress.view",
        target=f"class:{school_class.code}",
        request=request,
        detail={"term": str(term) if term else "", "students": len(members)},
    )
    return render(
        request,
        "portfolios/staff/class_progress.html",
        {
            "school_class": school_class,
            "term": term,
            "members": members,
            "rules": rules,
            "totals": totals,
        },
    )


# ---------------------------------------------------------------------------------------------
# Registrar pages: windows (期程) and proxy certifiers (代理人), RULES.md §3, §4 rule 4


def _registrar_school_or_404(request: AuthedRequest) -> School:
    """The school of the person's registrar assignment (``?school=`` picks one of several)."""
    ids = get_role_context(request.user).registrar_school_ids
    schools = School.objects.filter(pk__in=ids).order_by("code")
    school = schools.filter(code=request.GET.get("school", "")).first() or schools.first()
    if school is None:
        raise Http404
    return school


@dataclass
class WindowRow:
    kind: str
    label: str
    window: Window | None
    opens: str = ""
    closes: str = ""
    extensions: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class TermWindows:
    term: Term
    rows: list[WindowRow]


def list_term_windows(school: School) -> list[TermWindows]:
    """Every term of the school, newest first, with its three windows in Asia/Taipei time and
    their extensions as (who, closes, reason)."""
    terms = list(Term.objects.filter(school=school).order_by("-school_year", "-semester"))
    windows = Window.objects.filter(term__school=school).prefetch_related(
        Prefetch(
            "extensions",
            queryset=WindowExtension.objects.select_related("student", "school_class").order_by(
                "closes_at"
            ),
        )
    )
    by_key = {(w.term_id, w.kind): w for w in windows}
    result = []
    for term in terms:
        rows = []
        for kind in WindowKind:
            window = by_key.get((term.pk, kind.value))
            row = WindowRow(kind=kind.value, label=str(kind.label), window=window)
            if window is not None:
                row.opens = format_local(window.opens_at)
                row.closes = format_local(window.closes_at, closing=True)
                for ext in window.extensions.all():
                    who = (
                        f"{ext.student.student_number} {ext.student.name}"
                        if ext.student
                        else ext.school_class.name
                        if ext.school_class
                        else ""
                    )
                    row.extensions.append(
                        (who, format_local(ext.closes_at, closing=True), ext.reason)
                    )
            rows.append(row)
        result.append(TermWindows(term=term, rows=rows))
    return result


def _window_initial(request: AuthedRequest, school: School) -> dict[str, object]:
    """Initial values for the window form: ``?term=<id>&kind=<kind>`` prefills an existing
    window for editing; otherwise the current term."""
    initial: dict[str, object] = {}
    current = Term.objects.filter(school=school, is_current=True).first()
    if current is not None:
        initial["term"] = current.pk
    term_id, kind = request.GET.get("term"), request.GET.get("kind")
    if term_id and term_id.isdigit() and kind in WindowKind.values:
        window = Window.objects.filter(term__school=school, term_id=int(term_id), kind=kind).first()
        initial.update({"term": int(term_id), "kind": kind})
        if window is not None:
            initial.update(
                {
                    "opens_at": window.opens_at,
                    "closes_at": window.closes_at,
                    "upload_cap": window.upload_cap,
                }
            )
    return initial


@require_http_methods(["GET", "POST"])
def windows(request: AuthedRequest) -> HttpResponse:
    """期程設定 (registrars of the school only, else 404): each term's upload, certification
    and tick windows in Asia/Taipei time with extensions; forms to set a window and to add an
    extension for a class or a student. Form datetimes are Asia/Taipei (TIME_ZONE)."""
    school = _registrar_school_or_404(request)
    which = request.POST.get("form") if request.method == "POST" else None
    window_form = WindowForm(
        request.POST if which == "window" else None,
        school_id=school.pk,
        prefix="window",
        initial=_window_initial(request, school),
    )
    current = Term.objects.filter(school=school, is_current=True).first()
    extension_form = ExtensionForm(
        request.POST if which == "extension" else None,
        school_id=school.pk,
        prefix="ext",
        initial={"term": current.pk} if current else {},
    )
    if which == "window" and window_form.is_valid():
        data = window_form.cleaned_data
        try:
            actions.set_window(
                actor=request.user,
                term=data["term"],
                kind=data["kind"],
                opens_at=data["opens_at"],
                closes_at=data["closes_at"],
                upload_cap=data["upload_cap"],
            )
        except PortfolioError as exc:
            for message in exc.messages:
                window_form.add_error(None, message)
        else:
            messages.success(
                request,
                _("已設定 %(term)s %(kind)s期間。")
                % {"term": data["term"], "kind": WindowKind(data["kind"]).label},
            )
            return redirect("portfolios:windows")
    if (
        which == "extension"
        and extension_form.is_valid()
        and _add_extension(request, school, extension_form)
    ):
        return redirect("portfolios:windows")
    return render(
        request,
        "portfolios/staff/windows.html",
        {
            "school": school,
            "term_windows": list_term_windows(school),
            "window_form": window_form,
            "extension_form": extension_form,
        },
    )


def _add_extension(request: AuthedRequest, school: School, form: ExtensionForm) -> bool:
    """Call add_window_extension from a valid ExtensionForm; False with form errors if refused."""
    data = form.cleaned_data
    term: Term = data["term"]
    window = Window.objects.select_related("term").filter(term=term, kind=data["kind"]).first()
    if window is None:
        form.add_error(
            None,
            _("%(term)s 尚未設定%(kind)s期間，無法展延。")
            % {"term": term, "kind": WindowKind(data["kind"]).label},
        )
        return False
    student = None
    number = (data["student_number"] or "").strip()
    if number:
        student = Student.objects.filter(school=school, student_number=number).first()
        if student is None:
            form.add_error("student_number", _("查無學號 %(number)s 的學生") % {"number": number})
            return False
    try:
        actions.add_window_extension(
            actor=request.user,
            window=window,
            closes_at=data["closes_at"],
            school_class=data["school_class"],
            student=student,
            reason=data["reason"],
        )
    except PortfolioError as exc:
        for message in exc.messages:
            form.add_error(None, message)
        return False
    who = student.name if student else data["school_class"].name
    messages.success(
        request,
        _("已將 %(who)s 的%(kind)s期間展延至 %(when)s（臺北時間）。")
        % {
            "who": who,
            "kind": window.get_kind_display(),
            "when": format_local(data["closes_at"], closing=True),
        },
    )
    return True


@require_http_methods(["GET", "POST"])
def proxies(request: AuthedRequest) -> HttpResponse:
    """認證代理人 (registrars only, else 404): who certifies for whom in each term, and a form
    to assign a proxy (RULES.md §4 rule 4)."""
    school = _registrar_school_or_404(request)
    current = Term.objects.filter(school=school, is_current=True).first()
    form = ProxyForm(
        request.POST or None, school_id=school.pk, initial={"term": current.pk} if current else {}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.assign_proxy_certifier(
                actor=request.user, term=data["term"], teacher=data["teacher"], proxy=data["proxy"]
            )
        except PortfolioError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _("已指派 %(proxy)s 代理 %(teacher)s 於 %(term)s 的學習成果認證。")
                % {"proxy": data["proxy"], "teacher": data["teacher"], "term": data["term"]},
            )
            return redirect("portfolios:proxies")
    assignments = (
        ProxyCertifier.objects.filter(term__school=school)
        .select_related("term", "teacher", "proxy", "assigned_by")
        .order_by("-term__school_year", "-term__semester", "teacher__name")
    )
    return render(
        request,
        "portfolios/staff/proxies.html",
        {"school": school, "form": form, "assignments": assignments},
    )


__all__ = [
    "certification_queue",
    "certify",
    "class_progress",
    "consultation_list",
    "proxies",
    "return_view",
    "windows",
]
