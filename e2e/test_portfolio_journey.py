"""The main job in the browser (issue item 9): the student uploads a course learning outcome,
the teacher returns it with a reason, the student fixes it, the teacher certifies it, and the
student ticks it (RULES.md §2.4, §3, §4).

The school is built with plain model calls (``portfolios.tests.crashkit.build_school``): term
114-1 with the upload, certification and tick windows open, one subject teacher, one student
with a course record. Screenshots of each step go to ``test-results/screenshots/journey-*``.
"""

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, FilePayload, Page, expect

from e2e.helpers import login
from files.tests.samples import pdf
from portfolios.models import CourseOutcome, OutcomeStatus, TickSlot
from portfolios.tests.crashkit import PASSWORD, build_school

pytestmark = pytest.mark.django_db(transaction=True)

RETURN_REASON = "請附上完整的實驗數據表，並說明誤差來源。"
FIRST_DESCRIPTION = "二次函數圖形的探究報告"
FIXED_DESCRIPTION = "二次函數圖形的探究報告（補上實驗數據與誤差分析）"


@pytest.fixture
def school() -> dict[str, Any]:
    return build_school(1)


def pdf_file(name: str, text: str) -> FilePayload:
    return {"name": name, "mimeType": "application/pdf", "buffer": pdf(text=text)}


def shot(page: Page, directory: Path, name: str) -> None:
    page.screenshot(path=str(directory / f"journey-{name}.png"), full_page=True)


def test_student_uploads_teacher_returns_student_fixes_teacher_certifies_student_ticks(
    page: Page,
    new_context: Any,
    live_server: Any,
    school: dict[str, Any],
    screenshot_dir: Path,
) -> None:
    base = live_server.url
    record = school["records"][0]
    student_user = school["students"][0].user.username
    teacher_user = school["teacher"].user.username

    # 1. The student uploads a PDF for 數學 and sends it: 待認證.
    login(page, base, student_user, PASSWORD)
    page.goto(f"{base}/cabinet/outcomes/new/")
    page.select_option("select[name=course_record]", str(record.code))
    page.fill("textarea[name=description]", FIRST_DESCRIPTION)
    page.set_input_files("input[name=document]", pdf_file("探究報告.pdf", "report v1"))
    expect(page.locator("input[name=send]")).to_be_checked()
    shot(page, screenshot_dir, "1-upload-form")
    page.get_by_role("button", name="上傳", exact=True).click()
    expect(page).to_have_url(re.compile(r"/outcomes/[0-9a-f-]{36}/$"))
    outcome = CourseOutcome.objects.get(student=school["students"][0])
    expect(page.locator(".badge.status-pending")).to_have_text("待認證")
    expect(page.get_by_text("已上傳「數學」的學習成果。")).to_be_visible()
    expect(page.locator("p.description")).to_have_text(FIRST_DESCRIPTION)
    expect(page.get_by_text("探究報告.pdf").first).to_be_visible()
    shot(page, screenshot_dir, "2-uploaded-pending")
    assert outcome.document_blob is not None
    first_sha = outcome.document_blob.sha256

    # 2. The teacher (another browser context) returns it with a reason.
    teacher_context: BrowserContext = new_context()
    teacher = teacher_context.new_page()
    login(teacher, base, teacher_user, PASSWORD)
    teacher.goto(f"{base}/teaching/certification/")
    row = teacher.locator(f"#outcome-{outcome.code}")
    expect(row).to_contain_text(FIRST_DESCRIPTION)
    expect(row).to_contain_text(school["students"][0].name)
    shot(teacher, screenshot_dir, "3-teacher-queue")
    row.locator("textarea[name=reason]").fill(RETURN_REASON)
    row.get_by_role("button", name="退回").click()
    expect(teacher.get_by_test_id("queue-empty")).to_be_visible()
    expect(teacher.get_by_test_id("recent-table")).to_contain_text(RETURN_REASON)
    expect(teacher.get_by_test_id("recent-table").locator(".badge")).to_have_text("已退回")
    shot(teacher, screenshot_dir, "4-teacher-returned")

    # 3. The student sees 已退回 and the reason, fixes the description and the file, saves.
    page.reload()
    expect(page.locator(".badge.status-returned")).to_have_text("已退回")
    expect(page.get_by_test_id("return-reason")).to_have_text(f"退回原因：{RETURN_REASON}")
    shot(page, screenshot_dir, "5-student-sees-return")
    edit = page.locator("form.stacked")
    edit.locator("textarea[name=description]").fill(FIXED_DESCRIPTION)
    edit.locator("input[name=document]").set_input_files(
        pdf_file("探究報告-修正版.pdf", "report v2")
    )
    expect(edit.locator("input[name=send]")).to_be_checked()
    edit.get_by_role("button", name="儲存").click()
    expect(page.get_by_text("已儲存。")).to_be_visible()
    expect(page.locator(".badge.status-pending")).to_have_text("待認證")
    expect(page.get_by_test_id("return-reason")).to_have_count(0)
    expect(page.locator("p.description")).to_have_text(FIXED_DESCRIPTION)
    shot(page, screenshot_dir, "6-student-fixed-pending")
    outcome.refresh_from_db()
    assert outcome.status == OutcomeStatus.PENDING
    assert outcome.document_blob is not None
    assert outcome.document_blob.sha256 != first_sha
    assert outcome.document_name == "探究報告-修正版.pdf"

    # 4. The teacher certifies the fixed outcome.
    teacher.goto(f"{base}/teaching/certification/")
    row = teacher.locator(f"#outcome-{outcome.code}")
    expect(row).to_contain_text(FIXED_DESCRIPTION)
    row.get_by_role("button", name="認證", exact=True).click()
    expect(teacher.get_by_text("已認證 1 件學習成果。")).to_be_visible()
    expect(teacher.get_by_test_id("queue-empty")).to_be_visible()
    expect(teacher.get_by_test_id("recent-table").locator(".badge")).to_have_text("已認證")
    shot(teacher, screenshot_dir, "7-teacher-certified")
    teacher_context.close()

    # 5. The student sees 已認證, opens 勾選 and ticks it: (1/6).
    page.reload()
    expect(page.locator(".badge.status-certified")).to_have_text("已認證")
    expect(page.get_by_text(re.compile(r"由 王數學 於 .* 認證"))).to_be_visible()
    shot(page, screenshot_dir, "8-student-sees-certified")
    page.goto(f"{base}/cabinet/ticks/")
    expect(page.get_by_test_id("outcome-ticks")).to_have_text("(0/6)")
    shot(page, screenshot_dir, "9-ticks-before")
    page.get_by_test_id(f"tick-{outcome.code}").click()
    expect(page.get_by_test_id("outcome-ticks")).to_have_text("(1/6)")
    expect(page.get_by_test_id(f"tick-{outcome.code}")).to_have_attribute("aria-pressed", "true")
    shot(page, screenshot_dir, "10-ticked")
    assert TickSlot.objects.filter(outcome=outcome).count() == 1


def test_upload_page_fits_a_390px_phone(
    page: Page, live_server: Any, school: dict[str, Any], screenshot_dir: Path
) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server.url, school["students"][0].user.username, PASSWORD)
    page.goto(f"{live_server.url}/cabinet/outcomes/new/")
    expect(page.get_by_role("heading", name="上傳課程學習成果")).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert overflow is False
    page.screenshot(path=str(screenshot_dir / "journey-upload-phone.png"), full_page=True)
