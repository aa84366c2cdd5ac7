"""The homeroom teacher's review, the parent's account, unbinding (the issue items 6–8;
RULES.md §1; RELIABILITY.md A3)."""

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.auth import authenticate
from django.core import mail
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from guardians.models import (
    ApplicationState,
    BindingApplication,
    GuardianSchoolSettings,
    Guardianship,
)

from .conftest import PARENT_EMAIL, PARENT_ID, apply
from .factories import UserFactory


def teacher_client(teacher) -> Client:  # type: ignore[no-untyped-def]
    c = Client()
    c.force_login(teacher.user)
    return c


def application_for(student) -> BindingApplication:  # type: ignore[no-untyped-def]
    return BindingApplication.objects.get(student=student)


@pytest.fixture
def applied(client, world):  # type: ignore[no-untyped-def]
    apply(client, world.student_a, world.student_b)
    mail.outbox.clear()
    return world


def test_queue_lists_only_the_own_class_pending_applications(applied) -> None:
    page = teacher_client(applied.teacher_a).get(reverse("guardians:review_list"))
    text = page.content.decode()
    assert "陳曉明" in text and "陳小華" not in text


def test_detail_shows_details_consent_signature_and_is_audited(applied) -> None:
    app = application_for(applied.student_a)
    page = teacher_client(applied.teacher_a).get(
        reverse("guardians:review_detail", args=[app.code])
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert app.parent_id_masked in text and PARENT_ID not in text
    assert "第 1 版" in text and 'src="data:image/png;base64,' in text
    assert AuditEvent.objects.filter(
        action="binding_application.view", actor=applied.teacher_a.user, student=applied.student_a
    ).exists()


@pytest.mark.parametrize(
    "suffix", ["review_detail", "review_approve", "review_reject", "review_pdf"]
)
def test_homeroom_teacher_of_another_class_gets_404_a3(applied, suffix) -> None:  # type: ignore[no-untyped-def]
    app = application_for(applied.student_a)
    other = teacher_client(applied.teacher_b)
    url = reverse(f"guardians:{suffix}", args=[app.code])
    response = (
        other.post(url, {"reason": "x"})
        if "detail" not in suffix and "pdf" not in suffix
        else other.get(url)
    )
    assert response.status_code == 404
    app.refresh_from_db()
    assert app.state == ApplicationState.PENDING
    assert not Guardianship.objects.exists()
    assert not mail.outbox


def test_missing_application_gives_the_same_404(applied) -> None:
    import uuid

    response = teacher_client(applied.teacher_a).get(
        reverse("guardians:review_detail", args=[uuid.uuid4()])
    )
    assert response.status_code == 404


def test_parent_and_registrar_cannot_approve(applied) -> None:
    app = application_for(applied.student_a)
    registrar = Client()
    registrar.force_login(applied.registrar)
    assert registrar.post(reverse("guardians:review_approve", args=[app.code])).status_code == 404


def test_approval_creates_account_login_email_and_set_password_link(applied, client) -> None:
    app = application_for(applied.student_a)
    response = teacher_client(applied.teacher_a).post(
        reverse("guardians:review_approve", args=[app.code])
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.state == ApplicationState.APPROVED and app.reviewer == applied.teacher_a.user
    binding = Guardianship.objects.get()
    user = binding.parent
    assert user.username == PARENT_EMAIL and user.email == PARENT_EMAIL
    assert not user.has_usable_password()
    assert binding.student == applied.student_a and binding.relationship == "mother"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [PARENT_EMAIL]
    body = str(mail.outbox[0].body)
    assert "登入帳號：wang.parent@example.com" in body and PARENT_ID not in body
    link = re.search(r"http://testserver(/parent/set-password/\S+)", body)
    assert link
    assert AuditEvent.objects.filter(action="binding_application.approve").count() == 1

    # The link sets the password once; then login with the email works.
    path = link.group(1)
    parent = Client()
    assert parent.get(path).status_code == 200
    response = parent.post(
        path, {"password1": "Sunny-Garden-2025", "password2": "Sunny-Garden-2025"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("account_login")
    assert authenticate(username=PARENT_EMAIL, password="Sunny-Garden-2025") == user
    again = parent.post(path, {"password1": "Other-Pass-2025x", "password2": "Other-Pass-2025x"})
    assert again.status_code == 400 and "此設定密碼連結無效" in again.content.decode()

    # The parent sees only the approved child.
    assert (
        parent.post(
            reverse("account_login"), {"login": PARENT_EMAIL, "password": "Sunny-Garden-2025"}
        ).status_code
        == 302
    )
    home = parent.get(reverse("guardians:parent_home")).content.decode()
    assert "陳曉明" in home and "陳小華" not in home
    assert "招生管道可見的資料" in home
    cabinet = reverse("portfolios:student_cabinet", args=[applied.student_a.code])
    assert parent.get(cabinet).status_code == 200
    other = reverse("portfolios:student_cabinet", args=[applied.student_b.code])
    assert parent.get(other).status_code == 404


def test_set_password_link_expires_after_24_hours(applied) -> None:
    t0 = dt.datetime(2025, 10, 1, 9, 0, tzinfo=dt.UTC)
    app = application_for(applied.student_a)
    with time_machine.travel(t0, tick=False) as traveller:
        teacher_client(applied.teacher_a).post(reverse("guardians:review_approve", args=[app.code]))
        path = re.search(r"http://testserver(/parent/set-password/\S+)", str(mail.outbox[0].body))
        assert path
        traveller.shift(dt.timedelta(hours=23, minutes=59))
        assert Client().get(path.group(1)).status_code == 200
        traveller.shift(dt.timedelta(minutes=2))
        response = Client().get(path.group(1))
    assert response.status_code == 400
    assert "已逾期（有效時間 24 小時）" in response.content.decode()


def test_set_password_mismatch_names_the_problem_and_stores_nothing(applied) -> None:
    app = application_for(applied.student_a)
    teacher_client(applied.teacher_a).post(reverse("guardians:review_approve", args=[app.code]))
    path = re.search(r"http://testserver(/parent/set-password/\S+)", str(mail.outbox[0].body))
    assert path
    response = Client().post(path.group(1), {"password1": "Sunny-Garden-2025", "password2": "x"})
    assert "兩次輸入的密碼不一致，請重新輸入。" in response.content.decode()
    assert not Guardianship.objects.get().parent.has_usable_password()


def test_taipei_scheme_initial_password_is_last_six_digits_with_forced_change(applied) -> None:
    GuardianSchoolSettings.objects.create(school=applied.school, taipei_initial_password=True)
    app = application_for(applied.student_a)
    teacher_client(applied.teacher_a).post(reverse("guardians:review_approve", args=[app.code]))
    user = Guardianship.objects.get().parent
    assert user.check_password(PARENT_ID[-6:]) and user.must_change_password
    assert "初始密碼為您身分證字號的後六碼" in str(mail.outbox[0].body)
    parent = Client()
    parent.post(reverse("account_login"), {"login": PARENT_EMAIL, "password": PARENT_ID[-6:]})
    response = parent.get(reverse("guardians:parent_home"))
    assert response.status_code == 302 and response["Location"] == reverse(
        "account_change_password"
    )


def test_existing_account_with_the_same_email_is_bound_not_duplicated(applied) -> None:
    existing = UserFactory.create(username="t-wang", email="Wang.Parent@example.com")
    app = application_for(applied.student_a)
    teacher_client(applied.teacher_a).post(reverse("guardians:review_approve", args=[app.code]))
    binding = Guardianship.objects.get()
    assert binding.parent == existing
    assert not type(existing).objects.filter(username=PARENT_EMAIL).exists()
    assert "此綁定已加入您既有的帳號" in str(mail.outbox[0].body)
    # The second child's approval reuses the same account.
    app_b = application_for(applied.student_b)
    teacher_client(applied.teacher_b).post(reverse("guardians:review_approve", args=[app_b.code]))
    assert Guardianship.objects.filter(parent=existing).count() == 2


def test_reject_needs_a_reason_and_stores_nothing_without_one(applied) -> None:
    app = application_for(applied.student_b)
    teacher = teacher_client(applied.teacher_b)
    response = teacher.post(reverse("guardians:review_reject", args=[app.code]), {"reason": "  "})
    assert response.status_code == 400
    assert "退回時必須填寫原因（最多 200 字），目前是空白。" in response.content.decode()
    response = teacher.post(
        reverse("guardians:review_reject", args=[app.code]), {"reason": "字" * 201}
    )
    assert "退回原因最多 200 字，您輸入了 201 字。" in response.content.decode()
    app.refresh_from_db()
    assert app.state == ApplicationState.PENDING and not mail.outbox


def test_reject_with_reason_emails_the_parent(applied) -> None:
    app = application_for(applied.student_b)
    response = teacher_client(applied.teacher_b).post(
        reverse("guardians:review_reject", args=[app.code]), {"reason": "家長姓名與學籍資料不符"}
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.state == ApplicationState.REJECTED and app.reject_reason == "家長姓名與學籍資料不符"
    assert "退回原因：家長姓名與學籍資料不符" in str(mail.outbox[0].body)
    assert not Guardianship.objects.exists()
    assert AuditEvent.objects.filter(action="binding_application.reject").count() == 1


def test_reviewed_application_leaves_the_queue(applied) -> None:
    app = application_for(applied.student_a)
    teacher = teacher_client(applied.teacher_a)
    teacher.post(reverse("guardians:review_approve", args=[app.code]))
    assert teacher.get(reverse("guardians:review_detail", args=[app.code])).status_code == 404


def test_registrar_unbinds_and_access_ends_at_once(applied) -> None:
    app = application_for(applied.student_a)
    teacher_client(applied.teacher_a).post(reverse("guardians:review_approve", args=[app.code]))
    binding = Guardianship.objects.get()
    parent = Client()
    parent.force_login(binding.parent)
    cabinet = reverse("portfolios:student_cabinet", args=[applied.student_a.code])
    assert parent.get(cabinet).status_code == 200

    # A teacher (not registrar) cannot unbind.
    response = teacher_client(applied.teacher_a).post(
        reverse("guardians:binding_unbind", args=[binding.code])
    )
    assert response.status_code == 404

    registrar = Client()
    registrar.force_login(applied.registrar)
    assert "陳曉明" in registrar.get(reverse("guardians:binding_list")).content.decode()
    response = registrar.post(reverse("guardians:binding_unbind", args=[binding.code]))
    assert response.status_code == 302
    binding.refresh_from_db()
    assert binding.ended_at is not None and binding.ended_by == applied.registrar
    assert parent.get(cabinet).status_code == 404
    assert AuditEvent.objects.filter(action="guardianship.unbind").count() == 1


def test_registrar_of_another_school_cannot_unbind(applied) -> None:
    from accounts.models import Role, RoleAssignment

    app = application_for(applied.student_a)
    teacher_client(applied.teacher_a).post(reverse("guardians:review_approve", args=[app.code]))
    binding = Guardianship.objects.get()
    outsider = UserFactory.create()
    RoleAssignment.objects.create(user=outsider, role=Role.REGISTRAR, school=applied.other_school)
    c = Client()
    c.force_login(outsider)
    assert c.post(reverse("guardians:binding_unbind", args=[binding.code])).status_code == 404
    binding.refresh_from_db()
    assert binding.ended_at is None
