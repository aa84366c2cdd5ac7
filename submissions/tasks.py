"""Background tasks of submissions (Django's tasks framework; the worker is
``manage.py db_worker`` with django-tasks-db; tests use the ImmediateBackend).

Flow: the submit action snapshots inside its transaction and calls ``enqueue_build`` →
``build_and_deliver`` builds the package (progress on the Submission row) and makes the first
delivery attempt → on a retryable failure ``delivery`` re-enqueues ``deliver_task`` with
``run_after`` (exponential backoff) until accepted, rejected or failed.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.tasks import task

from .delivery import FINAL_STATUSES, deliver_submission
from .models import Submission, SubmissionStatus
from .package import PackageError, build_package

logger = logging.getLogger(__name__)


@task()
def build_and_deliver(submission_id: int) -> str:
    """Build the submission's package (unless already built intact), then deliver it once.
    Returns the submission's status. A build failure sets FAILED with the error."""
    submission = Submission.objects.select_related("school").get(pk=submission_id)
    if submission.status in FINAL_STATUSES:
        return submission.status
    try:
        build_package(submission)
    except (PackageError, OSError) as exc:
        logger.exception("building the package of %s failed", submission.code)
        Submission.objects.filter(pk=submission_id).update(
            status=SubmissionStatus.FAILED, error=f"{type(exc).__name__}: {exc}"
        )
        return SubmissionStatus.FAILED
    return deliver_submission(submission_id)


@task()
def deliver_task(submission_id: int) -> str:
    """One (re)delivery attempt; see ``delivery.deliver_submission``."""
    return deliver_submission(submission_id)


def enqueue_build(submission: Submission) -> None:
    """Enqueue ``build_and_deliver`` once the current transaction commits (so the worker sees
    the snapshots)."""
    transaction.on_commit(lambda: build_and_deliver.enqueue(submission.pk))
