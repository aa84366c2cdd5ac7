"""Delivery of a built package to the central database, with retries (RULES.md §5).

One attempt is ``deliver_submission``: it claims the submission, sends the package through
``CentralClient`` and records the outcome on the Submission row:

* accepted → status ACCEPTED, ``receipt`` (收訖明細), ``delivered_at``; the ticks of the
  submitted outcomes and performances are locked (``TickSlot.locked_at``, RULES.md §3: ticks
  lock once the school submits them);
* refused (4xx with a machine-readable reason) → REJECTED with ``error`` = "<code>: <detail>",
  no retry — except ``truncated``/``checksum_mismatch``, which can be damage in transit or on
  disk: the package is re-verified (and rebuilt from the snapshots if damaged) and re-sent;
* unavailable (network, timeout, 5xx) → ``next_attempt_at`` = now + backoff (1, 2, 4 … minutes,
  capped at ``RETRY_CAP``) and the task is re-enqueued with ``run_after``; after
  ``MAX_ATTEMPTS`` attempts → FAILED.

Re-sending is always safe: the central side is idempotent on the package id (RELIABILITY.md
F6, D8).
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from portfolios.models import TickSlot

from .central_client import CentralClient, CentralRefused, CentralUnavailable
from .models import Roster, Submission, SubmissionStatus
from .package import build_package, package_is_intact, package_path

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
RETRY_BASE = datetime.timedelta(minutes=1)
RETRY_CAP = datetime.timedelta(minutes=60)
RETRYABLE_REFUSALS = {"truncated", "checksum_mismatch"}
FINAL_STATUSES = {SubmissionStatus.ACCEPTED, SubmissionStatus.REJECTED, SubmissionStatus.FAILED}


def backoff(attempts: int) -> datetime.timedelta:
    """Wait before the next attempt after ``attempts`` failed ones: 1, 2, 4 … min, capped."""
    return min(RETRY_BASE * (2 ** max(attempts - 1, 0)), RETRY_CAP)


def _claim(submission_id: int) -> Submission | None:
    """Lock the row, count the attempt and mark it DELIVERING (None if already final)."""
    with transaction.atomic():
        submission = (
            Submission.objects.select_for_update().select_related("school").get(pk=submission_id)
        )
        if submission.status in FINAL_STATUSES:
            return None
        submission.status = SubmissionStatus.DELIVERING
        submission.delivery_attempts += 1
        submission.next_attempt_at = None
        submission.save(
            update_fields=["status", "delivery_attempts", "next_attempt_at", "updated_at"]
        )
        return submission


def lock_submitted_ticks(submission: Submission) -> int:
    """Lock the ticks of the outcomes and performances this submission sent; returns how many.

    Item codes come from the snapshots (what was actually sent), not from today's ticks.
    """
    outcome_codes: list[str] = []
    performance_codes: list[str] = []
    for roster, records in submission.snapshots.filter(
        roster__in=[Roster.OUTCOMES, Roster.PERFORMANCES]
    ).values_list("roster", "records"):
        target = outcome_codes if roster == Roster.OUTCOMES else performance_codes
        target.extend(r["item_code"] for r in records if r.get("item_code"))
    now = timezone.now()
    locked = 0
    if outcome_codes:
        locked += TickSlot.objects.filter(
            outcome__code__in=outcome_codes, locked_at__isnull=True
        ).update(locked_at=now)
    if performance_codes:
        locked += TickSlot.objects.filter(
            performance__code__in=performance_codes, locked_at__isnull=True
        ).update(locked_at=now)
    return locked


def _finish(submission: Submission, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(submission, name, value)
    submission.save(update_fields=[*fields, "updated_at"])


def deliver_submission(submission_id: int, *, client: CentralClient | None = None) -> str:
    """One delivery attempt of a built package; returns the submission's new status.

    Side effects: the Submission row (status, attempts, next_attempt_at, error, receipt,
    delivered_at), locked ticks on acceptance, and — when the backend supports deferred
    tasks — the next attempt enqueued (``tasks.deliver_task`` with ``run_after``).
    """
    submission = _claim(submission_id)
    if submission is None:
        return Submission.objects.get(pk=submission_id).status
    try:
        if not package_is_intact(submission):
            logger.warning("package of %s is missing or damaged; rebuilding", submission.code)
            build_package(submission)
            submission.status = SubmissionStatus.DELIVERING
            submission.save(update_fields=["status", "updated_at"])
        client = client or CentralClient()
        receipt = client.deliver(package_path(submission), submission.code)
    except CentralRefused as exc:
        if exc.code in RETRYABLE_REFUSALS:
            return _retry_or_fail(submission, f"{exc.code}: {exc.detail}")
        _finish(
            submission,
            status=SubmissionStatus.REJECTED,
            error=f"{exc.code}: {exc.detail}" if exc.detail else exc.code,
        )
        return submission.status
    except CentralUnavailable as exc:
        return _retry_or_fail(submission, str(exc))
    except Exception as exc:
        logger.exception("delivery of %s failed", submission.code)
        _finish(submission, status=SubmissionStatus.FAILED, error=f"{type(exc).__name__}: {exc}")
        return submission.status
    with transaction.atomic():
        _finish(
            submission,
            status=SubmissionStatus.ACCEPTED,
            receipt=receipt,
            delivered_at=timezone.now(),
            error="",
        )
        lock_submitted_ticks(submission)
    return submission.status


def _retry_or_fail(submission: Submission, error: str) -> str:
    if submission.delivery_attempts >= MAX_ATTEMPTS:
        _finish(submission, status=SubmissionStatus.FAILED, error=error)
        return submission.status
    run_after = timezone.now() + backoff(submission.delivery_attempts)
    _finish(submission, error=error, next_attempt_at=run_after)
    schedule_retry(submission, run_after)
    return submission.status


def schedule_retry(submission: Submission, run_after: datetime.datetime) -> bool:
    """Enqueue the next attempt at ``run_after``; False when the task backend cannot defer
    (ImmediateBackend in tests: the caller drives retries, or ``retry_due_deliveries`` does)."""
    from .tasks import deliver_task

    if not deliver_task.get_backend().supports_defer:
        return False
    deferred = deliver_task.using(run_after=run_after)
    transaction.on_commit(lambda: deferred.enqueue(submission.pk))
    return True


def retry_due_deliveries(*, client: CentralClient | None = None) -> list[str]:
    """Run every due retry now (for backends without deferred tasks, and as a safety net after
    a lost queue); returns the resulting statuses."""
    due = Submission.objects.filter(
        status=SubmissionStatus.DELIVERING, next_attempt_at__lte=timezone.now()
    ).values_list("pk", flat=True)
    return [deliver_submission(pk, client=client) for pk in list(due)]


#: A submission left BUILDING or DELIVERING this long with no retry scheduled was interrupted
#: (its worker died mid-attempt).
INTERRUPTED_AFTER = datetime.timedelta(minutes=15)


def interrupted_submissions(now: datetime.datetime | None = None) -> list[int]:
    """Ids of submissions whose build or delivery was interrupted: BUILDING, or DELIVERING with
    no retry scheduled, untouched for :data:`INTERRUPTED_AFTER` (RELIABILITY.md F6: a lost
    attempt must be picked up again; the central side is idempotent on the package id, so a
    repeated delivery changes nothing)."""
    cutoff = (now or timezone.now()) - INTERRUPTED_AFTER
    return list(
        Submission.objects.filter(updated_at__lt=cutoff)
        .filter(
            models.Q(status=SubmissionStatus.BUILDING)
            | models.Q(status=SubmissionStatus.DELIVERING, next_attempt_at__isnull=True)
        )
        .values_list("pk", flat=True)
    )
