"""Register a school with the central database and print its API token once."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from central.actions import register_school


class Command(BaseCommand):
    help = "Register (or re-key) a school allowed to deliver packages; prints its token once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--code", required=True, help="6-character school code")
        parser.add_argument("--name", required=True, help="school name")

    def handle(self, *args: Any, **options: Any) -> None:
        school, token = register_school(code=options["code"], name=options["name"])
        self.stdout.write(f"{school}: token (shown once, store it as LICHENG_CENTRAL_TOKEN):")
        self.stdout.write(token)
