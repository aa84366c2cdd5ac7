"""A new parent binds to two children from a phone; one homeroom teacher approves, the other
rejects; the parent sets a password from the emailed link and sees only the approved child
(issue 5, "Done when"; deck 親子帳號綁定操作指引(1)–(7))."""

import re
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import Browser, Page, ViewportSize, expect

from e2e.helpers import login
from guardians.models import ApplicationState, BindingApplication, Guardianship
from guardians.tests.factories import (
    SchoolClassFactory,
    SchoolFactory,
    StudentFactory,
    TermFactory,
    enrol,
    ensure_consent,
    make_national_id,
)

pytestmark = pytest.mark.django_db(transaction=True)

PHONE: ViewportSize = {"width": 390, "height": 844}
TEACHER_PASSWORD = "pw-Licheng-2025"
PARENT_EMAIL = "lin.mama@example.com"
NEW_PASSWORD = "Morning-Tea-2025"


@pytest.fixture
def school_world():  # type: ignore[no-untyped-def]
    ensure_consent()
    school = SchoolFactory.create(name="私立歷程高級商工職業學校")
    term = TermFactory.create(school=school)
    class_a = SchoolClassFactory.create(school=school, name="商一甲")
    class_b = SchoolClassFactory.create(school=school, name="資一乙")
    older = StudentFactory.create(school=school, name="林大寶")
    younger = StudentFactory.create(school=school, name="林二寶")
    enrol(older, class_a, term)
    enrol(younger, class_b, term)
    return {
        "school": school,
        "older": older,
        "younger": younger,
        "teacher_a": class_a.homeroom_teacher,
        "teacher_b": class_b.homeroom_teacher,
    }


def no_overflow(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url


def shot(page: Page, folder: Path, name: str) -> None:
    no_overflow(page)
    page.screenshot(path=str(folder / f"binding-{name}.png"), full_page=True)


def add_student(page: Page, student, relationship: str, folder: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label(relationship, exact=True).check()
    page.get_by_label("高職", exact=True).check()
    page.wait_for_function("document.querySelectorAll('#id_school option').length > 1")
    page.select_option("#id_school", label=student.school.name)
    page.fill("#id_student_id", student.national_id)
    page.get_by_test_id("check-student").click()
    expect(page.get_by_test_id("student-match")).to_contain_text(student.name[0] + "○")
    shot(page, folder, name)
    page.get_by_role("button", name="下一步").click()
    expect(page.get_by_test_id("chosen-students")).to_be_visible()


def test_parent_binds_two_children_one_approved_one_rejected(
    page: Page, browser: Browser, live_server, school_world, screenshot_dir: Path
) -> None:
    base = live_server.url
    world = school_world
    page.set_viewport_size(PHONE)

    # Step 1: code by email.
    page.goto(f"{base}/parent/bind/")
    expect(page.get_by_text("驗證碼時效為 60 分鐘（1 小時）")).to_be_visible()
    page.fill("#id_email", PARENT_EMAIL)
    page.get_by_test_id("send-email").click()
    expect(page.locator("#id_code")).to_be_visible()
    code = re.search(r"\b(\d{8})\b", str(mail.outbox[-1].body))
    assert code
    page.fill("#id_code", code.group(1))
    shot(page, screenshot_dir, "1-code")
    page.get_by_role("button", name="確認").click()

    # Step 2: two students.
    expect(page.get_by_role("heading", name="步驟二、輸入學生資訊")).to_be_visible()
    add_student(page, world["older"], "母親", screenshot_dir, "2-student")
    page.get_by_role("link", name="新增綁定學生").click()
    add_student(page, world["younger"], "母親", screenshot_dir, "2-second-student")
    expect(page.get_by_test_id("chosen-students").locator("li")).to_have_count(2)
    shot(page, screenshot_dir, "2-students")
    page.get_by_role("link", name="下一步").click()

    # Step 3: consent, tick enabled only at the end of the statement.
    tick = page.get_by_label("本人已詳閱並同意以上條款聲明")
    expect(tick).to_be_disabled()
    shot(page, screenshot_dir, "3-consent")
    page.get_by_test_id("consent-box").evaluate("box => { box.scrollTop = box.scrollHeight; }")
    expect(tick).to_be_enabled()
    tick.check()
    page.get_by_role("button", name="下一步").click()

    # Step 4: the parent, with a signature drawn on the canvas.
    parent_id = make_national_id(sex="2")
    page.fill("#id_national_id", parent_id)
    page.get_by_test_id("check-parent-id").click()
    expect(page.get_by_test_id("parent-id-ok")).to_contain_text(parent_id[:4] + "****")
    page.fill("#id_name", "林美華")
    page.fill("#id_phone", "0987654321")
    box = page.locator("#signature-pad").bounding_box()
    assert box
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.7)
    page.mouse.down()
    for i in range(1, 12):
        page.mouse.move(
            box["x"] + 20 + i * 25, box["y"] + box["height"] * (0.3 if i % 2 else 0.7), steps=3
        )
    page.mouse.up()
    expect(page.locator("#id_signature")).to_have_value(re.compile(r"^data:image/png;base64,"))
    shot(page, screenshot_dir, "4-parent")
    page.get_by_role("button", name="下一步").click()

    # Review and submit.
    expect(page.get_by_role("heading", name="請確認申請資料")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text(parent_id)
    shot(page, screenshot_dir, "4-review")
    page.get_by_role("button", name="送出資料").click()
    expect(page.get_by_test_id("application-row")).to_have_count(2)
    expect(page.get_by_test_id("progress-table")).to_contain_text("申請中")
    shot(page, screenshot_dir, "5-progress")
    with page.expect_download() as download:
        page.get_by_role("link", name="下載").first.click()
    assert download.value.suggested_filename.endswith(".pdf")

    # Homeroom teacher of the older child approves.
    teacher_a = browser.new_context(viewport=PHONE, locale="zh-TW")
    tpage = teacher_a.new_page()
    login(tpage, base, world["teacher_a"].user.username, TEACHER_PASSWORD)
    tpage.goto(f"{base}/parent/reviews/")
    expect(tpage.get_by_test_id("review-queue").locator("li")).to_have_count(1)
    tpage.get_by_role("link", name="審核").click()
    expect(tpage.get_by_test_id("application-facts")).to_contain_text("林美華")
    shot(tpage, screenshot_dir, "6-review-detail")
    tpage.get_by_test_id("approve").click()
    expect(tpage.get_by_test_id("review-empty")).to_be_visible()
    teacher_a.close()

    # Homeroom teacher of the younger child rejects with a reason.
    teacher_b = browser.new_context(viewport=PHONE, locale="zh-TW")
    tpage = teacher_b.new_page()
    login(tpage, base, world["teacher_b"].user.username, TEACHER_PASSWORD)
    tpage.goto(f"{base}/parent/reviews/")
    tpage.get_by_role("link", name="審核").click()
    tpage.fill("#id_reason", "請由學籍登記之監護人申請")
    tpage.get_by_test_id("reject").click()
    expect(tpage.get_by_test_id("review-empty")).to_be_visible()
    teacher_b.close()

    states = dict(BindingApplication.objects.values_list("student__name", "state"))
    assert states == {"林大寶": ApplicationState.APPROVED, "林二寶": ApplicationState.REJECTED}

    # The parent sets a password from the emailed link and logs in with the email.
    approved = next(m for m in mail.outbox if "已通過" in str(m.subject))
    link = re.search(r"(http://\S+/parent/set-password/\S+)", str(approved.body))
    assert link
    assert any("請由學籍登記之監護人申請" in str(m.body) for m in mail.outbox)
    parent_ctx = browser.new_context(viewport=PHONE, locale="zh-TW")
    ppage = parent_ctx.new_page()
    ppage.goto(link.group(1))
    ppage.fill("#id_password1", NEW_PASSWORD)
    ppage.fill("#id_password2", NEW_PASSWORD)
    shot(ppage, screenshot_dir, "7-set-password")
    ppage.get_by_role("button", name="設定密碼").click()
    login(ppage, base, PARENT_EMAIL, NEW_PASSWORD)
    expect(ppage).to_have_url(re.compile(r"/parent/$"))
    children = ppage.get_by_test_id("children")
    expect(children).to_contain_text("林大寶")
    expect(children).not_to_contain_text("林二寶")
    expect(ppage.get_by_test_id("child-outcomes")).to_be_visible()
    expect(ppage.get_by_test_id("child-central")).to_be_visible()
    shot(ppage, screenshot_dir, "8-parent-home")
    ppage.get_by_role("link", name="學習歷程檔案櫃").click()
    expect(ppage.get_by_role("heading", name="林大寶 的學習歷程檔案櫃")).to_be_visible()
    shot(ppage, screenshot_dir, "9-child-cabinet")
    response = ppage.goto(f"{base}/students/{world['younger'].code}/cabinet/")
    assert response is not None and response.status == 404
    parent_ctx.close()
    assert Guardianship.objects.filter(ended_at__isnull=True).count() == 1
