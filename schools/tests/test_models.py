"""School-record models: factories make valid rows; constraints hold (RULES.md §2.1–2.3, §8)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from schools.models import Course
from schools.tests.factories import (
    AttendanceSummaryFactory,
    CadreRecordFactory,
    ClassMembershipFactory,
    CourseFactory,
    CourseOfferingFactory,
    CourseRecordFactory,
    MeritRecordFactory,
    SchoolFactory,
    StudentFactory,
    TermFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "factory",
    [
        SchoolFactory,
        TermFactory,
        StudentFactory,
        ClassMembershipFactory,
        CourseFactory,
        CourseOfferingFactory,
        CourseRecordFactory,
        AttendanceSummaryFactory,
        MeritRecordFactory,
        CadreRecordFactory,
    ],
)
def test_factories_make_rows_that_pass_model_validation(factory: type) -> None:
    factory().full_clean()


def test_student_factory_ids_are_distinct_and_valid_r8_2() -> None:
    students = StudentFactory.create_batch(30)

    assert len({s.national_id for s in students}) == 30
    for s in students:
        s.full_clean()


def test_student_id_is_normalised_on_save_r8_1() -> None:
    student = StudentFactory.create(national_id="ａ１２３４５６７８９")

    student.refresh_from_db()
    assert student.national_id == "A123456789"
    assert student.masked_id == "A123****89"


def test_student_with_bad_checksum_fails_validation_r8_2() -> None:
    student = StudentFactory.build(national_id="A123456788", school=SchoolFactory.create())

    with pytest.raises(ValidationError) as excinfo:
        student.full_clean()

    assert excinfo.value.message_dict["national_id"] == [
        "身分證號「A123****88」檢查碼錯誤，請再確認。"
    ]


def test_a_school_has_only_one_current_term() -> None:
    school = SchoolFactory.create()
    TermFactory.create(school=school, school_year=113, semester=1, is_current=True)

    with pytest.raises(IntegrityError), transaction.atomic():
        TermFactory.create(school=school, school_year=113, semester=2, is_current=True)


def test_term_must_start_before_it_ends() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        TermFactory.create(
            start_date=datetime.date(2025, 1, 31), end_date=datetime.date(2024, 8, 1)
        )


def test_same_national_id_twice_in_one_school_is_refused_r2_1() -> None:
    first = StudentFactory.create()

    with pytest.raises(IntegrityError), transaction.atomic():
        StudentFactory.create(school=first.school, national_id=first.national_id)


def test_a_student_sits_in_one_class_per_term() -> None:
    membership = ClassMembershipFactory.create()

    with pytest.raises(IntegrityError), transaction.atomic():
        ClassMembershipFactory.create(student=membership.student, term=membership.term)


def test_course_category_comes_from_position_17_r2_3_1() -> None:
    assert CourseFactory.create(category="8", attribute="D").category == "團體活動時間"


def test_course_with_lowercase_code_is_refused_or_stored_upper_case_r2_3_1() -> None:
    school = SchoolFactory.create()
    good = CourseFactory.build(school=school).code
    course = Course(school=school, code=good.lower(), name="數學", credits=2, grade=1, semester=1)

    try:
        course.full_clean()
    except ValidationError:
        return
    course.save()
    course.refresh_from_db()
    assert course.code == good
