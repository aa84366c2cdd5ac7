"""Reads for the portfolio cabinet (學習歷程檔案櫃), already narrowed to one student."""

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from accounts.roles import current_term
from files.models import Blob
from schools.models import (
    AttendanceSummary,
    CadreRecord,
    ClassMembership,
    CourseRecord,
    MeritRecord,
    Student,
    Term,
)

from .models import (
    ConsultationRecord,
    CourseOutcome,
    OutcomeStatus,
    Performance,
    RecordType,
    RuleSet,
    TickKind,
    TickSlot,
)
from .models.items import GROUP_OF_TYPE

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
    consultation_count: int
    outcome_count: int
    uncertified_count: int
    certified_count: int
    performance_count: int
    group_counts: dict[str, int]
    school_year: int | None
    outcome_ticks: int
    outcome_tick_cap: int
    performance_ticks: int
    performance_tick_cap: int
    storage_used_bytes: int
    storage_quota_bytes: int

    @property
    def cadre_total(self) -> int:
        """School-entered cadre records plus the student's own cadre performances."""
        return self.cadre_record_count + self.group_counts.get("cadre", 0)

    @property
    def storage_percent(self) -> int:
        if not self.storage_quota_bytes:
            return 0
        return min(100, round(100 * self.storage_used_bytes / self.storage_quota_bytes))


def _sum(model: type, field: str) -> Coalesce:
    sub = (
        model._default_manager.filter(student=OuterRef("pk"))  # type: ignore[attr-defined]
        .order_by()
        .values("student")
        .annotate(n=Sum(field))
        .values("n")
    )
    return Coalesce(Subquery(sub, output_field=IntegerField()), 0)


def _cabinet_counts(student_id: int, year: int | None) -> dict[str, int]:
    """Every count and byte sum of the cabinet in one SQL statement of scalar subqueries.

    Written as SQL on purpose: this page is the hot path on deadline nights (BENCHMARKS.md
    W2), and building the equivalent ORM query cost more CPU than running it. Table and
    column names come from the models' ``_meta``, so renames stay consistent.
    """
    from django.db import connection

    t = {
        model.__name__: connection.ops.quote_name(model._meta.db_table)
        for model in (
            CourseRecord,
            AttendanceSummary,
            MeritRecord,
            CadreRecord,
            ConsultationRecord,
            CourseOutcome,
            TickSlot,
            Performance,
        )
    }
    blob = connection.ops.quote_name(Blob._meta.db_table)

    def count(table: str, extra: str = "") -> str:
        return f"(SELECT COUNT(*) FROM {t[table]} WHERE student_id = %(s)s {extra})"  # noqa: S608 (identifiers from _meta, values bound)

    def size(table: str, column: str) -> str:
        return (
            f"(SELECT COALESCE(SUM(b.size), 0) FROM {t[table]} i JOIN {blob} b "  # noqa: S608
            f"ON b.id = i.{column} WHERE i.student_id = %(s)s)"
        )

    columns = {
        "n_course_records": count("CourseRecord"),
        "n_attendance": count("AttendanceSummary"),
        "n_merits": count("MeritRecord"),
        "n_cadre": count("CadreRecord"),
        "n_consultations": count("ConsultationRecord"),
        "n_outcomes": count("CourseOutcome"),
        "n_certified": count("CourseOutcome", "AND status = %(certified)s"),
        "n_outcome_ticks": count("TickSlot", "AND kind = %(outcome)s AND school_year = %(y)s"),
        "n_performance_ticks": count(
            "TickSlot", "AND kind = %(performance)s AND school_year = %(y)s"
        ),
        "bytes_outcome_doc": size("CourseOutcome", "document_blob_id"),
        "bytes_outcome_media": size("CourseOutcome", "media_blob_id"),
        "bytes_perf_doc": size("Performance", "document_blob_id"),
        "bytes_perf_media": size("Performance", "media_blob_id"),
        "bytes_consultation": size("ConsultationRecord", "attachment_blob_id"),
    }
    sql = "SELECT " + ", ".join(columns.values())
    params: dict[str, int | str] = {
        "s": student_id,
        "y": year if year is not None else -1,
        "certified": OutcomeStatus.CERTIFIED.value,
        "outcome": TickKind.OUTCOME.value,
        "performance": TickKind.PERFORMANCE.value,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return {name: int(value or 0) for name, value in zip(columns, row, strict=True)}


def get_cabinet_summary(student: Student) -> CabinetSummary:
    """Counts for the cabinet page in a fixed number of queries, whatever the number of items.

    Tick counts are for the current term's school year against that year's caps (RULES.md §3);
    "uncertified" counts outcomes not yet certified (draft, pending, returned).
    """
    term = current_term(student.school)
    year = term.school_year if term else None
    counted = _cabinet_counts(student.pk, year)
    by_type = dict(
        Performance.objects.filter(student=student)
        .order_by()
        .values_list("record_type")
        .annotate(n=Count("pk"))
    )
    group_counts: dict[str, int] = {}
    for record_type in RecordType.values:
        group = GROUP_OF_TYPE[record_type]
        group_counts[group] = group_counts.get(group, 0) + by_type.get(record_type, 0)
    membership = (
        ClassMembership.objects.select_related("school_class", "term")
        .filter(student=student, term__is_current=True)
        .first()
    )
    rules = RuleSet.for_year(year) if year else None
    used = sum(
        counted[key]
        for key in (
            "bytes_outcome_doc",
            "bytes_outcome_media",
            "bytes_perf_doc",
            "bytes_perf_media",
            "bytes_consultation",
        )
    )
    return CabinetSummary(
        student=student,
        membership=membership,
        course_record_count=counted["n_course_records"],
        attendance_term_count=counted["n_attendance"],
        merit_count=counted["n_merits"],
        cadre_record_count=counted["n_cadre"],
        consultation_count=counted["n_consultations"],
        outcome_count=counted["n_outcomes"],
        uncertified_count=counted["n_outcomes"] - counted["n_certified"],
        certified_count=counted["n_certified"],
        performance_count=sum(by_type.values()),
        group_counts=group_counts,
        school_year=year,
        outcome_ticks=counted["n_outcome_ticks"],
        outcome_tick_cap=rules.outcome_tick_cap if rules else 0,
        performance_ticks=counted["n_performance_ticks"],
        performance_tick_cap=rules.performance_tick_cap if rules else 0,
        storage_used_bytes=used,
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


def current_term_of(student: Student) -> Term | None:
    return current_term(student.school)


def list_outcomes(student: Student) -> QuerySet[CourseOutcome]:
    """The student's outcomes, newest term first, with course, files and tick."""
    return (
        CourseOutcome.objects.filter(student=student)
        .select_related(
            "course_record__offering__course",
            "course_record__offering__term",
            "document_blob",
            "media_blob",
            "tick",
        )
        .order_by("-school_year", "-semester", "-created_at")
    )


def list_performances(student: Student) -> QuerySet[Performance]:
    return (
        Performance.objects.filter(student=student)
        .select_related("term", "document_blob", "media_blob", "tick")
        .order_by("-school_year", "-created_at")
    )


def outcome_status_by_record(student: Student) -> dict[int, list[CourseOutcome]]:
    """Course record id → its outcomes, for the course-record table's 學習成果 column."""
    result: dict[int, list[CourseOutcome]] = {}
    for outcome in CourseOutcome.objects.filter(student=student).only(
        "code", "status", "course_record_id"
    ):
        result.setdefault(outcome.course_record_id, []).append(outcome)
    return result


def item_years(student: Student) -> list[int]:
    """School years in which the student has outcomes or performances, newest first; the
    current school year is always included."""
    years = set(CourseOutcome.objects.filter(student=student).values_list("school_year", flat=True))
    years |= set(Performance.objects.filter(student=student).values_list("school_year", flat=True))
    term = current_term(student.school)
    if term:
        years.add(term.school_year)
    return sorted(years, reverse=True)


@dataclass(frozen=True)
class TickBoard:
    """One school year's tick page: certified outcomes and performances with their ticks."""

    school_year: int
    outcomes: list[CourseOutcome]
    performances: list[Performance]
    outcome_ticks: int
    outcome_cap: int
    performance_ticks: int
    performance_cap: int
    other_outcomes: int  # outcomes of the year not (yet) certified, so not tickable


def tick_board(student: Student, school_year: int) -> TickBoard:
    rules = RuleSet.for_year(school_year)
    outcomes = list(
        list_outcomes(student).filter(school_year=school_year, status=OutcomeStatus.CERTIFIED)
    )
    other = (
        CourseOutcome.objects.filter(student=student, school_year=school_year)
        .exclude(status=OutcomeStatus.CERTIFIED)
        .count()
    )
    performances = list(list_performances(student).filter(school_year=school_year))
    slots = TickSlot.objects.filter(student=student, school_year=school_year)
    return TickBoard(
        school_year=school_year,
        outcomes=outcomes,
        performances=performances,
        outcome_ticks=slots.filter(kind=TickKind.OUTCOME).count(),
        outcome_cap=rules.outcome_tick_cap,
        performance_ticks=slots.filter(kind=TickKind.PERFORMANCE).count(),
        performance_cap=rules.performance_tick_cap,
        other_outcomes=other,
    )


def list_consultations(student: Student) -> QuerySet[ConsultationRecord]:
    return (
        ConsultationRecord.objects.filter(student=student)
        .select_related("teacher", "term", "attachment_blob")
        .order_by("-date")
    )


@dataclass(frozen=True)
class StoredFileRow:
    """One file a student stored, with the item it belongs to (for the file list)."""

    kind: str  # outcome | performance | consultation
    slot: str  # document | media | attachment
    item_code: object
    item_title: str
    name: str
    size: int
    content_type: str
    sha256: str
    uploaded_at: object


def list_student_files(student: Student) -> list[StoredFileRow]:
    """Every file on the student's items, newest first: what uses their storage quota
    (RULES.md §10). Three queries, whatever the number of items."""
    rows: list[StoredFileRow] = []
    for outcome in list_outcomes(student):
        title = outcome.course_record.offering.course.name
        for slot in ("document", "media"):
            blob = getattr(outcome, f"{slot}_blob")
            if blob is not None:
                rows.append(
                    StoredFileRow(
                        "outcome",
                        slot,
                        outcome.code,
                        title,
                        getattr(outcome, f"{slot}_name"),
                        blob.size,
                        blob.content_type,
                        blob.sha256,
                        outcome.updated_at,
                    )
                )
    for performance in list_performances(student):
        for slot in ("document", "media"):
            blob = getattr(performance, f"{slot}_blob")
            if blob is not None:
                rows.append(
                    StoredFileRow(
                        "performance",
                        slot,
                        performance.code,
                        performance.title,
                        getattr(performance, f"{slot}_name"),
                        blob.size,
                        blob.content_type,
                        blob.sha256,
                        performance.updated_at,
                    )
                )
    for record in list_consultations(student).filter(attachment_blob__isnull=False):
        blob = record.attachment_blob
        assert blob is not None
        rows.append(
            StoredFileRow(
                "consultation",
                "attachment",
                record.code,
                record.get_kind_display(),
                record.attachment_name,
                blob.size,
                blob.content_type,
                blob.sha256,
                record.created_at,
            )
        )
    rows.sort(key=lambda row: row.uploaded_at, reverse=True)  # type: ignore[arg-type,return-value]
    return rows
