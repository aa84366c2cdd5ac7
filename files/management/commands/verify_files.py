"""manage.py verify_files: the fixity audit (RELIABILITY.md D3, F4)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from files.audit import CATEGORY_LABELS, verify_blobs


class Command(BaseCommand):
    help = (
        "Re-hash every blob in the primary and replica storages; list missing, changed and "
        "untracked copies with the students affected. Exit status 1 when problems remain."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--repair",
            action="store_true",
            help="Copy bad copies from a copy whose SHA-256 matches the recorded value.",
        )
        parser.add_argument(
            "--untracked-grace-hours",
            type=float,
            default=24,
            help="Files without a row younger than this are in-flight uploads, not problems.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_blobs(
            repair=options["repair"], untracked_grace_hours=options["untracked_grace_hours"]
        )
        for p in report.problems:
            students = "、".join(p.students) or "—"
            status = f"（{p.note}）" if p.note else ""
            self.stdout.write(
                f"{p.category}\t{CATEGORY_LABELS[p.category]}\t{p.location}\t{p.name}\t"
                f"學生：{students}{status}"
            )
        self.stdout.write(
            f"檢查 {report.checked} 個檔案內容：問題 {len(report.problems)} 個，"
            f"已修復 {len(report.problems) - len(report.unresolved)} 個，"
            f"沒有完好副本 {len(report.damaged)} 個，上傳中 {len(report.pending)} 個。"
        )
        if report.unresolved:
            raise CommandError(f"{len(report.unresolved)} 個問題尚未解決", returncode=1)
