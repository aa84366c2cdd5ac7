"""``manage.py resume_submissions [--every SECONDS]``: pick up interrupted and due deliveries.

A worker that died mid-build or mid-delivery leaves its submission BUILDING or DELIVERING, and
a retry whose queued task was lost is due but never runs (RELIABILITY.md F6). Both are
re-enqueued; the task worker (``manage.py db_worker``) runs them. A submission that already has
a task waiting in the queue, or one started less than ``INTERRUPTED_AFTER`` ago, is left alone,
so running this often never doubles an attempt.

``make run`` runs it once at start and then every 5 minutes beside the worker
(``--every 300``); a production deployment can do the same or run it from cron.
"""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db.models import Q
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from submissions.delivery import INTERRUPTED_AFTER, interrupted_submissions
from submissions.models import Submission, SubmissionStatus
from submissions.tasks import build_and_deliver, deliver_task

#: The tasks that take a submission id as their one argument.
TASK_PATHS = (build_and_deliver.module_path, deliver_task.module_path)


def queued_submission_ids() -> set[int]:
    """Submissions with a build or delivery task waiting in the database queue, or running and
    started less than INTERRUPTED_AFTER ago (django-tasks-db's ``DBTaskResult`` rows)."""
    recent = timezone.now() - INTERRUPTED_AFTER
    rows = DBTaskResult.objects.filter(task_path__in=TASK_PATHS).filter(
        Q(status=TaskResultStatus.READY)
        | Q(status=TaskResultStatus.RUNNING, started_at__gte=recent)
    )
    ids: set[int] = set()
    for args_kwargs in rows.values_list("args_kwargs", flat=True):
        args = (args_kwargs or {}).get("args") or []
        if args and isinstance(args[0], int):
            ids.add(args[0])
    return ids


def resume() -> tuple[int, int]:
    """Enqueue interrupted builds/deliveries and due retries that have no task queued;
    returns (interrupted, due) counts enqueued."""
    queued = queued_submission_ids()
    interrupted = [pk for pk in interrupted_submissions() if pk not in queued]
    for pk in interrupted:
        build_and_deliver.enqueue(pk)
    due = [
        pk
        for pk in Submission.objects.filter(
            status=SubmissionStatus.DELIVERING, next_attempt_at__lte=timezone.now()
        ).values_list("pk", flat=True)
        if pk not in queued
    ]
    for pk in due:
        deliver_task.enqueue(pk)
    return len(interrupted), len(due)


class Command(BaseCommand):
    help = "Re-enqueue interrupted builds/deliveries and retries that are due."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--every",
            type=int,
            default=0,
            metavar="SECONDS",
            help="Keep running, checking every SECONDS seconds (default: once).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        every = options["every"]
        while True:
            interrupted, due = resume()
            if interrupted or due or not every:
                self.stdout.write(f"resumed {interrupted} interrupted, {due} due retries")
                self.stdout.flush()
            if not every:
                return
            time.sleep(every)
