"""Steps 3–4: consent, the parent's data and e-signature, review and submit (the issue
items 3, 4 and 7; RULES.md §8.3)."""

import base64
import io

import pytest
from django.urls import reverse
from PIL import Image

from guardians import flow
from guardians.models import BindingApplication

from .conftest import PARENT_ID, accept_consent, add_student, parent_data, verify
from .factories import signature_data_url

PARENT = reverse("guardians:bind_parent")
CONSENT = reverse("guardians:bind_consent")


@pytest.fixture
def at_step_4(client, world):  # type: ignore[no-untyped-def]
    verify(client)
    add_student(client, world.student_a)
    accept_consent(client)
    return client


def test_consent_needs_the_tick(client, world) -> None:
    verify(client)
    add_student(client, world.student_a)
    response = client.post(CONSENT, {"version": "1"})
    assert response.status_code == 400
    assert "請勾選「本人已詳閱並同意以上條款聲明」才能繼續。" in response.content.decode()
    assert client.session[flow.SESSION_KEY]["consent_version"] is None


def test_consent_of_an_old_version_is_refused(client, world) -> None:
    verify(client)
    add_student(client, world.student_a)
    response = client.post(CONSENT, {"version": "0", "agree": "on"})
    assert (
        "個資使用聲明已更新為第 1 版，請重新閱讀後同意（您送出的是第 0 版）。"
        in response.content.decode()
    )


def test_consent_page_shows_the_statement_and_loads_static_js(client, world) -> None:
    verify(client)
    add_student(client, world.student_a)
    page = client.get(CONSENT).content.decode()
    assert "個人資料保護法" in page and "guardians/binding.js" in page
    assert "<script>" not in page  # CSP: no inline script


def test_consent_version_and_time_are_stored(at_step_4) -> None:
    state = at_step_4.session[flow.SESSION_KEY]
    assert state["consent_version"] == 1 and state["consent_accepted_at"]


def test_parent_id_equal_to_the_students_is_refused_issue_item_7(at_step_4, world) -> None:
    response = at_step_4.post(PARENT, parent_data(national_id=world.student_a.national_id))
    assert response.status_code == 400
    assert "家長身分證號不可與學生（陳○明）的身分證號相同。" in response.content.decode()
    assert at_step_4.session[flow.SESSION_KEY]["parent"] is None
    assert not BindingApplication.objects.exists()


def test_parent_id_check_button_shows_it_masked(at_step_4) -> None:
    response = at_step_4.post(reverse("guardians:bind_check_parent_id"), {"national_id": PARENT_ID})
    page = response.content.decode()
    assert f"{PARENT_ID[:4]}****{PARENT_ID[-2:]}" in page and PARENT_ID not in page


def _png(width: int, height: int, fmt: str = "PNG") -> str:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(out, format=fmt)
    return f"data:image/png;base64,{base64.b64encode(out.getvalue()).decode()}"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"signature": ""}, "請在簽名框內簽署全名（電子簽名為空白）。"),
        (
            {"signature": "data:image/svg+xml;base64,PHN2Zz4="},
            "電子簽名格式錯誤：應為 PNG 圖片（data:image/png;base64,…），"
            "收到的是「data:image/svg+xml;base64,PHN2」。",
        ),
        (
            {"signature": signature_data_url(ink=False)},
            "電子簽名沒有筆跡（至少需 30 個筆跡像素，收到 0 個），請在簽名框內簽署全名。",
        ),
        ({"signature": _png(2000, 300)}, "電子簽名尺寸上限為 1600 × 800 像素，收到 2000 × 300。"),
        (
            {"signature": _png(100, 100, "JPEG")},
            "電子簽名格式錯誤：應為 PNG 圖片，收到的是 JPEG 圖片。",
        ),
        ({"signature": "data:image/png;base64,bm90IGEgcG5n"}, "電子簽名不是有效的 PNG 圖片。"),
        (
            {"signature": "data:image/png;base64," + "A" * 500_000},
            "電子簽名檔案過大：上限 300 KB，收到約 366 KB。",
        ),
        ({"name": "王" * 51}, "家長姓名最多 50 個字，您輸入了 51 個字。"),
        ({"name": ""}, "請輸入家長姓名。"),
        (
            {"phone": "12345"},
            "聯絡電話應為手機（09 開頭 10 碼）或市話（區碼開頭共 9–10 碼，分機以 # 分隔），"
            "您輸入的是「12345」（5 碼）。",
        ),
        (
            {"national_id": "A123456788"},
            "家長身分證號：身分證號「A123****88」檢查碼錯誤，請再確認。",
        ),
    ],
)
def test_bad_parent_data_is_refused_and_nothing_stored(at_step_4, overrides, message) -> None:  # type: ignore[no-untyped-def]
    response = at_step_4.post(PARENT, parent_data(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert at_step_4.session[flow.SESSION_KEY]["parent"] is None
    assert not BindingApplication.objects.exists()


def test_landline_with_extension_is_accepted(at_step_4) -> None:
    response = at_step_4.post(PARENT, parent_data(phone="02-2345-6789#123"))
    assert response.status_code == 302


def test_email_verified_by_code_cannot_be_swapped(at_step_4) -> None:
    at_step_4.post(PARENT, parent_data(email="someone.else@example.com"))
    assert at_step_4.session[flow.SESSION_KEY]["parent"]["email"] == "wang.parent@example.com"


def test_review_page_shows_the_id_masked_and_the_signature(at_step_4) -> None:
    at_step_4.post(PARENT, parent_data())
    page = at_step_4.get(reverse("guardians:bind_review")).content.decode()
    assert f"{PARENT_ID[:4]}****{PARENT_ID[-2:]}" in page
    assert PARENT_ID not in page
    assert 'src="data:image/png;base64,' in page
    assert "送出資料" in page and "返回修改" in page


def test_submit_stores_masked_id_and_reencoded_signature(at_step_4, world) -> None:
    at_step_4.post(PARENT, parent_data())
    response = at_step_4.post(reverse("guardians:bind_review"))
    assert response.status_code == 302
    application = BindingApplication.objects.get()
    assert application.student == world.student_a
    assert application.parent_id_masked == f"{PARENT_ID[:4]}****{PARENT_ID[-2:]}"
    image = Image.open(io.BytesIO(bytes(application.signature_png)))
    assert image.format == "PNG" and image.size == (600, 200)
    assert at_step_4.session[flow.SESSION_KEY]["parent"] is None
