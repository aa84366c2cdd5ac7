"""ROC calendar helpers (民國紀年): school years (學年度) and terms as schools write them.

學年度 N starts on 1 August of AD N+1911; semester 1 runs Aug–Jan, semester 2 Feb–Jul
(RULES.md §0.1 calendar note). Dates are Asia/Taipei local dates.
"""

import datetime

from django.utils.translation import gettext as _

ROC_OFFSET = 1911


def roc_year(day: datetime.date) -> int:
    """The ROC calendar year of a date (2024-05-01 → 113)."""
    return day.year - ROC_OFFSET


def school_year_of(day: datetime.date) -> int:
    """The 學年度 a date falls in (2024-09-01 → 113, 2025-02-01 → 113)."""
    return day.year - ROC_OFFSET - (0 if day.month >= 8 else 1)


def semester_of(day: datetime.date) -> int:
    """1 for August–January, 2 for February–July."""
    return 1 if day.month >= 8 or day.month == 1 else 2


def format_term(school_year: int, semester: int) -> str:
    """A term the way schools write it: ``112 學年 第 2 學期``."""
    return _("%(year)s 學年 第 %(semester)s 學期") % {"year": school_year, "semester": semester}


def format_roc_date(day: datetime.date | None) -> str:
    """An ROC date ``yyy/mm/dd`` (3-digit year), as rosters write it (RULES.md §2.1)."""
    if day is None:
        return ""
    return f"{roc_year(day):03d}/{day.month:02d}/{day.day:02d}"
