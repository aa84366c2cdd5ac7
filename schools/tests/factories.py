"""Factories for school records (RULES.md §2.1–2.3).

IDs are checksum-valid (RULES.md §8.2) and course codes are valid 23-character codes
(RULES.md §2.3.1), so ``full_clean()`` passes on every factory-made row.
"""

import datetime
import string
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from accounts.tests.factories import UserFactory
from schools.calendar import ROC_OFFSET
from schools.identity import with_check_digit
from schools.models import (
    AttendanceSummary,
    CadreLevel,
    CadreRecord,
    ClassMembership,
    Course,
    CourseOffering,
    CourseRecord,
    MeritKind,
    MeritRecord,
    School,
    SchoolClass,
    Student,
    Teacher,
    Term,
)

CODE_ALPHABET = string.digits + string.ascii_uppercase
#: Letters still issued for national IDs (RULES.md §8.2: L, R, S, Y no longer issued).
ID_LETTERS = "ABCDEFGHJKMNPQTUVWXZ"


def national_id_for(n: int) -> str:
    """The n-th checksum-valid national ID: distinct for every n below 10^7."""
    letter = ID_LETTERS[n % len(ID_LETTERS)]
    gender = "12"[n % 2]
    return with_check_digit(f"{letter}{gender}{n % 10_000_000:07d}")


def base36(n: int, width: int) -> str:
    digits = []
    for _ in range(width):
        n, rest = divmod(n, 36)
        digits.append(CODE_ALPHABET[rest])
    return "".join(reversed(digits))


def course_code(
    school_code: str,
    n: int = 0,
    *,
    entry_year: str = "113",
    curriculum_type: str = "H",
    group_code: str = "00",
    department_code: str = "101",
    class_group: str = "0",
    category: str = "1",
    delivery_mode: str = "1",
    attribute: str = "A",
) -> str:
    """A valid 23-character course code; ``n`` varies domain + subject code (RULES.md §2.3.1)."""
    code = (
        f"{entry_year}{school_code}{curriculum_type}{group_code}{department_code}{class_group}"
        f"{category}{delivery_mode}{attribute}{base36(n, 4)}"
    )
    assert len(code) == 23, code
    return code


def term_dates(school_year: int, semester: int) -> tuple[datetime.date, datetime.date]:
    """Semester 1 runs 1 Aug–31 Jan, semester 2 1 Feb–31 Jul (RULES.md §0.1)."""
    year = school_year + ROC_OFFSET
    if semester == 1:
        return datetime.date(year, 8, 1), datetime.date(year + 1, 1, 31)
    return datetime.date(year + 1, 2, 1), datetime.date(year + 1, 7, 31)


class SchoolFactory(DjangoModelFactory[School]):
    class Meta:
        model = School

    code = factory.Sequence(lambda n: f"{310000 + n % 690000:06d}")
    name = factory.Sequence(lambda n: f"測試高級中學{n}")


class TermFactory(DjangoModelFactory[Term]):
    class Meta:
        model = Term

    school = factory.SubFactory(SchoolFactory)
    school_year = 113
    semester = 1
    start_date = factory.LazyAttribute(lambda o: term_dates(o.school_year, o.semester)[0])
    end_date = factory.LazyAttribute(lambda o: term_dates(o.school_year, o.semester)[1])
    is_current = False


class TeacherFactory(DjangoModelFactory[Teacher]):
    class Meta:
        model = Teacher

    school = factory.SubFactory(SchoolFactory)
    user = factory.SubFactory(UserFactory)
    staff_number = factory.Sequence(lambda n: f"T{n:05d}")
    name = factory.Sequence(lambda n: f"教師{n}")
    subjects = "國文"


class SchoolClassFactory(DjangoModelFactory[SchoolClass]):
    """A class with its own homeroom teacher of the same school."""

    class Meta:
        model = SchoolClass

    school = factory.SubFactory(SchoolFactory)
    school_year = 113
    grade = 1
    name = factory.Sequence(lambda n: f"一年{n}班")
    homeroom_teacher = factory.SubFactory(TeacherFactory, school=factory.SelfAttribute("..school"))


class StudentFactory(DjangoModelFactory[Student]):
    class Meta:
        model = Student

    school = factory.SubFactory(SchoolFactory)
    user = factory.SubFactory(UserFactory)
    student_number = factory.Sequence(lambda n: f"S{n:06d}")
    name = factory.Sequence(lambda n: f"學生{n}")
    national_id = factory.Sequence(national_id_for)
    date_of_birth = datetime.date(2008, 3, 14)
    gender = "F"
    entry_year = 113
    department = "普通科"


class ClassMembershipFactory(DjangoModelFactory[ClassMembership]):
    class Meta:
        model = ClassMembership

    student = factory.SubFactory(StudentFactory)
    term = factory.SubFactory(TermFactory, school=factory.SelfAttribute("..student.school"))
    school_class = factory.SubFactory(
        SchoolClassFactory,
        school=factory.SelfAttribute("..term.school"),
        school_year=factory.SelfAttribute("..term.school_year"),
    )
    seat_number = factory.Sequence(lambda n: n % 60 + 1)


class CourseFactory(DjangoModelFactory[Course]):
    """A course with a valid code; pass ``category``/``attribute`` to vary positions 17/19."""

    class Meta:
        model = Course

    class Params:
        category = "1"
        attribute = "A"

    school = factory.SubFactory(SchoolFactory)
    code = factory.LazyAttributeSequence(
        lambda o, n: course_code(o.school.code, n, category=o.category, attribute=o.attribute)
    )
    name = factory.Sequence(lambda n: f"科目{n}")
    credits = Decimal("2.0")
    grade = 1
    semester = 1


class CourseOfferingFactory(DjangoModelFactory[CourseOffering]):
    """An offering in a term, taught by a teacher of the term's school, to no class."""

    class Meta:
        model = CourseOffering

    term = factory.SubFactory(TermFactory)
    course = factory.SubFactory(
        CourseFactory,
        school=factory.SelfAttribute("..term.school"),
        semester=factory.SelfAttribute("..term.semester"),
    )
    teacher = factory.SubFactory(TeacherFactory, school=factory.SelfAttribute("..term.school"))
    school_class = None


class CourseRecordFactory(DjangoModelFactory[CourseRecord]):
    class Meta:
        model = CourseRecord

    offering = factory.SubFactory(CourseOfferingFactory)
    student = factory.SubFactory(
        StudentFactory, school=factory.SelfAttribute("..offering.term.school")
    )
    score = Decimal("80.0")
    passed = True
    makeup_score = None
    makeup_passed = None
    credits_earned = Decimal("2.0")


class AttendanceSummaryFactory(DjangoModelFactory[AttendanceSummary]):
    class Meta:
        model = AttendanceSummary

    student = factory.SubFactory(StudentFactory)
    term = factory.SubFactory(TermFactory, school=factory.SelfAttribute("..student.school"))
    personal_leave = 2
    sick_leave = 3
    official_leave = 0
    bereavement_leave = 0
    absent = 1
    late = 4


class MeritRecordFactory(DjangoModelFactory[MeritRecord]):
    class Meta:
        model = MeritRecord

    student = factory.SubFactory(StudentFactory)
    term = factory.SubFactory(TermFactory, school=factory.SelfAttribute("..student.school"))
    date = factory.LazyAttribute(lambda o: o.term.start_date + datetime.timedelta(days=30))
    kind = MeritKind.COMMENDATION
    count = 1
    reason = "熱心服務"


class CadreRecordFactory(DjangoModelFactory[CadreRecord]):
    class Meta:
        model = CadreRecord

    student = factory.SubFactory(StudentFactory)
    term = factory.SubFactory(TermFactory, school=factory.SelfAttribute("..student.school"))
    unit_name = "一年一班"
    position_title = "班長"
    level = CadreLevel.CLASS
    start_date = factory.LazyAttribute(lambda o: o.term.start_date)
    end_date = factory.LazyAttribute(lambda o: o.term.end_date)
