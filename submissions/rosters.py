"""What each roster (名冊) holds for a student: the rows as the central database receives them.

Field names follow the central-database exchange (RULES.md §2.1–2.5, S-CODE-EXCH [CODE]);
dates are ISO ``yyyy-mm-dd`` (Gregorian) in the package; ROC dates are a display concern.
Used by the pre-check, the snapshot and the package, so all three always agree.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from files.models import Blob
from portfolios.models import CourseOutcome, Performance, TickSlot
from schools.course_codes import decode_course_code
from schools.models import CadreRecord, CourseRecord, School, Student

from .models import Roster

UNIT_CODE = "000000000"  # 就讀單位代碼: one exporter sends nine zeros (RULES.md §2.1)


@dataclass
class StudentRows:
    """One student's rows of one roster, and the files they reference."""

    student: Student
    roster: str
    school_year: int
    semester: int
    records: list[dict[str, Any]] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)
    blobs: list[Blob] = field(default_factory=list)


def _file_entry(role: str, blob: Blob | None, name: str) -> dict[str, Any] | None:
    if blob is None:
        return None
    return {
        "role": role,
        "name": name,
        "sha256": blob.sha256,
        "md5": blob.md5,
        "size": blob.size,
        "content_type": blob.content_type,
    }


def _common(student: Student, school_year: int, semester: int) -> dict[str, Any]:
    """Fields common to every central-database record (RULES.md §2.1)."""
    return {
        "school_code": student.school.code,
        "unit_code": UNIT_CODE,
        "school_year": school_year,
        "semester": semester,
        "national_id": student.national_id,
        "date_of_birth": student.date_of_birth.isoformat(),
    }


def basic_rows(student: Student, school_year: int, semester: int) -> StudentRows:
    """基本資料 with the school-entered cadre records of the semester (RULES.md §2.2)."""
    rows = StudentRows(student, Roster.BASIC, school_year, semester)
    cadres = CadreRecord.objects.filter(
        student=student, term__school_year=school_year, term__semester=semester
    ).order_by("start_date")
    rows.records.append(
        {
            **_common(student, school_year, semester),
            "name": student.name,
            "cadre_records": [
                {
                    "unit_name": c.unit_name,
                    "position_title": c.position_title,
                    "cadre_level_code": c.level,
                    "start_date": c.start_date.isoformat(),
                    "end_date": c.end_date.isoformat() if c.end_date else "",
                }
                for c in cadres
            ],
        }
    )
    return rows


def course_record_rows(student: Student, school_year: int, semester: int) -> StudentRows:
    """修課紀錄 of the semester; category 8/9 rows are left out unless attribute D
    (RULES.md §2.3, §12 item 10)."""
    rows = StudentRows(student, Roster.COURSE_RECORDS, school_year, semester)
    records = (
        CourseRecord.objects.filter(
            student=student,
            offering__term__school_year=school_year,
            offering__term__semester=semester,
        )
        .select_related("offering__course")
        .order_by("offering__course__code")
    )
    for record in records:
        course = record.offering.course
        if not decode_course_code(course.code).is_submittable_as_graded_course:
            continue
        rows.records.append(
            {
                **_common(student, school_year, semester),
                "course_code": course.code,
                "subject_name": course.name,
                "grade_offered": course.grade,
                "credits": str(course.credits),
                "score": str(record.score) if record.score is not None else "",
                "passed": record.passed,
                "makeup_score": str(record.makeup_score)
                if record.makeup_score is not None
                else "-1",
                "makeup_passed": record.makeup_passed,
                "credits_earned": str(record.credits_earned)
                if record.credits_earned is not None
                else "",
                "remark": record.remark,
            }
        )
    return rows


def ticked_outcomes(student: Student, school_year: int) -> QuerySet[CourseOutcome]:
    return (
        CourseOutcome.objects.filter(student=student, school_year=school_year, tick__isnull=False)
        .select_related(
            "course_record__offering__course",
            "course_record__offering__term",
            "document_blob",
            "media_blob",
            "tick",
        )
        .order_by("tick__slot")
    )


def outcome_rows(student: Student, school_year: int) -> StudentRows:
    """課程學習成果 ticked for the year (RULES.md §2.4, §3); only certified ones are valid —
    the pre-check reports others. Semester 0: a yearly roster."""
    rows = StudentRows(student, Roster.OUTCOMES, school_year, 0)
    for outcome in ticked_outcomes(student, school_year):
        course = outcome.course_record.offering.course
        files = [
            f
            for f in (
                _file_entry("document", outcome.document_blob, outcome.document_name),
                _file_entry("media", outcome.media_blob, outcome.media_name),
            )
            if f
        ]
        rows.files.extend(files)
        rows.blobs.extend(b for b in (outcome.document_blob, outcome.media_blob) if b)
        rows.records.append(
            {
                **_common(student, school_year, 0),
                "item_code": str(outcome.code),
                "course_school_year": outcome.school_year,
                "course_semester": outcome.semester,
                "course_code": course.code,
                "subject_name": course.name,
                "credits": str(course.credits),
                "grade_offered": course.grade,
                "description": outcome.description,
                "certification_status": outcome.status,
                "document": files[0] if files and files[0]["role"] == "document" else None,
                "media": next((f for f in files if f["role"] == "media"), None),
                "created_at": outcome.created_at.isoformat(),
            }
        )
    return rows


def ticked_performances(student: Student, school_year: int) -> QuerySet[Performance]:
    return (
        Performance.objects.filter(student=student, school_year=school_year, tick__isnull=False)
        .select_related("document_blob", "media_blob", "tick")
        .order_by("tick__slot")
    )


def performance_rows(student: Student, school_year: int) -> StudentRows:
    """多元表現 ticked for the year, with each record type's fields (RULES.md §2.5)."""
    rows = StudentRows(student, Roster.PERFORMANCES, school_year, 0)
    for performance in ticked_performances(student, school_year):
        files = [
            f
            for f in (
                _file_entry("document", performance.document_blob, performance.document_name),
                _file_entry("media", performance.media_blob, performance.media_name),
            )
            if f
        ]
        rows.files.extend(files)
        rows.blobs.extend(b for b in (performance.document_blob, performance.media_blob) if b)
        rows.records.append(
            {
                **_common(student, school_year, 0),
                "item_code": str(performance.code),
                "record_type": performance.record_type,
                "title": performance.title,
                "details": performance.details,
                "description": performance.description,
                "external_link": performance.external_link,
                "document": next((f for f in files if f["role"] == "document"), None),
                "media": next((f for f in files if f["role"] == "media"), None),
                "created_at": performance.created_at.isoformat(),
            }
        )
    return rows


def rows_for(roster: str, student: Student, school_year: int, semester: int) -> StudentRows:
    """The student's rows of ``roster`` (semester ignored for yearly rosters)."""
    if roster == Roster.BASIC:
        return basic_rows(student, school_year, semester)
    if roster == Roster.COURSE_RECORDS:
        return course_record_rows(student, school_year, semester)
    if roster == Roster.OUTCOMES:
        return outcome_rows(student, school_year)
    if roster == Roster.PERFORMANCES:
        return performance_rows(student, school_year)
    raise ValueError(roster)


def students_in(school: School, school_year: int, semester: int) -> QuerySet[Student]:
    """Students of the school with a class in the term (for a yearly roster: either term)."""
    terms = {"memberships__term__school": school, "memberships__term__school_year": school_year}
    if semester:
        terms["memberships__term__semester"] = semester
    return (
        Student.objects.filter(**terms)
        .select_related("school")
        .distinct()
        .order_by("student_number")
    )


def tick_slots(students: Iterable[Student], school_year: int) -> QuerySet[TickSlot]:
    return TickSlot.objects.filter(student__in=list(students), school_year=school_year)
