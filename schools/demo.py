"""The demo school (示範學校): a fictional vocational high school (高職) with three cohorts.

「私立歷程高級商工職業學校」 (school code 389301) has terms 112-1 … 114-1 (114-1 current), two
departments (商業經營科 甲班, 資料處理科 乙班), 2 classes × 3 grades × 26 students in school year
114 with their class history since entry, teachers and homerooms, 23-character course codes
(RULES.md §2.3.1), course records with scores (§2.3), attendance, merits and school-entered
cadre records (§2.2), and one demo login per role.

Everything is generated from fixed seeds, so two runs produce the same people, scores and
codes. Every name is generated; every ID number starts with ``Y`` (a letter no longer issued,
RULES.md §8.2) followed by ``9999`` and passes the checksum, so none can be a real person's.

:func:`load_demo_school` writes it idempotently: rows are matched on their natural keys and
only missing ones are created; a second run creates nothing.
"""

import datetime
import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.db import transaction

from accounts.models import Role, RoleAssignment, User
from guardians.models import Guardianship, Relationship

from .identity import with_check_digit
from .models import (
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

SCHOOL_CODE = "389301"
SCHOOL_NAME = "私立歷程高級商工職業學校"
#: The password of every account the demo creates (students and teachers must change it).
DEMO_PASSWORD = "licheng-demo"  # noqa: S105 (published demo password, not a secret)
SEED = "licheng-demo-389301"

#: (學年度, 學期) of every term, oldest first; the last one is the current term.
TERMS: list[tuple[int, int]] = [(112, 1), (112, 2), (113, 1), (113, 2), (114, 1)]
CURRENT_TERM = TERMS[-1]
CURRENT_YEAR = CURRENT_TERM[0]
ENTRY_YEARS = (112, 113, 114)
STUDENTS_PER_CLASS = 26
GRADE_DIGITS = {1: "一", 2: "二", 3: "三"}

#: (role label, username) of the demo logins, one per role; password :data:`DEMO_PASSWORD`.
DEMO_LOGINS: list[tuple[str, str]] = [
    ("學生", "demo-student"),
    ("任課教師", "demo-teacher"),
    ("導師", "demo-homeroom"),
    ("課程諮詢教師", "demo-consultant"),
    ("註冊組", "demo-registrar"),
    ("家長", "demo-parent"),
    ("中央資料庫管理員", "demo-central"),
    ("系統管理員", "demo-admin"),
]
#: The home role (``accounts.roles.RoleContext.home_role``) each demo login lands on.
DEMO_HOME_ROLES: dict[str, Role] = {
    "demo-student": Role.STUDENT,
    "demo-teacher": Role.SUBJECT_TEACHER,
    "demo-homeroom": Role.HOMEROOM_TEACHER,
    "demo-consultant": Role.CONSULTATION_TEACHER,
    "demo-registrar": Role.REGISTRAR,
    "demo-parent": Role.PARENT,
    "demo-central": Role.CENTRAL_OPERATOR,
    "demo-admin": Role.SYSTEM_ADMIN,
}
DEMO_STUDENT_NUMBER = "s112001"  # seat 1 of 商一甲 (112) → 商三甲 (114)

TAIPEI = ZoneInfo("Asia/Taipei")


class Writer(Protocol):
    """Where progress lines go: a text stream or a command's ``OutputWrapper``."""

    def write(self, msg: str, /) -> Any: ...


# --- Reference data -------------------------------------------------------------------------


@dataclass(frozen=True)
class Department:
    """A department (科) and the parts of the course code that identify it (RULES.md §2.3.1).

    The group/department codes are illustrative, not looked up on the course-plan platform.
    """

    name: str
    prefix: str  # first character of its class names: 商一甲
    section: str  # 甲 / 乙
    group_code: str  # 群別代碼, 2 chars
    department_code: str  # 科別代碼, 3 chars
    class_group: str  # 班群, 1 char
    number_offset: int  # student numbers of this department start after this seat


DEPARTMENTS = (
    Department("商業經營科", "商", "甲", "22", "301", "1", 0),
    Department("資料處理科", "資", "乙", "22", "303", "1", STUDENTS_PER_CLASS),
)


@dataclass(frozen=True)
class Subject:
    """A subject (科目) with its course category (position 17) and domain + subject code."""

    name: str
    category: str  # 1 部定必修, 2 校訂必修, 3–7/A 校訂選修, 8 團體活動時間, 9 彈性學習時間
    domain: str  # 領域名稱, 2 chars
    code: str  # 科目名稱代碼, 2 chars


SUBJECTS = {
    s.name: s
    for s in (
        Subject("國語文", "1", "01", "01"),
        Subject("英語文", "1", "01", "02"),
        Subject("初階英語聽講練習", "4", "01", "03"),
        Subject("初階英文閱讀與寫作練習", "4", "01", "04"),
        Subject("初階英文文法", "2", "01", "05"),
        Subject("基礎日語", "3", "01", "06"),
        Subject("數學", "1", "02", "01"),
        Subject("應用數學", "2", "02", "02"),
        Subject("歷史", "1", "03", "01"),
        Subject("地理", "1", "03", "02"),
        Subject("公民與社會", "1", "03", "03"),
        Subject("藝術生活", "1", "05", "01"),
        Subject("體育", "1", "08", "01"),
        Subject("健康與護理", "1", "08", "02"),
        Subject("全民國防教育", "1", "09", "01"),
        Subject("商業概論", "1", "11", "01"),
        Subject("數位科技概論", "1", "11", "02"),
        Subject("會計學", "1", "11", "03"),
        Subject("經濟學", "1", "11", "04"),
        Subject("計算機概論", "1", "11", "05"),
        Subject("程式設計實習", "1", "12", "01"),
        Subject("團體活動時間", "8", "00", "01"),
    )
}

#: Weekly plan per grade: (subject, credits in semester 1, credits in semester 2); 0 = not
#: offered. 團體活動時間 carries no credits.
COMMON_PLAN: dict[int, list[tuple[str, int, int]]] = {
    1: [
        ("國語文", 3, 3),
        ("英語文", 2, 2),
        ("數學", 2, 2),
        ("體育", 2, 2),
        ("全民國防教育", 1, 1),
        ("歷史", 2, 0),
        ("地理", 0, 2),
        ("健康與護理", 1, 1),
        ("團體活動時間", 0, 0),
    ],
    2: [
        ("國語文", 3, 3),
        ("英語文", 2, 2),
        ("數學", 2, 2),
        ("體育", 2, 2),
        ("公民與社會", 2, 0),
        ("藝術生活", 0, 2),
        ("團體活動時間", 0, 0),
    ],
    3: [("國語文", 3, 3), ("英語文", 2, 2), ("體育", 2, 2), ("團體活動時間", 0, 0)],
}
DEPARTMENT_PLAN: dict[tuple[str, int], list[tuple[str, int, int]]] = {
    ("商", 1): [("商業概論", 2, 2), ("數位科技概論", 2, 2), ("會計學", 3, 3)],
    ("商", 2): [("會計學", 3, 3), ("計算機概論", 2, 2), ("基礎日語", 2, 2), ("初階英文文法", 2, 2)],
    ("商", 3): [
        ("經濟學", 3, 3),
        ("應用數學", 2, 2),
        ("基礎日語", 2, 2),
        ("初階英語聽講練習", 2, 2),
        ("初階英文閱讀與寫作練習", 2, 2),
    ],
    ("資", 1): [("商業概論", 2, 2), ("數位科技概論", 2, 2), ("計算機概論", 3, 3)],
    ("資", 2): [
        ("會計學", 3, 3),
        ("計算機概論", 3, 3),
        ("程式設計實習", 3, 3),
        ("初階英文文法", 2, 2),
    ],
    ("資", 3): [
        ("程式設計實習", 3, 3),
        ("經濟學", 2, 2),
        ("應用數學", 2, 2),
        ("基礎日語", 2, 2),
        ("初階英語聽講練習", 2, 2),
    ],
}


@dataclass(frozen=True)
class TeacherSpec:
    """A teacher to create: staff number, login, subjects taught (empty: teaches nothing)."""

    staff_number: str
    username: str
    subjects: tuple[str, ...]
    gender: str


TEACHERS = (
    TeacherSpec("T001", "demo-homeroom", ("國語文",), "F"),
    TeacherSpec("T002", "t002", ("國語文",), "M"),
    TeacherSpec("T003", "t003", ("英語文", "初階英文文法", "初階英文閱讀與寫作練習"), "F"),
    TeacherSpec("T004", "t004", ("英語文", "初階英語聽講練習"), "M"),
    TeacherSpec("T005", "t005", ("數學", "應用數學"), "M"),
    TeacherSpec("T006", "t006", ("數學", "應用數學"), "F"),
    TeacherSpec("T007", "t007", ("體育",), "M"),
    TeacherSpec("T008", "t008", ("體育", "健康與護理"), "F"),
    TeacherSpec("T009", "t009", ("歷史", "公民與社會"), "F"),
    TeacherSpec("T010", "t010", ("地理", "公民與社會"), "M"),
    TeacherSpec("T011", "t011", ("藝術生活",), "F"),
    TeacherSpec("T012", "t012", ("全民國防教育",), "M"),
    TeacherSpec("T013", "demo-teacher", ("商業概論", "經濟學"), "M"),
    TeacherSpec("T014", "t014", ("會計學",), "F"),
    TeacherSpec("T015", "t015", ("計算機概論", "數位科技概論", "程式設計實習"), "M"),
    TeacherSpec("T016", "t016", ("基礎日語",), "F"),
    TeacherSpec("T017", "demo-consultant", (), "F"),  # 課程諮詢教師: teaches no class
)
#: Homeroom teacher (導師) of each cohort's class, kept for its three years.
HOMEROOMS: dict[tuple[int, str], str] = {
    (112, "商"): "T001",
    (112, "資"): "T015",
    (113, "商"): "T003",
    (113, "資"): "T005",
    (114, "商"): "T002",
    (114, "資"): "T014",
}

SURNAMES = "陳林黃張李王吳劉蔡楊許鄭謝郭洪邱曾廖賴周徐蘇葉莊呂江何蕭羅高潘簡朱鍾游彭詹胡施沈余盧"
#: Given-name characters by position (first, second) and gender; combined, they read like
#: ordinary names (志豪, 雅婷) without copying any real person's.
GIVEN_MALE = ("志家冠俊承宗柏彥建哲子品祐聖信", "明豪宇傑翰廷軒宏瑋皓睿維凱恩安")
GIVEN_FEMALE = ("雅怡詩欣佳宜思品郁心語羽雨芷婉", "婷君涵穎庭妤妍瑜彤柔萱若筑蓁晴")

MERIT_REASONS: dict[str, tuple[str, ...]] = {
    MeritKind.COMMENDATION: (
        "擔任班級幹部認真負責",
        "熱心服務，協助班級公務",
        "參加校內英文單字比賽表現優良",
        "打掃工作認真確實",
        "協助校慶活動場地佈置",
        "參加校慶運動會表現優異",
    ),
    MeritKind.MINOR_MERIT: (
        "代表學校參加商業類技藝競賽獲佳績",
        "學期全勤",
        "志工服務時數達標，表現優良",
    ),
    MeritKind.MAJOR_MERIT: ("參加全國技能競賽榮獲名次",),
    MeritKind.ADMONITION: ("上課使用手機，經勸導未改善", "服儀不整", "遲到次數達規定"),
}
CLASS_CADRES = ("班長", "副班長", "學藝股長", "風紀股長", "衛生股長")
CLUBS = ("熱門音樂社", "熱舞社", "電腦研究社", "日語研究社", "羽球社", "攝影社")


# --- Pure generation ------------------------------------------------------------------------


def seeded(*parts: object) -> random.Random:
    """A random generator seeded by :data:`SEED` and ``parts``, so each entity's random values
    depend only on its own key (not on what else was generated before it)."""
    return random.Random(":".join([SEED, *(str(p) for p in parts)]))


def term_dates(school_year: int, semester: int) -> tuple[datetime.date, datetime.date]:
    """Start and end date of a term: 學年度 N semester 1 is 1 Aug AD N+1911 – 31 Jan, semester
    2 is 1 Feb – 31 Jul of the following AD year (``schools.calendar``)."""
    ad = school_year + 1911
    if semester == 1:
        return datetime.date(ad, 8, 1), datetime.date(ad + 1, 1, 31)
    return datetime.date(ad + 1, 2, 1), datetime.date(ad + 1, 7, 31)


def class_name(department: Department, grade: int) -> str:
    """A class name as schools write it: 商 + 一 + 甲 → 商一甲."""
    return f"{department.prefix}{GRADE_DIGITS[grade]}{department.section}"


def person_name(rng: random.Random, gender: str) -> str:
    """A generated Chinese name: a common surname and a two-character given name."""
    first, second = GIVEN_MALE if gender == "M" else GIVEN_FEMALE
    return rng.choice(SURNAMES) + rng.choice(first) + rng.choice(second)


def fictional_national_id(gender: str, sequence: int) -> str:
    """A checksum-valid national ID that cannot be real: ``Y`` (no longer issued, RULES.md
    §8.2) + gender digit (1 male, 2 female, §8.1) + ``9999`` + 3-digit sequence + check digit."""
    digit = "1" if gender == "M" else "2"
    return with_check_digit(f"Y{digit}9999{sequence:03d}")


def course_code(entry_year: int, department: Department, subject: Subject) -> str:
    """The 23-character course code (RULES.md §2.3.1) of a subject for one cohort:
    entry year (3) + school code (6) + curriculum type ``V`` (1) + group (2) + department (3)
    + class group (1) + category (1) + delivery mode ``1`` (1) + subject attribute ``1`` (1)
    + domain (2) + subject code (2)."""
    return (
        f"{entry_year:03d}{SCHOOL_CODE}V{department.group_code}{department.department_code}"
        f"{department.class_group}{subject.category}11{subject.domain}{subject.code}"
    )


@dataclass(frozen=True)
class StudentSpec:
    """A generated student with the class and seat they sit in each school year."""

    student_number: str
    username: str
    name: str
    national_id: str
    gender: str
    date_of_birth: datetime.date
    entry_year: int
    department: Department
    seat_number: int

    def class_in(self, school_year: int) -> str | None:
        """The class name in a school year, or None before entry (or after grade 3)."""
        grade = school_year - self.entry_year + 1
        return class_name(self.department, grade) if 1 <= grade <= 3 else None


def student_specs() -> list[StudentSpec]:
    """Every demo student: cohorts 112–114 × two departments × 26 seats, in a fixed order.

    Student numbers are ``s`` + entry year + 3 digits (商 001–026, 資 027–052); the demo
    student (``s112001``) logs in as ``demo-student``.
    """
    specs = []
    sequence = 0
    for entry_year in ENTRY_YEARS:
        for department in DEPARTMENTS:
            for seat in range(1, STUDENTS_PER_CLASS + 1):
                sequence += 1
                number = f"s{entry_year}{department.number_offset + seat:03d}"
                rng = seeded("student", number)
                gender = "M" if rng.random() < 0.55 else "F"
                # Aged 15 on entry: born 2 Sep (AD entry-16) … 1 Sep (AD entry-15).
                born_from = datetime.date(entry_year + 1911 - 16, 9, 2)
                born = born_from + datetime.timedelta(days=rng.randrange(365))
                specs.append(
                    StudentSpec(
                        student_number=number,
                        username="demo-student" if number == DEMO_STUDENT_NUMBER else number,
                        name=person_name(rng, gender),
                        national_id=fictional_national_id(gender, sequence),
                        gender=gender,
                        date_of_birth=born,
                        entry_year=entry_year,
                        department=department,
                        seat_number=seat,
                    )
                )
    return specs


@dataclass(frozen=True)
class ClassSpec:
    """A class of one school year and its homeroom teacher's staff number."""

    school_year: int
    grade: int
    name: str
    homeroom: str
    department: Department
    entry_year: int


def class_specs() -> list[ClassSpec]:
    """Every class of every school year with a term: 2 in 112, 4 in 113, 6 in 114."""
    specs = []
    for school_year in sorted({year for year, _ in TERMS}):
        for entry_year in ENTRY_YEARS:
            grade = school_year - entry_year + 1
            if not 1 <= grade <= 3:
                continue
            for department in DEPARTMENTS:
                specs.append(
                    ClassSpec(
                        school_year=school_year,
                        grade=grade,
                        name=class_name(department, grade),
                        homeroom=HOMEROOMS[(entry_year, department.prefix)],
                        department=department,
                        entry_year=entry_year,
                    )
                )
    return specs


@dataclass(frozen=True)
class OfferingSpec:
    """A course offered to a class in a term (開課), with its course and teacher."""

    term: tuple[int, int]
    class_name: str
    subject: Subject
    code: str
    credits: Decimal
    grade: int
    teacher: str  # staff number


def offering_specs() -> list[OfferingSpec]:
    """Every offering: each class's plan (:data:`COMMON_PLAN` + :data:`DEPARTMENT_PLAN`) in
    each term, 9–11 per class and term. 團體活動時間 is led by the homeroom teacher; other
    subjects rotate among the teachers of that subject by cohort and department."""
    by_subject: dict[str, list[str]] = defaultdict(list)
    for spec in TEACHERS:
        for subject_name in spec.subjects:
            by_subject[subject_name].append(spec.staff_number)
    specs = []
    classes = class_specs()
    for school_year, semester in TERMS:
        for school_class in (c for c in classes if c.school_year == school_year):
            department = school_class.department
            plan = (
                COMMON_PLAN[school_class.grade]
                + DEPARTMENT_PLAN[(department.prefix, school_class.grade)]
            )
            for subject_name, credits_1, credits_2 in plan:
                credits = credits_1 if semester == 1 else credits_2
                subject = SUBJECTS[subject_name]
                if credits == 0 and subject.category != "8":
                    continue
                if subject.category == "8":
                    teacher = school_class.homeroom
                else:
                    pool = by_subject[subject_name]
                    teacher = pool[
                        (school_class.entry_year + DEPARTMENTS.index(department)) % len(pool)
                    ]
                specs.append(
                    OfferingSpec(
                        term=(school_year, semester),
                        class_name=school_class.name,
                        subject=subject,
                        code=course_code(school_class.entry_year, department, subject),
                        credits=Decimal(credits).quantize(Decimal("0.1")),
                        grade=school_class.grade,
                        teacher=teacher,
                    )
                )
    return specs


def one_decimal(value: float) -> Decimal:
    """A score rounded to one decimal, as grade rosters hold it (RULES.md §2.3)."""
    return Decimal(f"{value:.1f}")


def course_record_values(
    student_number: str, term: tuple[int, int], subject: Subject, credits: Decimal
) -> dict[str, Any]:
    """Field values of one course record (RULES.md §2.3).

    The current term is in progress (every score empty). Past terms get a 0–100 score with one
    decimal, mostly 55–98, from the student's ability plus noise; ``passed`` is score ≥ 60; about
    two thirds of failed courses have a make-up score. ``credits_earned`` is the credits when
    passed (directly or by make-up), else 0. 團體活動時間 (category 8) is scored but carries no
    credits, so the demo data exercises the §2.3 rule that such rows are not submitted.
    """
    if term == CURRENT_TERM:
        return {"score": None, "passed": None, "makeup_score": None, "makeup_passed": None}
    ability = seeded("ability", student_number).gauss(78, 7)
    rng = seeded("score", student_number, *term, subject.name)
    score = one_decimal(min(99.0, max(35.0, ability + rng.gauss(0, 8))))
    passed = score >= 60
    makeup_score = None
    makeup_passed = None
    if not passed and rng.random() < 0.67:
        makeup_score = one_decimal(rng.uniform(45, 80))
        makeup_passed = makeup_score >= 60
    earned = credits if passed or makeup_passed else Decimal("0.0")
    return {
        "score": score,
        "passed": passed,
        "makeup_score": makeup_score,
        "makeup_passed": makeup_passed,
        "credits_earned": earned,
    }


def attendance_values(student_number: str, term: tuple[int, int]) -> dict[str, int]:
    """Class periods (節) of leave, absence and lateness for a student's term; mostly small."""
    rng = seeded("attendance", student_number, *term)
    scale = 0.5 if term == CURRENT_TERM else 1.0  # the current term is half over
    return {
        "personal_leave": int(rng.choice([0, 0, 0, 1, 2, 3, 4, 6]) * scale),
        "sick_leave": int(rng.choice([0, 0, 1, 2, 3, 5, 7]) * scale),
        "official_leave": int(rng.choice([0, 0, 0, 2, 4]) * scale),
        "bereavement_leave": rng.randint(4, 7) if rng.random() < 0.03 else 0,
        "absent": rng.randint(1, 4) if rng.random() < 0.15 else 0,
        "late": int(rng.choice([0, 0, 0, 1, 1, 2, 3]) * scale),
    }


@dataclass(frozen=True)
class MeritSpec:
    """A merit or demerit (獎懲) to give a student in a past term."""

    student_number: str
    term: tuple[int, int]
    date: datetime.date
    kind: str
    count: int
    reason: str


def merit_specs(student: StudentSpec) -> list[MeritSpec]:
    """0–4 merits for a student over their past terms: mostly 嘉獎 and 小功, rarely 大功 or
    警告. Dates fall inside the term, away from its edges."""
    rng = seeded("merit", student.student_number)
    past = [t for t in TERMS if t != CURRENT_TERM and student.class_in(t[0])]
    if not past:
        return []
    specs = []
    for _ in range(rng.choice([0, 1, 1, 2, 2, 3, 4])):
        term = rng.choice(past)
        start, end = term_dates(*term)
        day = start + datetime.timedelta(days=rng.randrange(30, (end - start).days - 20))
        kind = rng.choices(
            [
                MeritKind.COMMENDATION,
                MeritKind.MINOR_MERIT,
                MeritKind.MAJOR_MERIT,
                MeritKind.ADMONITION,
            ],
            weights=[70, 20, 2, 8],
        )[0]
        count = 2 if kind == MeritKind.COMMENDATION and rng.random() < 0.2 else 1
        reason = rng.choice(MERIT_REASONS[kind])
        specs.append(MeritSpec(student.student_number, term, day, kind.value, count, reason))
    return specs


@dataclass(frozen=True)
class CadreSpec:
    """A school-entered cadre record (擔任學校幹部經歷, RULES.md §2.2)."""

    student_number: str
    term: tuple[int, int]
    unit_name: str
    position_title: str
    level: str
    start_date: datetime.date
    end_date: datetime.date | None


def _cadre(number: str, term: tuple[int, int], unit: str, title: str, level: str) -> CadreSpec:
    start, end = term_dates(*term)
    return CadreSpec(number, term, unit, title, level, start, None if term == CURRENT_TERM else end)


def cadre_specs(students: list[StudentSpec]) -> list[CadreSpec]:
    """Cadre records: per class and term a 班長, 副班長 and 學藝股長 (level 班級); per school
    year a 社長 for each club (社團) and a 學生會會長 (校級), drawn from the cohort one year above
    grade 1 where there is one. The demo student gets exactly two: 113-1 商二甲 班長 and 113-2
    熱門音樂社 社長. Level codes follow :class:`CadreLevel` (mapping unconfirmed, §2.2)."""
    specs: list[CadreSpec] = [
        _cadre(DEMO_STUDENT_NUMBER, (113, 1), "商二甲", "班長", CadreLevel.CLASS),
        _cadre(DEMO_STUDENT_NUMBER, (113, 2), "熱門音樂社", "社長", CadreLevel.CLUB),
    ]
    # Posts the demo student holds are not given to anyone else.
    taken = {(c.term, c.unit_name, c.position_title) for c in specs}
    others = [s for s in students if s.student_number != DEMO_STUDENT_NUMBER]
    for term in TERMS:
        school_year = term[0]
        by_class: dict[str, list[StudentSpec]] = defaultdict(list)
        for student in others:
            name = student.class_in(school_year)
            if name is not None:
                by_class[name].append(student)
        for name, members in sorted(by_class.items()):
            chosen = seeded("class-cadre", *term, name).sample(members, 3)
            for title, student in zip(CLASS_CADRES[:3], chosen, strict=True):
                if (term, name, title) not in taken:
                    specs.append(
                        _cadre(student.student_number, term, name, title, CadreLevel.CLASS)
                    )
        leader_cohort = max(ENTRY_YEARS[0], school_year - 1)
        leaders = seeded("club-cadre", school_year).sample(
            [s for s in others if s.entry_year == leader_cohort], len(CLUBS) + 1
        )
        for club, student in zip(CLUBS, leaders, strict=False):
            if (term, club, "社長") not in taken:
                specs.append(_cadre(student.student_number, term, club, "社長", CadreLevel.CLUB))
        specs.append(_cadre(leaders[-1].student_number, term, "學生會", "會長", CadreLevel.SCHOOL))
    return specs


# --- Writing --------------------------------------------------------------------------------


@dataclass
class DemoSummary:
    """What :func:`load_demo_school` left in the database: row counts for the demo school,
    and how many of each it created in this run (all zero on a second run)."""

    school: School
    counts: dict[str, int] = field(default_factory=dict)
    created: dict[str, int] = field(default_factory=dict)
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # (role, username, password)


def count_rows(school: School | None) -> dict[str, int]:
    """Row counts of the demo school's data, by model verbose label."""
    if school is None:
        return {}
    return {
        "學期": Term.objects.filter(school=school).count(),
        "教師": Teacher.objects.filter(school=school).count(),
        "班級": SchoolClass.objects.filter(school=school).count(),
        "學生": Student.objects.filter(school=school).count(),
        "班級學生": ClassMembership.objects.filter(term__school=school).count(),
        "課程": Course.objects.filter(school=school).count(),
        "開課": CourseOffering.objects.filter(term__school=school).count(),
        "修課紀錄": CourseRecord.objects.filter(student__school=school).count(),
        "出缺勤紀錄": AttendanceSummary.objects.filter(student__school=school).count(),
        "獎懲紀錄": MeritRecord.objects.filter(student__school=school).count(),
        "幹部經歷": CadreRecord.objects.filter(student__school=school).count(),
        "使用者": User.objects.filter(username__in=_all_usernames()).count(),
        "角色指派": RoleAssignment.objects.filter(
            user__username__in=[u for _, u in DEMO_LOGINS]
        ).count(),
        "親子綁定": Guardianship.objects.filter(student__school=school).count(),
    }


def _all_usernames() -> list[str]:
    return [
        *(s.username for s in student_specs()),
        *(t.username for t in TEACHERS),
        "demo-registrar",
        "demo-parent",
        "demo-central",
        "demo-admin",
    ]


def ensure_users(specs: Iterable[dict[str, Any]], password_hash: str) -> dict[str, User]:
    """Create the users that do not exist yet (matched on ``username``); return all by username.

    Existing users keep their password; the demo logins get their flags set again
    (``must_change_password`` off, staff/superuser as specified) so they stay usable.
    """
    wanted = {
        spec["username"]: {"must_change_password": False, **spec}
        if spec["username"].startswith("demo-")
        else spec
        for spec in specs
    }
    existing = {u.username: u for u in User.objects.filter(username__in=wanted)}
    User.objects.bulk_create(
        [
            User(password=password_hash, **spec)
            for username, spec in wanted.items()
            if username not in existing
        ],
        ignore_conflicts=True,
    )
    for username, user in existing.items():
        spec = wanted[username]
        if not username.startswith("demo-"):
            continue
        changed = [k for k, v in spec.items() if getattr(user, k) != v]
        for key in changed:
            setattr(user, key, spec[key])
        if changed:
            user.save(update_fields=changed)
    return {u.username: u for u in User.objects.filter(username__in=wanted)}


def _ensure_terms(school: School) -> dict[tuple[int, int], Term]:
    terms = {}
    # Only one current term per school (constraint one_current_term): clear first.
    Term.objects.filter(school=school, is_current=True).exclude(
        school_year=CURRENT_TERM[0], semester=CURRENT_TERM[1]
    ).update(is_current=False)
    for school_year, semester in TERMS:
        start, end = term_dates(school_year, semester)
        term, _ = Term.objects.update_or_create(
            school=school,
            school_year=school_year,
            semester=semester,
            defaults={
                "start_date": start,
                "end_date": end,
                "is_current": (school_year, semester) == CURRENT_TERM,
            },
        )
        terms[(school_year, semester)] = term
    return terms


def _ensure_teachers(school: School, password_hash: str) -> dict[str, Teacher]:
    names = {
        t.staff_number: person_name(seeded("teacher", t.staff_number), t.gender) for t in TEACHERS
    }
    users = ensure_users(
        (
            {
                "username": t.username,
                "display_name": names[t.staff_number],
                "must_change_password": not t.username.startswith("demo-"),
            }
            for t in TEACHERS
        ),
        password_hash,
    )
    Teacher.objects.bulk_create(
        [
            Teacher(
                school=school,
                user=users[t.username],
                staff_number=t.staff_number,
                name=names[t.staff_number],
                subjects="、".join(t.subjects) if t.subjects else "課程諮詢",
            )
            for t in TEACHERS
        ],
        ignore_conflicts=True,
    )
    return {t.staff_number: t for t in Teacher.objects.filter(school=school)}


def _ensure_classes(
    school: School, teachers: dict[str, Teacher]
) -> dict[tuple[int, str], SchoolClass]:
    specs = class_specs()
    SchoolClass.objects.bulk_create(
        [
            SchoolClass(
                school=school,
                school_year=c.school_year,
                grade=c.grade,
                name=c.name,
                homeroom_teacher=teachers[c.homeroom],
            )
            for c in specs
        ],
        ignore_conflicts=True,
    )
    classes = {(c.school_year, c.name): c for c in SchoolClass.objects.filter(school=school)}
    for spec in specs:
        school_class = classes[(spec.school_year, spec.name)]
        if school_class.homeroom_teacher_id != teachers[spec.homeroom].pk:
            school_class.homeroom_teacher = teachers[spec.homeroom]
            school_class.save(update_fields=["homeroom_teacher"])
    return classes


def _ensure_students(
    school: School, specs: list[StudentSpec], password_hash: str
) -> dict[str, Student]:
    users = ensure_users(
        (
            {
                "username": s.username,
                "display_name": s.name,
                "must_change_password": s.username != "demo-student",
            }
            for s in specs
        ),
        password_hash,
    )
    Student.objects.bulk_create(
        [
            Student(
                school=school,
                user=users[s.username],
                student_number=s.student_number,
                name=s.name,
                national_id=s.national_id,
                date_of_birth=s.date_of_birth,
                gender=s.gender,
                entry_year=s.entry_year,
                department=s.department.name,
                email=f"{s.student_number}@demo.licheng.invalid",
            )
            for s in specs
        ],
        ignore_conflicts=True,
    )
    return {s.student_number: s for s in Student.objects.filter(school=school)}


CourseKey = tuple[str, int, int]  # (code, grade, semester): Course's unique key within a school


def _ensure_courses(school: School, offerings: list[OfferingSpec]) -> dict[CourseKey, Course]:
    wanted = {(o.code, o.grade, o.term[1]): o for o in offerings}
    Course.objects.bulk_create(
        [
            Course(
                school=school,
                code=code,
                name=o.subject.name,
                credits=o.credits,
                grade=grade,
                semester=semester,
            )
            for (code, grade, semester), o in wanted.items()
        ],
        ignore_conflicts=True,
    )
    return {(c.code, c.grade, c.semester): c for c in Course.objects.filter(school=school)}


def _ensure_offerings(
    terms: dict[tuple[int, int], Term],
    classes: dict[tuple[int, str], SchoolClass],
    courses: dict[CourseKey, Course],
    teachers: dict[str, Teacher],
    specs: list[OfferingSpec],
) -> dict[OfferingSpec, CourseOffering]:
    """Offerings have no unique constraint, so match them on (term, course, class) by hand."""

    def key_of(o: CourseOffering) -> tuple[int, int, int | None]:
        return (o.term_id, o.course_id, o.school_class_id)

    def spec_key(s: OfferingSpec) -> tuple[int, int, int]:
        return (
            terms[s.term].pk,
            courses[(s.code, s.grade, s.term[1])].pk,
            classes[(s.term[0], s.class_name)].pk,
        )

    scope = CourseOffering.objects.filter(term__in=terms.values())
    existing = {key_of(o) for o in scope}
    CourseOffering.objects.bulk_create(
        [
            CourseOffering(
                term=terms[s.term],
                course=courses[(s.code, s.grade, s.term[1])],
                school_class=classes[(s.term[0], s.class_name)],
                teacher=teachers[s.teacher],
            )
            for s in specs
            if spec_key(s) not in existing
        ]
    )
    by_key = {key_of(o): o for o in scope.order_by("pk")}
    return {s: by_key[spec_key(s)] for s in specs}


def load_demo_school(stdout: Writer | None = None) -> DemoSummary:
    """Create or complete the demo school and its demo logins; safe to run again.

    Writes in one transaction. Rows are matched on natural keys (school code, term, staff
    number, class name, student number, course code + grade + semester, …); models without a
    unique key (offerings by term + course + class; merits and cadre records per student) are
    only created where missing. Existing users keep their passwords. ``stdout`` gets progress
    lines. Returns the row counts and the demo logins.
    """

    def say(message: str) -> None:
        if stdout is not None:
            stdout.write(message + "\n")

    password_hash = make_password(DEMO_PASSWORD)  # once: hashing is slow by design
    with transaction.atomic():
        before = count_rows(School.objects.filter(code=SCHOOL_CODE).first())
        school, _ = School.objects.update_or_create(
            code=SCHOOL_CODE, defaults={"name": SCHOOL_NAME}
        )
        say(f"學校：{school}")
        terms = _ensure_terms(school)
        teachers = _ensure_teachers(school, password_hash)
        classes = _ensure_classes(school, teachers)
        specs = student_specs()
        students = _ensure_students(school, specs, password_hash)
        say(f"學生 {len(specs)} 位、班級 {len(classes)} 個、教師 {len(teachers)} 位")

        ClassMembership.objects.bulk_create(
            [
                ClassMembership(
                    student=students[s.student_number],
                    term=terms[term],
                    school_class=classes[(term[0], name)],
                    seat_number=s.seat_number,
                )
                for s in specs
                for term in TERMS
                if (name := s.class_in(term[0])) is not None
            ],
            ignore_conflicts=True,
        )

        offering_plan = offering_specs()
        courses = _ensure_courses(school, offering_plan)
        offerings = _ensure_offerings(terms, classes, courses, teachers, offering_plan)
        members: dict[tuple[int, str], list[StudentSpec]] = defaultdict(list)
        for s in specs:
            for year in {y for y, _ in TERMS}:
                if (name := s.class_in(year)) is not None:
                    members[(year, name)].append(s)
        CourseRecord.objects.bulk_create(
            [
                CourseRecord(
                    offering=offering,
                    student=students[s.student_number],
                    **course_record_values(s.student_number, o.term, o.subject, o.credits),
                )
                for o, offering in offerings.items()
                for s in members[(o.term[0], o.class_name)]
            ],
            ignore_conflicts=True,
            batch_size=1000,
        )
        say(f"開課 {len(offerings)} 門，修課紀錄已建立")

        AttendanceSummary.objects.bulk_create(
            [
                AttendanceSummary(
                    student=students[s.student_number],
                    term=terms[term],
                    **attendance_values(s.student_number, term),
                )
                for s in specs
                for term in TERMS
                if s.class_in(term[0]) is not None
            ],
            ignore_conflicts=True,
        )
        # Merits and cadre records have no natural key: only students with none get theirs.
        with_merits = set(
            MeritRecord.objects.filter(student__school=school).values_list(
                "student__student_number", flat=True
            )
        )
        MeritRecord.objects.bulk_create(
            [
                MeritRecord(
                    student=students[m.student_number],
                    term=terms[m.term],
                    date=m.date,
                    kind=m.kind,
                    count=m.count,
                    reason=m.reason,
                )
                for s in specs
                if s.student_number not in with_merits
                for m in merit_specs(s)
            ]
        )
        with_cadres = set(
            CadreRecord.objects.filter(student__school=school).values_list(
                "student__student_number", flat=True
            )
        )
        CadreRecord.objects.bulk_create(
            [
                CadreRecord(
                    student=students[c.student_number],
                    term=terms[c.term],
                    unit_name=c.unit_name,
                    position_title=c.position_title,
                    level=c.level,
                    start_date=c.start_date,
                    end_date=c.end_date,
                )
                for c in cadre_specs(specs)
                if c.student_number not in with_cadres
            ]
        )
        _ensure_role_logins(school, students[DEMO_STUDENT_NUMBER], teachers, password_hash)
        after = count_rows(school)
    say("示範帳號已就緒")
    return DemoSummary(
        school=school,
        counts=after,
        created={k: v - before.get(k, 0) for k, v in after.items()},
        logins=[(role, username, DEMO_PASSWORD) for role, username in DEMO_LOGINS],
    )


def _ensure_role_logins(
    school: School, demo_student: Student, teachers: dict[str, Teacher], password_hash: str
) -> None:
    """The demo logins that are not students or teachers, and the role assignments (RULES.md
    §1): consultant for 114, registrar (staff, with the schools app's model permissions),
    parent (mother of the demo student), central operator and superuser."""
    parent_name = person_name(seeded("parent", DEMO_STUDENT_NUMBER), "F")
    users = ensure_users(
        [
            {"username": "demo-registrar", "display_name": "註冊組示範帳號", "is_staff": True},
            {"username": "demo-parent", "display_name": parent_name},
            {"username": "demo-central", "display_name": "中央資料庫示範帳號"},
            {
                "username": "demo-admin",
                "display_name": "系統管理員示範帳號",
                "is_staff": True,
                "is_superuser": True,
            },
        ],
        password_hash,
    )
    consultant = teachers[next(t.staff_number for t in TEACHERS if t.username == "demo-consultant")]
    for user, role, role_school, school_year in (
        (consultant.user, Role.CONSULTATION_TEACHER, school, CURRENT_YEAR),
        (users["demo-registrar"], Role.REGISTRAR, school, None),
        (users["demo-central"], Role.CENTRAL_OPERATOR, None, None),
    ):
        RoleAssignment.objects.get_or_create(
            user=user, role=role, school=role_school, school_year=school_year
        )
    users["demo-registrar"].user_permissions.add(
        *Permission.objects.filter(content_type__app_label="schools")
    )
    Guardianship.objects.get_or_create(
        parent=users["demo-parent"],
        student=demo_student,
        ended_at=None,
        defaults={
            "relationship": Relationship.MOTHER,
            "approved_at": datetime.datetime(2023, 9, 1, 9, 0, tzinfo=TAIPEI),
        },
    )
