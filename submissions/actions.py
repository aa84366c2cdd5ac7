"""Use cases of the school side's submission to the central database (RULES.md §3, §5).

Each action checks permission, writes in one transaction, records an audit row and returns the
result (STYLE.md). Refusals raise ``PermissionDenied`` (views turn it into 404) or
``SubmissionError`` with a Traditional Chinese message and a stable ``code``.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from audit.actions import record_event
from schools.models import School, Student
from schools.permissions import is_registrar_of

from .models import (
    SEMESTER_ROSTERS,
    YEARLY_ROSTERS,
    CheckPeriod,
    ConfirmationStatus,
    ReceiptConfirmation,
    Roster,
    Snapshot,
    Submission,
    SubmissionStatus,
)
from .precheck import count_errors, precheck
from .rosters import students_in

#: The shortest receipt-check period a school may publish (RULES.md §3, S-TECHQA [OFFICIAL]).
MIN_CHECK_PERIOD = datetime.timedelta(days=3)
NOTE_MAX = 500


class SubmissionError(ValidationError):
    """A refused submission action; ``messages`` are ready to show, ``code`` is stable
    (``precheck_errors``, ``rosters``, ``period_too_short``, ``note_required`` …)."""


def normalize_rosters(rosters: Iterable[str], semester: int) -> tuple[list[str], int]:
    """Rosters in canonical order, and the submission's semester (0 for yearly rosters).

    Raises SubmissionError (``rosters``) for none, unknown ones, a mix of semester and yearly
    rosters, or a semester roster without semester 1 or 2."""
    chosen = set(rosters)
    if not chosen:
        raise SubmissionError(_("請至少選擇一種名冊。"), code="rosters")
    if chosen - set(Roster):
        raise SubmissionError(_("名冊種類不正確。"), code="rosters")
    if chosen & SEMESTER_ROSTERS and chosen & YEARLY_ROSTERS:
        raise SubmissionError(
            _("學期名冊（基本資料、學期成績）與學年名冊（學習成果、多元表現）請分開提交。"),
            code="rosters",
        )
    ordered = [r.value for r in Roster if r in chosen]
    if chosen <= YEARLY_ROSTERS:
        return ordered, 0
    if semester not in (1, 2):
        raise SubmissionError(_("學期名冊須指定第 1 或第 2 學期。"), code="rosters")
    return ordered, semester


def _require_registrar(actor: User, school: School) -> None:
    if not is_registrar_of(actor, school.pk):
        raise PermissionDenied


def submit_rosters(
    *,
    actor: User,
    school: School,
    school_year: int,
    semester: int,
    rosters: Iterable[str],
    students: Sequence[Student] | None = None,
    expected_version: int | None = None,
) -> Submission:
    """Submit rosters to the central database (提交, RULES.md §5 step 2).

    Only registrars of the school. Runs the pre-check first and refuses while it finds errors
    (``precheck_errors``, naming how many). Creates the Submission — ``version`` is one more
    than the latest of the same school, year, semester and roster set, which it ``supersedes``
    — and its immutable per-student snapshots (``package.snapshot_submission``) in one
    transaction; audit ``submission.created``; on commit enqueues ``tasks.build_and_deliver``.
    ``students`` restricts the submission (a resubmission after disputes, §5 step 4).
    ``expected_version`` is the latest version the registrar's pre-check page showed (0: none):
    when another submission of the same rosters was made since, SubmissionError
    ``stale_precheck`` — two tabs or a double submit never send the same rosters twice.
    Course-consultation records are in no roster and never leave the school (§12 item 5).
    """
    from .package import snapshot_submission
    from .tasks import enqueue_build

    _require_registrar(actor, school)
    ordered, semester = normalize_rosters(rosters, semester)
    people = (
        list(students) if students is not None else list(students_in(school, school_year, semester))
    )
    if not people:
        raise SubmissionError(_("這個學期沒有可提交的學生。"), code="no_students")
    errors = count_errors(precheck(school, school_year, semester, ordered, people))
    if errors:
        raise SubmissionError(
            _("預檢仍有 %(n)d 項錯誤，請修正後再提交。") % {"n": errors},
            code="precheck_errors",
        )
    with transaction.atomic():
        # Lock the school row so two registrars submitting at once get distinct versions.
        School.objects.select_for_update().filter(pk=school.pk).first()
        previous = latest_submission(school, school_year, semester, ordered)
        latest = previous.version if previous else 0
        if expected_version is not None and expected_version != latest:
            raise SubmissionError(
                _("這組名冊在您預檢之後已提交第 %(version)d 版；請重新預檢，確認後再提交。")
                % {"version": latest},
                code="stale_precheck",
            )
        submission = Submission.objects.create(
            school=school,
            school_year=school_year,
            semester=semester,
            rosters=ordered,
            version=(previous.version + 1) if previous else 1,
            supersedes=previous,
            student_count=len(people),
            created_by=actor,
        )
        snapshot_submission(submission, people, ordered)
        record_event(
            actor=actor,
            action="submission.created",
            target=f"submission:{submission.code}",
            detail={
                "school_year": school_year,
                "semester": semester,
                "rosters": ordered,
                "version": submission.version,
                "students": len(people),
                "supersedes": str(previous.code) if previous else "",
            },
        )
        enqueue_build(submission)  # build_and_deliver, on commit
    return submission


def latest_submission(
    school: School, school_year: int, semester: int, rosters: Sequence[str]
) -> Submission | None:
    """The newest submission of exactly this roster set (any status), or None."""
    wanted = sorted(rosters)
    for candidate in Submission.objects.filter(
        school=school, school_year=school_year, semester=semester
    ).order_by("-version", "-created_at"):
        if sorted(candidate.rosters) == wanted:
            return candidate
    return None


def open_check_period(
    *,
    actor: User,
    submission: Submission,
    opens_at: datetime.datetime,
    closes_at: datetime.datetime,
) -> CheckPeriod:
    """Open the receipt-check period (收訖明細確認期間) of an accepted submission: at least
    3 days (RULES.md §3, §5 step 3). Registrars of the school only.

    Raises SubmissionError: ``not_accepted``, ``period_order``, ``period_too_short`` (naming
    the 3-day minimum and the length given), ``period_remaining_too_short`` (a start in the
    past leaving under 3 days from now, naming what is left), ``period_overlap`` (another
    period of this submission overlaps, naming it). Audit ``check_period.opened``.
    """
    _require_registrar(actor, submission.school)
    if submission.status != SubmissionStatus.ACCEPTED:
        raise SubmissionError(
            _("中央資料庫尚未收訖這個資料包（目前狀態：%(status)s），不能開放收訖確認。")
            % {"status": submission.get_status_display()},
            code="not_accepted",
        )
    if closes_at <= opens_at:
        raise SubmissionError(_("截止時間必須晚於開始時間。"), code="period_order")
    length = closes_at - opens_at
    if length < MIN_CHECK_PERIOD:
        raise SubmissionError(
            _("收訖確認期間至少需 3 天，您設定的期間只有 %(given)s。")
            % {"given": format_duration(length)},
            code="period_too_short",
        )
    # A start in the past does not count: students must have 3 days from now. The form is
    # filled in whole minutes, so "now" is taken to the minute.
    now = timezone.now().replace(second=0, microsecond=0)
    if opens_at < now and closes_at - now < MIN_CHECK_PERIOD:
        remaining = max(closes_at - now, datetime.timedelta(0))
        raise SubmissionError(
            _(
                "收訖確認期間從現在起至少需 3 天；開始時間已過，距截止時間只剩 %(given)s。"
                "請延後截止時間。"
            )
            % {"given": format_duration(remaining)},
            code="period_remaining_too_short",
        )
    with transaction.atomic():
        # One period at a time per submission: lock the row so two tabs cannot both add one.
        Submission.objects.select_for_update().filter(pk=submission.pk).first()
        overlapping = (
            CheckPeriod.objects.filter(
                submission=submission, opens_at__lt=closes_at, closes_at__gt=opens_at
            )
            .order_by("opens_at")
            .first()
        )
        if overlapping is not None:
            raise SubmissionError(
                _(
                    "這個提交已有收訖確認期間 %(opens)s – %(closes)s（臺北時間），與新設定的期間"
                    "重疊；同一時間只能有一個確認期間。"
                )
                % {
                    "opens": timezone.localtime(overlapping.opens_at).strftime("%Y-%m-%d %H:%M"),
                    "closes": timezone.localtime(overlapping.closes_at).strftime("%Y-%m-%d %H:%M"),
                },
                code="period_overlap",
            )
        period = CheckPeriod.objects.create(
            submission=submission, opens_at=opens_at, closes_at=closes_at, created_by=actor
        )
        record_event(
            actor=actor,
            action="check_period.opened",
            target=f"submission:{submission.code}",
            detail={"opens_at": opens_at.isoformat(), "closes_at": closes_at.isoformat()},
        )
    return period


def format_duration(length: datetime.timedelta) -> str:
    """``2 天 23 小時``, ``5 小時``, ``30 分鐘``."""
    minutes = int(length.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(ngettext("%(n)d 天", "%(n)d 天", days) % {"n": days})
    if hours:
        parts.append(ngettext("%(n)d 小時", "%(n)d 小時", hours) % {"n": hours})
    if mins or not parts:
        parts.append(ngettext("%(n)d 分鐘", "%(n)d 分鐘", mins) % {"n": mins})
    return " ".join(parts)


def open_period(submission: Submission, now: datetime.datetime | None = None) -> CheckPeriod | None:
    """The submission's check period open now (opens_at ≤ now < closes_at), or None."""
    now = now or timezone.now()
    return (
        submission.check_periods.filter(opens_at__lte=now, closes_at__gt=now)
        .order_by("-closes_at")
        .first()
    )


def confirm_receipt(
    *,
    actor: User,
    submission: Submission,
    student: Student,
    status: str,
    note: str = "",
    lines: Iterable[str] = (),
) -> ReceiptConfirmation:
    """The student marks what the central database holds as correct (正確) or disputes it
    (有誤) with the lines that are wrong and/or a note (RULES.md §3, §5 step 4). Only the
    student themself, only for a submission that carried them, only while a check period is
    open; they may change their answer until the period closes, but not after a resubmission
    resolved it.

    ``lines`` are line ids (``submissions.lines``); each must be a line this submission
    carried for the student (its snapshots), otherwise nothing is stored. A dispute needs at
    least one line or a note.

    Raises PermissionDenied, or SubmissionError: ``period_closed``, ``note_required`` (no line
    and no note), ``note_too_long``, ``status``, ``lines_with_correct``, ``line_unknown``,
    ``resolved``. Audit ``receipt.confirmed`` / ``receipt.disputed`` (with the lines).
    """
    from .lines import snapshot_lines

    if student.user_id is None or student.user_id != actor.pk:
        raise PermissionDenied
    if not submission.snapshots.filter(student=student).exists():
        raise PermissionDenied
    if status not in (ConfirmationStatus.CORRECT, ConfirmationStatus.DISPUTED):
        raise SubmissionError(_("請選擇「資料正確」或「資料有誤」。"), code="status")
    note = (note or "").strip()
    chosen = list(dict.fromkeys(str(line) for line in lines))  # unique, in the order sent
    if status == ConfirmationStatus.CORRECT and chosen:
        raise SubmissionError(
            _("您勾選了有誤的資料列，請選擇「資料有誤」，或取消勾選後再選「資料正確」。"),
            code="lines_with_correct",
        )
    if status == ConfirmationStatus.DISPUTED and not note and not chosen:
        raise SubmissionError(
            _("資料有誤時請說明哪裡有誤。請勾選有誤的資料列，或在說明欄寫出哪裡有誤。"),
            code="note_required",
        )
    if len(note) > NOTE_MAX:
        raise SubmissionError(
            _("說明最多 %(max)d 字，目前 %(n)d 字。") % {"max": NOTE_MAX, "n": len(note)},
            code="note_too_long",
        )
    if chosen:
        known = snapshot_lines(submission, student)
        if any(line not in known for line in chosen):
            raise SubmissionError(
                _("勾選的資料列不在您這次的收訖明細中，請重新整理頁面後再勾選。"),
                code="line_unknown",
            )
        chosen = [line for line in known if line in chosen]  # receipt order
    period = open_period(submission)
    if period is None:
        raise SubmissionError(_("目前不在收訖確認期間內。"), code="period_closed")
    with transaction.atomic():
        confirmation = (
            ReceiptConfirmation.objects.select_for_update()
            .filter(submission=submission, student=student)
            .first()
        )
        if confirmation is not None and confirmation.status == ConfirmationStatus.RESOLVED:
            raise SubmissionError(_("這筆資料已更正並重新提交，請確認新版本。"), code="resolved")
        if confirmation is None:
            confirmation = ReceiptConfirmation(submission=submission, student=student)
        confirmation.status = status
        disputed = status == ConfirmationStatus.DISPUTED
        confirmation.note = note if disputed else ""
        confirmation.disputed_lines = chosen if disputed else []
        confirmation.save()
        record_event(
            actor=actor,
            action="receipt.disputed" if disputed else "receipt.confirmed",
            target=f"submission:{submission.code}",
            student=student,
            detail={"note": confirmation.note, "lines": confirmation.disputed_lines},
        )
    return confirmation


def _changed_since(submission: Submission, students: Sequence[Student]) -> bool:
    """Whether any roster row or file of ``students`` differs from what ``submission`` sent
    (its snapshots), compared as the JSON the package carries."""
    from .rosters import rows_for

    sent = {
        (snap.student_id, snap.roster): (snap.records, snap.files)
        for snap in Snapshot.objects.filter(submission=submission, student__in=students)
    }
    for student in students:
        for roster in submission.rosters:
            rows = rows_for(roster, student, submission.school_year, submission.semester)
            now = json.loads(json.dumps([rows.records, rows.files], cls=DjangoJSONEncoder))
            if now != list(sent.get((student.pk, roster), ([], []))):
                return True
    return False


def resubmit_disputed(*, actor: User, submission: Submission) -> Submission:
    """Resubmit a new version for the students who disputed ``submission`` (RULES.md §5 step
    4): a new Submission of the same year, semester and rosters restricted to them (the
    pre-check runs on them first), and their confirmations marked resolved by it.

    Raises PermissionDenied, or SubmissionError ``no_disputes`` / ``nothing_changed`` (the
    disputed students' data is exactly what was sent) / ``precheck_errors``. Audit
    ``submission.created`` and ``receipt.resolved``.
    """
    _require_registrar(actor, submission.school)
    with transaction.atomic():
        # Lock the school row first, then read the disputes: a second click waits here and
        # then finds them resolved (``no_disputes``) instead of sending a second version.
        School.objects.select_for_update().filter(pk=submission.school_id).first()
        disputed = list(
            submission.confirmations.filter(status=ConfirmationStatus.DISPUTED).select_related(
                "student"
            )
        )
        if not disputed:
            raise SubmissionError(_("沒有待處理的資料有誤回報。"), code="no_disputes")
        students = sorted({c.student for c in disputed}, key=lambda s: s.student_number)
        if not _changed_since(submission, students):
            raise SubmissionError(
                _(
                    "回報資料有誤的 %(n)d 位學生，資料與第 %(version)d 版完全相同；"
                    "請先更正資料，再重新提交。"
                )
                % {"n": len(students), "version": submission.version},
                code="nothing_changed",
            )
        new = submit_rosters(
            actor=actor,
            school=submission.school,
            school_year=submission.school_year,
            semester=submission.semester,
            rosters=submission.rosters,
            students=students,
        )
        ReceiptConfirmation.objects.filter(pk__in=[c.pk for c in disputed]).update(
            status=ConfirmationStatus.RESOLVED, resolved_by_submission=new
        )
        record_event(
            actor=actor,
            action="receipt.resolved",
            target=f"submission:{submission.code}",
            detail={"resubmission": str(new.code), "students": len(students)},
        )
    return new
