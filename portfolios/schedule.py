"""Is a window open for this student now? (RULES.md §3; RELIABILITY.md §3 item 17)

One authoritative clock: ``django.utils.timezone.now()`` on the app server, compared with
aware datetimes stored in UTC; messages show Asia/Taipei local time.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from schools.calendar import format_roc_date
from schools.models import School, Student, Term

from .models import Window, WindowExtension, WindowKind


def format_local(moment: datetime.datetime, *, closing: bool = False) -> str:
    """``114/10/15 23:59`` in Asia/Taipei. A ``closing`` time at local midnight is shown as
    the end of the previous day (``114/10/15 24:00``), as schools write deadlines."""
    local = timezone.localtime(moment)
    if closing and (local.hour, local.minute, local.second) == (0, 0, 0):
        previous = local - datetime.timedelta(days=1)
        return f"{format_roc_date(previous.date())} 24:00"
    return f"{format_roc_date(local.date())} {local:%H:%M}"


@dataclass(frozen=True)
class WindowState:
    """Whether a kind of window is open for a student in a term, and why not."""

    kind: str
    window: Window | None
    is_open: bool
    opens_at: datetime.datetime | None
    closes_at: datetime.datetime | None
    extended: bool

    @property
    def message(self) -> str:
        label = WindowKind(self.kind).label
        if self.window is None or self.opens_at is None or self.closes_at is None:
            return _("本學期尚未設定%(kind)s期間。") % {"kind": label}
        span = {
            "kind": label,
            "start": format_local(self.opens_at),
            "end": format_local(self.closes_at, closing=True),
        }
        if self.is_open:
            return _("%(kind)s期間：%(start)s 至 %(end)s（臺北時間）。") % span
        if timezone.now() < self.opens_at:
            return _("%(kind)s期間為 %(start)s 至 %(end)s（臺北時間），尚未開始。") % span
        return _("%(kind)s期間為 %(start)s 至 %(end)s（臺北時間），已截止。") % span


def window_state(
    kind: str, term: Term, student: Student | None = None, now: datetime.datetime | None = None
) -> WindowState:
    """The window of ``kind`` for ``term``, with the latest extension that applies to the
    student (their own, or their class's in that term). Open means opens_at ≤ now < closes_at.
    """
    now = now or timezone.now()
    window = Window.objects.filter(term=term, kind=kind).first()
    if window is None:
        return WindowState(kind, None, False, None, None, False)
    closes_at = window.closes_at
    extended = False
    if student is not None:
        latest = (
            WindowExtension.objects.filter(window=window)
            .filter(
                Q(student=student)
                | Q(
                    school_class__memberships__student=student, school_class__memberships__term=term
                )
            )
            .aggregate(latest=Max("closes_at"))["latest"]
        )
        if latest is not None and latest > closes_at:
            closes_at, extended = latest, True
    is_open = window.opens_at <= now < closes_at
    return WindowState(kind, window, is_open, window.opens_at, closes_at, extended)


def tick_window_state(school_year: int, school: School, student: Student) -> WindowState:
    """The tick window for a school year: the first of its terms' tick windows that is open,
    else the latest one (RULES.md §3: ticking is per school year)."""
    terms = Term.objects.filter(school=school, school_year=school_year).order_by("-semester")
    states = [window_state(WindowKind.TICK, term, student) for term in terms]
    for state in states:
        if state.is_open:
            return state
    with_window = [s for s in states if s.window is not None]
    return (
        with_window[0]
        if with_window
        else WindowState(WindowKind.TICK, None, False, None, None, False)
    )
