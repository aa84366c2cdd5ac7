"""Fixtures for portfolio tests: a small school built with plain model creation.

No factories exist yet (``schools/tests/factories.py``); these helpers create the fewest rows
a test needs. Times are aware; the current term is 114-1.
"""

import datetime
import hashlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Role, RoleAssignment, User
from files.models import Blob
from portfolios.models import CourseOutcome, OutcomeStatus, Window, WindowKind
from schools.models import (
    ClassMembership,
    Course,
    CourseOffering,
    CourseRecord,
    School,
    SchoolClass,
    Student,
    Teacher,
    Term,
)

_serial = itertools.count(1)

YEAR = 114


def make_user(username: str | None = None) -> User:
    name = username or f"user{next(_serial)}"
    return User.objects.create_user(username=name, password="pw-不重要-123")


def make_teacher(school: School, name: str = "") -> Teacher:
    n = next(_serial)
    return Teacher.objects.create(
        school=school, user=make_user(f"t{n}"), staff_number=f"T{n:04d}", name=name or f"教師{n}"
    )


def make_student(school: School, school_class: SchoolClass, term: Term, name: str = "") -> Student:
    n = next(_serial)
    student = Student.objects.create(
        school=school,
        user=make_user(f"s{n}"),
        student_number=f"{YEAR}{n:04d}",
        name=name or f"學生{n}",
        national_id=f"A1{n:08d}",
        date_of_birth=datetime.date(2009, 1, 1),
        entry_year=YEAR,
    )
    seat = ClassMembership.objects.filter(school_class=school_class, term=term).count() + 1
    ClassMembership.objects.create(
        student=student, term=term, school_class=school_class, seat_number=seat
    )
    return student


def make_offering(
    term: Term, teacher: Teacher, school_class: SchoolClass | None, name: str
) -> CourseOffering:
    n = next(_serial)
    course = Course.objects.create(
        school=term.school,
        code=f"{n:023d}",
        name=name,
        credits=2,
        grade=1,
        semester=term.semester,
    )
    return CourseOffering.objects.create(
        term=term, course=course, teacher=teacher, school_class=school_class
    )


def make_blob(content_type: str = "application/pdf", size: int = 1234) -> Blob:
    digest = hashlib.sha256(f"blob{next(_serial)}".encode()).hexdigest()
    return Blob.objects.create(sha256=digest, md5=digest[:32], size=size, content_type=content_type)


def make_outcome(
    offering: CourseOffering,
    student: Student,
    *,
    status: str = OutcomeStatus.PENDING,
    description: str = "",
    media: bool = False,
) -> CourseOutcome:
    record, _created = CourseRecord.objects.get_or_create(offering=offering, student=student)
    n = next(_serial)
    return CourseOutcome.objects.create(
        student=student,
        course_record=record,
        school_year=offering.term.school_year,
        semester=offering.term.semester,
        description=description or f"學習成果{n}",
        status=status,
        sent_at=timezone.now() if status != OutcomeStatus.DRAFT else None,
        document_blob=make_blob(),
        document_name=f"成果{n}.pdf",
        media_blob=make_blob("audio/mpeg") if media else None,
        media_name=f"錄音{n}.mp3" if media else "",
    )


def open_window(term: Term, kind: str = WindowKind.CERTIFY, *, days: int = 7) -> Window:
    now = timezone.now()
    window, _created = Window.objects.update_or_create(
        term=term,
        kind=kind,
        defaults={
            "opens_at": now - datetime.timedelta(days=days),
            "closes_at": now + datetime.timedelta(days=days),
        },
    )
    return window


def assign_role(user: User, role: str, school: School) -> RoleAssignment:
    return RoleAssignment.objects.create(user=user, role=role, school=school, school_year=YEAR)


@dataclass
class SchoolWorld:
    """One school in term 114-1 with a class, two teachers and their courses, a registrar."""

    school: School
    term: Term
    school_class: SchoolClass
    other_class: SchoolClass
    homeroom: Teacher
    math_teacher: Teacher
    chinese_teacher: Teacher
    math: CourseOffering
    chinese: CourseOffering
    students: list[Student]
    registrar: User

    def add_student(self, school_class: SchoolClass | None = None) -> Student:
        return make_student(self.school, school_class or self.school_class, self.term)


@pytest.fixture
def world(db: Any) -> SchoolWorld:
    school = School.objects.create(code="123456", name="歷程高中")
    term = Term.objects.create(
        school=school,
        school_year=YEAR,
        semester=1,
        start_date=datetime.date(2025, 8, 1),
        end_date=datetime.date(2026, 1, 31),
        is_current=True,
    )
    homeroom = make_teacher(school, "林導師")
    school_class = SchoolClass.objects.create(
        school=school, school_year=YEAR, grade=1, name="一年甲班", homeroom_teacher=homeroom
    )
    other_homeroom = make_teacher(school, "陳導師")
    other_class = SchoolClass.objects.create(
        school=school, school_year=YEAR, grade=1, name="一年乙班", homeroom_teacher=other_homeroom
    )
    math_teacher = make_teacher(school, "王數學")
    chinese_teacher = make_teacher(school, "張國文")
    math = make_offering(term, math_teacher, school_class, "數學")
    chinese = make_offering(term, chinese_teacher, school_class, "國語文")
    students = [make_student(school, school_class, term) for _ in range(2)]
    registrar = make_user("registrar")
    assign_role(registrar, Role.REGISTRAR, school)
    return SchoolWorld(
        school=school,
        term=term,
        school_class=school_class,
        other_class=other_class,
        homeroom=homeroom,
        math_teacher=math_teacher,
        chinese_teacher=chinese_teacher,
        math=math,
        chinese=chinese,
        students=students,
        registrar=registrar,
    )


@pytest.fixture
def login(client: Any) -> Callable[[User], Any]:
    """Log a user in on the test client and return the client."""

    def _login(user: User) -> Any:
        client.force_login(user)
        return client

    return _login
