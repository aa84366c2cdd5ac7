"""What admissions will see (招生管道可見的中央資料庫資料), RULES.md §3 "Semesters visible to
admission systems" and §5 ("central-DB data is what admission committees see").

A student and the people allowed to see the student (``schools.permissions.can_view_student``:
the student, a bound parent, the homeroom teacher, a registrar) can look at the student's
*central-database* record at any time, narrowed the way each admission channel narrows it. The
school side never reads the central tables: the records come through
``submissions.central_client.CentralClient`` (ARCHITECTURE.md "two sides").

Semester numbering. Admission rules speak of "semesters 1–6" of senior high: semester index
``(school_year − entry_year) × 2 + semester`` from the student's entry 學年度 (``Student.
entry_year``), so the first semester of the entry year is 1 and grade-12 semester 2 is 6. A
yearly roster (outcomes, performances; roster semester 0) is placed by the course's term when
the row carries it (outcomes: ``course_school_year``/``course_semester``), otherwise at the
year's second semester — the semester in which the school submits it.

Which semesters each channel shows is data (:data:`CHANNEL_RULES`), never a constant in code
(RULES.md §0.1 rule for implementers).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from accounts.roles import current_term
from schools.identity import mask_id
from schools.models import Student

from .models import Roster

logger = logging.getLogger(__name__)

#: Semester indexes of the three senior-high years.
ALL_SEMESTERS = 6


@dataclass(frozen=True)
class ChannelRule:
    """The semesters an admission channel sees, per roster, as the highest semester index.

    ``current`` applies to current graduates (應屆畢業生), ``earlier`` to earlier graduates
    (非應屆, whose grade-12 data has all been submitted). ``source`` cites RULES.md.
    """

    channel: str
    label: Any  # lazy translation
    current: Mapping[str, int]
    earlier: Mapping[str, int]
    source: str
    note: Any = ""  # lazy translation

    def last_semester(self, roster: str, *, graduating: bool) -> int:
        table = self.current if graduating else self.earlier
        return table.get(roster, 0)


def _same(last: int) -> dict[str, int]:
    return {roster: last for roster in Roster.values}


#: Semester-visibility rules (RULES.md §3). Basic data (per-semester roster, with cadre
#: records) follows the course-record limit: §3 names only course records and
#: outcomes/performances — [UNVERIFIED], kept as data so it can change without code.
CHANNEL_RULES: dict[str, ChannelRule] = {
    rule.channel: rule
    for rule in (
        ChannelRule(
            channel="university_stage2",
            label=_("大學個人申請第二階段（甄選會）"),
            current={
                Roster.BASIC: 5,
                Roster.COURSE_RECORDS: 5,
                Roster.OUTCOMES: 6,
                Roster.PERFORMANCES: 6,
            },
            earlier=_same(ALL_SEMESTERS),
            source="RULES.md §3, S-CAC2024 [NEWS]（113學年度）",
            note=_(
                "應屆畢業生：修課紀錄第 1–5 學期，課程學習成果與多元表現第 1–6 學期；"
                "110 學年度以後畢業者：第 1–6 學期。"
            ),
        ),
        ChannelRule(
            channel="vocational_track_university",
            label=_("專業群科應屆生參加大學個人申請"),
            current=_same(4),
            earlier=_same(ALL_SEMESTERS),
            source="RULES.md §3, S-CAC2024 [NEWS]；非應屆 [UNVERIFIED]",
            note=_("專業群科應屆畢業生高三資料於 5 月底才提交，只看得到第 1–4 學期。"),
        ),
        ChannelRule(
            channel="vocational_preview",
            label=_("四技申請資料預覽（練習版）"),
            current=_same(4),
            earlier=_same(ALL_SEMESTERS),
            source="RULES.md §3, S-BWJH111, S-BG3-112；非應屆 [UNVERIFIED]",
            note=_("應屆畢業生看得到第 1–4 學期；第 6 學期修課紀錄由學校於 5 月中以 PDF 上傳。"),
        ),
    )
}

DEFAULT_CHANNEL = "university_stage2"


def semester_index(school_year: int, semester: int, *, entry_year: int) -> int:
    """Senior-high semester number 1–6 of (學年度, 學期) for a student who entered in
    ``entry_year``; semester 0 (a yearly roster) counts as the year's second semester.
    Values outside 1–6 (repeat years, data before entry) are returned as computed."""
    return (school_year - entry_year) * 2 + (semester or 2)


def _row_index(central: Mapping[str, Any], row: Mapping[str, Any], entry_year: int) -> int:
    if central.get("roster") == Roster.OUTCOMES and row.get("course_school_year"):
        return semester_index(
            int(row["course_school_year"]),
            int(row.get("course_semester") or 0),
            entry_year=entry_year,
        )
    return semester_index(
        int(central["school_year"]), int(central.get("semester") or 0), entry_year=entry_year
    )


@dataclass
class ShownRow:
    """One central-database row with where it sits and why it is (not) shown."""

    roster: str
    school_year: int
    semester: int  # the roster's semester (0 for yearly rosters)
    index: int  # senior-high semester 1–6
    version: int
    received_at: str
    row: dict[str, Any]
    files: list[dict[str, Any]]
    reason: str = ""  # why hidden; empty when visible

    @property
    def roster_label(self) -> str:
        return str(Roster(self.roster).label) if self.roster in Roster.values else self.roster

    @property
    def title(self) -> str:
        """A short name for lists: subject, title or the basic-data line."""
        row = self.row
        for key in ("subject_name", "title", "name"):
            if row.get(key):
                return str(row[key])
        return str(self.roster_label)


@dataclass
class VisibleRecords:
    """The outcome of :func:`visible_records`: rows shown and rows left out, each in
    roster, year and semester order."""

    channel: ChannelRule
    graduating: bool
    shown: list[ShownRow] = field(default_factory=list)
    hidden: list[ShownRow] = field(default_factory=list)

    def by_roster(self) -> list[tuple[str, list[ShownRow]]]:
        """Shown rows grouped by roster in the central database's roster order."""
        groups: list[tuple[str, list[ShownRow]]] = []
        for value, label in Roster.choices:
            rows = [r for r in self.shown if r.roster == value]
            if rows:
                groups.append((str(label), rows))
        return groups


def _masked_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a roster row with the national ID masked (RULES.md §8.3): pages never show
    the full ID."""
    copy = dict(row)
    if copy.get("national_id"):
        copy["national_id"] = mask_id(str(copy["national_id"]))
    return copy


def _row_files(row: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [f for f in (row.get("document"), row.get("media")) if isinstance(f, dict)]


def visible_records(
    records: Iterable[Mapping[str, Any]],
    *,
    channel: str,
    graduating: bool,
    entry_year: int,
) -> VisibleRecords:
    """Split central-database records into what ``channel`` shows and what it leaves out.

    ``records``: dicts as ``CentralClient.fetch_student_records`` returns them (one per
    roster, 學年度 and 學期, each with its ``records`` rows and ``files``). ``graduating``:
    the student is a current graduate (應屆) for this admission year. ``entry_year``: the
    student's entry 學年度, for semester numbering. Raises ``KeyError`` for an unknown channel.
    Rows outside semesters 1–6 are never dropped silently: they come back in ``hidden`` with
    a reason (RULES.md §3 grouping rule: surface, don't drop).
    """
    rule = CHANNEL_RULES[channel]
    result = VisibleRecords(channel=rule, graduating=graduating)
    ordered = sorted(
        records,
        key=lambda c: (int(c["school_year"]), int(c.get("semester") or 0), str(c["roster"])),
    )
    for central in ordered:
        roster = str(central["roster"])
        last = rule.last_semester(roster, graduating=graduating)
        for row in central.get("records") or []:
            index = _row_index(central, row, entry_year)
            shown = ShownRow(
                roster=roster,
                school_year=int(central["school_year"]),
                semester=int(central.get("semester") or 0),
                index=index,
                version=int(central.get("version") or 1),
                received_at=str(central.get("received_at") or ""),
                row=_masked_row(row),
                files=_row_files(row),
            )
            if index < 1 or index > ALL_SEMESTERS:
                shown.reason = str(_("無法對應高中第 1–6 學期（請洽學校確認）"))
                result.hidden.append(shown)
            elif index > last:
                shown.reason = str(
                    _("此管道只看得到第 1–%(last)d 學期") % {"last": last}
                    if last
                    else _("此管道不採計")
                )
                result.hidden.append(shown)
            else:
                result.shown.append(shown)
    return result


def is_graduating(student: Student) -> bool:
    """Whether the student counts as a current graduate (應屆): still within the three years
    after entry in the school's current 學年度. Students in grade 10 or 11 see what a current
    graduate would see; a student without a current term counts as a current graduate."""
    term = current_term(student.school)
    if term is None:
        return True
    return term.school_year - student.entry_year <= 2


def school_codes_of(student: Student) -> list[str]:
    """The school codes the central database may hold the student under: the student's
    school, then earlier schools of transfer imports (``submissions.transfer``)."""
    from .models import TransferImport

    codes = [student.school.code]
    earlier = (
        TransferImport.objects.filter(student=student)
        .order_by("imported_at")
        .values_list("source_school_code", flat=True)
    )
    for code in earlier:
        if code not in codes:
            codes.append(code)
    return codes


@dataclass
class CentralRecordView:
    """The admissions page: the channel's view, or why there is nothing to show."""

    student: Student
    masked_id: str
    channel: ChannelRule
    graduating: bool
    records: VisibleRecords | None
    has_data: bool
    unavailable: str = ""  # a message when the central database could not be reached
    school_codes: list[str] = field(default_factory=list)


def get_central_record_view(
    student: Student, *, channel: str, client: Any | None = None
) -> CentralRecordView:
    """What ``channel`` would see of the student's central-database record now.

    Asks the central database once per school the student has records under. Never raises
    for an unreachable central database: ``unavailable`` carries the message instead.
    ``channel`` must be a key of :data:`CHANNEL_RULES` (``KeyError`` otherwise).
    """
    from .central_client import CentralClient, CentralError, CentralRefused

    rule = CHANNEL_RULES[channel]
    graduating = is_graduating(student)
    view = CentralRecordView(
        student=student,
        masked_id=student.masked_id,
        channel=rule,
        graduating=graduating,
        records=None,
        has_data=False,
        school_codes=school_codes_of(student),
    )
    fetched: list[dict[str, Any]] = []
    try:
        central = client if client is not None else CentralClient()
        for code in view.school_codes:
            try:
                fetched.extend(central.fetch_student_records(code, student.national_id))
            except CentralRefused:
                # An earlier school's records are not this school's to read (403
                # wrong_school): show what this school may read rather than nothing.
                if code == student.school.code:
                    raise
                logger.info("central database refused an earlier school's records")
    except CentralError:
        logger.warning("central database unavailable for a student's record view", exc_info=True)
        view.unavailable = str(_("目前無法連線到學習歷程中央資料庫，請稍後再試。"))
        return view
    view.has_data = any(c.get("records") for c in fetched)
    view.records = visible_records(
        fetched, channel=channel, graduating=graduating, entry_year=student.entry_year
    )
    return view
