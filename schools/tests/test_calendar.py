"""ROC calendar helpers: 學年度, 學期 and ROC dates (RULES.md §0.1, §2.1)."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schools.calendar import format_roc_date, format_term, roc_year, school_year_of, semester_of


@pytest.mark.parametrize(
    ("day", "school_year", "semester"),
    [
        (datetime.date(2024, 7, 31), 112, 2),
        (datetime.date(2024, 8, 1), 113, 1),
        (datetime.date(2024, 9, 1), 113, 1),
        (datetime.date(2025, 1, 31), 113, 1),
        (datetime.date(2025, 2, 1), 113, 2),
        (datetime.date(2025, 7, 31), 113, 2),
    ],
)
def test_school_year_starts_1_august_and_semester_2_starts_1_february_r0_1(
    day: datetime.date, school_year: int, semester: int
) -> None:
    assert (school_year_of(day), semester_of(day)) == (school_year, semester)


@given(day=st.dates(min_value=datetime.date(1950, 1, 1), max_value=datetime.date(2150, 12, 31)))
def test_every_day_falls_in_the_school_year_that_began_on_the_last_1_august_r0_1(
    day: datetime.date,
) -> None:
    year = school_year_of(day)
    start = datetime.date(year + 1911, 8, 1)

    assert start <= day < datetime.date(year + 1912, 8, 1)
    assert semester_of(day) == (1 if day < datetime.date(year + 1912, 2, 1) else 2)


def test_format_term_as_schools_write_it() -> None:
    assert format_term(112, 2) == "112 學年 第 2 學期"


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (datetime.date(2024, 5, 1), "113/05/01"),
        (datetime.date(1915, 1, 2), "004/01/02"),
        (datetime.date(2011, 12, 31), "100/12/31"),
        (None, ""),
    ],
)
def test_format_roc_date_uses_three_digit_year_r2_1(day: datetime.date | None, text: str) -> None:
    assert format_roc_date(day) == text


def test_roc_year() -> None:
    assert roc_year(datetime.date(2024, 5, 1)) == 113
