"""A small school whose data passes the pre-check, for pre-check, submit and receipt tests.

Term 114-1 (current, already ended on 2026-01-20 so missing scores are errors); two students
with valid IDs, one course record each in two courses with valid 23-character codes, a cadre
record, one ticked certified outcome and one ticked performance per student with real stored
files. Tests break one thing at a time and assert the exact message.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile

from accounts.models import Role, RoleAssignment, User
from files.models import Blob
from files.storage import blob_storage
from portfolios.models import (
    CourseOutcome,
    OutcomeStatus,
    Performance,
    RecordType,
    TickKind,
    TickSlot,
)
from schools.identity import with_check_digit
from schools.models import (
    CadreRecord,
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

YEAR = 114
SCHOOL_CODE = "389301"
_serial = itertools.count(1)


if TYPE_CHECKING:
    from submissions.models import CheckPeriod, Submission


def course_code(category: str = "1", attribute: str = "B", subject: str = "01") -> str:
    """A valid 23-character course code (RULES.md §2.3.1) of the test school."""
    code = f"{YEAR}{SCHOOL_CODE}H000000{category}1{attribute}00{subject}"
    assert len(code) == 23
    return code


def make_user(prefix: str) -> User:
    return User.objects.create_user(username=f"{prefix}{next(_serial)}", password="pw-123-測試")


def stored_blob(content: bytes, content_type: str = "application/pdf") -> Blob:
    """A blob whose bytes are really in the blob storage."""
    sha = hashlib.sha256(content).hexdigest()
    blob, _created = Blob.objects.get_or_create(
        sha256=sha,
        defaults={
            "md5": hashlib.md5(content).hexdigest(),  # noqa: S324 (exchange format's MD5)
            "size": len(content),
            "content_type": content_type,
        },
    )
    storage = blob_storage()
    if not storage.exists(blob.storage_name):
        storage.save(blob.storage_name, ContentFile(content))
    return blob


def missing_blob(size: int = 1234) -> Blob:
    """A blob row whose bytes were never stored."""
    sha = hashlib.sha256(f"missing{next(_serial)}".encode()).hexdigest()
    return Blob.objects.create(sha256=sha, md5=sha[:32], size=size, content_type="application/pdf")


@dataclass
class World:
    school: School
    term: Term
    school_class: SchoolClass
    teacher: Teacher
    math: CourseOffering
    chinese: CourseOffering
    registrar: User
    students: list[Student] = field(default_factory=list)

    def outcome_of(self, student: Student) -> CourseOutcome:
        return CourseOutcome.objects.get(student=student)

    def performance_of(self, student: Student) -> Performance:
        return Performance.objects.get(student=student)

    def record_of(self, student: Student, offering: CourseOffering) -> CourseRecord:
        return CourseRecord.objects.get(student=student, offering=offering)

    def add_offering(self, name: str, code: str) -> CourseOffering:
        course = Course.objects.create(
            school=self.school, code=code, name=name, credits=Decimal(2), grade=1, semester=1
        )
        return CourseOffering.objects.create(
            term=self.term, course=course, teacher=self.teacher, school_class=self.school_class
        )

    def add_outcome(
        self, student: Student, *, status: str = OutcomeStatus.CERTIFIED, tick: bool = True
    ) -> CourseOutcome:
        n = next(_serial)
        outcome = CourseOutcome.objects.create(
            student=student,
            course_record=self.record_of(student, self.math),
            school_year=YEAR,
            semester=1,
            description=f"數學小論文{n}",
            status=status,
            document_blob=stored_blob(f"%PDF-1.4 outcome {n}".encode()),
            document_name=f"成果{n}.pdf",
        )
        if tick:
            slot = TickSlot.objects.filter(student=student, kind=TickKind.OUTCOME).count() + 1
            TickSlot.objects.create(
                student=student,
                school_year=YEAR,
                kind=TickKind.OUTCOME,
                slot=slot,
                outcome=outcome,
                semester=1,
            )
        return outcome

    def add_performance(self, student: Student) -> Performance:
        n = next(_serial)
        performance = Performance.objects.create(
            student=student,
            record_type=RecordType.OTHER,
            school_year=YEAR,
            term=self.term,
            title=f"科展志工{n}",
            details={},
            description="擔任校內科展志工，協助布置與導覽。",
            document_blob=stored_blob(f"%PDF-1.4 performance {n}".encode()),
            document_name=f"證明{n}.pdf",
        )
        slot = TickSlot.objects.filter(student=student, kind=TickKind.PERFORMANCE).count() + 1
        TickSlot.objects.create(
            student=student,
            school_year=YEAR,
            kind=TickKind.PERFORMANCE,
            slot=slot,
            performance=performance,
        )
        return performance

    def add_student(self, name: str) -> Student:
        n = next(_serial)
        student = Student.objects.create(
            school=self.school,
            user=make_user("s"),
            student_number=f"{YEAR}{n:04d}",
            name=name,
            national_id=with_check_digit(f"A1{n:07d}"),
            date_of_birth=datetime.date(2009, 3, 4),
            entry_year=YEAR,
        )
        ClassMembership.objects.create(
            student=student,
            term=self.term,
            school_class=self.school_class,
            seat_number=len(self.students) + 1,
        )
        for offering, score in ((self.math, "88.5"), (self.chinese, "91.0")):
            CourseRecord.objects.create(
                offering=offering,
                student=student,
                score=Decimal(score),
                passed=True,
                credits_earned=Decimal(2),
            )
        CadreRecord.objects.create(
            student=student,
            term=self.term,
            unit_name="學生會",
            position_title="會長",
            level="1",
            start_date=datetime.date(2025, 9, 1),
            end_date=datetime.date(2026, 1, 15),
        )
        self.add_outcome(student)
        self.add_performance(student)
        self.students.append(student)
        return student


def build_world() -> World:
    school = School.objects.create(code=SCHOOL_CODE, name="歷程高中")
    term = Term.objects.create(
        school=school,
        school_year=YEAR,
        semester=1,
        start_date=datetime.date(2025, 8, 1),
        end_date=datetime.date(2026, 1, 20),
        is_current=True,
    )
    teacher = Teacher.objects.create(
        school=school, user=make_user("t"), staff_number="T0001", name="王老師"
    )
    school_class = SchoolClass.objects.create(
        school=school, school_year=YEAR, grade=1, name="一年甲班", homeroom_teacher=teacher
    )
    registrar = make_user("registrar")
    RoleAssignment.objects.create(
        user=registrar, role=Role.REGISTRAR, school=school, school_year=YEAR
    )
    world = World(school, term, school_class, teacher, None, None, registrar)  # type: ignore[arg-type]
    world.math = world.add_offering("數學", course_code(subject="01"))
    world.chinese = world.add_offering("國語文", course_code(subject="02"))
    world.add_student("王小明")
    world.add_student("李小華")
    return world


def submit_accepted(w: World, capture, rosters: list[str] | None = None, **kwargs) -> Submission:  # type: ignore[no-untyped-def]
    """Submit ``rosters`` of 114 (semester 1, or 0 for yearly rosters) with the on-commit
    build and in-process delivery run (``capture`` is django_capture_on_commit_callbacks);
    asserts the central database accepted it."""
    from submissions.actions import submit_rosters
    from submissions.models import SubmissionStatus

    rosters = rosters or ["basic", "course_records"]
    semester = 0 if set(rosters) <= {"outcomes", "performances"} else 1
    with capture(execute=True):
        submission = submit_rosters(
            actor=w.registrar, school=w.school, school_year=114, semester=semester,
            rosters=rosters, **kwargs,
        )  # fmt: skip
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.ACCEPTED, submission.error
    return submission


def open_period(submission: Submission, w: World, days: int = 3) -> CheckPeriod:
    """A receipt check period that started an hour ago and runs ``days`` days from now."""
    from django.utils import timezone

    from submissions.models import CheckPeriod

    now = timezone.now()
    return CheckPeriod.objects.create(
        submission=submission,
        opens_at=now - datetime.timedelta(hours=1),
        closes_at=now + datetime.timedelta(days=days),
        created_by=w.registrar,
    )
