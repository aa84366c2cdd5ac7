"""Register the demo school 389301 with the central database, using the token the school side
is configured with (settings.LICHENG_CENTRAL_TOKEN), so the demo delivers to itself."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from central.actions import register_school

DEMO_CODE = "389301"
DEMO_NAME = "私立歷程高級商工職業學校"


class Command(BaseCommand):
    help = "Register the demo school 389301 with the token in LICHENG_CENTRAL_TOKEN (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        school, _token = register_school(
            code=DEMO_CODE, name=DEMO_NAME, token=settings.LICHENG_CENTRAL_TOKEN
        )
        self.stdout.write(f"central: {school} may deliver with LICHENG_CENTRAL_TOKEN")
