"""Reads for submission pages, already narrowed by the caller's permission check.

RULES.md §5 (status, receipts, disputes and their lines), §3 (check periods), §8.3 (IDs are
shown masked).
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from schools.models import School, Student

from .central_client import CentralClient, CentralError
from .lines import (
    Line,
    LineChange,
    cadre_id,
    compare,
    lines_by_student,
    personal_id,
    record_id,
    snapshot_lines,
)
from .models import (
    CheckPeriod,
    ConfirmationStatus,
    ReceiptConfirmation,
    Roster,
    Submission,
    SubmissionStatus,
    term_label,
)

logger = logging.getLogger(__name__)

ACTIVE_STATUSES = {SubmissionStatus.BUILDING, SubmissionStatus.BUILT, SubmissionStatus.DELIVERING}


def list_submissions(school: School) -> QuerySet[Submission]:
    """The school's submissions, newest first, each annotated with ``n_disputed`` (open
    disputes) and ``n_confirmed`` (students who marked 正確)."""
    return (
        Submission.objects.filter(school=school)
        .select_related("created_by")
        .annotate(
            n_disputed=Count(
                "confirmations", filter=Q(confirmations__status=ConfirmationStatus.DISPUTED)
            ),
            n_confirmed=Count(
                "confirmations", filter=Q(confirmations__status=ConfirmationStatus.CORRECT)
            ),
        )
        .order_by("-created_at")
    )


def any_active(submissions: list[Submission]) -> bool:
    """Whether any submission is still being built or delivered (the page keeps polling)."""
    return any(s.status in ACTIVE_STATUSES for s in submissions)


@dataclass
class ReceiptSummary:
    students: int = 0
    rows: int = 0
    records: int = 0
    files: int = 0
    received_at: str = ""


def receipt_summary(submission: Submission) -> ReceiptSummary | None:
    """Counts from the receipt (收訖明細): distinct students, roster rows, records, files."""
    receipt = submission.receipt or {}
    rows = receipt.get("students") or []
    if not receipt:
        return None
    return ReceiptSummary(
        students=len({r.get("national_id") for r in rows}),
        rows=len(rows),
        records=sum(int(r.get("record_count", 0)) for r in rows),
        files=sum(int(r.get("file_count", 0)) for r in rows),
        received_at=str(receipt.get("received_at", "")),
    )


def list_confirmations(submission: Submission) -> QuerySet[ReceiptConfirmation]:
    """Every answer to the submission's receipt, disputes first, then by student number."""
    return (
        submission.confirmations.select_related("student", "resolved_by_submission")
        .annotate(
            rank=Case(
                When(status=ConfirmationStatus.DISPUTED, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("rank", "student__student_number")
    )


# ---------------------------------------------------------------------------------------------
# The student's side of the receipt check


@dataclass
class StudentReceipt:
    """One submission that carried the student, with its check periods and their answer."""

    submission: Submission
    periods: list[CheckPeriod]
    open_period: CheckPeriod | None
    confirmation: ReceiptConfirmation | None

    @property
    def can_answer(self) -> bool:
        return self.open_period is not None and (
            self.confirmation is None or self.confirmation.status != ConfirmationStatus.RESOLVED
        )


def _receipt_for(
    submission: Submission, student: Student, now: datetime.datetime
) -> StudentReceipt:
    periods = sorted(submission.check_periods.all(), key=lambda p: p.opens_at)
    open_period = next((p for p in periods if p.opens_at <= now < p.closes_at), None)
    mine = [c for c in submission.confirmations.all() if c.student_id == student.pk]
    return StudentReceipt(submission, periods, open_period, mine[0] if mine else None)


def list_student_receipts(student: Student) -> list[StudentReceipt]:
    """Accepted submissions that carried the student and have a check period, newest first."""
    now = timezone.now()
    submissions = (
        Submission.objects.filter(
            snapshots__student=student,
            status=SubmissionStatus.ACCEPTED,
            check_periods__isnull=False,
        )
        .distinct()
        .select_related("school")
        .prefetch_related(
            "check_periods",
            Prefetch(
                "confirmations",
                queryset=ReceiptConfirmation.objects.filter(student=student),
            ),
        )
        .order_by("-created_at")
    )
    return [_receipt_for(s, student, now) for s in submissions]


def get_student_receipt(submission: Submission, student: Student) -> StudentReceipt:
    return _receipt_for(
        Submission.objects.prefetch_related(
            "check_periods",
            Prefetch("confirmations", queryset=ReceiptConfirmation.objects.filter(student=student)),
        ).get(pk=submission.pk),
        student,
        timezone.now(),
    )


@dataclass
class CentralRoster:
    """What the central database holds for one roster, year and semester (current version)."""

    roster: str
    school_year: int
    semester: int
    version: int
    received_at: datetime.datetime | None
    records: list[dict[str, Any]] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)

    @property
    def roster_label(self) -> str:
        try:
            return str(Roster(self.roster).label)
        except ValueError:
            return self.roster

    @property
    def term_label(self) -> str:
        return term_label(self.school_year, self.semester)


def fetch_central_records(
    student: Student, submission: Submission | None = None
) -> tuple[list[CentralRoster], str]:
    """What the central database now holds for the student (``CentralClient``), as
    (rosters, error message). With ``submission``: only its rosters, year and semester
    (yearly rosters: semester 0). The national ID inside the rows is never shown."""
    try:
        raw = CentralClient().fetch_student_records(student.school.code, student.national_id)
    except CentralError:
        logger.exception("central records unavailable for student %s", student.code)
        return [], _("目前無法連線到中央資料庫，請稍後再試。")
    result = []
    for item in raw:
        if submission is not None and (
            item.get("roster") not in submission.rosters
            or item.get("school_year") != submission.school_year
            or item.get("semester") not in (submission.semester, 0)
        ):
            continue
        received = parse_datetime(str(item.get("received_at") or ""))
        result.append(
            CentralRoster(
                roster=str(item.get("roster", "")),
                school_year=int(item.get("school_year", 0)),
                semester=int(item.get("semester", 0)),
                version=int(item.get("version", 0)),
                received_at=received,
                records=list(item.get("records") or []),
                files=list(item.get("files") or []),
            )
        )
    return result, ""


# ---------------------------------------------------------------------------------------------
# Disputed lines (RULES.md §3, §5 step 4)


@dataclass
class LineState:
    """What the receipt page shows next to one line of the central record: its ``id``,
    whether the student may tick it (``can_pick``: this submission carried it), whether it is
    ticked (``checked``), whether the student disputed it in the version this one corrects
    (``disputed``) and how the correction changed it (``change``: ``changed``, ``added`` or
    ``""``)."""

    id: str
    can_pick: bool = False
    checked: bool = False
    disputed: bool = False
    change: str = ""


def annotate_lines(
    central: list[CentralRoster],
    pickable: set[str],
    picked: set[str],
    changes: dict[str, LineChange] | None = None,
) -> None:
    """Attach a ``LineState`` as ``"line"`` to every row of ``central`` (and to every cadre
    record inside a basic row) so the template can render the per-line checkbox and marks."""
    changes = changes or {}

    def state(line_id: str) -> LineState:
        change = changes.get(line_id)
        return LineState(
            id=line_id,
            can_pick=line_id in pickable,
            checked=line_id in picked,
            disputed=bool(change and change.disputed),
            change=change.change if change else "",
        )

    for roster in central:
        for record in roster.records:
            if roster.roster == Roster.BASIC:
                record["line"] = state(personal_id(roster.school_year, roster.semester))
                for cadre in record.get("cadre_records") or []:
                    cadre["line"] = state(cadre_id(roster.school_year, roster.semester, cadre))
            else:
                record["line"] = state(
                    record_id(roster.roster, roster.school_year, roster.semester, record)
                )


@dataclass
class Correction:
    """The student's dispute of an earlier version that this submission corrected: the
    earlier ``confirmation`` and every line of both versions with how it changed
    (``changes``, by line id); ``shown`` lists the disputed or changed ones for the page."""

    confirmation: ReceiptConfirmation
    changes: dict[str, LineChange]

    @property
    def shown(self) -> list[LineChange]:
        disputed = [c for c in self.changes.values() if c.disputed]
        others = [c for c in self.changes.values() if c.change and not c.disputed]
        return disputed + others


def correction_for(submission: Submission, student: Student) -> Correction | None:
    """The student's dispute resolved by ``submission`` (a resubmission), compared line by
    line with the disputed version's snapshots; None when this submission corrects nothing
    the student disputed."""
    confirmation = (
        ReceiptConfirmation.objects.filter(resolved_by_submission=submission, student=student)
        .select_related("submission")
        .first()
    )
    if confirmation is None:
        return None
    before = snapshot_lines(confirmation.submission, student)
    after = snapshot_lines(submission, student)
    return Correction(confirmation, compare(before, after, confirmation.disputed_lines))


def disputed_line_summaries(
    submission: Submission, confirmations: list[ReceiptConfirmation]
) -> dict[int, list[Line | str]]:
    """For each confirmation with disputed lines: the lines as the submission carried them
    (roster and main fields), by confirmation pk; an id the snapshots no longer explain is
    kept as the raw string."""
    wanted = [c for c in confirmations if c.disputed_lines]
    by_student = lines_by_student(submission, {c.student_id for c in wanted})
    result: dict[int, list[Line | str]] = {}
    for c in wanted:
        known = by_student.get(c.student_id, {})
        result[c.pk] = [known.get(line_id, line_id) for line_id in c.disputed_lines]
    return result


def line_fix_url(student: Student, line: Line | str) -> str:
    """Where staff correct one disputed line (RULES.md §5 step 4): the admin form of the very
    course record, cadre record or student; the student's cabinet for outcomes and
    performances (items the student keeps). Falls back to the student's course records in the
    admin when the row cannot be found any more."""
    from django.urls import reverse

    from schools.models import CadreRecord, CourseRecord

    line_id = line.id if isinstance(line, Line) else str(line)
    roster, _sep, rest = line_id.partition(":")
    term, _sep, key = rest.partition(":")
    year, _sep, semester = term.partition("-")
    found: object | None = None
    if roster == Roster.COURSE_RECORDS and year.isdigit() and semester.isdigit():
        found = CourseRecord.objects.filter(
            student=student,
            offering__term__school_year=int(year),
            offering__term__semester=int(semester),
            offering__course__code=key,
        ).first()
    elif roster == Roster.BASIC and key == "personal":
        found = student
    elif roster == Roster.BASIC and key.startswith("cadre:"):
        start, _sep, more = key.removeprefix("cadre:").partition("|")
        unit, _sep, title = more.partition("|")
        try:
            start_date = datetime.date.fromisoformat(start)
        except ValueError:
            start_date = None
        if start_date is not None:
            found = CadreRecord.objects.filter(
                student=student, start_date=start_date, unit_name=unit, position_title=title
            ).first()
    elif roster in (Roster.OUTCOMES, Roster.PERFORMANCES):
        return reverse("portfolios:student_cabinet", args=[student.code])
    if found is not None:
        meta = found._meta  # type: ignore[attr-defined]
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[found.pk])  # type: ignore[attr-defined]
    changelist = reverse("admin:schools_courserecord_changelist")
    return f"{changelist}?q={student.student_number}"
