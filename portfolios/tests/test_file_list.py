"""The student's file list (檔案清單): every stored file and the quota it uses (RULES.md §10)."""

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portfolios.models import OutcomeStatus

from .conftest import SchoolWorld, make_outcome


def test_file_list_shows_every_file_with_its_size_and_item(world: SchoolWorld, login: Any) -> None:
    student = world.students[0]
    make_outcome(world.math, student, status=OutcomeStatus.CERTIFIED, media=True)
    page = login(student.user).get(reverse("portfolios:files")).content.decode()
    assert "數學" in page
    assert page.count("下載") == 2
    assert "已使用空間" in page


def test_file_list_query_count_is_constant_in_the_number_of_items(
    world: SchoolWorld, login: Any
) -> None:
    student = world.students[0]
    client = login(student.user)
    make_outcome(world.math, student)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("portfolios:files"))
    for _ in range(8):
        make_outcome(world.math, student, media=True)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("portfolios:files"))
    assert len(few.captured_queries) == len(many.captured_queries)


def test_another_students_file_list_is_404(world: SchoolWorld, login: Any) -> None:
    other = world.students[1]
    client = login(world.students[0].user)
    response = client.get(reverse("portfolios:student_files", args=[other.code]))
    assert response.status_code == 404
