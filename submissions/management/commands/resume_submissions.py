"""``manage.py resume_submissions``: pick up interrupted and due deliveries.

Run at start-up (``make run`` does) and from cron every few minutes in production: a worker
that died mid-build or mid-delivery leaves its submission BUILDING or DELIVERING, and a retry
whose queued task was lost is due but never runs. Both are re-enqueued; the worker runs them.
"""

from typing import Any

from django.core.management.base import BaseCommand
from django.db.models import Q
from django.utils import timezone

from submissions.delivery import interrupted_submissions
from submissions.models import Submission, SubmissionStatus
from submissions.tasks import build_and_deliver, deliver_task


class Command(BaseCommand):
    help = "Re-enqueue interrupted builds/deliveries and retries that are due."

    def handle(self, *args: Any, **options: Any) -> None:
        interrupted = interrupted_submissions()
        for pk in interrupted:
            build_and_deliver.enqueue(pk)
        due = list(
            Submission.objects.filter(
                Q(status=SubmissionStatus.DELIVERING, next_attempt_at__lte=timezone.now())
            ).values_list("pk", flat=True)
        )
        for pk in due:
            deliver_task.enqueue(pk)
        self.stdout.write(f"resumed {len(interrupted)} interrupted, {len(due)} due retries")
