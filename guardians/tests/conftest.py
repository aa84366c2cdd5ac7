"""Fixtures of the binding tests: two schools, two homeroom classes, students, a registrar,
and helpers that walk the flow through the test client."""

import re
from dataclasses import dataclass

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import Role, RoleAssignment, User
from guardians import sms
from schools.models import School, SchoolClass, Student, Teacher, Term

from .factories import (
    SchoolClassFactory,
    SchoolFactory,
    StudentFactory,
    TermFactory,
    UserFactory,
    enrol,
    ensure_consent,
    make_national_id,
    signature_data_url,
)


@pytest.fixture(autouse=True)
def _sms_outbox(settings):  # type: ignore[no-untyped-def]
    settings.LICHENG_SMS = {"BACKEND": "guardians.sms.LocmemBackend", "OPTIONS": {}}
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@dataclass
class World:
    school: School
    other_school: School
    term: Term
    class_a: SchoolClass
    class_b: SchoolClass
    teacher_a: Teacher
    teacher_b: Teacher
    student_a: Student
    student_b: Student
    other_student: Student
    registrar: User


@pytest.fixture
def world(db) -> World:  # type: ignore[no-untyped-def]
    ensure_consent()
    school = SchoolFactory.create(name="私立歷程高級商工職業學校")
    other_school = SchoolFactory.create(name="市立他校高級中學")
    term = TermFactory.create(school=school)
    TermFactory.create(school=other_school)
    class_a = SchoolClassFactory.create(school=school, name="商一甲")
    class_b = SchoolClassFactory.create(school=school, name="商一乙")
    student_a = StudentFactory.create(school=school, name="陳曉明")
    student_b = StudentFactory.create(school=school, name="陳小華")
    enrol(student_a, class_a, term)
    enrol(student_b, class_b, term)
    other_student = StudentFactory.create(school=other_school, name="林他校")
    registrar = UserFactory.create(username="registrar")
    RoleAssignment.objects.create(user=registrar, role=Role.REGISTRAR, school=school)
    return World(
        school=school,
        other_school=other_school,
        term=term,
        class_a=class_a,
        class_b=class_b,
        teacher_a=class_a.homeroom_teacher,  # type: ignore[arg-type]
        teacher_b=class_b.homeroom_teacher,  # type: ignore[arg-type]
        student_a=student_a,
        student_b=student_b,
        other_student=other_student,
        registrar=registrar,
    )


PARENT_EMAIL = "wang.parent@example.com"
PARENT_ID = make_national_id(sex="2")


def last_code() -> str:
    """The 8-digit code in the newest email."""
    match = re.search(r"\b(\d{8})\b", str(mail.outbox[-1].body))
    assert match, mail.outbox[-1].body
    return match.group(1)


def verify(client: Client, email: str = PARENT_EMAIL) -> None:
    """Step 1 by email."""
    response = client.post(reverse("guardians:bind_start"), {"channel": "email", "email": email})
    assert response.status_code == 302, response.content.decode()
    response = client.post(reverse("guardians:bind_verify"), {"code": last_code()})
    assert response.status_code == 302, response.content.decode()


def add_student(
    client: Client, student: Student, relationship: str = "mother", level: str = "vocational"
):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("guardians:bind_student"),
        {
            "relationship": relationship,
            "school_level": level,
            "school": str(student.school_id),
            "student_id": student.national_id,
        },
    )


def accept_consent(client: Client) -> None:
    response = client.post(reverse("guardians:bind_consent"), {"version": "1", "agree": "on"})
    assert response.status_code == 302, response.content.decode()


def parent_data(**overrides: str) -> dict[str, str]:
    data = {
        "national_id": PARENT_ID,
        "name": "王美麗",
        "email": PARENT_EMAIL,
        "phone": "0912345678",
        "signature": signature_data_url(),
    }
    data.update(overrides)
    return data


def apply(client: Client, *students: Student, email: str = PARENT_EMAIL) -> None:
    """The whole flow up to submit for the given students."""
    verify(client, email)
    for student in students:
        assert add_student(client, student).status_code == 302
    accept_consent(client)
    response = client.post(reverse("guardians:bind_parent"), parent_data(email=email))
    assert response.status_code == 302, response.content.decode()
    response = client.post(reverse("guardians:bind_review"))
    assert response.status_code == 302, response.content.decode()
