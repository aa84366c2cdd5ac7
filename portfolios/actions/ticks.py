"""Yearly ticking (勾選) of items for the central database (RULES.md §3, §4 rule 2)."""

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from audit.actions import record_event

from ..errors import PortfolioError
from ..models import CourseOutcome, OutcomeStatus, Performance, RuleSet, TickKind, TickSlot
from ..schedule import tick_window_state
from .common import lock_student


def _cap_message(kind: str, cap: int, year: int) -> str:
    label = TickKind(kind).label
    return _("%(year)s 學年度已勾選 %(cap)d 件%(label)s，已達每學年 %(cap)d 件上限。") % {
        "year": year,
        "cap": cap,
        "label": label,
    }


def tick_item(*, actor: User, item: CourseOutcome | Performance) -> TickSlot:
    """Tick an item for the school's yearly submission.

    Per school year of the item (the student's grade year, RULES.md §3): at most
    ``outcome_tick_cap`` certified outcomes (6) — and ``outcome_tick_cap_per_semester`` per
    semester when set — and ``performance_tick_cap`` performances (10); only certified
    outcomes tick (§4 rule 2); inside the tick window. Race-safe: the student's row is locked
    for the count, and the unique slot number is the database's guard (RELIABILITY.md C1).

    Raises PermissionDenied or PortfolioError (``tick_cap``, ``not_certified``,
    ``already_ticked``, ``window_closed``). Audit: ``tick.added``.
    """
    student = item.student
    if student.user_id != actor.pk:
        raise PermissionDenied
    is_outcome = isinstance(item, CourseOutcome)
    kind = TickKind.OUTCOME if is_outcome else TickKind.PERFORMANCE
    state = tick_window_state(item.school_year, student.school, student)
    if not state.is_open:
        raise PortfolioError(state.message, code="window_closed")
    rules = RuleSet.for_year(item.school_year)
    cap = rules.outcome_tick_cap if is_outcome else rules.performance_tick_cap
    try:
        with transaction.atomic():
            lock_student(student)
            current: CourseOutcome | Performance
            semester: int | None = None
            if isinstance(item, CourseOutcome):
                outcome = CourseOutcome.objects.select_for_update().get(pk=item.pk)
                if outcome.status != OutcomeStatus.CERTIFIED:
                    raise PortfolioError(
                        _("只有已認證的課程學習成果可以勾選（目前為%(status)s）。")
                        % {"status": outcome.get_status_display()},
                        code="not_certified",
                    )
                current, semester = outcome, outcome.semester
            else:
                current = Performance.objects.select_for_update().get(pk=item.pk)
            lookup = {"outcome": current} if is_outcome else {"performance": current}
            if TickSlot.objects.filter(**lookup).exists():
                raise PortfolioError(_("這個項目已經勾選。"), code="already_ticked")
            taken = set(
                TickSlot.objects.filter(
                    student=student, school_year=item.school_year, kind=kind
                ).values_list("slot", flat=True)
            )
            if len(taken) >= cap:
                raise PortfolioError(_cap_message(kind, cap, item.school_year), code="tick_cap")
            semester_cap = rules.outcome_tick_cap_per_semester if is_outcome else None
            if semester_cap is not None:
                in_semester = TickSlot.objects.filter(
                    student=student,
                    school_year=item.school_year,
                    kind=kind,
                    semester=semester,
                ).count()
                if in_semester >= semester_cap:
                    raise PortfolioError(
                        _("第 %(semester)s 學期已勾選 %(cap)d 件課程學習成果，已達每學期上限。")
                        % {"semester": semester, "cap": semester_cap},
                        code="tick_cap",
                    )
            slot_number = min(set(range(1, cap + 1)) - taken)
            slot = TickSlot.objects.create(
                student=student,
                school_year=item.school_year,
                kind=kind,
                slot=slot_number,
                semester=semester,
                **lookup,
            )
            record_event(
                actor=actor,
                action="tick.added",
                target=f"{kind}:{current.code}",
                student=student,
                detail={"school_year": item.school_year, "slot": slot_number},
            )
    except IntegrityError as exc:
        # Another request took the slot between our count and insert (only possible where the
        # row lock is not honoured): the unique constraint refused it.
        raise PortfolioError(_cap_message(kind, cap, item.school_year), code="tick_cap") from exc
    return slot


def untick_item(*, actor: User, item: CourseOutcome | Performance) -> None:
    """Release a tick inside the tick window; refused once the school has submitted it."""
    student = item.student
    if student.user_id != actor.pk:
        raise PermissionDenied
    state = tick_window_state(item.school_year, student.school, student)
    if not state.is_open:
        raise PortfolioError(state.message, code="window_closed")
    lookup = {"outcome": item} if isinstance(item, CourseOutcome) else {"performance": item}
    with transaction.atomic():
        slot = TickSlot.objects.select_for_update().filter(**lookup).first()
        if slot is None:
            return
        if slot.locked_at is not None:
            raise PortfolioError(_("學校已提交這個勾選，不能取消。"), code="locked")
        slot.delete()
        record_event(
            actor=actor,
            action="tick.removed",
            target=f"{slot.kind}:{item.code}",
            student=student,
            detail={"school_year": item.school_year},
        )
