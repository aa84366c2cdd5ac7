"""Builders and fixtures for the exchange tests (school side → central side).

Real data through the ORM: a school, a student with a certified, ticked course outcome whose
PDF went through ``files.ingest.check_and_store``, a submission with its snapshots, and the
central side's registration of the school. Storage roots live under each test's tmp_path.
"""

from __future__ import annotations

import datetime
import io
import itertools
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.core.files import File

from accounts.models import User
from central.actions import register_school
from files.ingest import blob_for, check_and_store
from files.rules import DOCUMENT_RULE
from files.tests import samples
from portfolios.models import CourseOutcome, OutcomeStatus, TickKind, TickSlot
from schools.identity import with_check_digit
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
from submissions.models import Roster, Submission
from submissions.package import snapshot_submission

YEAR = 114
SCHOOL_CODE = "389301"
TOKEN = "test-central-token"  # config/settings/test.py LICHENG_CENTRAL_TOKEN
_serial = itertools.count(1)


@dataclass
class Exchange:
    """One school with students who each have one certified, ticked outcome."""

    school: School
    term: Term
    school_class: SchoolClass
    offering: CourseOffering
    registrar: User
    students: list[Student] = field(default_factory=list)
    outcomes: list[CourseOutcome] = field(default_factory=list)

    def add_student(self, *, pdf_text: str = "") -> Student:
        n = next(_serial)
        student = Student.objects.create(
            school=self.school,
            user=User.objects.create_user(username=f"xs{n}", password="pw-不重要-123"),
            student_number=f"{YEAR}{n:04d}",
            name=f"學生{n}",
            national_id=with_check_digit(f"A1{n:07d}"),
            date_of_birth=datetime.date(2009, 1, 1),
            entry_year=YEAR,
        )
        ClassMembership.objects.create(
            student=student, term=self.term, school_class=self.school_class, seat_number=n
        )
        self.students.append(student)
        self.outcomes.append(self.add_outcome(student, pdf_text=pdf_text or f"outcome {n}"))
        return student

    def add_outcome(self, student: Student, *, pdf_text: str) -> CourseOutcome:
        stored = check_and_store(
            File(io.BytesIO(samples.pdf(text=pdf_text)), name="成果.pdf"), rule=DOCUMENT_RULE
        )
        record, _created = CourseRecord.objects.get_or_create(
            offering=self.offering, student=student
        )
        outcome = CourseOutcome.objects.create(
            student=student,
            course_record=record,
            school_year=YEAR,
            semester=1,
            description="專題實作成果",
            status=OutcomeStatus.CERTIFIED,
            document_blob=blob_for(stored),
            document_name="成果.pdf",
        )
        slot = TickSlot.objects.filter(student=student, school_year=YEAR).count() + 1
        TickSlot.objects.create(
            student=student,
            school_year=YEAR,
            kind=TickKind.OUTCOME,
            slot=slot,
            outcome=outcome,
            semester=1,
        )
        return outcome

    def submit(
        self,
        rosters: list[str] | None = None,
        *,
        semester: int = 0,
        version: int = 1,
        students: list[Student] | None = None,
    ) -> Submission:
        """A Submission with its snapshots (what the UI's submit action does)."""
        rosters = rosters or [Roster.OUTCOMES.value]
        submission = Submission.objects.create(
            school=self.school,
            school_year=YEAR,
            semester=semester,
            rosters=rosters,
            version=version,
            created_by=self.registrar,
        )
        snapshot_submission(submission, students or self.students, rosters)
        return submission


@pytest.fixture(name="stores")
def stores_fixture(settings: Any, tmp_path: Path) -> Path:
    """Fresh MEDIA_ROOT, school blob store and central store under tmp_path."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FILE_UPLOAD_TEMP_DIR = None
    settings.STORAGES = {
        **settings.STORAGES,
        "blobs": {
            "BACKEND": "files.storage.DurableFileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media" / "blobs")},
        },
        "central_blobs": {
            "BACKEND": "files.storage.DurableFileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media" / "central")},
        },
    }
    return tmp_path


@pytest.fixture(name="exchange")
def exchange_fixture(db: Any, stores: Path) -> Exchange:
    """The school 389301 (registered with the central side) with two students."""
    school = School.objects.create(code=SCHOOL_CODE, name="歷程高中")
    term = Term.objects.create(
        school=school,
        school_year=YEAR,
        semester=1,
        start_date=datetime.date(2025, 8, 1),
        end_date=datetime.date(2026, 1, 31),
        is_current=True,
    )
    teacher = Teacher.objects.create(
        school=school,
        user=User.objects.create_user(username="xt", password="pw-不重要-123"),
        staff_number="T0001",
        name="王老師",
    )
    school_class = SchoolClass.objects.create(
        school=school, school_year=YEAR, grade=1, name="一年甲班", homeroom_teacher=teacher
    )
    course = Course.objects.create(
        school=school, code="1" * 23, name="數學", credits=2, grade=1, semester=1
    )
    offering = CourseOffering.objects.create(
        term=term, course=course, teacher=teacher, school_class=school_class
    )
    registrar = User.objects.create_user(username="xregistrar", password="pw-不重要-123")
    world = Exchange(school, term, school_class, offering, registrar)
    world.add_student()
    world.add_student()
    register_school(code=SCHOOL_CODE, name="歷程高中", token=TOKEN)
    return world


def rewrite_zip(
    source: Path,
    target: Path,
    *,
    change: dict[str, bytes] | None = None,
    add: dict[str, bytes] | None = None,
    drop: set[str] | None = None,
) -> Path:
    """A copy of a package ZIP with parts changed, added or dropped (manifest untouched)."""
    change, add, drop = change or {}, add or {}, drop or set()
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as dst:
        for info in src.infolist():
            if info.filename in drop:
                continue
            data = change.get(info.filename, src.read(info.filename))
            dst.writestr(info, data)
        for name, data in add.items():
            dst.writestr(name, data)
    return target
