"""Shared fixtures: a small school world and one fixture per role (STYLE.md "Tests").

``school_world`` builds one school with a current term, two classes, their homeroom teachers,
a subject teacher teaching class A, a course-consultation teacher, two students with records,
a registrar and two parents, plus a second school with its own registrar. The role fixtures
(``student``, ``teacher``, ``registrar``…) return the ``User``; ``client_for(user)`` returns a
logged-in test ``Client``.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from hypothesis import settings as hypothesis_settings

from accounts.models import Role, User
from accounts.tests.factories import RoleAssignmentFactory, UserFactory
from guardians.tests.factories import GuardianshipFactory
from schools.models import CourseOffering, MeritKind, School, SchoolClass, Student, Teacher, Term
from schools.tests.factories import (
    AttendanceSummaryFactory,
    CadreRecordFactory,
    ClassMembershipFactory,
    CourseOfferingFactory,
    CourseRecordFactory,
    MeritRecordFactory,
    SchoolClassFactory,
    SchoolFactory,
    StudentFactory,
    TeacherFactory,
    TermFactory,
)

hypothesis_settings.register_profile("licheng", deadline=None, database=None)
hypothesis_settings.load_profile("licheng")

#: The role fixtures below, in the order the permission matrix lists them.
ROLE_FIXTURES = (
    "student",
    "other_student",
    "teacher",
    "homeroom_teacher",
    "consultation_teacher",
    "registrar",
    "other_school_registrar",
    "parent",
    "unbound_parent",
    "central_operator",
    "system_admin",
)


@dataclass
class SchoolWorld:
    school: School
    term: Term
    previous_term: Term
    class_a: SchoolClass
    class_b: SchoolClass
    homeroom_a: Teacher
    homeroom_b: Teacher
    subject_teacher: Teacher
    consultant: Teacher
    offering_a: CourseOffering
    offering_b: CourseOffering
    student_a: Student
    student_b: Student
    registrar: User
    parent: User
    unbound_parent: User
    other_school: School
    other_term: Term
    other_registrar: User
    other_school_student: Student


def make_registrar(school: School, school_year: int | None) -> User:
    """A registrar (註冊組) of ``school``: staff with the schools app's admin permissions."""
    user = UserFactory.create(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="schools"))
    RoleAssignmentFactory.create(
        user=user, role=Role.REGISTRAR, school=school, school_year=school_year
    )
    return user


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    """Rate-limit counters (allauth) live in the cache; start every test from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def school_world(db: None) -> SchoolWorld:
    school = SchoolFactory.create(name="臺北市立測試高級中學")
    term = TermFactory.create(school=school, school_year=113, semester=1, is_current=True)
    previous = TermFactory.create(school=school, school_year=112, semester=2)

    homeroom_a = TeacherFactory.create(school=school, name="林導師")
    homeroom_b = TeacherFactory.create(school=school, name="陳導師")
    subject_teacher = TeacherFactory.create(school=school, name="王老師", subjects="數學")
    consultant = TeacherFactory.create(school=school, name="張老師", subjects="輔導")
    RoleAssignmentFactory.create(
        user=consultant.user, role=Role.CONSULTATION_TEACHER, school=school, school_year=113
    )
    class_a = SchoolClassFactory.create(
        school=school, school_year=113, grade=1, name="一年甲班", homeroom_teacher=homeroom_a
    )
    class_b = SchoolClassFactory.create(
        school=school, school_year=113, grade=1, name="一年乙班", homeroom_teacher=homeroom_b
    )
    offering_a = CourseOfferingFactory.create(
        term=term, teacher=subject_teacher, school_class=class_a, course__name="數學"
    )
    # The homeroom teacher of class B also teaches it: one person, two roles (RULES.md §1).
    offering_b = CourseOfferingFactory.create(
        term=term, teacher=homeroom_b, school_class=class_b, course__name="國語文"
    )
    offering_previous = CourseOfferingFactory.create(
        term=previous, teacher=subject_teacher, course__name="英語文", course__semester=2
    )

    student_a = StudentFactory.create(school=school, name="李小明", student_number="113001")
    student_b = StudentFactory.create(school=school, name="黃小華", student_number="113002")
    ClassMembershipFactory.create(student=student_a, term=term, school_class=class_a, seat_number=1)
    ClassMembershipFactory.create(student=student_b, term=term, school_class=class_b, seat_number=1)

    CourseRecordFactory.create(offering=offering_a, student=student_a)
    CourseRecordFactory.create(offering=offering_previous, student=student_a)
    CourseRecordFactory.create(offering=offering_b, student=student_b)
    AttendanceSummaryFactory.create(student=student_a, term=term)
    AttendanceSummaryFactory.create(student=student_a, term=previous)
    AttendanceSummaryFactory.create(student=student_b, term=term)
    MeritRecordFactory.create(student=student_a, term=term, kind=MeritKind.COMMENDATION)
    MeritRecordFactory.create(student=student_a, term=previous, kind=MeritKind.MINOR_MERIT)
    MeritRecordFactory.create(student=student_b, term=term, kind=MeritKind.ADMONITION)
    CadreRecordFactory.create(student=student_a, term=term)
    CadreRecordFactory.create(student=student_b, term=term, position_title="學藝股長")

    registrar = make_registrar(school, school_year=113)
    parent = GuardianshipFactory.create(student=student_a).parent
    unbound_parent = GuardianshipFactory.create(student=student_a, ended_at=timezone.now()).parent

    other_school = SchoolFactory.create(name="新北市立他校高級中學")
    other_term = TermFactory.create(
        school=other_school, school_year=113, semester=1, is_current=True
    )
    other_registrar = make_registrar(other_school, school_year=None)
    other_school_student = StudentFactory.create(school=other_school, name="趙他校")

    return SchoolWorld(
        school=school,
        term=term,
        previous_term=previous,
        class_a=class_a,
        class_b=class_b,
        homeroom_a=homeroom_a,
        homeroom_b=homeroom_b,
        subject_teacher=subject_teacher,
        consultant=consultant,
        offering_a=offering_a,
        offering_b=offering_b,
        student_a=student_a,
        student_b=student_b,
        registrar=registrar,
        parent=parent,
        unbound_parent=unbound_parent,
        other_school=other_school,
        other_term=other_term,
        other_registrar=other_registrar,
        other_school_student=other_school_student,
    )


# --- One fixture per role (the User) ---------------------------------------------------------


def _user(student_or_teacher: Student | Teacher) -> User:
    assert student_or_teacher.user is not None
    return student_or_teacher.user


@pytest.fixture
def student(school_world: SchoolWorld) -> User:
    """學生 of class A, with course records, attendance, merits and a cadre record."""
    return _user(school_world.student_a)


@pytest.fixture
def other_student(school_world: SchoolWorld) -> User:
    """學生 of the same school, class B."""
    return _user(school_world.student_b)


@pytest.fixture
def teacher(school_world: SchoolWorld) -> User:
    """任課教師 teaching an offering to class A (not a homeroom teacher)."""
    return _user(school_world.subject_teacher)


@pytest.fixture
def homeroom_teacher(school_world: SchoolWorld) -> User:
    """導師 of class A (teaches nothing this term)."""
    return _user(school_world.homeroom_a)


@pytest.fixture
def consultation_teacher(school_world: SchoolWorld) -> User:
    """課程諮詢教師: a teacher of the school with a RoleAssignment for this year."""
    return _user(school_world.consultant)


@pytest.fixture
def registrar(school_world: SchoolWorld) -> User:
    """註冊組 of the school (staff, schools admin permissions)."""
    return school_world.registrar


@pytest.fixture
def other_school_registrar(school_world: SchoolWorld) -> User:
    """註冊組 of another school."""
    return school_world.other_registrar


@pytest.fixture
def parent(school_world: SchoolWorld) -> User:
    """家長 with an active binding to ``student``."""
    return school_world.parent


@pytest.fixture
def unbound_parent(school_world: SchoolWorld) -> User:
    """A parent whose binding to ``student`` has ended (so no parent role now)."""
    return school_world.unbound_parent


@pytest.fixture
def central_operator(db: None) -> User:
    """中央資料庫管理員: a RoleAssignment for every year, no school."""
    user = UserFactory.create()
    RoleAssignmentFactory.create(
        user=user, role=Role.CENTRAL_OPERATOR, school=None, school_year=None
    )
    return user


@pytest.fixture
def system_admin(db: None) -> User:
    """系統管理員: a superuser."""
    return UserFactory.create(is_staff=True, is_superuser=True)


@pytest.fixture
def client_for() -> Callable[[User], Client]:
    """``client_for(user)``: a new test client logged in as ``user``."""

    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def role_user(request: pytest.FixtureRequest) -> Callable[[str], User]:
    """``role_user("registrar")``: the user of a role fixture, by name."""

    def get(name: str) -> User:
        assert name in ROLE_FIXTURES, name
        user: User = request.getfixturevalue(name)
        return user

    return get
