"""``manage.py load_demo_school``: create (or complete) the fictional demo school.

Safe to run again: a second run creates nothing. See :mod:`schools.demo` (school, people,
courses) and :mod:`portfolios.demo` (windows and portfolio items with real files).
"""

import unicodedata
from collections.abc import Sequence
from typing import Any

from django.core.management.base import BaseCommand

from portfolios.demo import count_portfolio_rows, load_demo_portfolios
from schools.demo import load_demo_school


def _width(text: str) -> int:
    """Terminal columns of ``text``: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    """A plain-text table whose columns line up in a terminal, CJK included."""
    widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True))
        for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


class Command(BaseCommand):
    help = (
        "Create the fictional demo school 389301, its portfolio items and one demo login per "
        "role (idempotent)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        progress = self.stdout if options["verbosity"] > 1 else None
        summary = load_demo_school(stdout=progress)
        before = count_portfolio_rows(summary.school)
        portfolio_counts = load_demo_portfolios(stdout=progress)
        self.stdout.write(self.style.SUCCESS(f"示範學校已就緒：{summary.school}"))
        self.stdout.write(
            format_table(
                ("資料", "筆數", "本次新增"),
                [(k, str(v), str(summary.created.get(k, 0))) for k, v in summary.counts.items()]
                + [(k, str(v), str(v - before.get(k, 0))) for k, v in portfolio_counts.items()],
            )
        )
        self.stdout.write("")
        self.stdout.write("示範帳號（Demo logins）")
        self.stdout.write(format_table(("角色", "帳號", "密碼"), summary.logins))
