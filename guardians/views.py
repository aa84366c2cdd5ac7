"""The parent's pages: home (bound children) and the four-step binding flow.

Flow pages are for parents without an account yet, so they are marked
``login_not_required``; what a visitor may do is decided by the verified flow state in the
session (``guardians.flow``). Deck 親子帳號綁定操作指引(1)–(7); the issue items 1–5.
"""

import base64
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthedRequest
from accounts.models import Role
from accounts.roles import get_role_context
from schools.identity import mask_id
from schools.models import School, Student

from . import actions, flow, inputs, limits, selectors
from .flow import FlowState, ParentData, StudentChoice
from .models import ApplicationState, CodeChannel, Relationship, SchoolLevel
from .pdf import pdf_response
from .permissions import access_own_application
from .signatures import clean_signature, to_data_url

RELATIONSHIP_GROUPS = [
    (gettext_lazy("法定代理人"), [Relationship.FATHER, Relationship.MOTHER]),
    (
        gettext_lazy("監護人"),
        [
            Relationship.GRANDFATHER,
            Relationship.GRANDMOTHER,
            Relationship.MATERNAL_GRANDFATHER,
            Relationship.MATERNAL_GRANDMOTHER,
            Relationship.OTHER,
        ],
    ),
]
SHORT_RELATIONSHIP = {
    Relationship.FATHER: gettext_lazy("父親"),
    Relationship.MOTHER: gettext_lazy("母親"),
    Relationship.GRANDFATHER: gettext_lazy("祖父"),
    Relationship.GRANDMOTHER: gettext_lazy("祖母"),
    Relationship.MATERNAL_GRANDFATHER: gettext_lazy("外祖父"),
    Relationship.MATERNAL_GRANDMOTHER: gettext_lazy("外祖母"),
    Relationship.OTHER: gettext_lazy("其他"),
}
NEED_CODE = gettext_lazy("請先取得並輸入驗證碼（驗證後 1 小時內有效）。")


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _first(exc: ValidationError) -> str:
    return str(exc.messages[0])


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    response = render(request, template, context, status=status)
    response["Cache-Control"] = "no-store"  # personal data (ASVS 14.3.2)
    return response


# --- Parent home (logged in) ----------------------------------------------------------------


def parent_home(request: AuthedRequest) -> HttpResponse:
    """家長 home: each actively bound child (read-only links) and the parent's applications."""
    user = request.user
    is_parent = get_role_context(user).has(Role.PARENT)
    applications = list(selectors.list_applications_of_user(user))
    if not is_parent and not applications:
        raise Http404
    return _render(
        request,
        "guardians/parent_home.html",
        {"bindings": selectors.list_children(user), "applications": applications},
    )


# --- Step 1: verification code ------------------------------------------------------------


def _start_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    pending = flow.get_pending(request.session)
    context: dict[str, Any] = {
        "step": 1,
        "pending": pending,
        "channel": (pending or {}).get("channel", CodeChannel.EMAIL),
        "ttl_minutes": int(limits.CODE_TTL.total_seconds() // 60),
        "errors": {},
        "values": {},
        "state": flow.load(request.session),
    }
    if pending:
        channel, dest = str(pending["channel"]), str(pending["destination"])
        context["pending_masked"] = (
            inputs.mask_email(dest) if channel == CodeChannel.EMAIL else inputs.mask_phone(dest)
        )
    context.update(extra)
    return context


@login_not_required
@require_http_methods(["GET", "POST"])
def bind_start(request: HttpRequest) -> HttpResponse:
    """Step 1: choose email or SMS and get a code (deck 親子帳號綁定操作指引(1); the issue item
    1; RELIABILITY.md A2 limits in ``guardians.limits``)."""
    if request.method == "GET":
        return _render(request, "guardians/bind/start.html", _start_context(request))
    channel = request.POST.get("channel", "")
    values = {"channel": channel, "email": "", "mobile": ""}
    try:
        if channel == CodeChannel.EMAIL:
            values["email"] = request.POST.get("email", "")
            destination = inputs.clean_email(values["email"])
        elif channel == CodeChannel.SMS:
            values["mobile"] = request.POST.get("mobile", "")
            destination = inputs.clean_mobile(values["mobile"])
        else:
            raise ValidationError(
                gettext("請選擇取得驗證碼方式（電子信箱或手機）。"), code="channel"
            )
        row, _code = actions.issue_verification_code(
            channel=channel, destination=destination, ip=_ip(request)
        )
    except ValidationError as exc:
        context = _start_context(
            request, errors={"send": _first(exc)}, values=values, channel=channel or "email"
        )
        return _render(request, "guardians/bind/start.html", context, status=400)
    flow.set_pending(request.session, code_id=row.pk, channel=channel, destination=destination)
    messages.success(
        request,
        gettext("驗證碼已寄送至 %(destination)s，1 小時內有效，使用一次即失效。")
        % {"destination": row.destination_masked},
    )
    return redirect("guardians:bind_start")


@login_not_required
@require_POST
def bind_verify(request: HttpRequest) -> HttpResponse:
    """Step 1: check the typed code (RELIABILITY.md A1) and open the flow for one hour."""
    pending = flow.get_pending(request.session)
    try:
        if not pending:
            raise ValidationError(gettext("請先取得驗證碼。"), code="no_code")
        raw = inputs.clean_code(request.POST.get("code"))
        actions.verify_code(
            code_id=int(str(pending["code_id"])),
            raw_code=raw,
            destination=str(pending["destination"]),
            ip=_ip(request),
        )
    except ValidationError as exc:
        context = _start_context(request, errors={"code": _first(exc)})
        return _render(request, "guardians/bind/start.html", context, status=400)
    assert pending is not None
    channel, destination = str(pending["channel"]), str(pending["destination"])
    flow.start(request.session, channel=channel, destination=destination, now=timezone.now())
    if selectors.applications_for_destination(channel, destination).exists():
        return redirect("guardians:bind_progress")
    return redirect("guardians:bind_student")


def _require_state(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """Flow views need a verified state (RELIABILITY.md A3: steps in order). Put it under the
    method decorator, so a wrong method is 405 before any flow check."""

    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        state = flow.load(request.session)
        if state is None:
            if request.headers.get("HX-Request"):
                return HttpResponse(str(NEED_CODE), status=403)
            messages.warning(request, NEED_CODE)
            return redirect("guardians:bind_start")
        return view(request, state, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return login_not_required(wrapper)


# --- Step 2: the student ------------------------------------------------------------------------


def _school_level(raw: str | None) -> str:
    if raw not in SchoolLevel.values:
        raise ValidationError(
            gettext("請選擇學生之學層（國小、國中、高中或高職），收到的是「%(value)s」。")
            % {"value": (raw or "")[:20]},
            code="school_level",
        )
    return str(raw)


def _school(raw: str | None, level: str) -> School:
    school = None
    if raw and raw.isdigit():
        school = selectors.list_schools_for_level(level).filter(pk=int(raw)).first()
    if school is None:
        raise ValidationError(
            gettext("請選擇綁定學生所在學校（須為所選學層的學校）。"), code="school"
        )
    return school


def _relationship(raw: str | None) -> str:
    if raw not in Relationship.values:
        raise ValidationError(
            gettext(
                "請選擇與學生的關係：法定代理人（父親、母親）或監護人（祖父、祖母、外祖父、"
                "外祖母、其他）。"
            ),
            code="relationship",
        )
    return str(raw)


def _student_context(state: FlowState, **extra: Any) -> dict[str, Any]:
    level = extra.get("values", {}).get("school_level") or SchoolLevel.VOCATIONAL
    context: dict[str, Any] = {
        "step": 2,
        "state": state,
        "relationship_groups": [
            (label, [(r.value, SHORT_RELATIONSHIP[r]) for r in group])
            for label, group in RELATIONSHIP_GROUPS
        ],
        "levels": SchoolLevel.choices,
        "schools": selectors.list_schools_for_level(level),
        "errors": {},
        "values": {"school_level": level},
        "n_students": len(state.students),
    }
    context.update(extra)
    return context


def _check_student_input(request: HttpRequest) -> tuple[dict[str, str], dict[str, str], Any]:
    """Parse step 2's fields; returns (values, errors, match or None)."""
    post = request.POST
    values = {
        "relationship": post.get("relationship", ""),
        "school_level": post.get("school_level", ""),
        "school": post.get("school", ""),
        "student_id": post.get("student_id", ""),
    }
    errors: dict[str, str] = {}
    match = None
    try:
        _relationship(values["relationship"])
    except ValidationError as exc:
        errors["relationship"] = _first(exc)
    level = ""
    try:
        level = _school_level(values["school_level"])
    except ValidationError as exc:
        errors["school_level"] = _first(exc)
    school = None
    if level:
        try:
            school = _school(values["school"], level)
        except ValidationError as exc:
            errors["school"] = _first(exc)
    try:
        national_id = inputs.clean_national_id(values["student_id"], label=gettext("學生身分證號"))
        values["student_id"] = national_id
        if school is not None:
            match = actions.match_student(school=school, national_id=national_id, ip=_ip(request))
    except ValidationError as exc:
        errors["student_id"] = _first(exc)
    return values, errors, match


@require_http_methods(["GET", "POST"])
@_require_state
def bind_student(request: HttpRequest, state: FlowState) -> HttpResponse:
    """Step 2: relationship, 學層, school and the student's ID (deck 親子帳號綁定操作指引(2)–(3);
    the issue item 2). POST adds the student to the application list."""
    if request.method == "GET":
        return _render(request, "guardians/bind/student.html", _student_context(state))
    values, errors, match = _check_student_input(request)
    if match is not None and match.student.pk in state.student_ids():
        errors["student_id"] = gettext("學生 %(name)s 已在本次申請清單中，不必重複新增。") % {
            "name": match.masked_name
        }
    if errors or match is None:
        values["student_id"] = mask_id(values["student_id"]) if errors.get("student_id") else ""
        context = _student_context(state, errors=errors, values=values)
        return _render(request, "guardians/bind/student.html", context, status=400)
    state.students.append(
        StudentChoice(
            student_id=match.student.pk,
            relationship=values["relationship"],
            school_level=values["school_level"],
        )
    )
    flow.save(request.session, state)
    return redirect("guardians:bind_students")


@require_POST
@_require_state
def bind_check_student(request: HttpRequest, state: FlowState) -> HttpResponse:
    """htmx 驗證 button: check digit (RULES.md §8.2), then a match in the chosen school only;
    returns the masked confirmation or the message (the issue item 2)."""
    _values, errors, match = _check_student_input(request)
    errors.pop("relationship", None)  # not needed to check the ID
    message = next(iter(errors.values()), "")
    return _render(
        request,
        "guardians/partials/student_check.html",
        {"match": match if not errors else None, "message": message},
        status=200,
    )


@require_GET
@_require_state
def bind_schools(request: HttpRequest, state: FlowState) -> HttpResponse:
    """htmx: the school options of a 學層 (deck 親子帳號綁定操作指引(3))."""
    level = request.GET.get("school_level", "")
    schools = selectors.list_schools_for_level(level) if level in SchoolLevel.values else []
    return _render(request, "guardians/partials/school_options.html", {"schools": schools})


def _chosen_students(state: FlowState) -> list[dict[str, Any]]:
    students = Student.objects.select_related("school").in_bulk(state.student_ids())
    rows = []
    for index, choice in enumerate(state.students):
        student = students.get(choice.student_id)
        if student is None:
            continue
        rows.append(
            {
                "index": index,
                "masked_name": inputs.mask_name(student.name),
                "masked_id": student.masked_id,
                "school": student.school.name,
                "relationship": Relationship(choice.relationship).label,
                "school_level": SchoolLevel(choice.school_level).label,
            }
        )
    return rows


@require_http_methods(["GET", "POST"])
@_require_state
def bind_students(request: HttpRequest, state: FlowState) -> HttpResponse:
    """Step 2 confirmation: the students so far, masked; add another or go on (deck
    親子帳號綁定操作指引(4)). POST ``remove=<index>`` drops one."""
    if request.method == "POST":
        raw = request.POST.get("remove", "")
        if raw.isdigit() and int(raw) < len(state.students):
            del state.students[int(raw)]
            flow.save(request.session, state)
        return redirect("guardians:bind_students")
    if not state.students:
        return redirect("guardians:bind_student")
    return _render(
        request,
        "guardians/bind/students.html",
        {"step": 2, "state": state, "rows": _chosen_students(state)},
    )


# --- Step 3: consent ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@_require_state
def bind_consent(request: HttpRequest, state: FlowState) -> HttpResponse:
    """Step 3: read the versioned statement to the end and tick (deck 親子帳號綁定操作指引(5);
    the issue item 3). Stores the version and the time accepted."""
    if not state.students:
        messages.warning(request, gettext("請先新增至少一位綁定學生。"))
        return redirect("guardians:bind_student")
    consent = selectors.get_current_consent()
    if consent is None:
        raise Http404
    context: dict[str, Any] = {"step": 3, "state": state, "consent": consent, "errors": {}}
    if request.method == "GET":
        return _render(request, "guardians/bind/consent.html", context)
    posted = request.POST.get("version", "")
    if posted != str(consent.version):
        context["errors"]["agree"] = gettext(
            "個資使用聲明已更新為第 %(version)s 版，請重新閱讀後同意"
            "（您送出的是第 %(posted)s 版）。"
        ) % {"version": consent.version, "posted": posted[:5] or gettext("（空白）")}
    elif request.POST.get("agree") != "on":
        context["errors"]["agree"] = gettext("請勾選「本人已詳閱並同意以上條款聲明」才能繼續。")
    if context["errors"]:
        return _render(request, "guardians/bind/consent.html", context, status=400)
    state.consent_version = consent.version
    state.consent_accepted_at = timezone.now().isoformat()
    flow.save(request.session, state)
    return redirect("guardians:bind_parent")


# --- Step 4: the parent ------------------------------------------------------------


def _parent_defaults(state: FlowState) -> dict[str, str]:
    parent = state.parent
    values = {
        "national_id_masked": parent.national_id_masked if parent else "",
        "name": parent.name if parent else "",
        "email": parent.email if parent else "",
        "phone": parent.phone if parent else "",
        "signature": (to_data_url(base64.b64decode(parent.signature_b64)) if parent else ""),
    }
    if state.channel == CodeChannel.EMAIL:
        values["email"] = state.destination
    else:
        values["phone"] = state.destination
    return values


def _same_as_student(state: FlowState, national_id: str) -> str:
    students = Student.objects.in_bulk(state.student_ids())
    for student in students.values():
        if student.national_id == national_id:
            return gettext("家長身分證號不可與學生（%(name)s）的身分證號相同。") % {
                "name": inputs.mask_name(student.name)
            }
    return ""


@require_http_methods(["GET", "POST"])
@_require_state
def bind_parent(request: HttpRequest, state: FlowState) -> HttpResponse:
    """Step 4: the parent's ID (validated, shown masked), name, email (the future login),
    phone and e-signature (deck 親子帳號綁定操作指引(6); the issue items 4 and 7)."""
    if state.consent_version is None:
        messages.warning(request, gettext("請先閱讀並同意個資使用聲明。"))
        return redirect("guardians:bind_consent")
    context: dict[str, Any] = {
        "step": 4,
        "state": state,
        "errors": {},
        "values": _parent_defaults(state),
        "rows": _chosen_students(state),
    }
    if request.method == "GET":
        return _render(request, "guardians/bind/parent.html", context)
    post = request.POST
    values = context["values"]
    errors: dict[str, str] = context["errors"]
    cleaned: dict[str, str] = {}
    raw_id = post.get("national_id", "")
    if not raw_id and state.parent:
        cleaned["national_id"] = state.parent.national_id  # kept from an earlier visit
    else:
        try:
            cleaned["national_id"] = inputs.clean_national_id(raw_id, label=gettext("家長身分證號"))
            same = _same_as_student(state, cleaned["national_id"])
            if same:
                errors["national_id"] = same
        except ValidationError as exc:
            errors["national_id"] = _first(exc)
    checks: list[tuple[str, Callable[[str], str]]] = [
        ("name", inputs.clean_name),
        ("email", inputs.clean_email),
        ("phone", inputs.clean_phone),
    ]
    for name, check in checks:
        values[name] = post.get(name, "")
        if name == "email" and state.channel == CodeChannel.EMAIL:
            values[name] = state.destination
        if name == "phone" and state.channel == CodeChannel.SMS:
            values[name] = state.destination
        try:
            cleaned[name] = check(values[name])
        except ValidationError as exc:
            errors[name] = _first(exc)
    try:
        signature = clean_signature(post.get("signature"))
        values["signature"] = to_data_url(signature)
    except ValidationError as exc:
        errors["signature"] = _first(exc)
        values["signature"] = ""
    if errors:
        return _render(request, "guardians/bind/parent.html", context, status=400)
    state.parent = ParentData(
        national_id=cleaned["national_id"],
        national_id_masked=mask_id(cleaned["national_id"]),
        name=cleaned["name"],
        email=cleaned["email"],
        phone=cleaned["phone"],
        signature_b64=base64.b64encode(signature).decode("ascii"),
    )
    flow.save(request.session, state)
    return redirect("guardians:bind_review")


@require_POST
@_require_state
def bind_check_parent_id(request: HttpRequest, state: FlowState) -> HttpResponse:
    """htmx 驗證 button for the parent's ID: the masked value or the message (RULES.md §8)."""
    try:
        national_id = inputs.clean_national_id(
            request.POST.get("national_id"), label=gettext("家長身分證號")
        )
        message = _same_as_student(state, national_id)
        masked = "" if message else mask_id(national_id)
    except ValidationError as exc:
        message, masked = _first(exc), ""
    return _render(
        request, "guardians/partials/parent_id_check.html", {"message": message, "masked": masked}
    )


@require_http_methods(["GET", "POST"])
@_require_state
def bind_review(request: HttpRequest, state: FlowState) -> HttpResponse:
    """Review page, then submit (deck 親子帳號綁定操作指引(6): 返回修改 / 送出資料)."""
    if state.parent is None:
        return redirect("guardians:bind_parent")
    context: dict[str, Any] = {
        "step": 4,
        "state": state,
        "parent": state.parent,
        "rows": _chosen_students(state),
        "signature_url": to_data_url(base64.b64decode(state.parent.signature_b64)),
    }
    if request.method == "GET":
        return _render(request, "guardians/bind/review.html", context)
    try:
        created = actions.submit_applications(
            state=state,
            signature_png=base64.b64decode(state.parent.signature_b64),
            request=request,
        )
    except ValidationError as exc:
        context["error"] = _first(exc)
        return _render(request, "guardians/bind/review.html", context, status=400)
    state.students, state.consent_version, state.consent_accepted_at = [], None, None
    state.parent = None
    flow.save(request.session, state)
    messages.success(
        request,
        ngettext(
            "已送出 %(n)s 筆親子綁定申請。送出資料不等於完成綁定，導師審核後將以電子郵件通知您。",
            "已送出 %(n)s 筆親子綁定申請。送出資料不等於完成綁定，導師審核後將以電子郵件通知您。",
            len(created),
        )
        % {"n": len(created)},
    )
    return redirect("guardians:bind_progress")


# --- Progress, cancel, PDF ------------------------------------------------------------------------


@require_GET
@_require_state
def bind_progress(request: HttpRequest, state: FlowState) -> HttpResponse:
    """The parent's applications per student with their states (deck 親子帳號綁定操作指引(7);
    the issue item 5)."""
    applications = selectors.applications_for_destination(state.channel, state.destination)
    return _render(
        request,
        "guardians/bind/progress.html",
        {"state": state, "applications": applications, "PENDING": ApplicationState.PENDING},
    )


@require_POST
@_require_state
def bind_cancel(request: HttpRequest, state: FlowState, code: uuid.UUID) -> HttpResponse:
    """The trash icon: cancel one pending application of the parent's own."""
    application = access_own_application(state, code)
    try:
        actions.cancel_application(state=state, application=application, request=request)
        messages.success(
            request,
            gettext("已取消 %(name)s 的綁定申請。")
            % {"name": inputs.mask_name(application.student.name)},
        )
    except ValidationError as exc:
        messages.error(request, _first(exc))
    return redirect("guardians:bind_progress")


@require_GET
@_require_state
def bind_pdf(request: HttpRequest, state: FlowState, code: uuid.UUID) -> HttpResponse:
    """The application form as a PDF (deck 親子帳號綁定操作指引(7): 下載申請書)."""
    application = access_own_application(state, code)
    return pdf_response(application)


@login_not_required
@require_POST
def bind_quit(request: HttpRequest) -> HttpResponse:
    """不同意並退出 / 登出: forget the flow."""
    flow.clear(request.session)
    messages.info(request, gettext("已退出親子綁定申請，您填寫的資料未送出。"))
    return redirect("guardians:bind_start")
