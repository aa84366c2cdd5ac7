"""Delivery over real HTTP (urllib streaming the ZIP from disk) to the central API served by a
live server on 127.0.0.1 — the demo's set-up, where the school delivers to its own server."""

from __future__ import annotations

from typing import Any

import pytest

from central.tests.exchange import TOKEN, Exchange, exchange_fixture, stores_fixture  # noqa: F401
from submissions.central_client import (
    CentralClient,
    CentralRefused,
    CentralUnavailable,
    HttpTransport,
)
from submissions.delivery import deliver_submission
from submissions.models import SubmissionStatus
from submissions.package import build_package


@pytest.mark.django_db(transaction=True)
def test_delivery_over_http_to_a_live_server(exchange: Exchange, live_server: Any) -> None:
    submission = exchange.submit()
    build_package(submission)
    base = f"{live_server.url}/api/central/v1"
    client = CentralClient(HttpTransport(base, TOKEN, timeout=30))

    assert deliver_submission(submission.pk, client=client) == SubmissionStatus.ACCEPTED
    submission.refresh_from_db()
    assert submission.receipt["package_id"] == str(submission.code)
    # the same package again over HTTP: the same receipt
    assert client.deliver(build_package(submission), submission.code) == submission.receipt
    nid = exchange.students[0].national_id
    assert client.fetch_student_records(exchange.school.code, nid)[0]["version"] == 1
    with pytest.raises(CentralRefused) as refused:
        CentralClient(HttpTransport(base, "wrong", timeout=30)).fetch_receipt(submission.code)
    assert refused.value.code == "unauthorized"


def test_unreachable_central_is_unavailable(tmp_path: Any) -> None:
    package = tmp_path / "p.zip"
    package.write_bytes(b"PK")
    client = CentralClient(HttpTransport("http://127.0.0.1:9/api/central/v1", TOKEN, timeout=2))
    with pytest.raises(CentralUnavailable):
        client.deliver(package, "00000000-0000-0000-0000-000000000000")


def test_http_transport_refuses_non_http_urls() -> None:
    with pytest.raises(ValueError, match="http"):
        HttpTransport("file:///etc/passwd", TOKEN, timeout=1)
