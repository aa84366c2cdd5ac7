"""The central-database issue's "Done when", in a browser on the demo school (RULES.md §3, §5):
the registrar pre-checks, fixes a reported problem, submits; the central service ingests and
returns receipts; a student disputes one line, the registrar corrects it and resubmits, and the
student sees the corrected record.

Test settings run the background tasks immediately and deliver to the central API in process
(``LICHENG_CENTRAL_TRANSPORT = "inprocess"``), so each submit is built, delivered and
ingested before its page returns.
"""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from central.models import CentralRecord, ReceivedPackage
from e2e.helpers import login
from schools.models import CourseRecord, Student
from submissions.models import Submission, SubmissionStatus

pytestmark = pytest.mark.django_db(transaction=True)

PRECHECK = (
    "/registrar/submissions/precheck/?school_year=113&semester=2"
    "&rosters=basic&rosters=course_records"
)


@pytest.fixture
def demo_central(demo_school: None) -> None:
    """The demo school, registered with the central side (what ``make run`` does)."""
    call_command("central_demo_setup", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_precheck_fix_submit_dispute_one_line_correct_resubmit(
    page: Page, live_server, demo_central: None, screenshot_dir: Path
) -> None:
    base = live_server.url
    student = Student.objects.get(user__username="demo-student")
    record = (
        CourseRecord.objects.filter(
            student=student, offering__term__school_year=113, offering__term__semester=2
        )
        .select_related("offering__course")
        .order_by("offering__course__code")
        .first()
    )
    assert record is not None and record.score is not None
    subject = record.offering.course.name
    # A problem for the pre-check to report: the grade was never entered.
    CourseRecord.objects.filter(pk=record.pk).update(score=None)

    # 1. The registrar pre-checks, follows the fix link and enters the grade.
    login(page, base, "demo-registrar", new_session=True)
    page.goto(base + PRECHECK)
    expect(page.get_by_test_id("count-errors")).to_have_text("1")
    problem = page.get_by_test_id("problems").locator("tr", has_text=subject)
    expect(problem).to_contain_text("缺少學期成績")
    page.screenshot(path=str(screenshot_dir / "central-precheck-error.png"), full_page=True)
    problem.get_by_role("link", name="前往修正").click()
    page.fill("#id_score", "70.5")
    page.click("input[name=_save]")
    page.goto(base + PRECHECK)
    expect(page.get_by_test_id("count-errors")).to_have_text("0")
    # Notes (category 8/9 rows left out) are folded away; open, they fit a phone.
    page.set_viewport_size({"width": 360, "height": 780})
    page.get_by_test_id("infos").locator("summary").click()
    expect(page.get_by_test_id("info-rows")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.set_viewport_size({"width": 1280, "height": 900})

    # 2. Submit: built, delivered and accepted with a receipt per student.
    page.get_by_test_id("submit-form").get_by_role("button", name="提交中央資料庫").click()
    expect(page).to_have_url(re.compile(r"/registrar/submissions/$"))
    first = Submission.objects.get(school_year=113, semester=2)
    assert first.status == SubmissionStatus.ACCEPTED, first.error
    expect(page.get_by_text("中央資料庫已收訖").first).to_be_visible()
    assert len(first.receipt["students"]) == 2 * first.student_count

    # 3. Open the receipt check period (the form is pre-filled with 3 days from now).
    page.goto(f"{base}/registrar/submissions/{first.code}/")
    page.get_by_test_id("period-form").get_by_role("button", name="開放收訖確認").click()
    expect(page.get_by_test_id("periods")).to_contain_text("進行中")

    # 4. The student disputes exactly the line with the grade.
    login(page, base, "demo-student", new_session=True)
    page.goto(f"{base}/receipts/")
    page.get_by_role("link", name="核對並確認").first.click()
    row = page.locator(f'tr[data-testid="central-course-{record.offering.course.code}"]')
    expect(row).to_contain_text("70.5")
    row.get_by_test_id("pick-line").check()
    page.get_by_role("radio", name="資料有誤").check()
    page.fill("textarea[name=note]", "成績應為 78.0")
    page.screenshot(path=str(screenshot_dir / "central-dispute-one-line.png"), full_page=True)
    page.get_by_role("button", name="送出確認結果").click()
    expect(page.get_by_test_id("my-lines")).to_contain_text(subject)

    # 5. The registrar sees which line, corrects the grade and resubmits.
    login(page, base, "demo-registrar", new_session=True)
    page.goto(f"{base}/registrar/submissions/{first.code}/")
    disputed = page.get_by_test_id(f"confirmation-{student.student_number}")
    expect(disputed.get_by_test_id("disputed-lines")).to_contain_text(subject)
    expect(disputed).to_contain_text("成績應為 78.0")
    expect(disputed.get_by_test_id("fix-line")).to_have_attribute(
        "href", f"/admin/schools/courserecord/{record.pk}/change/"
    )
    page.set_viewport_size({"width": 360, "height": 780})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(screenshot_dir / "central-disputes-360.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    CourseRecord.objects.filter(pk=record.pk).update(score=Decimal("78.0"))
    page.get_by_test_id("resubmit-form").get_by_role("button").click()
    second = Submission.objects.get(school_year=113, semester=2, version=2)
    assert second.status == SubmissionStatus.ACCEPTED, second.error
    assert second.student_count == 1
    current = CentralRecord.objects.get(
        national_id=student.national_id,
        roster="course_records",
        school_year=113,
        semester=2,
        is_current=True,
    )
    assert current.version == 2
    assert CentralRecord.objects.filter(national_id=student.national_id, version=1).exists()

    # 6. The student sees the corrected record, the disputed line marked as corrected.
    login(page, base, "demo-student", new_session=True)
    page.goto(f"{base}/receipts/{second.code}/")
    change = page.get_by_test_id("correction").locator("[data-testid=change]", has_text=subject)
    expect(change).to_contain_text("已更正")
    expect(change.locator(".after")).to_contain_text("78")
    expect(change.locator(".before")).to_contain_text("70.5")
    page.screenshot(path=str(screenshot_dir / "central-corrected.png"), full_page=True)

    # Delivering the accepted first version again changes nothing.
    from submissions.central_client import CentralClient
    from submissions.package import package_path

    records_before = CentralRecord.objects.count()
    stored = ReceivedPackage.objects.get(package_id=first.code)
    again = CentralClient().deliver(package_path(first), first.code)
    assert again == first.receipt  # the very receipt the first delivery returned
    assert CentralRecord.objects.count() == records_before
    assert ReceivedPackage.objects.get(package_id=first.code).receipt == stored.receipt
