"""Delivery to the central database: the whole exchange in one process (RULES.md §5,
RELIABILITY.md F6): build from real snapshots, deliver through the central API, receipt,
locked ticks, versions; a dropped connection then a successful retry; refusals."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from central.models import CentralRecord, PackageStatus, ReceivedPackage
from central.tests.exchange import SCHOOL_CODE, YEAR, Exchange, exchange_fixture, stores_fixture  # noqa: F401
from portfolios.models import TickSlot
from submissions import delivery
from submissions.central_client import (
    CentralClient,
    CentralRefused,
    CentralUnavailable,
    InProcessTransport,
    Response,
)
from submissions.delivery import backoff, deliver_submission, retry_due_deliveries
from submissions.models import Roster, SubmissionStatus
from submissions.package import build_package
from submissions.tasks import build_and_deliver


def test_build_and_deliver_gets_receipt_locks_ticks_and_stores_versions(
    exchange: Exchange,
) -> None:
    submission = exchange.submit()

    build_and_deliver.enqueue(submission.pk)

    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.ACCEPTED, submission.error
    assert submission.delivery_attempts == 1
    assert submission.delivered_at is not None
    receipt = submission.receipt
    assert receipt["package_id"] == str(submission.code)
    assert receipt["status"] == "accepted"
    assert (receipt["school_code"], receipt["school_year"], receipt["semester"]) == (
        SCHOOL_CODE,
        YEAR,
        0,
    )
    lines = {line["national_id"]: line for line in receipt["students"]}
    assert set(lines) == {s.national_id for s in exchange.students}
    first = lines[exchange.students[0].national_id]
    blob = exchange.outcomes[0].document_blob
    assert blob is not None
    assert first["roster"] == "outcomes"
    assert (first["record_count"], first["file_count"], first["version"]) == (1, 1, 1)
    assert first["sha256s"] == [blob.sha256]
    # ticks of the submitted items are locked (RULES.md §3)
    assert TickSlot.objects.filter(locked_at__isnull=True).count() == 0
    # the central side holds the data and the file, in its own store
    record = CentralRecord.objects.get(national_id=exchange.students[0].national_id)
    assert (record.version, record.is_current, record.school_code) == (1, True, SCHOOL_CODE)
    assert record.records[0]["item_code"] == str(exchange.outcomes[0].code)
    # and the school side reads it back through the API
    held = CentralClient().fetch_student_records(SCHOOL_CODE, exchange.students[0].national_id)
    assert [(r["roster"], r["version"]) for r in held] == [("outcomes", 1)]
    assert held[0]["records"] == record.records
    assert CentralClient().fetch_receipt(submission.code) == receipt


def test_resubmission_is_a_new_version_and_the_old_one_is_kept(exchange: Exchange) -> None:
    first = exchange.submit()
    build_and_deliver.enqueue(first.pk)
    exchange.outcomes[0].description = "更正後的簡述"
    exchange.outcomes[0].save()
    second = exchange.submit(version=2, students=[exchange.students[0]])

    build_and_deliver.enqueue(second.pk)

    second.refresh_from_db()
    assert second.status == SubmissionStatus.ACCEPTED, second.error
    assert second.receipt["students"][0]["version"] == 2
    versions = CentralRecord.objects.filter(national_id=exchange.students[0].national_id)
    assert [(r.version, r.is_current) for r in versions] == [(2, True), (1, False)]
    held = CentralClient().fetch_student_records(SCHOOL_CODE, exchange.students[0].national_id)
    assert held[0]["records"][0]["description"] == "更正後的簡述"


class DropAfterSending:
    """The connection drops after the central side received (and committed) the package."""

    def __init__(self, drops: int = 1) -> None:
        self.inner = InProcessTransport("test-central-token")
        self.drops = drops
        self.sent = 0

    def request(self, method: str, path: str, **kwargs: Any) -> Response:
        response = self.inner.request(method, path, **kwargs)
        self.sent += 1
        if self.drops:
            self.drops -= 1
            raise CentralUnavailable("connection reset by peer")
        return response


def test_connection_dropped_mid_delivery_then_retry_gets_the_same_receipt_f6(
    exchange: Exchange,
) -> None:
    submission = exchange.submit()
    build_package(submission)
    transport = DropAfterSending()
    before = timezone.now()

    status = deliver_submission(submission.pk, client=CentralClient(transport))

    submission.refresh_from_db()
    assert status == SubmissionStatus.DELIVERING
    assert submission.delivery_attempts == 1
    assert "connection reset" in submission.error
    assert submission.next_attempt_at is not None
    assert submission.next_attempt_at >= before + datetime.timedelta(minutes=1)
    assert ReceivedPackage.objects.filter(status=PackageStatus.ACCEPTED).count() == 1
    records_after_first = CentralRecord.objects.count()

    # the retry comes due; the central side answers with the receipt it already has
    submission.next_attempt_at = timezone.now()
    submission.save()
    assert retry_due_deliveries(client=CentralClient(transport)) == [SubmissionStatus.ACCEPTED]

    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.ACCEPTED
    assert submission.delivery_attempts == 2
    assert submission.receipt["package_id"] == str(submission.code)
    assert ReceivedPackage.objects.count() == 1
    assert CentralRecord.objects.count() == records_after_first
    assert transport.sent == 2


class Down:
    def request(self, method: str, path: str, **kwargs: Any) -> Response:
        raise CentralUnavailable("timed out")


def test_delivery_fails_after_max_attempts_with_backoff(exchange: Exchange) -> None:
    submission = exchange.submit()
    build_package(submission)
    client = CentralClient(Down())
    for _attempt in range(delivery.MAX_ATTEMPTS):
        deliver_submission(submission.pk, client=client)

    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.FAILED
    assert submission.delivery_attempts == delivery.MAX_ATTEMPTS
    assert submission.error == "timed out"
    assert [backoff(n).total_seconds() / 60 for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert backoff(30) == delivery.RETRY_CAP


class FiveHundred:
    def request(self, method: str, path: str, **kwargs: Any) -> Response:
        return Response(503, b"<html>busy</html>")


def test_5xx_is_retried_and_4xx_is_not(exchange: Exchange) -> None:
    submission = exchange.submit()
    build_package(submission)
    assert deliver_submission(submission.pk, client=CentralClient(FiveHundred())) == (
        SubmissionStatus.DELIVERING
    )

    class Refuses:
        def request(self, method: str, path: str, **kwargs: Any) -> Response:
            body = {"error": "stale_version", "detail": "older than v3"}
            return Response(409, json.dumps(body).encode())

    assert deliver_submission(submission.pk, client=CentralClient(Refuses())) == (
        SubmissionStatus.REJECTED
    )
    submission.refresh_from_db()
    assert submission.error == "stale_version: older than v3"
    assert TickSlot.objects.filter(locked_at__isnull=False).count() == 0


def test_wrong_token_is_refused_not_retried(exchange: Exchange) -> None:
    submission = exchange.submit()
    build_package(submission)
    client = CentralClient(InProcessTransport("not-a-token"))

    assert deliver_submission(submission.pk, client=client) == SubmissionStatus.REJECTED
    submission.refresh_from_db()
    assert submission.error.startswith("unauthorized")
    with pytest.raises(CentralRefused) as refused:
        client.fetch_student_records(SCHOOL_CODE, exchange.students[0].national_id)
    assert refused.value.status == 401


def test_damaged_local_package_is_rebuilt_before_sending(exchange: Exchange) -> None:
    submission = exchange.submit()
    path = build_package(submission)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    Path(path).write_bytes(bytes(data))

    assert deliver_submission(submission.pk) == SubmissionStatus.ACCEPTED


def test_performances_roster_with_no_items_delivers_empty_lines(exchange: Exchange) -> None:
    submission = exchange.submit([Roster.PERFORMANCES])

    build_and_deliver.enqueue(submission.pk)

    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.ACCEPTED, submission.error
    assert {line["record_count"] for line in submission.receipt["students"]} == {0}


def test_retry_is_enqueued_on_the_database_queue_with_run_after(
    exchange: Exchange, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    submission = exchange.submit()
    build_package(submission)

    with django_capture_on_commit_callbacks(execute=True):
        deliver_submission(submission.pk, client=CentralClient(Down()))

    submission.refresh_from_db()
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "submissions.tasks.deliver_task"
    assert queued.args_kwargs["args"] == [submission.pk]
    assert queued.run_after == submission.next_attempt_at
