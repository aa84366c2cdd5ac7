"""``manage.py print_demo_logins``: the demo logins, one per role (for ``make run``)."""

from typing import Any

from django.core.management.base import BaseCommand

from schools.demo import DEMO_LOGINS, DEMO_PASSWORD

from .load_demo_school import format_table


class Command(BaseCommand):
    help = "Print the demo logins (role, username, password)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write("示範帳號（Demo logins）")
        rows = [(role, username, DEMO_PASSWORD) for role, username in DEMO_LOGINS]
        self.stdout.write(format_table(("角色 Role", "帳號 Username", "密碼 Password"), rows))
