"""Roles come from data (RULES.md §1; accounts.roles)."""

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.models import Role, User
from accounts.roles import compute_role_context, get_role_context
from accounts.tests.factories import RoleAssignmentFactory, UserFactory
from conftest import SchoolWorld
from schools.tests.factories import TeacherFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role_fixture", "home_role"),
    [
        ("student", Role.STUDENT),
        ("other_student", Role.STUDENT),
        ("teacher", Role.SUBJECT_TEACHER),
        ("homeroom_teacher", Role.HOMEROOM_TEACHER),
        ("consultation_teacher", Role.CONSULTATION_TEACHER),
        ("registrar", Role.REGISTRAR),
        ("other_school_registrar", Role.REGISTRAR),
        ("parent", Role.PARENT),
        ("unbound_parent", None),
        ("central_operator", Role.CENTRAL_OPERATOR),
        ("system_admin", Role.SYSTEM_ADMIN),
    ],
)
def test_each_role_fixture_has_its_home_role_r1(
    role_fixture: str, home_role: Role | None, request: pytest.FixtureRequest
) -> None:
    user: User = request.getfixturevalue(role_fixture)

    assert compute_role_context(user).home_role == home_role


def test_teacher_who_teaches_and_homerooms_holds_both_roles_r1(school_world: SchoolWorld) -> None:
    assert school_world.homeroom_b.user is not None

    context = compute_role_context(school_world.homeroom_b.user)

    assert context.roles == {Role.SUBJECT_TEACHER, Role.HOMEROOM_TEACHER}
    assert context.home_role == Role.HOMEROOM_TEACHER
    assert context.teacher == school_world.homeroom_b
    assert context.term == school_world.term


def test_subject_teacher_is_not_a_homeroom_teacher_r1(teacher: User) -> None:
    assert compute_role_context(teacher).roles == {Role.SUBJECT_TEACHER}


def test_teacher_of_last_term_only_holds_no_teacher_role_now_r1(school_world: SchoolWorld) -> None:
    """The subject teacher's role is for the current term; a teacher with no offering now and
    no homeroom class this year holds no teacher role."""
    idle = TeacherFactory.create(school=school_world.school)

    assert compute_role_context(idle.user).roles == frozenset()


def test_role_assignment_for_another_school_year_does_not_count_r1(
    school_world: SchoolWorld,
) -> None:
    user = UserFactory.create()
    RoleAssignmentFactory.create(
        user=user, role=Role.REGISTRAR, school=school_world.school, school_year=112
    )

    context = compute_role_context(user)

    assert Role.REGISTRAR not in context.roles
    assert context.registrar_school_ids == frozenset()


def test_role_assignment_for_the_current_school_year_counts_r1(school_world: SchoolWorld) -> None:
    user = UserFactory.create()
    RoleAssignmentFactory.create(
        user=user, role=Role.REGISTRAR, school=school_world.school, school_year=113
    )

    context = compute_role_context(user)

    assert context.roles == {Role.REGISTRAR}
    assert context.registrar_school_ids == {school_world.school.pk}


def test_consultation_teacher_role_comes_from_an_assignment_r1(
    consultation_teacher: User, school_world: SchoolWorld
) -> None:
    context = compute_role_context(consultation_teacher)

    assert context.roles == {Role.CONSULTATION_TEACHER}
    assert context.teacher == school_world.consultant


def test_ended_binding_gives_no_parent_role_r1(unbound_parent: User) -> None:
    assert compute_role_context(unbound_parent).roles == frozenset()


def test_student_context_names_student_school_and_current_term_r1(
    student: User, school_world: SchoolWorld
) -> None:
    context = compute_role_context(student)

    assert context.student == school_world.student_a
    assert context.school == school_world.school
    assert context.term == school_world.term


def test_anonymous_user_has_no_roles() -> None:
    assert compute_role_context(AnonymousUser()).roles == frozenset()  # type: ignore[arg-type]


def test_role_context_is_computed_once_per_user_object(
    student: User, django_assert_num_queries: object
) -> None:
    first = get_role_context(student)

    with django_assert_num_queries(0):  # type: ignore[operator]
        assert get_role_context(student) is first


@pytest.mark.parametrize(
    ("role_fixture", "links"),
    [
        ("student", ["/cabinet/"]),
        ("registrar", ["/registrar/"]),
        ("parent", ["/parent/"]),
        ("system_admin", ["/admin/"]),
    ],
)
def test_home_links_list_each_home_page_once(
    role_fixture: str, links: list[str], request: pytest.FixtureRequest
) -> None:
    user: User = request.getfixturevalue(role_fixture)

    assert [url for _, url in compute_role_context(user).home_links] == links


def test_person_with_several_roles_gets_one_link_per_home_page(school_world: SchoolWorld) -> None:
    assert school_world.homeroom_b.user is not None
    user = school_world.homeroom_b.user
    RoleAssignmentFactory.create(user=user, role=Role.REGISTRAR, school=school_world.school)

    links = compute_role_context(user).home_links

    assert [url for _, url in links] == ["/registrar/", "/teaching/"]
