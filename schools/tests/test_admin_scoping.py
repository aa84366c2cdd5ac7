"""Django admin for staff: a registrar sees only their own school's rows (schools.admin)."""

from collections.abc import Callable

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import UserFactory
from conftest import SchoolWorld, make_registrar
from schools.tests.factories import SchoolClassFactory

pytestmark = pytest.mark.django_db


def changelist_names(client: Client, model: str) -> set[str]:
    response = client.get(reverse(f"admin:schools_{model}_changelist"))
    assert response.status_code == 200
    return {str(obj) for obj in response.context["cl"].result_list}


def test_registrar_sees_only_own_schools_students(
    school_world: SchoolWorld, registrar: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(registrar).get(reverse("admin:schools_student_changelist"))

    students = set(response.context["cl"].result_list)
    assert students == {school_world.student_a, school_world.student_b}
    html = response.content.decode()
    assert school_world.other_school_student.name not in html
    assert school_world.student_a.masked_id in html
    assert school_world.student_a.national_id not in html


def test_other_school_registrar_sees_only_their_students(
    school_world: SchoolWorld, other_school_registrar: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(other_school_registrar)

    assert changelist_names(client, "student") == {str(school_world.other_school_student)}
    assert changelist_names(client, "school") == {str(school_world.other_school)}


@pytest.mark.parametrize(
    ("model", "own_count"),
    [
        ("school", 1),
        ("term", 2),
        ("teacher", 4),
        ("schoolclass", 2),
        ("classmembership", 2),
        ("course", 3),
        ("courseoffering", 3),
        ("courserecord", 3),
        ("attendancesummary", 3),
        ("meritrecord", 3),
        ("cadrerecord", 2),
    ],
)
def test_every_school_admin_list_is_scoped_to_the_registrars_school(
    model: str,
    own_count: int,
    school_world: SchoolWorld,
    registrar: User,
    client_for: Callable[[User], Client],
) -> None:
    response = client_for(registrar).get(reverse(f"admin:schools_{model}_changelist"))

    assert response.status_code == 200
    assert response.context["cl"].result_count == own_count


def test_registrar_cannot_open_another_schools_student(
    school_world: SchoolWorld, registrar: User, client_for: Callable[[User], Client]
) -> None:
    url = reverse("admin:schools_student_change", args=[school_world.other_school_student.pk])

    response = client_for(registrar).get(url)

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_superuser_sees_every_school(
    school_world: SchoolWorld, system_admin: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(system_admin).get(reverse("admin:schools_student_changelist"))

    assert response.context["cl"].result_count == 3


def test_staff_without_registrar_role_sees_no_rows(
    school_world: SchoolWorld, client_for: Callable[[User], Client]
) -> None:
    staff = UserFactory.create(is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(content_type__app_label="schools"))

    response = client_for(staff).get(reverse("admin:schools_student_changelist"))

    assert response.context["cl"].result_count == 0


def test_last_years_registrar_sees_no_rows(
    school_world: SchoolWorld, client_for: Callable[[User], Client]
) -> None:
    former = make_registrar(school_world.school, school_year=112)

    response = client_for(former).get(reverse("admin:schools_student_changelist"))

    assert response.context["cl"].result_count == 0


def _student_form(school_id: int) -> dict[str, object]:
    return {
        "school": school_id,
        "student_number": "X0001",
        "name": "轉入生",
        "national_id": "A123456789",
        "date_of_birth": "2008-01-01",
        "entry_year": 113,
        "gender": "",
        "department": "",
        "email": "",
        "phone": "",
        "address": "",
    }


def test_registrar_adds_a_student_to_own_school(
    school_world: SchoolWorld, registrar: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(registrar).post(
        reverse("admin:schools_student_add"), _student_form(school_world.school.pk)
    )

    assert response.status_code == 302
    assert school_world.school.students.filter(student_number="X0001").exists()


def test_registrar_cannot_add_a_student_to_another_school(
    school_world: SchoolWorld, registrar: User, client_for: Callable[[User], Client]
) -> None:
    client_for(registrar).post(
        reverse("admin:schools_student_add"), _student_form(school_world.other_school.pk)
    )

    assert list(school_world.other_school.students.all()) == [school_world.other_school_student]


@pytest.mark.parametrize(
    ("model", "field"),
    [("student", "school"), ("classmembership", "term"), ("classmembership", "school_class")],
)
def test_admin_form_choices_are_scoped_to_the_registrars_school(
    model: str,
    field: str,
    school_world: SchoolWorld,
    registrar: User,
    client_for: Callable[[User], Client],
) -> None:
    SchoolClassFactory.create(school=school_world.other_school)

    response = client_for(registrar).get(reverse(f"admin:schools_{model}_add"))

    choices = response.context["adminform"].form.fields[field].queryset
    schools = {getattr(obj, "school_id", obj.pk) for obj in choices}
    assert schools == {school_world.school.pk}
