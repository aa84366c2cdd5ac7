"""The homeroom view (issue item 7): a class's progress, read-only, constant query count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from portfolios.models import OutcomeStatus, Performance, RecordType, TickKind, TickSlot

from .conftest import SchoolWorld, make_outcome, make_teacher


def progress_url(world: SchoolWorld, other: bool = False) -> str:
    school_class = world.other_class if other else world.school_class
    return reverse("portfolios:class_progress", args=[school_class.code])


def add_items(world: SchoolWorld, student) -> None:  # type: ignore[no-untyped-def]
    make_outcome(world.math, student, status=OutcomeStatus.PENDING)
    make_outcome(world.chinese, student, status=OutcomeStatus.RETURNED)
    certified = make_outcome(world.math, student, status=OutcomeStatus.CERTIFIED)
    TickSlot.objects.create(
        student=student, school_year=world.term.school_year, kind=TickKind.OUTCOME, slot=1,
        outcome=certified, semester=1,
    )  # fmt: skip
    performance = Performance.objects.create(
        student=student, record_type=RecordType.SERVICE, school_year=world.term.school_year,
        term=world.term, title="淨灘", description="海灘清潔志工",
    )  # fmt: skip
    TickSlot.objects.create(
        student=student, school_year=world.term.school_year, kind=TickKind.PERFORMANCE, slot=1,
        performance=performance,
    )  # fmt: skip


def test_homeroom_teacher_sees_class_progress_with_counts_and_caps(world, login):
    add_items(world, world.students[0])
    client = login(world.homeroom.user)

    response = client.get(progress_url(world))

    assert response.status_code == 200
    rows = {m.student.pk: m for m in response.context["members"]}
    first, second = rows[world.students[0].pk], rows[world.students[1].pk]
    assert (first.n_outcomes, first.n_pending, first.n_returned, first.n_certified) == (3, 1, 1, 1)
    assert (first.n_outcome_ticks, first.n_performance_ticks, first.n_performances) == (1, 1, 1)
    assert (second.n_outcomes, second.n_outcome_ticks) == (0, 0)
    html = response.content.decode()
    assert "1/6" in html and "1/10" in html and "0/6" in html
    cabinet = reverse("portfolios:student_cabinet", args=[world.students[0].code])
    assert f'href="{cabinet}"' in html
    event = AuditEvent.objects.get(action="class_progress.view")
    assert event.actor == world.homeroom.user
    assert event.target == f"class:{world.school_class.code}"


def test_registrar_sees_class_progress(world, login):
    assert login(world.registrar).get(progress_url(world)).status_code == 200


@pytest.mark.parametrize("who", ["other_homeroom", "subject_teacher", "student", "stranger"])
def test_others_get_404_on_class_progress(world, login, who):
    users = {
        "other_homeroom": world.other_class.homeroom_teacher.user,
        "subject_teacher": world.math_teacher.user,
        "student": world.students[0].user,
        "stranger": make_teacher(world.school).user,
    }
    response = login(users[who]).get(progress_url(world))

    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="class_progress.view").exists()


def test_homeroom_of_another_class_gets_404(world, login):
    client = login(world.homeroom.user)

    assert client.get(progress_url(world, other=True)).status_code == 404


def count_queries(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_class_progress_query_count_does_not_grow_with_the_class(
    world, login, django_assert_num_queries
):
    student = world.students[0]
    add_items(world, student)
    world.add_student()  # 3 students
    client = login(world.homeroom.user)
    url = progress_url(world)
    with_three = count_queries(client, url)

    for _ in range(7):
        add_items(world, world.add_student())  # 10 students, most with items
    client = login(world.homeroom.user)

    with django_assert_num_queries(with_three):
        client.get(url)
