"""Receipt check (收訖明細確認): the registrar opens a period of at least 3 days, students see
what the central database holds and mark it correct or disputed, staff see disputes, fix and
resubmit a new version, and the student sees the corrected record (RULES.md §3, §5 steps 3–4).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from audit.models import AuditEvent
from central.actions import register_school
from schools.models import CourseRecord
from submissions.models import (
    CheckPeriod,
    ConfirmationStatus,
    ReceiptConfirmation,
    Submission,
    SubmissionStatus,
)

from .precheck_world import (
    SCHOOL_CODE,
    World,
    build_world,
    course_code,
    make_user,
    open_period,
    submit_accepted,
)

TOKEN = "test-central-token"  # config/settings/test.py


@pytest.fixture
def w(db: object) -> World:
    world = build_world()
    register_school(code=SCHOOL_CODE, name="歷程高中", token=TOKEN)
    return world


def _local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


# --- check period -----------------------------------------------------------------------------


def test_check_period_shorter_than_3_days_is_refused_r3(
    w: World, client, django_capture_on_commit_callbacks
) -> None:
    submission = submit_accepted(w, django_capture_on_commit_callbacks)
    client.force_login(w.registrar)
    start = timezone.now().replace(second=0, microsecond=0)
    resp = client.post(
        f"/registrar/submissions/{submission.code}/check-period/",
        {
            "opens_at": _local(start),
            "closes_at": _local(start + datetime.timedelta(days=2, hours=23)),
        },
    )
    assert resp.status_code == 400
    assert "收訖確認期間至少需 3 天，您設定的期間只有 2 天 23 小時。" in resp.content.decode()
    assert CheckPeriod.objects.count() == 0


def test_check_period_of_3_days_is_opened_and_audited_r3(
    w: World, client, django_capture_on_commit_callbacks
) -> None:
    submission = submit_accepted(w, django_capture_on_commit_callbacks)
    client.force_login(w.registrar)
    # From the next whole minute: a start already past would have to leave 3 days from now.
    start = timezone.now().replace(second=0, microsecond=0) + datetime.timedelta(minutes=1)
    resp = client.post(
        f"/registrar/submissions/{submission.code}/check-period/",
        {"opens_at": _local(start), "closes_at": _local(start + datetime.timedelta(days=3))},
    )
    assert resp.status_code == 302
    period = CheckPeriod.objects.get()
    assert period.closes_at - period.opens_at == datetime.timedelta(days=3)
    assert AuditEvent.objects.filter(action="check_period.opened", actor=w.registrar).exists()


def test_overlapping_check_period_is_refused_and_a_later_one_is_opened(
    w: World, client, django_capture_on_commit_callbacks
) -> None:
    """Two tabs (or a second click) cannot open two periods at once; after the first one, a
    new period may follow it."""
    submission = submit_accepted(w, django_capture_on_commit_callbacks)
    client.force_login(w.registrar)
    start = timezone.now().replace(second=0, microsecond=0) + datetime.timedelta(minutes=1)
    url = f"/registrar/submissions/{submission.code}/check-period/"
    first = {"opens_at": _local(start), "closes_at": _local(start + datetime.timedelta(days=3))}
    assert client.post(url, first).status_code == 302
    overlapping = {
        "opens_at": _local(start + datetime.timedelta(days=1)),
        "closes_at": _local(start + datetime.timedelta(days=5)),
    }
    resp = client.post(url, overlapping)
    assert resp.status_code == 400
    shown = timezone.localtime(start).strftime("%Y-%m-%d %H:%M")
    assert f"這個提交已有收訖確認期間 {shown} – " in resp.content.decode()
    assert "重疊；同一時間只能有一個確認期間。" in resp.content.decode()
    assert CheckPeriod.objects.count() == 1
    later = {
        "opens_at": _local(start + datetime.timedelta(days=3)),
        "closes_at": _local(start + datetime.timedelta(days=6)),
    }
    assert client.post(url, later).status_code == 302
    assert CheckPeriod.objects.count() == 2


def test_check_period_started_in_the_past_needs_3_days_left_from_now_r3(
    w: World, client, django_capture_on_commit_callbacks
) -> None:
    """Four days long but started two days ago: only 2 days 12 hours are left for students."""
    submission = submit_accepted(w, django_capture_on_commit_callbacks)
    client.force_login(w.registrar)
    now = timezone.localtime().replace(second=30, microsecond=0)
    with time_machine.travel(now, tick=False):
        resp = client.post(
            f"/registrar/submissions/{submission.code}/check-period/",
            {
                "opens_at": _local(now - datetime.timedelta(days=2)),
                "closes_at": _local(now + datetime.timedelta(days=2, hours=12)),
            },
        )
    assert resp.status_code == 400
    assert (
        "收訖確認期間從現在起至少需 3 天；開始時間已過，距截止時間只剩 2 天 12 小時。"
        "請延後截止時間。"
    ) in resp.content.decode()
    assert CheckPeriod.objects.count() == 0


def test_check_period_started_in_the_past_with_3_days_left_is_opened_r3(
    w: World, client, django_capture_on_commit_callbacks
) -> None:
    submission = submit_accepted(w, django_capture_on_commit_callbacks)
    client.force_login(w.registrar)
    now = timezone.localtime().replace(second=30, microsecond=0)
    with time_machine.travel(now, tick=False):
        resp = client.post(
            f"/registrar/submissions/{submission.code}/check-period/",
            {
                "opens_at": _local(now - datetime.timedelta(hours=2)),
                "closes_at": _local(now + datetime.timedelta(days=3)),
            },
        )
    assert resp.status_code == 302
    assert CheckPeriod.objects.count() == 1


def test_accepted_submission_without_a_period_prompts_to_open_one(
    w: World, client, django_capture_on_commit_callbacks
) -> None:
    """E.g. a resubmitted v2: accepted, no period yet — the page says so and links to the form;
    once a period is open (or still to come) the prompt is gone. A yearly submission's title
    reads 整學年, never 第 0 學期."""
    submission = submit_accepted(
        w, django_capture_on_commit_callbacks, ["outcomes", "performances"]
    )
    client.force_login(w.registrar)
    url = f"/registrar/submissions/{submission.code}/"
    html = client.get(url).content.decode()
    assert 'data-testid="period-prompt"' in html
    assert "中央資料庫已收訖，但還沒有開放收訖確認期間。" in html
    assert 'href="#check-period"' in html
    # A page that was polling while it delivered reloads whole once delivery has ended.
    polled = client.get(url, headers={"HX-Request": "true"})
    assert polled["HX-Refresh"] == "true"
    assert "114 學年度（整學年） · 第 1 版" in html
    assert "第 0 學期" not in html
    listing = client.get("/registrar/submissions/").content.decode()
    assert "114 學年度（整學年）" in listing and "第 0 學期" not in listing
    open_period(submission, w)
    assert 'data-testid="period-prompt"' not in client.get(url).content.decode()


def test_check_period_needs_an_accepted_submission(w: World, client) -> None:
    submission = Submission.objects.create(
        school=w.school, school_year=114, semester=1, rosters=["basic"], created_by=w.registrar
    )
    client.force_login(w.registrar)
    start = timezone.now()
    resp = client.post(
        f"/registrar/submissions/{submission.code}/check-period/",
        {"opens_at": _local(start), "closes_at": _local(start + datetime.timedelta(days=5))},
    )
    assert resp.status_code == 400
    assert "中央資料庫尚未收訖這個資料包（目前狀態：打包中），不能開放收訖確認。" in (
        resp.content.decode()
    )
    assert CheckPeriod.objects.count() == 0


# --- the student's side -----------------------------------------------------------------------


def test_student_sees_what_the_central_database_holds_with_masked_id(
    w: World, client, django_capture_on_commit_callbacks
) -> None:
    submission = submit_accepted(w, django_capture_on_commit_callbacks)
    yearly = submit_accepted(w, django_capture_on_commit_callbacks, ["outcomes", "performances"])
    open_period(submission, w)
    student = w.students[0]
    client.force_login(student.user)
    html = client.get(f"/receipts/{submission.code}/").content.decode()
    assert student.masked_id in html
    assert student.national_id not in html
    assert course_code(subject="01") in html
    assert "88.5" in html
    assert 'data-testid="confirm-form"' in html
    listing = client.get("/receipts/").content.decode()
    outcome = w.outcome_of(student)
    assert outcome.document_name in listing  # files with names and sizes
    assert student.national_id not in listing
    assert f"/receipts/{submission.code}/" in listing
    assert f"/receipts/{yearly.code}/" not in listing  # no check period for it yet


def test_student_disputes_with_a_required_note(
    w: World, client, django_capture_on_commit_callbacks
) -> None:
    submission = submit_accepted(w, django_capture_on_commit_callbacks)
    open_period(submission, w)
    client.force_login(w.students[0].user)
    url = f"/receipts/{submission.code}/"
    resp = client.post(url, {"status": "disputed", "note": "  "})
    assert resp.status_code == 400
    assert "資料有誤時請說明哪裡有誤。" in resp.content.decode()
    resp = client.post(url, {"status": "disputed", "note": "誤" * 501})
    assert "說明最多 500 字，目前 501 字。" in resp.content.decode()
    assert ReceiptConfirmation.objects.count() == 0
    resp = client.post(url, {"status": "disputed", "note": "數學成績應為 98.5 分"})
    assert resp.status_code == 302
    confirmation = ReceiptConfirmation.objects.get()
    assert (confirmation.student, confirmation.status, confirmation.note) == (
        w.students[0],
        ConfirmationStatus.DISPUTED,
        "數學成績應為 98.5 分",
    )
    assert AuditEvent.objects.filter(action="receipt.disputed", student=w.students[0]).exists()


def test_student_marks_correct(w: World, client, django_capture_on_commit_callbacks) -> None:
    submission = submit_accepted(w, django_capture_on_commit_callbacks)
    open_period(submission, w)
    client.force_login(w.students[1].user)
    resp = client.post(f"/receipts/{submission.code}/", {"status": "correct", "note": ""})
    assert resp.status_code == 302
    assert ReceiptConfirmation.objects.get().status == ConfirmationStatus.CORRECT


def test_outside_the_period_the_receipt_is_read_only_with_its_dates(
    w: World, client, django_capture_on_commit_callbacks
) -> None:
    submission = submit_accepted(w, django_capture_on_commit_callbacks)
    now = timezone.now()
    period = CheckPeriod.objects.create(
        submission=submission,
        opens_at=now - datetime.timedelta(days=10),
        closes_at=now - datetime.timedelta(days=5),
        created_by=w.registrar,
    )
    client.force_login(w.students[0].user)
    html = client.get(f"/receipts/{submission.code}/").content.decode()
    assert 'data-testid="confirm-form"' not in html
    assert timezone.localtime(period.opens_at).strftime("%Y-%m-%d %H:%M") in html
    assert "目前不在確認期間內，僅供檢視。" in html
    resp = client.post(f"/receipts/{submission.code}/", {"status": "correct"})
    assert "目前不在收訖確認期間內。" in resp.content.decode()
    assert ReceiptConfirmation.objects.count() == 0


def test_a_submission_that_did_not_carry_the_student_is_404(
    w: World, client, django_capture_on_commit_callbacks
) -> None:
    only_first = submit_accepted(w, django_capture_on_commit_callbacks, students=[w.students[0]])
    open_period(only_first, w)
    client.force_login(w.students[1].user)
    assert client.get(f"/receipts/{only_first.code}/").status_code == 404
    resp = client.post(f"/receipts/{only_first.code}/", {"status": "disputed", "note": "x"})
    assert resp.status_code == 404
    assert ReceiptConfirmation.objects.count() == 0


@pytest.mark.parametrize("who", ["registrar", "teacher", "nobody"])
def test_receipt_pages_are_for_students_only(
    w: World, client, who: str, django_capture_on_commit_callbacks
) -> None:
    submission = submit_accepted(w, django_capture_on_commit_callbacks)
    user = {"registrar": w.registrar, "teacher": w.teacher.user, "nobody": make_user("n")}[who]
    client.force_login(user)
    assert client.get("/receipts/").status_code == 404
    assert client.get(f"/receipts/{submission.code}/").status_code == 404


# --- staff: disputes, fix, resubmit -------------------------------------------------------------


def test_dispute_fix_resubmit_new_receipt_and_the_student_sees_the_correction_r5_4(
    w: World, client, django_capture_on_commit_callbacks
) -> None:
    first = submit_accepted(w, django_capture_on_commit_callbacks)
    open_period(first, w)
    disputer, other = w.students
    # The student disputes one line.
    client.force_login(disputer.user)
    client.post(f"/receipts/{first.code}/", {"status": "disputed", "note": "數學成績應為 98.5 分"})
    client.force_login(other.user)
    client.post(f"/receipts/{first.code}/", {"status": "correct"})
    # The registrar sees the dispute with its note and the links to fix it.
    client.force_login(w.registrar)
    html = client.get(f"/registrar/submissions/{first.code}/").content.decode()
    assert "數學成績應為 98.5 分" in html
    assert f"/admin/schools/student/{disputer.pk}/change/" in html
    assert "資料有誤 1 位・資料正確 1 位" in html
    # Fix the data and resubmit.
    CourseRecord.objects.filter(student=disputer, offering=w.math).update(score=Decimal("98.5"))
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(f"/registrar/submissions/{first.code}/resubmit/")
    second = Submission.objects.exclude(pk=first.pk).get()
    assert resp["Location"] == f"/registrar/submissions/{second.code}/"
    second.refresh_from_db()
    assert second.status == SubmissionStatus.ACCEPTED, second.error
    assert (second.version, second.supersedes, second.student_count) == (2, first, 1)
    assert second.rosters == first.rosters
    assert {s.student_id for s in second.snapshots.all()} == {disputer.pk}
    assert {r["national_id"] for r in second.receipt["students"]} == {disputer.national_id}
    confirmation = ReceiptConfirmation.objects.get(student=disputer)
    assert confirmation.status == ConfirmationStatus.RESOLVED
    assert confirmation.resolved_by_submission == second
    assert ReceiptConfirmation.objects.get(student=other).status == ConfirmationStatus.CORRECT
    assert AuditEvent.objects.filter(action="receipt.resolved").exists()
    # The student sees the corrected record (the central database's version 2).
    open_period(second, w)
    client.force_login(disputer.user)
    html = client.get(f"/receipts/{second.code}/").content.decode()
    central = html.split('data-testid="central-course_records-114-1"')[1]
    assert "98.5" in central
    assert "88.5" not in central  # the old value only in the comparison with version 1
    assert "中央資料庫第 2 版" in html
    old = client.get(f"/receipts/{first.code}/").content.decode()
    assert "學校已更正並提交第 2 版" in old
    assert 'data-testid="confirm-form"' not in old  # resolved: answer the new version instead
    # The other student's record is untouched (still version 1, score 91.0 in 國語文).
    client.force_login(other.user)
    assert "中央資料庫第 1 版" in client.get(f"/receipts/{first.code}/").content.decode()


def test_resubmit_without_disputes_is_refused(
    w: World, client, django_capture_on_commit_callbacks
) -> None:
    first = submit_accepted(w, django_capture_on_commit_callbacks)
    client.force_login(w.registrar)
    resp = client.post(f"/registrar/submissions/{first.code}/resubmit/", follow=True)
    assert "沒有待處理的資料有誤回報。" in resp.content.decode()
    assert Submission.objects.count() == 1


def test_resubmit_is_refused_while_the_fix_breaks_the_precheck(
    w: World, client, django_capture_on_commit_callbacks
) -> None:
    first = submit_accepted(w, django_capture_on_commit_callbacks)
    ReceiptConfirmation.objects.create(
        submission=first, student=w.students[0], status=ConfirmationStatus.DISPUTED, note="x"
    )
    CourseRecord.objects.filter(student=w.students[0], offering=w.math).update(score=None)
    client.force_login(w.registrar)
    resp = client.post(f"/registrar/submissions/{first.code}/resubmit/", follow=True)
    assert "預檢仍有 1 項錯誤，請修正後再提交。" in resp.content.decode()
    assert Submission.objects.count() == 1
    assert ReceiptConfirmation.objects.get().status == ConfirmationStatus.DISPUTED


def test_resubmit_without_a_fix_is_refused_by_name(
    w: World, client, django_capture_on_commit_callbacks
) -> None:
    """Resubmitting data identical to what was disputed would only ask the student again."""
    first = submit_accepted(w, django_capture_on_commit_callbacks)
    ReceiptConfirmation.objects.create(
        submission=first, student=w.students[0], status=ConfirmationStatus.DISPUTED, note="x"
    )
    client.force_login(w.registrar)
    resp = client.post(f"/registrar/submissions/{first.code}/resubmit/", follow=True)
    assert "回報資料有誤的 1 位學生，資料與第 1 版完全相同；請先更正資料，再重新提交。" in (
        resp.content.decode()
    )
    assert Submission.objects.count() == 1
    assert ReceiptConfirmation.objects.get().status == ConfirmationStatus.DISPUTED
    # Once the grade is corrected, the resubmission goes through.
    CourseRecord.objects.filter(student=w.students[0], offering=w.math).update(score=77)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/registrar/submissions/{first.code}/resubmit/")
    assert Submission.objects.count() == 2
    assert ReceiptConfirmation.objects.get().status == ConfirmationStatus.RESOLVED


def test_cabinet_links_to_the_receipt_check(w: World, client) -> None:
    client.force_login(w.students[0].user)
    assert 'href="/receipts/"' in client.get("/cabinet/").content.decode()
