"""manage.py sweep_blobs: remove crash leftovers and blobs nothing references."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from files.audit import sweep_blobs


class Command(BaseCommand):
    help = (
        "Delete temporary files, blob files without a row, and Blob rows no item references, "
        "once older than the grace period."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--grace-hours", type=float, default=24)
        parser.add_argument("--dry-run", action="store_true", help="List, delete nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        report = sweep_blobs(grace_hours=options["grace_hours"], dry_run=options["dry_run"])
        verb = "would delete" if options["dry_run"] else "deleted"
        for sha in report.deleted_rows:
            self.stdout.write(f"{verb} row\t{sha}")
        for name in report.deleted_files:
            self.stdout.write(f"{verb} file\t{name}")
        self.stdout.write(
            f"{verb}: {len(report.deleted_rows)} rows, {len(report.deleted_files)} files; "
            f"kept {report.kept_young} younger than the grace period."
        )
