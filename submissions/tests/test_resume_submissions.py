"""Interrupted builds and deliveries are picked up again (RELIABILITY.md F6)."""

import datetime
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from submissions.models import Submission, SubmissionStatus

pytestmark = pytest.mark.django_db


class _Recorder:
    """Stands in for a task: records what would have been enqueued."""

    def __init__(self, calls: list[int]) -> None:
        self.calls = calls

    def enqueue(self, pk: int) -> None:
        self.calls.append(pk)


def _submission(
    school: Any, user: Any, status: str, *, age_minutes: int, **extra: Any
) -> Submission:
    submission = Submission.objects.create(
        school=school,
        school_year=114,
        semester=0,
        rosters=["outcomes"],
        created_by=user,
        status=status,
        **extra,
    )
    Submission.objects.filter(pk=submission.pk).update(
        updated_at=timezone.now() - datetime.timedelta(minutes=age_minutes)
    )
    return submission


def test_interrupted_and_due_submissions_are_re_enqueued_f6(
    monkeypatch: pytest.MonkeyPatch, django_user_model: Any
) -> None:
    from schools.models import School

    school = School.objects.create(code="654321", name="測試高中")
    user = django_user_model.objects.create_user(username="registrar-x", password="x")
    stuck_build = _submission(school, user, SubmissionStatus.BUILDING, age_minutes=60)
    stuck_delivery = _submission(school, user, SubmissionStatus.DELIVERING, age_minutes=60)
    fresh = _submission(school, user, SubmissionStatus.DELIVERING, age_minutes=1)
    due = _submission(
        school,
        user,
        SubmissionStatus.DELIVERING,
        age_minutes=1,
        next_attempt_at=timezone.now() - datetime.timedelta(minutes=1),
    )
    _submission(school, user, SubmissionStatus.ACCEPTED, age_minutes=600)
    built: list[int] = []
    delivered: list[int] = []
    command = "submissions.management.commands.resume_submissions"
    monkeypatch.setattr(f"{command}.build_and_deliver", _Recorder(built))
    monkeypatch.setattr(f"{command}.deliver_task", _Recorder(delivered))

    out = StringIO()
    call_command("resume_submissions", stdout=out)

    assert sorted(built) == sorted([stuck_build.pk, stuck_delivery.pk])
    assert delivered == [due.pk]
    assert fresh.pk not in built + delivered
    assert "resumed 2 interrupted, 1 due retries" in out.getvalue()
