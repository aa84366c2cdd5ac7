"""Reads for the portfolio cabinet (學習歷程檔案櫃), already narrowed to one student."""

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from schools.models import (
    AttendanceSummary,
    CadreRecord,
    ClassMembership,
    CourseRecord,
    MeritRecord,
    Student,
)

COURSE_RECORDS_PER_PAGE = 10


def _count(model: type, **filters: object) -> Coalesce:
    """A correlated ``COUNT(*)`` subquery over ``model`` rows of the outer student."""
    sub = (
        model._default_manager.filter(student=OuterRef("pk"), **filters)  # type: ignore[attr-defined]
        .order_by()
        .values("student")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(sub, output_field=IntegerField()), 0)


@dataclass(frozen=True)
class CabinetSummary:
    """The counts on the cabinet's cards. Sizes in bytes; 1 MB = 10^6 bytes (docs/units.md)."""

    student: Student
    membership: ClassMembership | None
    course_record_count: int
    attendance_term_count: int
    merit_count: int
    cadre_record_count: int
    storage_used_bytes: int
    storage_quota_bytes: int

    @property
    def storage_used_mb(self) -> float:
        return self.storage_used_bytes / 1_000_000

    @property
    def storage_quota_mb(self) -> float:
        return self.storage_quota_bytes / 1_000_000

    @property
    def storage_percent(self) -> int:
        if not self.storage_quota_bytes:
            return 0
        return min(100, round(100 * self.storage_used_bytes / self.storage_quota_bytes))


def get_cabinet_summary(student: Student) -> CabinetSummary:
    """Counts for the cabinet page in two queries, whatever the number of records.

    Portfolio files (and so storage used) arrive with the portfolio-items issue; until then a
    student has no stored files and uses 0 bytes.
    """
    counted = (
        Student.objects.filter(pk=student.pk)
        .annotate(
            n_course_records=_count(CourseRecord),
            n_attendance=_count(AttendanceSummary),
            n_merits=_count(MeritRecord),
            n_cadre=_count(CadreRecord),
        )
        .values("n_course_records", "n_attendance", "n_merits", "n_cadre")
        .get()
    )
    membership = (
        ClassMembership.objects.select_related("school_class", "term")
        .filter(student=student, term__is_current=True)
        .first()
    )
    return CabinetSummary(
        student=student,
        membership=membership,
        course_record_count=counted["n_course_records"],
        attendance_term_count=counted["n_attendance"],
        merit_count=counted["n_merits"],
        cadre_record_count=counted["n_cadre"],
        storage_used_bytes=0,
        storage_quota_bytes=student.school.storage_quota_bytes,
    )


def list_course_records(
    student: Student, *, school_year: int | None = None, semester: int | None = None
) -> QuerySet[CourseRecord]:
    """The student's course records (修課紀錄), newest term first, then by course code."""
    records = CourseRecord.objects.filter(student=student).select_related(
        "offering__term", "offering__course"
    )
    if school_year is not None:
        records = records.filter(offering__term__school_year=school_year)
    if semester is not None:
        records = records.filter(offering__term__semester=semester)
    return records.order_by(
        "-offering__term__school_year", "-offering__term__semester", "offering__course__code"
    )


def course_record_years(student: Student) -> list[int]:
    """The 學年度 values the student has course records in, newest first (for the filter)."""
    return list(
        CourseRecord.objects.filter(student=student)
        .values_list("offering__term__school_year", flat=True)
        .distinct()
        .order_by("-offering__term__school_year")
    )


def paginate(records: QuerySet[CourseRecord], page_number: str | None) -> Page:
    return Paginator(records, COURSE_RECORDS_PER_PAGE).get_page(page_number)


def list_attendance(student: Student) -> QuerySet[AttendanceSummary]:
    return (
        AttendanceSummary.objects.filter(student=student)
        .select_related("term")
        .order_by("-term__school_year", "-term__semester")
    )


def list_merits(student: Student) -> QuerySet[MeritRecord]:
    return MeritRecord.objects.filter(student=student).select_related("term").order_by("-date")


def list_cadre_records(student: Student) -> QuerySet[CadreRecord]:
    return (
        CadreRecord.objects.filter(student=student).select_related("term").order_by("-start_date")
    )
