"""Staff pages of the binding flow: the homeroom teacher's review queue (the issue item 6),
the registrar's list of bindings with unbinding (item 8), and the parent's one-time
set-password page (item 7)."""

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth import password_validation
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthedRequest
from accounts.models import User
from audit.actions import record_event

from . import actions, inputs
from .pdf import pdf_response
from .permissions import (
    access_application_for_review,
    access_binding_for_unbind,
    access_binding_list,
    access_review_queue,
)
from .signatures import to_data_url
from .tokens import set_password_token


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    response = render(request, template, context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def review_list(request: AuthedRequest) -> HttpResponse:
    """The homeroom teacher's queue: pending applications of the own class this term
    (RULES.md §1; RELIABILITY.md A3). Names only; details are read on the detail page.
    Anyone who homerooms no class this school year gets 404."""
    applications = access_review_queue(request.user)
    return _render(request, "guardians/reviews/list.html", {"applications": applications})


def _detail_context(application: Any) -> dict[str, Any]:
    return {
        "application": application,
        "signature_url": to_data_url(application.signature_png),
        "errors": {},
    }


@require_GET
def review_detail(request: AuthedRequest, code: uuid.UUID) -> HttpResponse:
    """One pending application: details (parent ID masked), consent version and text, the
    signature. Others get 404. The read is audit-logged (RELIABILITY.md P2)."""
    application = access_application_for_review(request.user, code)
    actions.record_review_read(actor=request.user, application=application, request=request)
    return _render(request, "guardians/reviews/detail.html", _detail_context(application))


@require_POST
def review_approve(request: AuthedRequest, code: uuid.UUID) -> HttpResponse:
    """Approve (the issue items 6–7): bind and email the parent."""
    application = access_application_for_review(request.user, code)
    try:
        actions.approve_application(actor=request.user, application=application, request=request)
    except ValidationError as exc:
        messages.error(request, str(exc.messages[0]))
        return redirect("guardians:review_list")
    messages.success(
        request,
        gettext("已通過 %(parent)s 與 %(student)s 的親子綁定。")
        % {"parent": application.parent_name, "student": application.student.name},
    )
    return redirect("guardians:review_list")


@require_POST
def review_reject(request: AuthedRequest, code: uuid.UUID) -> HttpResponse:
    """Reject with a required reason (≤ 200 characters) and email the parent (the issue
    item 6)."""
    application = access_application_for_review(request.user, code)
    try:
        reason = inputs.clean_reason(request.POST.get("reason"))
        actions.reject_application(
            actor=request.user, application=application, reason=reason, request=request
        )
    except ValidationError as exc:
        context = _detail_context(application)
        context["errors"]["reason"] = str(exc.messages[0])
        context["reason"] = request.POST.get("reason", "")[:1000]
        return _render(request, "guardians/reviews/detail.html", context, status=400)
    messages.success(
        request,
        gettext("已退回 %(parent)s 的申請，並以電子郵件通知家長。")
        % {"parent": application.parent_name},
    )
    return redirect("guardians:review_list")


@require_GET
def review_pdf(request: AuthedRequest, code: uuid.UUID) -> HttpResponse:
    """The application form as a PDF for the reviewing homeroom teacher (audit-logged)."""
    application = access_application_for_review(request.user, code)
    record_event(
        actor=request.user,
        action="binding_application.pdf",
        target=f"binding_application:{application.code}",
        student=application.student,
        request=request,
    )
    return pdf_response(application)


@require_GET
def binding_list(request: AuthedRequest) -> HttpResponse:
    """Registrar: the school's active bindings, each with an unbind button (the issue item
    8); a system admin sees every school's. Everyone else gets 404."""
    bindings = access_binding_list(request.user)
    return _render(request, "guardians/bindings.html", {"bindings": bindings})


@require_POST
def binding_unbind(request: AuthedRequest, code: uuid.UUID) -> HttpResponse:
    """End one binding now (ASVS 8.3.x); 404 for missing and not-yours."""
    binding = access_binding_for_unbind(request.user, code)
    actions.unbind_guardianship(actor=request.user, binding=binding, request=request)
    messages.success(
        request,
        gettext("已解除 %(parent)s 與 %(student)s 的親子綁定。")
        % {"parent": binding.parent, "student": binding.student.name},
    )
    return redirect("guardians:binding_list")


def _user_from_uid(uidb64: str) -> User | None:
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    return User.objects.filter(pk=pk, is_active=True).first()


@login_not_required
@require_http_methods(["GET", "POST"])
def set_password(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The parent's one-time set-password link, valid 24 hours (the issue item 7). After
    the password is set the link stops working and the parent logs in with the email."""
    user = _user_from_uid(uidb64)
    if user is None or not set_password_token.check_token(user, token):
        return _render(request, "guardians/set_password.html", {"invalid": True}, status=400)
    context: dict[str, Any] = {"invalid": False, "login": user.username, "errors": []}
    if request.method == "GET":
        return _render(request, "guardians/set_password.html", context)
    password1 = request.POST.get("password1", "")
    password2 = request.POST.get("password2", "")
    errors: list[str] = []
    if password1 != password2:
        errors.append(gettext("兩次輸入的密碼不一致，請重新輸入。"))
    else:
        try:
            password_validation.validate_password(password1, user)
        except ValidationError as exc:
            errors.extend(str(m) for m in exc.messages)
    if errors:
        context["errors"] = errors
        return _render(request, "guardians/set_password.html", context, status=400)
    user.set_password(password1)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    record_event(
        actor=None, action="account.password_set", target=f"user:{user.code}", request=request
    )
    messages.success(
        request,
        gettext("密碼已設定。請以帳號 %(login)s 及新密碼登入。") % {"login": user.username},
    )
    return redirect("account_login")
