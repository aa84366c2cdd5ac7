"""The student's cabinet (學習歷程檔案櫃) and its record pages (RULES.md §2.2–2.3, §8.3)."""

import re
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from conftest import SchoolWorld
from schools.models import Student
from schools.tests.factories import (
    CourseOfferingFactory,
    CourseRecordFactory,
    StudentFactory,
    TermFactory,
)

pytestmark = pytest.mark.django_db

CABINET_PAGES = ["cabinet", "basic_data", "attendance", "merits", "course_records"]


def count_on_card(html: str, testid: str) -> int:
    match = re.search(rf'data-testid="{testid}">\s*(\d+)\s*<', html)
    assert match is not None, testid
    return int(match.group(1))


def test_cabinet_shows_the_students_real_counts_r2_2(
    student: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(student).get(reverse("portfolios:cabinet"))

    html = response.content.decode()
    assert response.status_code == 200
    assert count_on_card(html, "count-course-records") == 2
    assert count_on_card(html, "count-merits") == 2
    assert count_on_card(html, "count-attendance") == 2
    assert count_on_card(html, "count-cadre") == 1
    assert "0.0 MB / 200.0 MB" in html
    assert "我的學習歷程檔案櫃" in html


def test_other_students_cabinet_shows_their_counts_read_only(
    school_world: SchoolWorld, registrar: User, client_for: Callable[[User], Client]
) -> None:
    url = reverse("portfolios:student_cabinet", args=[school_world.student_b.code])

    html = client_for(registrar).get(url).content.decode()

    assert count_on_card(html, "count-course-records") == 1
    assert count_on_card(html, "count-merits") == 1
    assert count_on_card(html, "count-attendance") == 1
    assert count_on_card(html, "count-cadre") == 1
    assert "黃小華 的學習歷程檔案櫃" in html
    assert "唯讀檢視" in html
    # links stay inside the viewed student's cabinet
    assert f"/students/{school_world.student_b.code}/cabinet/courses/" in html


def test_storage_quota_follows_the_school_r10(
    school_world: SchoolWorld, student: User, client_for: Callable[[User], Client]
) -> None:
    school_world.school.storage_quota_bytes = 50_000_000
    school_world.school.save()

    html = client_for(student).get(reverse("portfolios:cabinet")).content.decode()

    assert "0.0 MB / 50.0 MB" in html


def test_basic_data_shows_masked_id_and_cadre_r8_3(
    school_world: SchoolWorld, student: User, client_for: Callable[[User], Client]
) -> None:
    html = client_for(student).get(reverse("portfolios:basic_data")).content.decode()

    masked = school_world.student_a.masked_id
    assert re.fullmatch(r"[A-Z][0-9]{3}\*{4}[0-9]{2}", masked)
    assert f'data-testid="masked-id">{masked}<' in html
    assert "班長" in html
    assert "一年甲班" in html


@pytest.mark.parametrize("viewer", ["student", "parent", "homeroom_teacher", "registrar"])
@pytest.mark.parametrize("page", CABINET_PAGES)
def test_full_national_id_never_appears_on_a_cabinet_page_r8_3(
    viewer: str,
    page: str,
    school_world: SchoolWorld,
    request: pytest.FixtureRequest,
    client_for: Callable[[User], Client],
) -> None:
    user: User = request.getfixturevalue(viewer)
    name = f"portfolios:{page}" if viewer == "student" else f"portfolios:student_{page}"
    args = [] if viewer == "student" else [school_world.student_a.code]

    response = client_for(user).get(reverse(name, args=args))

    assert response.status_code == 200
    assert school_world.student_a.national_id not in response.content.decode()


def test_attendance_page_lists_each_term(
    student: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(student).get(reverse("portfolios:attendance"))

    assert [row.term.label for row in response.context["rows"]] == [
        "113 學年 第 1 學期",
        "112 學年 第 2 學期",
    ]


def test_merits_page_lists_newest_first(
    student: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(student).get(reverse("portfolios:merits"))

    rows = list(response.context["rows"])
    assert [row.get_kind_display() for row in rows] == ["嘉獎", "小功"]
    assert rows[0].date > rows[1].date


# --- Course records: filter, pages, htmx -----------------------------------------------


@pytest.fixture
def many_records(school_world: SchoolWorld) -> Student:
    """Student A with 25 records: 2 from the world + 13 more now + 10 in 112-1."""
    student = school_world.student_a
    older = TermFactory.create(school=school_world.school, school_year=112, semester=1)
    for _ in range(13):
        CourseRecordFactory.create(
            student=student,
            offering=CourseOfferingFactory.create(
                term=school_world.term, teacher=school_world.subject_teacher
            ),
        )
    for _ in range(10):
        CourseRecordFactory.create(
            student=student,
            offering=CourseOfferingFactory.create(term=older, teacher=school_world.subject_teacher),
        )
    return student


def records_on_page(client: Client, **params: str) -> list[tuple[int, int]]:
    response = client.get(reverse("portfolios:course_records"), params)
    assert response.status_code == 200
    return [
        (r.offering.term.school_year, r.offering.term.semester)
        for r in response.context["page"].object_list
    ]


def test_course_records_paginate_ten_per_page_r2_3(
    many_records: Student, client_for: Callable[[User], Client]
) -> None:
    assert many_records.user is not None
    client = client_for(many_records.user)

    pages = [records_on_page(client, page=str(n)) for n in (1, 2, 3)]

    assert [len(p) for p in pages] == [10, 10, 5]
    all_rows = [row for p in pages for row in p]
    assert all_rows == sorted(all_rows, reverse=True)  # newest term first


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"school_year": "113"}, {(113, 1): 14}),
        ({"school_year": "112"}, {(112, 2): 1, (112, 1): 10}),
        ({"semester": "2"}, {(112, 2): 1}),
        ({"school_year": "112", "semester": "1"}, {(112, 1): 10}),
        ({"school_year": "999"}, {(113, 1): 14, (112, 2): 1, (112, 1): 10}),  # unknown: all
        ({"semester": "3"}, {(113, 1): 14, (112, 2): 1, (112, 1): 10}),
    ],
)
def test_course_records_filter_by_school_year_and_semester_r2_3(
    many_records: Student,
    client_for: Callable[[User], Client],
    params: dict[str, str],
    expected: dict[tuple[int, int], int],
) -> None:
    assert many_records.user is not None
    client = client_for(many_records.user)

    response = client.get(reverse("portfolios:course_records"), params)

    counts: dict[tuple[int, int], int] = {}
    for record in response.context["page"].paginator.object_list:
        key = (record.offering.term.school_year, record.offering.term.semester)
        counts[key] = counts.get(key, 0) + 1
    assert counts == expected


def test_course_records_years_offer_only_years_with_records(
    many_records: Student, client_for: Callable[[User], Client]
) -> None:
    assert many_records.user is not None

    response = client_for(many_records.user).get(reverse("portfolios:course_records"))

    assert response.context["years"] == [113, 112]


def test_htmx_request_gets_only_the_table(
    many_records: Student, client_for: Callable[[User], Client]
) -> None:
    assert many_records.user is not None
    client = client_for(many_records.user)
    url = reverse("portfolios:course_records")

    partial = client.get(url, {"school_year": "112", "page": "2"}, headers={"HX-Request": "true"})
    full = client.get(url, {"school_year": "112", "page": "2"})

    partial_html = partial.content.decode()
    assert [t.name for t in partial.templates] == ["portfolios/partials/course_record_table.html"]
    assert "<html" not in partial_html
    assert 'data-testid="course-record-table"' in partial_html
    assert "2 / 2" in partial_html
    assert "school_year=112&amp;page=1" in partial_html
    assert "<html" in full.content.decode()
    assert "portfolios/course_records.html" in [t.name for t in full.templates]


def test_out_of_range_page_shows_the_last_page(
    many_records: Student, client_for: Callable[[User], Client]
) -> None:
    assert many_records.user is not None

    assert len(records_on_page(client_for(many_records.user), page="99")) == 5


# --- Query counts -------------------------------------------------------------------------


def _queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _student_with_records(school_world: SchoolWorld, n: int) -> Student:
    student = StudentFactory.create(school=school_world.school)
    for _ in range(n):
        CourseRecordFactory.create(
            student=student,
            offering=CourseOfferingFactory.create(
                term=school_world.term, teacher=school_world.subject_teacher
            ),
        )
    return student


@pytest.mark.parametrize("page", ["cabinet", "course_records"])
def test_page_query_count_does_not_grow_with_records(
    page: str,
    school_world: SchoolWorld,
    client_for: Callable[[User], Client],
    django_assert_max_num_queries,
) -> None:
    few = _student_with_records(school_world, 3)
    many = _student_with_records(school_world, 60)
    assert few.user is not None and many.user is not None
    url = reverse(f"portfolios:{page}")

    client_few, client_many = client_for(few.user), client_for(many.user)
    n_few = _queries_for(client_few, url)
    n_many = _queries_for(client_many, url)

    assert n_few == n_many
    with django_assert_max_num_queries(15):
        client_many.get(url)


def test_registrar_view_of_a_cabinet_has_a_small_fixed_query_count(
    school_world: SchoolWorld, registrar: User, client_for: Callable[[User], Client]
) -> None:
    url = reverse("portfolios:student_cabinet", args=[school_world.student_a.code])
    client = client_for(registrar)

    assert _queries_for(client, url) <= 15
