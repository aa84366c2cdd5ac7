"""Staff pages: teacher home, class and offering rosters, registrar home (RULES.md §1)."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role, User
from accounts.tests.factories import RoleAssignmentFactory
from conftest import SchoolWorld, make_registrar
from schools.tests.factories import TeacherFactory

pytestmark = pytest.mark.django_db


def test_subject_teacher_home_lists_this_terms_offerings_r1(
    school_world: SchoolWorld, teacher: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(teacher).get(reverse("schools:teacher_home"))

    offerings = list(response.context["offerings"])
    assert offerings == [school_world.offering_a]  # not last term's offering
    assert offerings[0].n_students == 1
    assert list(response.context["homeroom_classes"]) == []
    assert response.context["is_consultant"] is False


def test_homeroom_teacher_home_lists_the_class_with_its_size_r1(
    school_world: SchoolWorld, homeroom_teacher: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(homeroom_teacher).get(reverse("schools:teacher_home"))

    classes = list(response.context["homeroom_classes"])
    assert classes == [school_world.class_a]
    assert classes[0].n_students == 1
    assert reverse("schools:class_detail", args=[school_world.class_a.code]) in (
        response.content.decode()
    )


def test_consultation_teacher_home_says_so_r1(
    consultation_teacher: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(consultation_teacher).get(reverse("schools:teacher_home"))

    assert response.context["is_consultant"] is True
    assert "課程諮詢教師" in response.content.decode()


def test_class_roster_links_each_student_to_their_cabinet_r1(
    school_world: SchoolWorld, homeroom_teacher: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(homeroom_teacher).get(
        reverse("schools:class_detail", args=[school_world.class_a.code])
    )

    html = response.content.decode()
    assert [m.student for m in response.context["members"]] == [school_world.student_a]
    assert reverse("portfolios:student_cabinet", args=[school_world.student_a.code]) in html
    assert school_world.student_b.name not in html


def test_offering_roster_shows_its_students_scores(
    school_world: SchoolWorld, teacher: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(teacher).get(
        reverse("schools:offering_detail", args=[school_world.offering_a.code])
    )

    assert [r.student for r in response.context["records"]] == [school_world.student_a]
    assert "部定必修" in response.content.decode()


def test_registrar_home_counts_own_school_only_r1(
    school_world: SchoolWorld, registrar: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(registrar).get(reverse("schools:registrar_home"))

    assert response.context["school"] == school_world.school
    assert response.context["stats"] == {"students": 2, "teachers": 4, "classes": 2, "offerings": 2}
    assert [c.name for c in response.context["classes"]] == ["一年乙班", "一年甲班"]


def test_registrar_of_last_year_gets_404_r1(
    school_world: SchoolWorld, client_for: Callable[[User], Client]
) -> None:
    former = make_registrar(school_world.school, school_year=112)

    assert client_for(former).get(reverse("schools:registrar_home")).status_code == 404


def test_registrar_home_shows_the_school_of_the_registrar_assignment_r1(
    school_world: SchoolWorld, client_for: Callable[[User], Client]
) -> None:
    person = TeacherFactory.create(school=school_world.school).user
    RoleAssignmentFactory.create(
        user=person, role=Role.REGISTRAR, school=school_world.other_school, school_year=113
    )

    response = client_for(person).get(reverse("schools:registrar_home"))

    assert response.status_code in {200, 404}
    if response.status_code == 200:
        assert response.context["school"] == school_world.other_school
