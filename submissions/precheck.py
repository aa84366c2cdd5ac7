"""The pre-check (預檢) run before a submission: every problem with the student, the roster,
the field and what is wrong (RULES.md §5 step 2, §12).

It checks the rows :mod:`submissions.rosters` builds — the same rows the snapshot and the
package send — so what passes the pre-check is exactly what leaves the school. Severities:

* ``error`` — the submission is refused until it is fixed;
* ``warning`` — sent as is, but someone should look (e.g. an old-format resident number,
  RULES.md §8.2);
* ``info`` — nothing wrong (e.g. how many category 8/9 course rows are left out, §2.3).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from files.models import Blob
from files.storage import blob_storage, replica_storage
from portfolios.models import RuleSet, TickKind
from schools.course_codes import decode_course_code
from schools.identity import check_id, mask_id
from schools.models import CadreRecord, CourseRecord, School, Student, Term

from .models import SEMESTER_ROSTERS, Roster
from .rosters import StudentRows, rows_for, students_in, tick_slots


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


SEVERITY_LABELS = {Severity.ERROR: "錯誤", Severity.WARNING: "警告", Severity.INFO: "說明"}


@dataclass(frozen=True)
class Problem:
    """One finding of the pre-check.

    ``field`` names the roster field in Chinese (e.g. ``學期學業成績``); ``message`` says what
    is wrong, in Traditional Chinese, ready to show. ``fix_url`` points where it can be fixed
    (the Django admin change page of the school record, or the student's cabinet).
    """

    student: Student
    roster: str
    field: str
    message: str
    severity: Severity = Severity.ERROR
    fix_url: str = ""

    @property
    def roster_label(self) -> str:
        return str(Roster(self.roster).label)

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS[self.severity]

    @property
    def is_error(self) -> bool:
        return self.severity == Severity.ERROR


def count_errors(problems: Iterable[Problem]) -> int:
    return sum(1 for p in problems if p.is_error)


def _admin_url(obj: object) -> str:
    meta = obj._meta  # type: ignore[attr-defined]
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])  # type: ignore[attr-defined]


def _cabinet_url(student: Student, page: str = "cabinet") -> str:
    return reverse(f"portfolios:student_{page}", args=[student.code])


# ---------------------------------------------------------------------------------------------
# Basic data and cadre records (基本資料名冊), per semester, RULES.md §2.1–2.2, §8


def check_basic(rows: StudentRows, term: Term | None) -> list[Problem]:
    """ID format and checksum, name, date of birth, cadre-record dates."""
    student = rows.student
    problems: list[Problem] = []
    fix = _admin_url(student)

    def add(field: str, message: str, severity: Severity = Severity.ERROR, url: str = fix) -> None:
        problems.append(Problem(student, Roster.BASIC, field, message, severity, url))

    for row in rows.records:
        result = check_id(row["national_id"])
        masked = mask_id(result.value)
        if result.kind is None:
            add(
                _("身分證統一編號"),
                _("身分證號「%(id)s」格式錯誤：應為 1 個英文字母加 9 碼數字。") % {"id": masked},
            )
        elif not result.valid:
            add(_("身分證統一編號"), _("身分證號「%(id)s」檢查碼錯誤。") % {"id": masked})
        elif result.warning or result.kind == "resident_old":
            add(
                _("身分證統一編號"),
                _("「%(id)s」為舊式居留證號，檢查碼無法確認，請核對證件。") % {"id": masked},
                Severity.WARNING,
            )
        if not (row.get("name") or "").strip():
            add(_("中文姓名"), _("缺少中文姓名。"))
        if not row.get("date_of_birth"):
            add(_("出生日期"), _("缺少出生日期。"))
        cadres = list(
            CadreRecord.objects.filter(
                student=student,
                term__school_year=rows.school_year,
                term__semester=rows.semester,
            ).order_by("start_date")
        )
        term_over = term is not None and term.end_date < timezone.localdate()
        for cadre, sent in zip(cadres, row.get("cadre_records", []), strict=False):
            label = f"{sent['unit_name']} {sent['position_title']}"
            url = _admin_url(cadre)
            if not sent.get("start_date"):
                add(
                    _("幹部經歷"),
                    _("幹部經歷「%(title)s」缺少開始日期。") % {"title": label},
                    url=url,
                )
            if not sent.get("end_date"):
                add(
                    _("幹部經歷"),
                    _("幹部經歷「%(title)s」缺少結束日期。") % {"title": label},
                    Severity.ERROR if term_over else Severity.WARNING,
                    url,
                )
            elif sent.get("start_date") and sent["end_date"] < sent["start_date"]:
                add(
                    _("幹部經歷"),
                    _("幹部經歷「%(title)s」的結束日期早於開始日期。") % {"title": label},
                    url=url,
                )
    return problems


# ---------------------------------------------------------------------------------------------
# Course records (學期成績名冊), per semester, RULES.md §2.3


def check_course_records(student: Student, term: Term | None, semester: int) -> list[Problem]:
    """Course codes, missing scores for a past term, and how many category 8/9 rows are left
    out (RULES.md §2.3, §12 item 10)."""
    problems: list[Problem] = []
    school_year = term.school_year if term else 0
    records = list(
        CourseRecord.objects.filter(
            student=student,
            offering__term__school_year=school_year,
            offering__term__semester=semester,
        ).select_related("offering__course")
    )
    by_code = {r.offering.course.code: r for r in records}
    invalid = False
    left_out = 0
    for record in records:
        course = record.offering.course
        try:
            decoded = decode_course_code(course.code)
        except ValidationError as exc:
            invalid = True
            problems.append(
                Problem(
                    student,
                    Roster.COURSE_RECORDS,
                    _("課程代碼"),
                    _("「%(name)s」的課程代碼無效：%(reason)s")
                    % {"name": course.name, "reason": " ".join(exc.messages)},
                    fix_url=_admin_url(course),
                )
            )
            continue
        if not decoded.is_submittable_as_graded_course:
            left_out += 1
    term_over = term is not None and term.end_date < timezone.localdate()
    if invalid:
        # The row builder cannot decode an invalid code; check the rest record by record.
        sent: list[dict[str, Any]] = [
            {
                "course_code": r.offering.course.code,
                "score": "" if r.score is None else str(r.score),
            }
            for r in records
            if _submittable(r.offering.course.code)
        ]
    else:
        sent = rows_for(Roster.COURSE_RECORDS, student, school_year, semester).records
    for row in sent:
        record = by_code[row["course_code"]]
        if row["score"] == "" and term_over:
            problems.append(
                Problem(
                    student,
                    Roster.COURSE_RECORDS,
                    _("學期學業成績"),
                    _("「%(name)s」（%(code)s）缺少學期成績。")
                    % {"name": record.offering.course.name, "code": row["course_code"]},
                    fix_url=_admin_url(record),
                )
            )
    if left_out:
        problems.append(
            Problem(
                student,
                Roster.COURSE_RECORDS,
                _("課程類別"),
                _("%(n)d 筆團體活動時間或彈性學習時間（課程類別 8、9）的修課紀錄依規定不送出。")
                % {"n": left_out},
                Severity.INFO,
                _cabinet_url(student, "course_records"),
            )
        )
    return problems


def _submittable(code: str) -> bool:
    try:
        return decode_course_code(code).is_submittable_as_graded_course
    except ValidationError:
        return False


# ---------------------------------------------------------------------------------------------
# Outcomes and performances (課程學習成果、多元表現名冊), per school year, RULES.md §2.4–2.5, §3


def blob_problem(blob: Blob) -> str:
    """Why a blob cannot be sent, or ``""``: marked damaged, or no stored copy (primary or
    replica) exists with the recorded size. Size only — hashing every file is the package
    builder's job."""
    if blob.damaged_at is not None:
        return _("檔案已損毀，需要重新上傳。")
    for storage in (blob_storage(), replica_storage()):
        if storage is None:
            continue
        try:
            if storage.exists(blob.storage_name) and storage.size(blob.storage_name) == blob.size:
                return ""
        except OSError:
            continue
    return _("找不到檔案內容或大小不符，需要重新上傳。")


def _check_files(
    problems: list[Problem], rows: StudentRows, title: str, row: dict[str, Any], url: str
) -> None:
    by_sha = {blob.sha256: blob for blob in rows.blobs}
    for role in ("document", "media"):
        entry = row.get(role)
        if not entry:
            continue
        blob = by_sha.get(entry["sha256"])
        reason = blob_problem(blob) if blob else _("找不到檔案紀錄。")
        if reason:
            problems.append(
                Problem(
                    rows.student,
                    rows.roster,
                    _("文件") if role == "document" else _("影音檔案"),
                    _("「%(title)s」的檔案「%(name)s」：%(reason)s")
                    % {"title": title, "name": entry["name"], "reason": reason},
                    fix_url=url,
                )
            )


def _title(text: str) -> str:
    return text if len(text) <= 20 else text[:20] + "…"


def check_outcomes(rows: StudentRows, rules: RuleSet) -> list[Problem]:
    """Ticked outcomes: certified, described within the limit, with readable files (§2.4, §4)."""
    problems: list[Problem] = []
    url = _cabinet_url(rows.student, "outcomes")

    def add(field: str, message: str) -> None:
        problems.append(Problem(rows.student, rows.roster, field, message, fix_url=url))

    for row in rows.records:
        title = _title(row["description"] or row["subject_name"])
        if row["certification_status"] != "certified":
            add(_("認證狀態"), _("「%(title)s」已勾選但尚未通過認證。") % {"title": title})
        description = row["description"] or ""
        if not description.strip():
            add(_("課程學習成果簡述"), _("「%(title)s」缺少簡述。") % {"title": title})
        elif len(description) > rules.description_max_chars:
            add(
                _("課程學習成果簡述"),
                _("「%(title)s」的簡述有 %(n)d 字，超過 %(max)d 字上限。")
                % {"title": title, "n": len(description), "max": rules.description_max_chars},
            )
        if not row.get("document") and not row.get("media"):
            add(_("檔案"), _("「%(title)s」沒有文件也沒有影音檔案。") % {"title": title})
        _check_files(problems, rows, title, row, url)
    return problems


def check_performances(rows: StudentRows, rules: RuleSet) -> list[Problem]:
    """Ticked performances: a description within the limit and readable files (§2.5)."""
    problems: list[Problem] = []
    url = _cabinet_url(rows.student, "performances")
    for row in rows.records:
        title = _title(row["title"])
        description = row["description"] or ""
        if not description.strip():
            problems.append(
                Problem(
                    rows.student,
                    rows.roster,
                    _("內容簡述"),
                    _("「%(title)s」缺少內容簡述。") % {"title": title},
                    fix_url=url,
                )
            )
        elif len(description) > rules.description_max_chars:
            problems.append(
                Problem(
                    rows.student,
                    rows.roster,
                    _("內容簡述"),
                    _("「%(title)s」的內容簡述有 %(n)d 字，超過 %(max)d 字上限。")
                    % {"title": title, "n": len(description), "max": rules.description_max_chars},
                    fix_url=url,
                )
            )
        _check_files(problems, rows, title, row, url)
    return problems


def check_caps(students: Sequence[Student], school_year: int, rosters: set[str]) -> list[Problem]:
    """Ticks over the yearly caps (RULES.md §3). The database's slot constraint should make
    this impossible; if it happens, it must be seen before anything is sent."""
    rules = RuleSet.for_year(school_year)
    caps = {
        TickKind.OUTCOME: (Roster.OUTCOMES, rules.outcome_tick_cap, _("課程學習成果")),
        TickKind.PERFORMANCE: (Roster.PERFORMANCES, rules.performance_tick_cap, _("多元表現")),
    }
    by_id = {s.pk: s for s in students}
    counts = (
        tick_slots(students, school_year)
        .values("student_id", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    problems: list[Problem] = []
    for row in counts:
        roster, cap, label = caps[TickKind(row["kind"])]
        if roster in rosters and row["n"] > cap:
            student = by_id[row["student_id"]]
            problems.append(
                Problem(
                    student,
                    roster,
                    _("勾選件數"),
                    _("%(year)s 學年度勾選%(label)s %(n)d 件，超過上限 %(cap)d 件。")
                    % {"year": school_year, "label": label, "n": row["n"], "cap": cap},
                    fix_url=_cabinet_url(student, "ticks"),
                )
            )
    return problems


# ---------------------------------------------------------------------------------------------


def precheck(
    school: School,
    school_year: int,
    semester: int,
    rosters: Iterable[str],
    students: Iterable[Student] | None = None,
) -> list[Problem]:
    """Pre-check (預檢) the rosters of a term (semester rosters) or a school year (yearly
    rosters, ``semester`` 0) for every student in them, or only ``students``.

    Returns problems ordered by student number, then roster order, then as found. Reads only;
    file checks touch the blob storages (exists and size of each ticked file).
    """
    wanted = [r for r in Roster if r in set(rosters)]
    people = (
        list(students) if students is not None else list(students_in(school, school_year, semester))
    )
    people.sort(key=lambda s: s.student_number)
    term = (
        Term.objects.filter(school=school, school_year=school_year, semester=semester).first()
        if semester
        else None
    )
    rules = RuleSet.for_year(school_year)
    problems: list[Problem] = []
    for student in people:
        for roster in wanted:
            if roster in SEMESTER_ROSTERS and not semester:
                continue
            if roster == Roster.BASIC:
                problems += check_basic(rows_for(roster, student, school_year, semester), term)
            elif roster == Roster.COURSE_RECORDS:
                problems += check_course_records(student, term, semester)
            elif roster == Roster.OUTCOMES:
                problems += check_outcomes(rows_for(roster, student, school_year, 0), rules)
            elif roster == Roster.PERFORMANCES:
                problems += check_performances(rows_for(roster, student, school_year, 0), rules)
    if set(wanted) - SEMESTER_ROSTERS:
        caps = check_caps(people, school_year, set(wanted))
        order = {s.pk: i for i, s in enumerate(people)}
        problems = sorted(
            problems + caps,
            key=lambda p: (order[p.student.pk], wanted.index(Roster(p.roster))),
        )
    return problems


def summarize(problems: Sequence[Problem]) -> dict[str, int]:
    """Counts by severity plus the number of students with an error."""
    counts = Counter(p.severity for p in problems)
    return {
        "errors": counts[Severity.ERROR],
        "warnings": counts[Severity.WARNING],
        "infos": counts[Severity.INFO],
        "students_with_errors": len({p.student.pk for p in problems if p.is_error}),
    }
