"""The demo school command (``manage.py load_demo_school``, ``schools.demo``)."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from accounts.models import User
from accounts.roles import compute_role_context
from schools.course_codes import decode_course_code
from schools.demo import (
    DEMO_HOME_ROLES,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    SCHOOL_CODE,
    DemoSummary,
    count_rows,
    load_demo_school,
)
from schools.identity import validate_national_id
from schools.models import (
    CadreRecord,
    ClassMembership,
    Course,
    CourseRecord,
    SchoolClass,
    Student,
    Term,
)


@pytest.fixture
def demo() -> DemoSummary:
    return load_demo_school()


@pytest.mark.django_db
def test_running_twice_creates_nothing_the_second_time(demo: DemoSummary) -> None:
    second = load_demo_school()

    assert second.counts == demo.counts
    assert set(second.created.values()) == {0}
    assert count_rows(demo.school) == demo.counts


@pytest.mark.django_db
def test_command_prints_the_demo_logins(demo: DemoSummary) -> None:
    out = io.StringIO()

    call_command("load_demo_school", stdout=out)

    for _, username in DEMO_LOGINS:
        assert username in out.getvalue()
    assert DEMO_PASSWORD in out.getvalue()


@pytest.mark.django_db
def test_terms_run_112_1_to_114_1_with_114_1_current(demo: DemoSummary) -> None:
    terms = Term.objects.filter(school=demo.school).order_by("school_year", "semester")

    assert [(t.school_year, t.semester) for t in terms] == [
        (112, 1),
        (112, 2),
        (113, 1),
        (113, 2),
        (114, 1),
    ]
    assert [t.label for t in terms if t.is_current] == [Term(school_year=114, semester=1).label]
    first = terms[0]
    assert (str(first.start_date), str(first.end_date)) == ("2023-08-01", "2024-01-31")


@pytest.mark.django_db
def test_six_classes_of_at_least_25_students_in_114(demo: DemoSummary) -> None:
    current = Term.objects.get(school=demo.school, is_current=True)
    classes = SchoolClass.objects.filter(school=demo.school, school_year=114)

    assert sorted(c.name for c in classes) == sorted(
        ["商一甲", "商二甲", "商三甲", "資一乙", "資二乙", "資三乙"]
    )
    for school_class in classes:
        assert school_class.homeroom_teacher is not None
        members = ClassMembership.objects.filter(term=current, school_class=school_class)
        assert members.count() >= 25
    assert not SchoolClass.objects.filter(school=demo.school, homeroom_teacher=None).exists()


@pytest.mark.django_db
def test_every_student_id_is_valid_and_plainly_fictional_r8(demo: DemoSummary) -> None:
    students = Student.objects.filter(school=demo.school)

    assert students.count() == 156
    for student in students:
        validate_national_id(student.national_id)
        assert student.national_id.startswith("Y")
    students.first().full_clean()  # type: ignore[union-attr]


@pytest.mark.django_db
def test_every_course_code_decodes_r2_3_1(demo: DemoSummary) -> None:
    courses = Course.objects.filter(school=demo.school)

    for course in courses:
        decoded = decode_course_code(course.code)
        assert decoded.school_code == SCHOOL_CODE
        assert decoded.curriculum_type == "V"
    for course in courses[:20]:
        course.full_clean()
    group_time = courses.filter(name="團體活動時間").first()
    assert group_time is not None
    assert group_time.decoded.course_category == "8"
    assert not group_time.decoded.is_submittable_as_graded_course


@pytest.mark.django_db
def test_each_demo_login_lands_on_its_role(demo: DemoSummary) -> None:
    home_roles = {}
    for username in DEMO_HOME_ROLES:
        user = User.objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD), username
        assert not user.must_change_password, username
        home_roles[username] = compute_role_context(user).home_role

    assert home_roles == DEMO_HOME_ROLES
    assert [username for _, username in DEMO_LOGINS] == list(DEMO_HOME_ROLES)
    registrar = User.objects.get(username="demo-registrar")
    assert registrar.is_staff
    assert registrar.has_perm("schools.change_courserecord")


@pytest.mark.django_db
def test_demo_teacher_teaches_demo_student_but_homerooms_no_class(demo: DemoSummary) -> None:
    teacher = User.objects.get(username="demo-teacher").teacher  # type: ignore[attr-defined]
    student = User.objects.get(username="demo-student").student  # type: ignore[attr-defined]

    assert CourseRecord.objects.filter(
        student=student, offering__teacher=teacher, offering__term__is_current=True
    ).exists()
    assert not teacher.homeroom_classes.filter(school_year=114).exists()
    homeroom = User.objects.get(username="demo-homeroom").teacher  # type: ignore[attr-defined]
    assert homeroom.homeroom_classes.get(school_year=114).name == "商三甲"


@pytest.mark.django_db
def test_demo_student_has_records_since_112_1(demo: DemoSummary) -> None:
    student = Student.objects.get(user__username="demo-student")
    records = CourseRecord.objects.filter(student=student)

    terms = set(records.values_list("offering__term__school_year", "offering__term__semester"))
    assert terms == {(112, 1), (112, 2), (113, 1), (113, 2), (114, 1)}
    assert not records.filter(offering__term__is_current=True, score__isnull=False).exists()
    past = records.exclude(offering__term__is_current=True)
    assert not past.filter(score__isnull=True).exists()
    for record in past:
        assert record.score is not None
        assert record.passed == (record.score >= Decimal(60))
    assert CadreRecord.objects.filter(student=student).count() == 2
    assert [m.school_class.name for m in student.memberships.order_by("term__school_year")][
        ::2
    ] == ["商一甲", "商二甲", "商三甲"]


@pytest.mark.django_db
def test_students_must_change_the_demo_password_except_demo_student(
    demo: DemoSummary,
) -> None:
    student = User.objects.get(username="s112002")

    assert student.must_change_password
    assert student.check_password(DEMO_PASSWORD)


@pytest.mark.django_db
def test_sample_rows_pass_model_validation(demo: DemoSummary) -> None:
    student = Student.objects.get(user__username="demo-student")

    for row in [
        *CourseRecord.objects.filter(student=student)[:15],
        *CadreRecord.objects.filter(student=student),
        *student.merits.all(),
        *student.attendance.all(),
        *student.memberships.all(),
        *SchoolClass.objects.filter(school=demo.school),
    ]:
        row.full_clean()
