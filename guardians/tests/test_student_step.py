"""Step 2, the student: check digit, match in the chosen school only, order of steps
(RULES.md §8.2; the issue items 2 and 10; RELIABILITY.md A3)."""

import pytest
from django.urls import reverse

from guardians import flow
from guardians.actions import NO_MATCH_MESSAGE
from schools.identity import mask_id

from .conftest import add_student, verify
from .factories import make_national_id

STUDENT = reverse("guardians:bind_student")
CHECK = reverse("guardians:bind_check_student")


def chosen(client) -> list:  # type: ignore[no-untyped-def]
    return client.session[flow.SESSION_KEY]["students"]


def test_flow_pages_need_a_verified_code_a3(client, world) -> None:
    for name in ("bind_student", "bind_students", "bind_consent", "bind_parent", "bind_review"):
        response = client.get(reverse(f"guardians:{name}"))
        assert response.status_code == 302
        assert response.url == reverse("guardians:bind_start")


def test_consent_needs_a_student_first_a3(client, world) -> None:
    verify(client)
    response = client.get(reverse("guardians:bind_consent"))
    assert response.status_code == 302 and response.url == STUDENT


def test_wrong_check_digit_is_refused_with_the_masked_value_r8_2(client, world) -> None:
    verify(client)
    good = world.student_a.national_id
    bad = good[:9] + str((int(good[9]) + 1) % 10)
    response = client.post(
        STUDENT,
        {
            "relationship": "father",
            "school_level": "vocational",
            "school": str(world.school.pk),
            "student_id": bad,
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert f"學生身分證號：身分證號「{mask_id(bad)}」檢查碼錯誤，請再確認。" in page
    assert bad not in page
    assert chosen(client) == []


def test_wrong_format_names_the_shape(client, world) -> None:
    verify(client)
    response = client.post(
        CHECK, {"school_level": "vocational", "school": world.school.pk, "student_id": "A12345"}
    )
    assert (
        "學生身分證號：身分證號「******」格式錯誤：應為 1 個英文字母加 9 碼數字（如 A123456789）。"
        in response.content.decode()
    )


def test_student_of_another_school_gets_the_same_message_as_an_unknown_id(client, world) -> None:
    verify(client)
    other = add_student(client, world.other_student)  # other_student's school is not this one
    assert other.status_code == 302  # matched in its own school: fine
    data = {"relationship": "father", "school_level": "vocational", "school": str(world.school.pk)}
    elsewhere = client.post(STUDENT, {**data, "student_id": world.other_student.national_id})
    unknown = client.post(STUDENT, {**data, "student_id": make_national_id()})
    assert elsewhere.status_code == unknown.status_code == 400
    assert str(NO_MATCH_MESSAGE) in elsewhere.content.decode()
    assert str(NO_MATCH_MESSAGE) in unknown.content.decode()
    assert "林他校" not in elsewhere.content.decode()
    assert len(chosen(client)) == 1


def test_verify_button_shows_masked_name_and_id_issue_item_2(client, world) -> None:
    verify(client)
    response = client.post(
        CHECK,
        {
            "school_level": "vocational",
            "school": world.school.pk,
            "student_id": world.student_a.national_id.lower(),
        },
        HTTP_HX_REQUEST="true",
    )
    page = response.content.decode()
    assert "陳○明" in page and world.student_a.masked_id in page
    assert "陳曉明" not in page and world.student_a.national_id not in page
    assert chosen(client) == []  # checking adds nothing


def test_add_another_student_one_parent_several_children(client, world) -> None:
    verify(client)
    assert add_student(client, world.student_a).status_code == 302
    assert add_student(client, world.student_b, relationship="father").status_code == 302
    page = client.get(reverse("guardians:bind_students")).content.decode()
    assert "陳○明" in page and "陳○華" in page and "新增綁定學生" in page
    assert len(chosen(client)) == 2


def test_same_student_twice_is_refused(client, world) -> None:
    verify(client)
    add_student(client, world.student_a)
    response = add_student(client, world.student_a)
    assert response.status_code == 400
    assert "學生 陳○明 已在本次申請清單中，不必重複新增。" in response.content.decode()
    assert len(chosen(client)) == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "relationship",
            "uncle",
            "請選擇與學生的關係：法定代理人（父親、母親）或監護人（祖父、祖母、外祖父、外祖母、其他）。",
        ),
        (
            "school_level",
            "college",
            "請選擇學生之學層（國小、國中、高中或高職），收到的是「college」。",
        ),
        ("school", "999999", "請選擇綁定學生所在學校（須為所選學層的學校）。"),
    ],
)
def test_bad_choices_are_refused_and_nothing_added(client, world, field, value, message) -> None:  # type: ignore[no-untyped-def]
    verify(client)
    data = {
        "relationship": "father",
        "school_level": "vocational",
        "school": str(world.school.pk),
        "student_id": world.student_a.national_id,
        field: value,
    }
    response = client.post(STUDENT, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert chosen(client) == []


def test_elementary_level_lists_no_senior_high_school(client, world) -> None:
    verify(client)
    page = client.get(reverse("guardians:bind_schools"), {"school_level": "elementary"})
    assert "此學層目前沒有使用本平臺的學校" in page.content.decode()
    page = client.get(reverse("guardians:bind_schools"), {"school_level": "vocational"})
    assert world.school.name in page.content.decode()


def test_student_lookups_are_limited_per_ip(client, world) -> None:
    verify(client)
    data = {
        "school_level": "vocational",
        "school": world.school.pk,
        "student_id": world.student_a.national_id,
    }
    for _ in range(30):
        client.post(CHECK, data)
    response = client.post(CHECK, data)
    assert "學生資料驗證每小時最多 30 次，過去 1 小時已驗證 30 次，請稍後再試。" in (
        response.content.decode()
    )
