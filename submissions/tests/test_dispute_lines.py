"""Disputing one line of a receipt (收訖明細 資料列): the student ticks the wrong line(s) with
or without a note, staff see exactly which lines, resubmit, and the student's receipt of the
new version marks what changed (RULES.md §3, §5 step 4)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Role, RoleAssignment
from audit.models import AuditEvent
from central.actions import register_school
from guardians.tests.factories import GuardianshipFactory
from schools.models import CadreRecord, CourseRecord
from submissions.lines import Line, compare, snapshot_lines
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
MATH = course_code(subject="01")
CHINESE = course_code(subject="02")
MATH_LINE = f"course_records:114-1:{MATH}"
CHINESE_LINE = f"course_records:114-1:{CHINESE}"
CADRE_LINE = "basic:114-1:cadre:2025-09-01|學生會|會長"
PERSONAL_LINE = "basic:114-1:personal"


@pytest.fixture
def w(db: object) -> World:
    world = build_world()
    register_school(code=SCHOOL_CODE, name="歷程高中", token=TOKEN)
    return world


def test_every_line_of_the_receipt_gets_a_checkbox(
    w: World, client, django_capture_on_commit_callbacks
) -> None:
    submission = submit_accepted(w, django_capture_on_commit_callbacks)
    open_period(submission, w)
    client.force_login(w.students[0].user)
    html = client.get(f"/receipts/{submission.code}/").content.decode()
    for line in (PERSONAL_LINE, CADRE_LINE, MATH_LINE, CHINESE_LINE):
        assert f'name="lines" value="{line}"' in html
    assert html.count('data-testid="pick-line"') == 4
    # The overview page is read-only: no checkboxes.
    assert 'name="lines"' not in client.get("/receipts/").content.decode()


def test_yearly_rosters_lines_are_the_items_codes(
    w: World, client, django_capture_on_commit_callbacks
) -> None:
    submission = submit_accepted(
        w, django_capture_on_commit_callbacks, ["outcomes", "performances"]
    )
    open_period(submission, w)
    student = w.students[0]
    lines = snapshot_lines(submission, student)
    outcome = w.outcome_of(student)
    assert f"outcomes:{outcome.code}" in lines
    assert any(line.startswith("performances:") for line in lines)
    client.force_login(student.user)
    resp = client.post(
        f"/receipts/{submission.code}/",
        {"status": "disputed", "lines": [f"outcomes:{outcome.code}"]},
    )
    assert resp.status_code == 302
    assert ReceiptConfirmation.objects.get().disputed_lines == [f"outcomes:{outcome.code}"]


def test_a_dispute_needs_a_line_or_a_note(
    w: World, client, django_capture_on_commit_callbacks
) -> None:
    submission = submit_accepted(w, django_capture_on_commit_callbacks)
    open_period(submission, w)
    client.force_login(w.students[0].user)
    resp = client.post(f"/receipts/{submission.code}/", {"status": "disputed", "note": " "})
    assert resp.status_code == 400
    assert (
        "資料有誤時請說明哪裡有誤。請勾選有誤的資料列，或在說明欄寫出哪裡有誤。"
        in resp.content.decode()
    )
    assert ReceiptConfirmation.objects.count() == 0


def test_one_line_without_a_note_is_a_dispute(
    w: World, client, django_capture_on_commit_callbacks
) -> None:
    submission = submit_accepted(w, django_capture_on_commit_callbacks)
    open_period(submission, w)
    student = w.students[0]
    client.force_login(student.user)
    resp = client.post(
        f"/receipts/{submission.code}/",
        {"status": "disputed", "note": "", "lines": [MATH_LINE, MATH_LINE]},
    )
    assert resp.status_code == 302
    confirmation = ReceiptConfirmation.objects.get()
    assert (confirmation.status, confirmation.note, confirmation.disputed_lines) == (
        ConfirmationStatus.DISPUTED,
        "",
        [MATH_LINE],
    )
    event = AuditEvent.objects.get(action="receipt.disputed", student=student)
    assert event.detail["lines"] == [MATH_LINE]
    # The page keeps the line ticked and lists it under the answer.
    html = client.get(f"/receipts/{submission.code}/").content.decode()
    assert f'value="{MATH_LINE}" checked' in html
    assert 'data-testid="my-lines"' in html


def test_lines_with_correct_are_refused(
    w: World, client, django_capture_on_commit_callbacks
) -> None:
    submission = submit_accepted(w, django_capture_on_commit_callbacks)
    open_period(submission, w)
    client.force_login(w.students[0].user)
    resp = client.post(f"/receipts/{submission.code}/", {"status": "correct", "lines": [MATH_LINE]})
    assert resp.status_code == 400
    assert "您勾選了有誤的資料列，請選擇「資料有誤」" in resp.content.decode()
    assert ReceiptConfirmation.objects.count() == 0


@pytest.mark.parametrize(
    "forged",
    [
        "course_records:114-1:999999999999999999999",  # no such course
        "course_records:113-2:" + MATH,  # another term
        "outcomes:00000000-0000-0000-0000-000000000000",
        "basic:114-1:cadre:2025-09-01|學生會|副會長",
        "",
    ],
)
def test_a_forged_line_is_refused_and_nothing_is_stored(
    w: World, client, forged: str, django_capture_on_commit_callbacks
) -> None:
    submission = submit_accepted(w, django_capture_on_commit_callbacks)
    open_period(submission, w)
    client.force_login(w.students[0].user)
    resp = client.post(
        f"/receipts/{submission.code}/",
        {"status": "disputed", "note": "成績錯", "lines": [MATH_LINE, forged]},
    )
    assert resp.status_code == 400
    assert "勾選的資料列不在您這次的收訖明細中，請重新整理頁面後再勾選。" in (resp.content.decode())
    assert ReceiptConfirmation.objects.count() == 0
    assert not AuditEvent.objects.filter(action="receipt.disputed").exists()


def test_another_students_line_is_refused(
    w: World, client, django_capture_on_commit_callbacks
) -> None:
    submission = submit_accepted(
        w, django_capture_on_commit_callbacks, ["outcomes", "performances"]
    )
    open_period(submission, w)
    mine, theirs = w.students
    their_outcome = f"outcomes:{w.outcome_of(theirs).code}"
    client.force_login(mine.user)
    resp = client.post(
        f"/receipts/{submission.code}/", {"status": "disputed", "lines": [their_outcome]}
    )
    assert resp.status_code == 400
    assert "勾選的資料列不在您這次的收訖明細中" in resp.content.decode()
    assert ReceiptConfirmation.objects.count() == 0


def test_someone_elses_receipt_is_404_with_lines(
    w: World, client, django_capture_on_commit_callbacks
) -> None:
    only_first = submit_accepted(w, django_capture_on_commit_callbacks, students=[w.students[0]])
    open_period(only_first, w)
    client.force_login(w.students[1].user)
    resp = client.post(
        f"/receipts/{only_first.code}/", {"status": "disputed", "lines": [MATH_LINE]}
    )
    assert resp.status_code == 404
    assert ReceiptConfirmation.objects.count() == 0


def test_outside_the_period_a_line_dispute_is_refused(
    w: World, client, django_capture_on_commit_callbacks
) -> None:
    submission = submit_accepted(w, django_capture_on_commit_callbacks)
    now = timezone.now()
    CheckPeriod.objects.create(
        submission=submission,
        opens_at=now - datetime.timedelta(days=10),
        closes_at=now - datetime.timedelta(days=5),
        created_by=w.registrar,
    )
    client.force_login(w.students[0].user)
    html = client.get(f"/receipts/{submission.code}/").content.decode()
    assert 'name="lines"' not in html
    resp = client.post(
        f"/receipts/{submission.code}/", {"status": "disputed", "lines": [MATH_LINE]}
    )
    assert resp.status_code == 400
    assert "目前不在收訖確認期間內。" in resp.content.decode()
    assert ReceiptConfirmation.objects.count() == 0


def test_a_parent_cannot_dispute(w: World, client, django_capture_on_commit_callbacks) -> None:
    submission = submit_accepted(w, django_capture_on_commit_callbacks)
    open_period(submission, w)
    parent = make_user("p")
    GuardianshipFactory.create(parent=parent, student=w.students[0])
    RoleAssignment.objects.get_or_create(user=parent, role=Role.PARENT, school=w.school)
    client.force_login(parent)
    assert client.get(f"/receipts/{submission.code}/").status_code == 404
    resp = client.post(
        f"/receipts/{submission.code}/", {"status": "disputed", "lines": [MATH_LINE]}
    )
    assert resp.status_code == 404
    assert ReceiptConfirmation.objects.count() == 0


def test_dispute_one_line_staff_see_it_resubmit_and_the_student_sees_the_correction(
    w: World, client, django_capture_on_commit_callbacks
) -> None:
    first = submit_accepted(w, django_capture_on_commit_callbacks)
    open_period(first, w)
    disputer = w.students[0]
    # The student ticks the math line only.
    client.force_login(disputer.user)
    resp = client.post(
        f"/receipts/{first.code}/",
        {"status": "disputed", "note": "應為 98.5 分", "lines": [MATH_LINE]},
    )
    assert resp.status_code == 302
    # The registrar sees exactly that line (roster and main fields) next to the note.
    client.force_login(w.registrar)
    html = client.get(f"/registrar/submissions/{first.code}/").content.decode()
    row = html.split(f'data-testid="confirmation-{disputer.student_number}"')[1].split("</tr>")[0]
    assert 'data-testid="disputed-lines"' in row
    assert "學期成績名冊（修課紀錄）" in row
    assert f"{MATH} 數學：學分數" in row
    assert "學期學業成績 88.5" in row
    assert "國語文" not in row
    assert "應為 98.5 分" in row
    assert f"/admin/schools/student/{disputer.pk}/change/" in row
    # "更正這筆" opens the admin form of exactly that course record.
    math_record = CourseRecord.objects.get(student=disputer, offering=w.math)
    assert (
        f'href="/admin/schools/courserecord/{math_record.pk}/change/" data-testid="fix-line"' in row
    )
    # Fix and resubmit.
    CourseRecord.objects.filter(student=disputer, offering=w.math).update(score=Decimal("98.5"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/registrar/submissions/{first.code}/resubmit/")
    second = Submission.objects.exclude(pk=first.pk).get()
    assert second.status == SubmissionStatus.ACCEPTED, second.error
    # The dispute stays visible on the old version, marked resolved.
    html = client.get(f"/registrar/submissions/{first.code}/").content.decode()
    assert "學期學業成績 88.5" in html
    # The student's receipt of version 2 marks the corrected line.
    open_period(second, w)
    client.force_login(disputer.user)
    html = client.get(f"/receipts/{second.code}/").content.decode()
    panel = html.split('data-testid="correction"')[1].split("</section>")[0]
    assert "與第 1 版相比" in panel
    assert "你回報有誤" in panel and "已更正" in panel
    assert "更正前：</span><del>" in panel and "學期學業成績 88.5" in panel
    assert "學期學業成績 98.5" in panel
    assert "國語文" not in panel  # unchanged and not disputed: not listed
    math_row = html.split(f'<tr data-line="{MATH_LINE}"')[1].split("</tr>")[0]
    assert 'data-testid="line-changed"' in math_row
    chinese_row = html.split(f'<tr data-line="{CHINESE_LINE}"')[1].split("</tr>")[0]
    assert "line-changed" not in chinese_row
    # The old version's page links to the new one and lists the disputed line.
    old = client.get(f"/receipts/{first.code}/").content.decode()
    assert f'href="/receipts/{second.code}/"' in old
    assert 'data-testid="my-lines"' in old


def test_a_cadre_line_dispute_is_shown_to_staff(
    w: World, client, django_capture_on_commit_callbacks
) -> None:
    submission = submit_accepted(w, django_capture_on_commit_callbacks)
    open_period(submission, w)
    client.force_login(w.students[1].user)
    client.post(f"/receipts/{submission.code}/", {"status": "disputed", "lines": [CADRE_LINE]})
    client.force_login(w.registrar)
    html = client.get(f"/registrar/submissions/{submission.code}/").content.decode()
    assert "幹部經歷：學生會 會長（2025-09-01 – 2026-01-15）" in html
    cadre = CadreRecord.objects.get(student=w.students[1], unit_name="學生會")
    assert f'href="/admin/schools/cadrerecord/{cadre.pk}/change/" data-testid="fix-line"' in html


def test_compare_marks_changed_added_removed_and_disputed() -> None:
    def line(line_id: str, value: str) -> Line:
        return Line(line_id, "course_records", value, {"v": value})

    before = {"a": line("a", "1"), "b": line("b", "2"), "c": line("c", "3")}
    after = {"a": line("a", "1"), "b": line("b", "9"), "d": line("d", "4")}
    changes = compare(before, after, ["b", "c"])
    assert {k: (v.change, v.disputed) for k, v in changes.items()} == {
        "a": ("", False),
        "b": ("changed", True),
        "d": ("added", False),
        "c": ("removed", True),
    }
    assert changes["b"].before is not None and changes["b"].before.summary == "2"


def test_the_earlier_answer_is_shown_in_the_form(
    w: World, client, django_capture_on_commit_callbacks
) -> None:
    submission = submit_accepted(w, django_capture_on_commit_callbacks)
    open_period(submission, w)
    client.force_login(w.students[0].user)
    client.post(
        f"/receipts/{submission.code}/",
        {"status": "disputed", "note": "成績有誤", "lines": [CHINESE_LINE]},
    )
    html = client.get(f"/receipts/{submission.code}/").content.decode()
    radio = html.split('value="disputed"')[1].split(">")[0]
    assert "checked" in radio
    assert "\n成績有誤</textarea>" in html
    assert f'value="{CHINESE_LINE}" checked' in html
    assert f'value="{MATH_LINE}" checked' not in html
