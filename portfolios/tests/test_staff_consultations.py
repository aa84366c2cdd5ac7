"""Course-consultation records entered by consultation teachers (RULES.md §1, §12 item 5)."""

import pytest
from django.urls import reverse

from accounts.models import Role
from audit.models import AuditEvent
from portfolios.models import ConsultationKind, ConsultationRecord
from schools.models import School, SchoolClass, Term

from .conftest import SchoolWorld, assign_role, make_student, make_teacher

URL = reverse("portfolios:consultation_list")


@pytest.fixture
def consultant(world: SchoolWorld):  # type: ignore[no-untyped-def]
    teacher = make_teacher(world.school, "黃諮詢")
    assign_role(teacher.user, Role.CONSULTATION_TEACHER, world.school)
    return teacher


def data(number: str, **overrides: str) -> dict[str, str]:
    return {
        "student_number": number,
        "date": "2025-10-15",
        "kind": ConsultationKind.INDIVIDUAL,
        "description": "討論高二選修課程與升學方向",
        **overrides,
    }


def test_consultation_teacher_creates_a_record(world, consultant, login):
    student = world.students[0]
    client = login(consultant.user)

    response = client.post(URL, data(student.student_number))

    assert response.status_code == 302
    record = ConsultationRecord.objects.get()
    assert (record.student, record.teacher, record.term) == (student, consultant, world.term)
    assert record.kind == ConsultationKind.INDIVIDUAL
    assert AuditEvent.objects.filter(action="consultation.created", student=student).exists()
    page = client.get(URL).content.decode()
    assert "討論高二選修課程與升學方向" in page and student.name in page


def test_unknown_student_number_is_a_form_error(world, consultant, login):
    response = login(consultant.user).post(URL, data("999999"))

    assert response.status_code == 200
    assert response.context["form"].errors["student_number"] == ["查無學號 999999 的學生"]
    assert not ConsultationRecord.objects.exists()


def test_description_over_the_limit_is_refused(world, consultant, login):
    response = login(consultant.user).post(
        URL, data(world.students[0].student_number, description="字" * 101)
    )

    assert response.status_code == 200
    assert not ConsultationRecord.objects.exists()
    errors = response.context["form"].non_field_errors()
    assert errors == ["簡述為 101 字，超過 100 字上限。"]


def test_plain_teacher_gets_404(world, login):
    client = login(world.math_teacher.user)

    assert client.get(URL).status_code == 404
    assert client.post(URL, data(world.students[0].student_number)).status_code == 404
    assert not ConsultationRecord.objects.exists()


def test_student_of_another_school_is_not_found(world, consultant, login):
    other = School.objects.create(code="654321", name="別的高中")
    term = Term.objects.create(
        school=other, school_year=114, semester=1, start_date=world.term.start_date,
        end_date=world.term.end_date, is_current=True,
    )  # fmt: skip
    klass = SchoolClass.objects.create(school=other, school_year=114, grade=1, name="一年丙班")
    outsider = make_student(other, klass, term)

    response = login(consultant.user).post(URL, data(outsider.student_number))

    assert f"查無學號 {outsider.student_number} 的學生" in response.content.decode()
    assert not ConsultationRecord.objects.exists()
