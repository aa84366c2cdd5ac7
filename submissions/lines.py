"""The lines (資料列) of a receipt a student can dispute one by one (RULES.md §3, §5 step 4).

A line is one record the central database holds for the student: the basic data (name and
date of birth) and each cadre record of the basic roster, each course record, each course
learning outcome and each performance. Every line has a **line id**, a string that stays the
same across a resubmission (so the corrected line can be matched with the disputed one)::

    "basic:114-1:personal"                              name and date of birth
    "basic:114-1:cadre:2025-09-01|學生會|會長"          a cadre record (start date, unit, title)
    "course_records:114-1:<course_code>"                a course record of year 114, semester 1
    "outcomes:<item_code>"                              a course learning outcome (its UUID)
    "performances:<item_code>"                          a performance (its UUID)

Cadre rows carry no code in the exchange format (RULES.md §2.2), so their id is their start
date, unit and title: correcting one of those makes the corrected row a new line and the
disputed one a removed line, which the comparison still shows.

The same functions read a snapshot (what the school sent) and a central record (what the
central database holds): both keep the rows exactly as sent (``rosters.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from schools.models import Student

from .models import Roster, Snapshot, Submission


@dataclass(frozen=True)
class Line:
    """One disputable line: ``id`` (see the module docstring), its roster, a one-line
    human-readable summary of its main fields (``summary``) and its ``content`` (the fields
    compared to tell whether a resubmission changed it)."""

    id: str
    roster: str
    summary: str
    content: dict[str, Any]

    @property
    def roster_label(self) -> str:
        try:
            return str(Roster(self.roster).label)
        except ValueError:
            return self.roster


def _term(school_year: int, semester: int) -> str:
    return f"{school_year}-{semester}"


def personal_id(school_year: int, semester: int) -> str:
    return f"{Roster.BASIC}:{_term(school_year, semester)}:personal"


def cadre_id(school_year: int, semester: int, cadre: dict[str, Any]) -> str:
    key = "|".join(str(cadre.get(k, "")) for k in ("start_date", "unit_name", "position_title"))
    return f"{Roster.BASIC}:{_term(school_year, semester)}:cadre:{key}"


def record_id(roster: str, school_year: int, semester: int, record: dict[str, Any]) -> str:
    """The line id of a course record, outcome or performance row."""
    if roster == Roster.COURSE_RECORDS:
        return f"{roster}:{_term(school_year, semester)}:{record.get('course_code', '')}"
    return f"{roster}:{record.get('item_code', '')}"


def _summary(roster: str, record: dict[str, Any]) -> str:
    if roster == Roster.COURSE_RECORDS:
        makeup = record.get("makeup_score")
        return _(
            "%(code)s %(subject)s：學分數 %(credits)s、學期學業成績 %(score)s、補考成績 "
            "%(makeup)s、實得學分 %(earned)s"
        ) % {
            "code": record.get("course_code", ""),
            "subject": record.get("subject_name", ""),
            "credits": record.get("credits") or "—",
            "score": record.get("score") or "—",
            "makeup": "—" if makeup in (None, "", "-1") else makeup,
            "earned": record.get("credits_earned") or "—",
        }
    if roster == Roster.OUTCOMES:
        return _("%(subject)s（%(year)s-%(semester)s）：%(description)s") % {
            "subject": record.get("subject_name", ""),
            "year": record.get("course_school_year", ""),
            "semester": record.get("course_semester", ""),
            "description": _shorten(record.get("description", "")),
        }
    return _("%(title)s：%(description)s") % {
        "title": record.get("title", ""),
        "description": _shorten(record.get("description", "")),
    }


def _shorten(text: Any, limit: int = 40) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def lines_of(
    roster: str, school_year: int, semester: int, records: Iterable[dict[str, Any]]
) -> list[Line]:
    """The lines of one roster's rows (as a snapshot or central record holds them), in the
    order the receipt page shows them."""
    lines: list[Line] = []
    for record in records:
        if roster == Roster.BASIC:
            lines.append(
                Line(
                    personal_id(school_year, semester),
                    roster,
                    _("姓名 %(name)s、出生日期 %(dob)s")
                    % {"name": record.get("name", ""), "dob": record.get("date_of_birth", "")},
                    {"name": record.get("name"), "date_of_birth": record.get("date_of_birth")},
                )
            )
            for cadre in record.get("cadre_records") or []:
                lines.append(
                    Line(
                        cadre_id(school_year, semester, cadre),
                        roster,
                        _("幹部經歷：%(unit)s %(title)s（%(start)s – %(end)s）")
                        % {
                            "unit": cadre.get("unit_name", ""),
                            "title": cadre.get("position_title", ""),
                            "start": cadre.get("start_date", ""),
                            "end": cadre.get("end_date") or "—",
                        },
                        {k: v for k, v in cadre.items() if k != "line"},
                    )
                )
        else:
            lines.append(
                Line(
                    record_id(roster, school_year, semester, record),
                    roster,
                    _summary(roster, record),
                    {k: v for k, v in record.items() if k != "line"},
                )
            )
    return lines


def snapshot_lines(submission: Submission, student: Student) -> dict[str, Line]:
    """Every line the submission carried for the student (its immutable snapshots), by id, in
    roster order: the lines the student may dispute on that submission's receipt."""
    snapshots = {
        s.roster: s for s in Snapshot.objects.filter(submission=submission, student=student)
    }
    result: dict[str, Line] = {}
    for roster in submission.rosters:
        snapshot = snapshots.get(roster)
        if snapshot is not None:
            for line in lines_of(roster, snapshot.school_year, snapshot.semester, snapshot.records):
                result[line.id] = line
    return result


def lines_by_student(
    submission: Submission, student_ids: Iterable[int]
) -> dict[int, dict[str, Line]]:
    """``snapshot_lines`` of several students of one submission in one query:
    ``{student_id: {line_id: Line}}``."""
    ids = set(student_ids)
    result: dict[int, dict[str, Line]] = {pk: {} for pk in ids}
    if not ids:
        return result
    order = {roster: i for i, roster in enumerate(submission.rosters)}
    snapshots = sorted(
        Snapshot.objects.filter(submission=submission, student_id__in=ids),
        key=lambda s: order.get(s.roster, len(order)),
    )
    for snapshot in snapshots:
        for line in lines_of(
            snapshot.roster, snapshot.school_year, snapshot.semester, snapshot.records
        ):
            result[snapshot.student_id][line.id] = line
    return result


@dataclass
class LineChange:
    """How a resubmission treated one line of the disputed version: ``change`` is
    ``changed``, ``added``, ``removed`` or ``""`` (unchanged); ``disputed`` whether the student
    marked it wrong; ``before`` / ``after`` the line in the disputed / new version."""

    id: str
    change: str
    disputed: bool
    before: Line | None
    after: Line | None

    @property
    def line(self) -> Line:
        line = self.after or self.before
        assert line is not None
        return line


def compare(
    before: dict[str, Line], after: dict[str, Line], disputed: Iterable[str]
) -> dict[str, LineChange]:
    """Every line of both versions with how it changed, by id: the new version's lines in
    order, then the lines it no longer has (``removed``)."""
    wanted = set(disputed)
    result: dict[str, LineChange] = {}
    for line_id, line in after.items():
        old = before.get(line_id)
        if old is None:
            change = "added"
        elif old.content != line.content:
            change = "changed"
        else:
            change = ""
        result[line_id] = LineChange(line_id, change, line_id in wanted, old, line)
    for line_id, old in before.items():
        if line_id not in after:
            result[line_id] = LineChange(line_id, "removed", line_id in wanted, old, None)
    return result
