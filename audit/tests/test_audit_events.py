"""Audit trail: reads of someone else's personal data are logged; rows are append-only."""

from collections.abc import Callable

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse

from accounts.models import User
from audit.actions import record_event
from audit.models import AuditEvent
from conftest import SchoolWorld

pytestmark = pytest.mark.django_db

CABINET_PAGES = {
    "cabinet": "cabinet.view",
    "basic_data": "basic_data.view",
    "attendance": "attendance.view",
    "merits": "merits.view",
    "course_records": "course_records.view",
}


@pytest.mark.parametrize("viewer", ["parent", "homeroom_teacher", "registrar", "system_admin"])
@pytest.mark.parametrize("page", sorted(CABINET_PAGES))
def test_viewing_someone_elses_cabinet_is_audit_logged_with_the_student(
    viewer: str,
    page: str,
    school_world: SchoolWorld,
    request: pytest.FixtureRequest,
    client_for: Callable[[User], Client],
) -> None:
    user: User = request.getfixturevalue(viewer)
    student = school_world.student_a
    url = reverse(f"portfolios:student_{page}", args=[student.code])

    response = client_for(user).get(url, REMOTE_ADDR="203.0.113.7")

    assert response.status_code == 200
    event = AuditEvent.objects.get()
    assert event.actor == user
    assert event.student == student
    assert event.action == CABINET_PAGES[page]
    assert event.target == f"student:{student.code}"
    assert event.ip_address == "203.0.113.7"
    assert student.national_id not in str(event.detail)


@pytest.mark.parametrize("page", sorted(CABINET_PAGES))
def test_student_viewing_own_cabinet_is_not_logged(
    page: str, school_world: SchoolWorld, student: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(student)

    assert client.get(reverse(f"portfolios:{page}")).status_code == 200
    own = reverse(f"portfolios:student_{page}", args=[school_world.student_a.code])
    assert client.get(own).status_code == 200

    assert not AuditEvent.objects.exists()


def test_refused_view_is_not_logged_as_a_read(
    school_world: SchoolWorld, teacher: User, client_for: Callable[[User], Client]
) -> None:
    url = reverse("portfolios:student_cabinet", args=[school_world.student_a.code])

    assert client_for(teacher).get(url).status_code == 404

    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("viewer", "route", "attr", "action"),
    [
        ("homeroom_teacher", "schools:class_detail", "class_a", "class_roster.view"),
        ("teacher", "schools:offering_detail", "offering_a", "offering_roster.view"),
    ],
)
def test_staff_roster_views_are_audit_logged(
    viewer: str,
    route: str,
    attr: str,
    action: str,
    school_world: SchoolWorld,
    request: pytest.FixtureRequest,
    client_for: Callable[[User], Client],
) -> None:
    user: User = request.getfixturevalue(viewer)
    obj = getattr(school_world, attr)

    assert client_for(user).get(reverse(route, args=[obj.code])).status_code == 200

    event = AuditEvent.objects.get()
    assert (event.actor, event.action) == (user, action)
    assert event.target.endswith(str(obj.code))


def test_audit_event_cannot_be_updated(school_world: SchoolWorld, registrar: User) -> None:
    event = record_event(actor=registrar, action="cabinet.view", target="student:x")
    event.action = "nothing.happened"

    with pytest.raises(RuntimeError, match="append-only"):
        event.save()

    assert AuditEvent.objects.get().action == "cabinet.view"


def test_audit_event_cannot_be_deleted(school_world: SchoolWorld, registrar: User) -> None:
    event = record_event(actor=registrar, action="cabinet.view", target="student:x")

    with pytest.raises(RuntimeError, match="append-only"):
        event.delete()

    assert AuditEvent.objects.count() == 1


def test_audit_events_cannot_be_rewritten_in_bulk(
    school_world: SchoolWorld, registrar: User
) -> None:
    record_event(actor=registrar, action="cabinet.view", target="student:x")

    with pytest.raises(Exception):  # noqa: B017
        AuditEvent.objects.update(action="nothing.happened")
    with pytest.raises(Exception):  # noqa: B017
        AuditEvent.objects.all().delete()

    assert AuditEvent.objects.get().action == "cabinet.view"


def test_audit_admin_is_read_only(system_admin: User, client_for: Callable[[User], Client]) -> None:
    event = record_event(actor=system_admin, action="cabinet.view", target="student:x")
    client = client_for(system_admin)

    assert client.get(reverse("admin:audit_auditevent_changelist")).status_code == 200
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    assert client.get(reverse("admin:audit_auditevent_delete", args=[event.pk])).status_code == 403
    response = client.post(
        reverse("admin:audit_auditevent_change", args=[event.pk]), {"action": "x"}
    )
    assert response.status_code == 403
    assert AuditEvent.objects.get().action == "cabinet.view"


def test_anonymous_event_has_no_actor(db: None) -> None:
    event = record_event(actor=AnonymousUser(), action="login.failed", target="user:x")  # type: ignore[arg-type]

    assert event.actor is None
