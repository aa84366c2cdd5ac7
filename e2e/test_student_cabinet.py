"""The demo student logs in and sees the cabinet with real counts (foundation issue)."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import login
from portfolios.selectors import get_cabinet_summary
from portfolios.templatetags.cabinet import mb
from schools.models import CourseRecord, Student

pytestmark = pytest.mark.django_db(transaction=True)


def test_demo_student_logs_in_and_sees_cabinet_with_real_counts(
    page: Page, live_server, demo_school: None, screenshot_dir: Path
) -> None:
    student = Student.objects.get(user__username="demo-student")
    n_records = CourseRecord.objects.filter(student=student).count()
    summary = get_cabinet_summary(student)
    usage = f"{mb(summary.storage_used_bytes)} / {mb(summary.storage_quota_bytes)}"

    login(page, live_server.url, "demo-student")

    expect(page).to_have_url(re.compile(r"/cabinet/$"))
    expect(page.get_by_role("heading", name="我的學習歷程檔案櫃")).to_be_visible()
    expect(page.get_by_test_id("count-course-records")).to_have_text(str(n_records))
    expect(page.get_by_test_id("storage-usage")).to_contain_text(usage)
    page.screenshot(path=str(screenshot_dir / "cabinet-desktop.png"), full_page=True)

    page.get_by_role("link", name="修課紀錄").click()
    expect(page.get_by_test_id("course-record-table")).to_be_visible()
    page.select_option("#id_school_year", "112")
    expect(page.get_by_test_id("course-record-table")).to_contain_text("112")
    expect(page).to_have_url(re.compile(r"school_year=112"))
    page.screenshot(path=str(screenshot_dir / "course-records.png"), full_page=True)


def test_cabinet_fits_a_360px_phone(
    page: Page, live_server, demo_school: None, screenshot_dir: Path
) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    login(page, live_server.url, "demo-student")
    expect(page.get_by_role("heading", name="我的學習歷程檔案櫃")).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert overflow is False
    page.screenshot(path=str(screenshot_dir / "cabinet-phone.png"), full_page=True)
