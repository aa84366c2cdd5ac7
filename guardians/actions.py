"""Use cases of the binding flow (STYLE.md: one function per use case, keyword-only args).

Each checks what it must, writes in a transaction, records an audit row where a person's
data is read or changed, and sends mail once its transaction block has committed (callers
run in autocommit; do not wrap these in an outer ``atomic``, or mail could precede a
rollback). Errors are
``django.core.exceptions.ValidationError`` with Traditional Chinese messages.
"""

import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext, gettext_lazy

from accounts.models import User
from audit.actions import record_event
from schools.identity import mask_id
from schools.models import School, Student

from . import flow, limits, selectors
from .inputs import mask_email, mask_name, mask_phone
from .models import (
    ApplicationState,
    BindingApplication,
    CodeChannel,
    ConsentStatement,
    GuardianSchoolSettings,
    Guardianship,
    VerificationCode,
)
from .permissions import access_binding_for_unbind, can_review_application, owns_application
from .signatures import to_data_url
from .sms import SmsError, send_sms
from .tokens import set_password_token

# --- Step 1: verification codes (RELIABILITY.md §2.1, A1, A2) -------------------------------


def _hash_code(code: str, salt: str) -> str:
    return limits.digest(f"{salt}:{code}", purpose="code")


def _masked_destination(channel: str, destination: str) -> str:
    return mask_email(destination) if channel == CodeChannel.EMAIL else mask_phone(destination)


def issue_verification_code(
    *, channel: str, destination: str, ip: str | None, now: datetime | None = None
) -> tuple[VerificationCode, str]:
    """Create and send an 8-digit code to an email address or mobile number (the issue item 1).

    The code comes from ``secrets`` (CSPRNG), is stored only as an HMAC, lasts one hour and
    replaces any earlier unused code for the address. Limits (RELIABILITY.md A2): 3 codes per
    address per hour and 10 per day, 10 per client IP per hour, 60 s between two codes to the
    same address. Returns ``(row, code)``; the plain code is for the message only.
    Raises ``ValidationError`` when a limit is reached or the SMS gateway fails.
    """
    now = now or timezone.now()
    dest_digest = limits.digest(destination, purpose="destination")
    last = (
        VerificationCode.objects.filter(destination_digest=dest_digest)
        .order_by("-created_at")
        .first()
    )
    if last is not None and now - last.created_at < limits.RESEND_COOLDOWN:
        waited = int((now - last.created_at).total_seconds())
        wait = int(limits.RESEND_COOLDOWN.total_seconds())
        raise ValidationError(
            gettext("重新寄送驗證碼須間隔 %(wait)s 秒，距上次寄送僅 %(waited)s 秒，請稍後再試。")
            % {"wait": wait, "waited": waited},
            code="cooldown",
        )
    sent_hour = limits.codes_issued(dest_digest, since=now - limits.HOUR)
    if sent_hour >= limits.CODES_PER_ADDRESS_PER_HOUR:
        raise ValidationError(
            gettext(
                "同一信箱或手機每小時最多取得 %(max)s 組驗證碼，"
                "過去 1 小時已取得 %(n)s 組，請稍後再試。"
            )
            % {"max": limits.CODES_PER_ADDRESS_PER_HOUR, "n": sent_hour},
            code="address_hour_limit",
        )
    sent_day = limits.codes_issued(dest_digest, since=now - limits.DAY)
    if sent_day >= limits.CODES_PER_ADDRESS_PER_DAY:
        raise ValidationError(
            gettext(
                "同一信箱或手機每天最多取得 %(max)s 組驗證碼，"
                "過去 24 小時已取得 %(n)s 組，請明天再試。"
            )
            % {"max": limits.CODES_PER_ADDRESS_PER_DAY, "n": sent_day},
            code="address_day_limit",
        )
    from_ip = limits.codes_issued_to_ip(ip, since=now - limits.HOUR)
    if from_ip >= limits.CODES_PER_IP_PER_HOUR:
        raise ValidationError(
            gettext(
                "同一網路位址每小時最多取得 %(max)s 組驗證碼，"
                "過去 1 小時已取得 %(n)s 組，請稍後再試。"
            )
            % {"max": limits.CODES_PER_IP_PER_HOUR, "n": from_ip},
            code="ip_hour_limit",
        )
    code = f"{secrets.randbelow(10**8):08d}"
    salt = secrets.token_hex(16)
    with transaction.atomic():
        # A new code replaces the older unused ones (RELIABILITY.md §6.8 item 24).
        VerificationCode.objects.filter(
            destination_digest=dest_digest, used_at__isnull=True, burned_at__isnull=True
        ).update(burned_at=now)
        row = VerificationCode.objects.create(
            channel=channel,
            destination_digest=dest_digest,
            destination_masked=_masked_destination(channel, destination),
            code_hash=_hash_code(code, salt),
            salt=salt,
            created_at=now,
            expires_at=now + limits.CODE_TTL,
            ip_address=ip,
        )
    body = render_to_string("guardians/email/code.txt", {"code": code})
    if channel == CodeChannel.EMAIL:
        send_mail("【歷程】親子綁定驗證碼", body, None, [destination])
    else:
        try:
            send_sms(destination, f"【歷程】親子綁定驗證碼 {code}，1 小時內有效，使用一次即失效。")
        except SmsError:
            row.burned_at = now
            row.save(update_fields=["burned_at"])
            raise ValidationError(
                gettext("簡訊發送失敗，請稍後再試或改用電子信箱取得驗證碼。"), code="sms_failed"
            ) from None
    return row, code


def verify_code(
    *, code_id: int, raw_code: str, destination: str, ip: str | None, now: datetime | None = None
) -> VerificationCode:
    """Check a typed code against the code this session asked for (RELIABILITY.md A1).

    Refused: an expired code (valid while ``now < created_at + 1 h``), a used code, a burned
    code (5 wrong tries or replaced), and any try once the address has had 10 wrong codes or
    the client IP 30 in the past hour. A wrong code counts against the code, the address and
    the IP. On success the code is spent. Raises ``ValidationError``.
    """
    now = now or timezone.now()
    dest_digest = limits.digest(destination, purpose="destination")
    ip_key = limits.ip_key(ip)
    wrong_address = limits.count_events("code_wrong", dest_digest, since=now - limits.HOUR)
    if wrong_address >= limits.WRONG_CODES_PER_ADDRESS_PER_HOUR:
        raise ValidationError(
            gettext(
                "同一信箱或手機每小時最多輸入錯誤 %(max)s 次，"
                "過去 1 小時已錯誤 %(n)s 次，請 1 小時後再試。"
            )
            % {"max": limits.WRONG_CODES_PER_ADDRESS_PER_HOUR, "n": wrong_address},
            code="address_wrong_limit",
        )
    wrong_ip = limits.count_events("code_wrong_ip", ip_key, since=now - limits.HOUR)
    if wrong_ip >= limits.WRONG_CODES_PER_IP_PER_HOUR:
        raise ValidationError(
            gettext(
                "同一網路位址每小時最多輸入錯誤 %(max)s 次，"
                "過去 1 小時已錯誤 %(n)s 次，請 1 小時後再試。"
            )
            % {"max": limits.WRONG_CODES_PER_IP_PER_HOUR, "n": wrong_ip},
            code="ip_wrong_limit",
        )
    with transaction.atomic():
        row = (
            VerificationCode.objects.select_for_update(of=("self",))
            .filter(pk=code_id, destination_digest=dest_digest)
            .first()
        )
        if row is None:
            raise ValidationError(gettext("請先取得驗證碼。"), code="no_code")
        if row.used_at is not None:
            raise ValidationError(
                gettext("此驗證碼已使用過（每組驗證碼只能使用一次），請重新取得驗證碼。"),
                code="used",
            )
        if row.burned_at is not None:
            raise ValidationError(
                gettext("此驗證碼已失效（錯誤達 %(max)s 次或已重新取得），請重新取得驗證碼。")
                % {"max": limits.MAX_TRIES_PER_CODE},
                code="burned",
            )
        if now >= row.expires_at:
            raise ValidationError(
                gettext("驗證碼已逾時（有效時間 1 小時），請重新取得驗證碼。"), code="expired"
            )
        if not hmac.compare_digest(row.code_hash, _hash_code(raw_code, row.salt)):
            row.failed_attempts += 1
            fields = ["failed_attempts"]
            if row.failed_attempts >= limits.MAX_TRIES_PER_CODE:
                row.burned_at = now
                fields.append("burned_at")
            row.save(update_fields=fields)
            limits.add_event("code_wrong", dest_digest, now=now)
            limits.add_event("code_wrong_ip", ip_key, now=now)
            left = limits.MAX_TRIES_PER_CODE - row.failed_attempts
            if left <= 0:
                message = gettext(
                    "驗證碼錯誤已達 %(max)s 次，此驗證碼已失效，請重新取得驗證碼。"
                ) % {"max": limits.MAX_TRIES_PER_CODE}
            else:
                message = gettext(
                    "驗證碼錯誤（每組驗證碼最多可試 %(max)s 次，"
                    "已錯誤 %(wrong)s 次，還可再試 %(left)s 次）。"
                ) % {"max": limits.MAX_TRIES_PER_CODE, "wrong": row.failed_attempts, "left": left}
            # Raised after the block so the counters above are committed.
            error = ValidationError(message, code="wrong")
        else:
            row.used_at = now
            row.save(update_fields=["used_at"])
            return row
    raise error


# --- Step 2: the student ----------------------------------------------------------------------


@dataclass(frozen=True)
class StudentMatch:
    """What step 2 shows about a matched student: masked name and ID (RULES.md §8.3)."""

    student: Student
    masked_name: str
    masked_id: str
    school_name: str


NO_MATCH_MESSAGE = gettext_lazy("所選學校查無此身分證號的學生，請確認學校與學生身分證號。")


def match_student(
    *, school: School, national_id: str, ip: str | None, now: datetime | None = None
) -> StudentMatch:
    """Match a checked ID number against the students of the chosen school only (the issue
    item 2). The same message is given whether the number is unknown or belongs to another
    school. At most 30 look-ups per client IP per hour (anti-automation, ASVS 2.4.1).
    Raises ``ValidationError``.
    """
    now = now or timezone.now()
    key = limits.ip_key(ip)
    done = limits.count_events("student_lookup", key, since=now - limits.HOUR)
    if done >= limits.STUDENT_LOOKUPS_PER_IP_PER_HOUR:
        raise ValidationError(
            gettext("學生資料驗證每小時最多 %(max)s 次，過去 1 小時已驗證 %(n)s 次，請稍後再試。")
            % {"max": limits.STUDENT_LOOKUPS_PER_IP_PER_HOUR, "n": done},
            code="lookup_limit",
        )
    limits.add_event("student_lookup", key, now=now)
    student = selectors.find_student(school=school, national_id=national_id)
    if student is None:
        raise ValidationError(NO_MATCH_MESSAGE, code="no_match")
    return StudentMatch(
        student=student,
        masked_name=mask_name(student.name),
        masked_id=mask_id(student.national_id),
        school_name=school.name,
    )


# --- Submit, cancel ----------------------------------------------------------------------------


@transaction.atomic
def submit_applications(
    *, state: flow.FlowState, signature_png: bytes, request: HttpRequest | None = None
) -> list[BindingApplication]:
    """Create one pending application per chosen student (the issue items 2–5).

    Needs every step done (RELIABILITY.md A3): a verified address, at least one student, the
    current consent accepted and the parent's data. Refuses a parent ID equal to a student's
    (the issue item 7) and a student the same parent already has a pending or approved
    application for. All rows or none (ASVS 2.3.3). Sends the parent a receipt email once
    the rows are committed.
    """
    created = _create_applications(state=state, signature_png=signature_png, request=request)
    assert state.parent is not None
    body = render_to_string(
        "guardians/email/submitted.txt",
        {"applications": created, "parent_name": state.parent.name},
    )
    send_mail("【歷程】親子綁定申請已送出", body, None, [state.parent.email])
    return created


@transaction.atomic
def _create_applications(
    *, state: flow.FlowState, signature_png: bytes, request: HttpRequest | None
) -> list[BindingApplication]:
    parent = state.parent
    if parent is None or not state.students or state.consent_version is None:
        raise ValidationError(gettext("申請資料不完整，請依步驟填寫。"), code="incomplete")
    consent = ConsentStatement.objects.filter(version=state.consent_version).first()
    if consent is None or state.consent_accepted_at is None:
        raise ValidationError(gettext("請先閱讀並同意個資使用聲明。"), code="consent")
    students = Student.objects.in_bulk(state.student_ids())
    submission = uuid.uuid4()
    created: list[BindingApplication] = []
    for choice in state.students:
        student = students.get(choice.student_id)
        if student is None:
            raise ValidationError(gettext("找不到所選學生，請重新選擇。"), code="student_missing")
        if student.national_id == parent.national_id:
            raise ValidationError(
                gettext("家長身分證號不可與學生（%(name)s）的身分證號相同。")
                % {"name": mask_name(student.name)},
                code="same_id",
            )
        if selectors.has_open_application(student=student, email=parent.email, phone=parent.phone):
            raise ValidationError(
                gettext("您已有學生（%(name)s）申請中或已認證的綁定，不可重複申請。")
                % {"name": mask_name(student.name)},
                code="duplicate",
            )
        application = BindingApplication.objects.create(
            submission=submission,
            student=student,
            relationship=choice.relationship,
            school_level=choice.school_level,
            parent_name=parent.name,
            parent_national_id=parent.national_id,
            email=parent.email,
            phone=parent.phone,
            verified_channel=state.channel,
            consent=consent,
            consent_accepted_at=datetime.fromisoformat(state.consent_accepted_at),
            signature_png=signature_png,
        )
        record_event(
            actor=None,
            action="binding_application.submit",
            target=f"binding_application:{application.code}",
            student=student,
            request=request,
            detail={"relationship": application.relationship, "via": state.channel},
        )
        created.append(application)
    return created


@transaction.atomic
def cancel_application(
    *, state: flow.FlowState, application: BindingApplication, request: HttpRequest | None = None
) -> BindingApplication:
    """Cancel the parent's own pending application (deck 親子帳號綁定操作指引(7): the trash icon).

    Raises ``ValidationError`` when it is no longer pending.
    """
    locked = BindingApplication.objects.select_for_update(of=("self",)).get(pk=application.pk)
    if not owns_application(state, locked):
        raise ValidationError(gettext("找不到此申請。"), code="not_found")
    if locked.state != ApplicationState.PENDING:
        raise ValidationError(
            gettext("只能取消「申請中」的申請，此申請目前為「%(state)s」。")
            % {"state": locked.get_state_display()},
            code="not_pending",
        )
    locked.state = ApplicationState.CANCELLED
    locked.cancelled_at = timezone.now()
    locked.save(update_fields=["state", "cancelled_at"])
    record_event(
        actor=None,
        action="binding_application.cancel",
        target=f"binding_application:{locked.code}",
        student=locked.student,
        request=request,
    )
    return locked


# --- Review by the homeroom teacher --------------------------------------------------------------


def record_review_read(
    *, actor: User, application: BindingApplication, request: HttpRequest | None = None
) -> None:
    """Log the homeroom teacher's read of an application (RELIABILITY.md P2, ASVS 16.3.2)."""
    record_event(
        actor=actor,
        action="binding_application.view",
        target=f"binding_application:{application.code}",
        student=application.student,
        request=request,
    )


def _lock_for_review(actor: User, application: BindingApplication) -> BindingApplication:
    locked = (
        BindingApplication.objects.select_for_update(of=("self",))
        .select_related("student__school")
        .get(pk=application.pk)
    )
    if locked.state != ApplicationState.PENDING:
        raise ValidationError(
            gettext("此申請目前為「%(state)s」，只能審核「申請中」的申請。")
            % {"state": locked.get_state_display()},
            code="not_pending",
        )
    if not can_review_application(actor, locked):
        raise ValidationError(
            gettext("您不是此學生本學期的導師，不能審核此申請。"), code="not_reviewer"
        )
    return locked


@dataclass(frozen=True)
class ParentAccount:
    """The account an approval bound: whether it was created, and how its password is set."""

    user: User
    created: bool
    scheme: str  # "link", "taipei" or "existing"


def _parent_account(application: BindingApplication) -> ParentAccount:
    """Find or create the parent's account; login = email (the issue item 7).

    An account whose username or email is the application's email is bound, not duplicated.
    A new account gets ``username = email``; its password is either unusable until the
    24-hour set-password link is used (default) or, when the student's school turned the
    Taipei scheme on, the last six digits of the parent's ID with a forced change at first
    login (``must_change_password``).
    """
    email = application.email.lower()
    user = (
        User.objects.filter(username__iexact=email).first()
        or User.objects.filter(email__iexact=email).order_by("pk").first()
    )
    if user is not None:
        scheme = "existing" if user.has_usable_password() else "link"
        return ParentAccount(user=user, created=False, scheme=scheme)
    school_settings = GuardianSchoolSettings.objects.filter(
        school_id=application.student.school_id
    ).first()
    taipei = bool(school_settings and school_settings.taipei_initial_password)
    user = User(username=email, email=email, display_name=application.parent_name)
    if taipei:
        user.set_password(application.parent_national_id[-6:])
        user.must_change_password = True
    else:
        user.set_unusable_password()
    user.save()
    return ParentAccount(user=user, created=True, scheme="taipei" if taipei else "link")


def set_password_url(user: User, request: HttpRequest | None) -> str:
    """The one-time set-password link (24 hours), absolute when a request is at hand."""
    path = reverse(
        "guardians:set_password",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": set_password_token.make_token(user),
        },
    )
    if request is not None:
        return request.build_absolute_uri(path)
    return f"{getattr(settings, 'LICHENG_BASE_URL', 'http://127.0.0.1:8000')}{path}"


def approve_application(
    *, actor: User, application: BindingApplication, request: HttpRequest | None = None
) -> Guardianship:
    """The homeroom teacher approves: bind the parent's account to the student (the issue
    items 6–7; RELIABILITY.md A3). Creates or reuses the account (login = email), creates a
    :class:`Guardianship`, records an audit row and emails the parent after commit (a
    set-password link, the Taipei-scheme notice, or a notice for an existing account).
    Raises ``ValidationError`` when not pending or not the student's homeroom teacher.
    """
    binding, locked, account = _approve(actor=actor, application=application, request=request)
    context = {
        "application": locked,
        "login": account.user.username,
        "scheme": account.scheme,
        "link": set_password_url(account.user, request) if account.scheme == "link" else "",
        "login_url": request.build_absolute_uri(reverse("account_login")) if request else "",
    }
    body = render_to_string("guardians/email/approved.txt", context)
    send_mail("【歷程】親子綁定已通過", body, None, [locked.email])
    return binding


@transaction.atomic
def _approve(
    *, actor: User, application: BindingApplication, request: HttpRequest | None
) -> tuple[Guardianship, BindingApplication, "ParentAccount"]:
    locked = _lock_for_review(actor, application)
    account = _parent_account(locked)
    now = timezone.now()
    binding = Guardianship.objects.filter(
        parent=account.user, student=locked.student, ended_at__isnull=True
    ).first()
    if binding is None:
        binding = Guardianship.objects.create(
            parent=account.user,
            student=locked.student,
            relationship=locked.relationship,
            approved_at=now,
            application=locked,
        )
    locked.state = ApplicationState.APPROVED
    locked.reviewer = actor
    locked.reviewed_at = now
    locked.parent_user = account.user
    locked.save(update_fields=["state", "reviewer", "reviewed_at", "parent_user"])
    record_event(
        actor=actor,
        action="binding_application.approve",
        target=f"binding_application:{locked.code}",
        student=locked.student,
        request=request,
        detail={"account_created": account.created, "password_scheme": account.scheme},
    )
    return binding, locked, account


def reject_application(
    *,
    actor: User,
    application: BindingApplication,
    reason: str,
    request: HttpRequest | None = None,
) -> BindingApplication:
    """The homeroom teacher rejects with a reason (required, ≤ 200 characters; the issue
    item 6). Records an audit row and emails the parent the reason after commit."""
    locked = _reject(actor=actor, application=application, reason=reason, request=request)
    body = render_to_string("guardians/email/rejected.txt", {"application": locked})
    send_mail("【歷程】親子綁定申請已退回", body, None, [locked.email])
    return locked


@transaction.atomic
def _reject(
    *,
    actor: User,
    application: BindingApplication,
    reason: str,
    request: HttpRequest | None,
) -> BindingApplication:
    locked = _lock_for_review(actor, application)
    locked.state = ApplicationState.REJECTED
    locked.reviewer = actor
    locked.reviewed_at = timezone.now()
    locked.reject_reason = reason
    locked.save(update_fields=["state", "reviewer", "reviewed_at", "reject_reason"])
    record_event(
        actor=actor,
        action="binding_application.reject",
        target=f"binding_application:{locked.code}",
        student=locked.student,
        request=request,
    )
    return locked


# --- Staff: unbinding ------------------------------------------------------------


@transaction.atomic
def unbind_guardianship(
    *, actor: User, binding: Guardianship, request: HttpRequest | None = None
) -> Guardianship:
    """End a binding now (the issue item 8; ASVS 8.3.x: takes effect immediately, the
    parent's next request is refused). Only a registrar of the student's school or a system
    admin; 404 otherwise. Records an audit row."""
    locked = access_binding_for_unbind(actor, binding.code)
    locked = Guardianship.objects.select_for_update(of=("self",)).get(pk=locked.pk)
    locked.ended_at = timezone.now()
    locked.ended_by = actor
    locked.save(update_fields=["ended_at", "ended_by"])
    record_event(
        actor=actor,
        action="guardianship.unbind",
        target=f"guardianship:{locked.code}",
        student=locked.student,
        request=request,
    )
    return locked


__all__ = [
    "approve_application",
    "cancel_application",
    "issue_verification_code",
    "match_student",
    "reject_application",
    "submit_applications",
    "to_data_url",
    "unbind_guardianship",
    "verify_code",
]
