"""Logging in: each role lands on its home page; first-login password change; throttling."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from audit.models import AuditEvent
from conftest import SchoolWorld

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Taipei-licheng-2025!"
TOO_MANY = "登入嘗試失敗次數過多，請稍後再試。"


def log_in(
    client: Client, username: str, password: str = DEFAULT_PASSWORD, *, follow: bool = False
) -> Any:
    data = {"login": username, "password": password}
    return client.post(reverse("account_login"), data, follow=follow)


def is_logged_in_as(client: Client, user: User) -> bool:
    return client.session.get("_auth_user_id") == str(user.pk)


@pytest.mark.parametrize(
    ("role_fixture", "home"),
    [
        ("student", "/cabinet/"),
        ("other_student", "/cabinet/"),
        ("teacher", "/teaching/"),
        ("homeroom_teacher", "/teaching/"),
        ("consultation_teacher", "/teaching/"),
        ("registrar", "/registrar/"),
        ("other_school_registrar", "/registrar/"),
        ("parent", "/parent/"),
        ("central_operator", "/central/"),
        ("system_admin", "/admin/"),
    ],
)
def test_each_role_lands_on_its_own_home_page_after_login_r1(
    role_fixture: str, home: str, request: pytest.FixtureRequest, client: Client
) -> None:
    user: User = request.getfixturevalue(role_fixture)

    response = log_in(client, user.username, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[0] == ("/", 302)
    assert response.redirect_chain[-1][0] == home
    assert response.request["PATH_INFO"] == home


def test_person_without_a_role_sees_the_no_role_page_r1(
    unbound_parent: User, client: Client
) -> None:
    response = log_in(client, unbound_parent.username, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain == [("/", 302)]
    assert "尚未指派角色" in response.content.decode()


def test_wrong_password_does_not_log_in(student: User, client: Client) -> None:
    response = log_in(client, student.username, "wrong-password")

    assert response.status_code == 200
    assert not is_logged_in_as(client, student)


def test_login_page_has_no_sign_up(client: Client) -> None:
    response = client.get(reverse("account_signup"))

    assert response.status_code == 200
    assert 'name="password1"' not in response.content.decode()


def test_anonymous_visitor_is_sent_to_login(client: Client) -> None:
    response = client.get("/cabinet/")

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next=/cabinet/"


# --- First login (must_change_password) -------------------------------------------------


@pytest.fixture
def new_student(school_world: SchoolWorld) -> User:
    user = school_world.student_a.user
    assert user is not None
    user.must_change_password = True
    user.save(update_fields=["must_change_password"])
    return user


def test_first_login_goes_to_change_password(new_student: User, client: Client) -> None:
    response = log_in(client, new_student.username, follow=True)

    assert response.redirect_chain[-1][0] == reverse("account_change_password")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "path", ["/", "/cabinet/", "/cabinet/courses/", "/teaching/", "/parent/", "/admin/", "/nope/"]
)
def test_must_change_password_redirects_every_page_to_change_password(
    new_student: User, client_for, path: str
) -> None:
    response = client_for(new_student).get(path)

    assert response.status_code == 302
    assert response["Location"] == reverse("account_change_password")


def test_changing_password_clears_the_flag_and_pages_load(new_student: User, client_for) -> None:
    client = client_for(new_student)

    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": DEFAULT_PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("home")  # on to the person's home, not the form
    new_student.refresh_from_db()
    assert new_student.must_change_password is False
    assert new_student.check_password(NEW_PASSWORD)
    assert client.get("/cabinet/").status_code == 200
    assert AuditEvent.objects.filter(
        actor=new_student, action="account.password_changed", target=f"user:{new_student.code}"
    ).exists()


def test_wrong_old_password_keeps_the_flag(new_student: User, client_for) -> None:
    client = client_for(new_student)

    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": "not-it", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    new_student.refresh_from_db()
    assert new_student.must_change_password is True
    assert client.get("/cabinet/").status_code == 302


def test_must_change_password_user_may_still_log_out(new_student: User, client_for) -> None:
    client = client_for(new_student)

    response = client.post(reverse("account_logout"))

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


# --- Login throttling (ACCOUNT_RATE_LIMITS login_failed "5/5m/key") -----------------------


def test_five_failed_logins_lock_the_username_even_with_the_right_password(
    student: User, client: Client
) -> None:
    for _ in range(5):
        response = log_in(client, student.username, "wrong-password")
        assert TOO_MANY not in response.content.decode()

    response = log_in(client, student.username)

    assert response.status_code == 200
    assert TOO_MANY in response.content.decode()
    assert not is_logged_in_as(client, student)


def test_four_failed_logins_do_not_lock_the_username(student: User, client: Client) -> None:
    for _ in range(4):
        log_in(client, student.username, "wrong-password")

    response = log_in(client, student.username)

    assert response.status_code == 302
    assert is_logged_in_as(client, student)


def test_lock_is_per_username(student: User, other_student: User, client: Client) -> None:
    for _ in range(5):
        log_in(client, student.username, "wrong-password")

    log_in(client, other_student.username)

    assert is_logged_in_as(client, other_student)


def test_lock_ignores_username_case(student: User, client: Client) -> None:
    for _ in range(5):
        log_in(client, student.username.upper(), "wrong-password")

    response = log_in(client, student.username)

    assert TOO_MANY in response.content.decode()


def test_factory_user_logs_in_with_default_password(db: None, client: Client) -> None:
    user = UserFactory.create()

    log_in(client, user.username)

    assert is_logged_in_as(client, user)
