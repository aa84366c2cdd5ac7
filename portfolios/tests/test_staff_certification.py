"""The certification queue: certify several at once, return with a reason, proxies, windows.

RULES.md §4 (state machine, rule 3 return with reason, rule 4 proxy certifier), §3 (the
certification window is enforced on the server).
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from portfolios.models import CourseOutcome, OutcomeStatus, ProxyCertifier, Window, WindowKind

from .conftest import SchoolWorld, make_outcome, make_teacher, open_window

QUEUE = reverse("portfolios:certification_queue")
CERTIFY = reverse("portfolios:certify")


def return_url(outcome: CourseOutcome) -> str:
    return reverse("portfolios:return", args=[outcome.code])


def snapshot(*outcomes: CourseOutcome) -> list[tuple]:
    return [
        tuple(
            CourseOutcome.objects.filter(pk=o.pk).values_list(
                "status", "certified_by", "certified_at", "returned_by", "return_reason"
            )[0]
        )
        for o in outcomes
    ]


@pytest.fixture
def pending(world: SchoolWorld) -> list[CourseOutcome]:
    open_window(world.term)
    return [
        make_outcome(world.math, world.students[0], description="函數圖形觀察報告"),
        make_outcome(world.math, world.students[1], description="機率實驗紀錄", media=True),
    ]


def test_queue_lists_pending_outcomes_of_own_courses_with_files(world, pending, login):
    other = make_outcome(world.chinese, world.students[0], description="國文閱讀心得")
    client = login(world.math_teacher.user)

    response = client.get(QUEUE)

    assert response.status_code == 200
    html = response.content.decode()
    assert "函數圖形觀察報告" in html and "機率實驗紀錄" in html
    assert other.description not in html
    assert world.students[0].student_number in html
    assert "一年甲班" in html
    assert "教師認證期間" in html  # the window state message
    preview = reverse("portfolios:item_file", args=["outcome", pending[0].code, "document"])
    assert f"{preview}?preview=1" in html
    media = reverse("portfolios:item_file", args=["outcome", pending[1].code, "media"])
    assert f'href="{media}"' in html and f"{media}?preview=1" not in html


def test_queue_is_404_for_people_who_are_not_teachers(world, login):
    assert login(world.students[0].user).get(QUEUE).status_code == 404
    assert login(world.registrar).get(QUEUE).status_code == 404


def test_teacher_certifies_two_outcomes_at_once_r4(world, pending, login):
    client = login(world.math_teacher.user)

    response = client.post(CERTIFY, {"codes": [str(o.code) for o in pending]})

    assert response.status_code == 302
    for outcome in pending:
        outcome.refresh_from_db()
        assert outcome.status == OutcomeStatus.CERTIFIED
        assert outcome.certified_by == world.math_teacher.user
        assert outcome.certified_at is not None
        assert outcome.certified_document_sha256 == outcome.document_blob.sha256
    events = AuditEvent.objects.filter(action="outcome.certified")
    assert sorted(e.target for e in events) == sorted(f"outcome:{o.code}" for o in pending)
    assert all(e.actor == world.math_teacher.user for e in events)
    page = client.get(QUEUE).content.decode()
    assert "已認證 2 件學習成果。" in page
    assert "目前沒有待認證的學習成果。" in page
    assert "函數圖形觀察報告" in page  # now under 最近認證或退回


def test_certify_with_htmx_returns_the_queue_partial(world, pending, login):
    client = login(world.math_teacher.user)

    response = client.post(CERTIFY, {"codes": [str(pending[0].code)]}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert "已認證 1 件學習成果。" in html
    assert "機率實驗紀錄" in html  # still pending


def test_certify_without_selection_says_so(world, pending, login):
    response = login(world.math_teacher.user).post(CERTIFY, {}, follow=True)

    assert "請先勾選要認證的學習成果。" in response.content.decode()
    assert snapshot(*pending)[0][0] == OutcomeStatus.PENDING


def test_return_requires_a_reason_r4_3(world, pending, login):
    client = login(world.math_teacher.user)
    before = snapshot(pending[0])

    response = client.post(return_url(pending[0]), {"reason": "   "}, follow=True)

    assert "請填寫退回原因。" in response.content.decode()
    assert snapshot(pending[0]) == before
    assert not AuditEvent.objects.filter(action="outcome.returned").exists()


def test_teacher_returns_with_reason_r4_3(world, pending, login):
    client = login(world.math_teacher.user)

    client.post(return_url(pending[0]), {"reason": "檔案與本課程無關，請重新上傳。"})

    pending[0].refresh_from_db()
    assert pending[0].status == OutcomeStatus.RETURNED
    assert pending[0].returned_by == world.math_teacher.user
    assert pending[0].return_reason == "檔案與本課程無關，請重新上傳。"
    assert AuditEvent.objects.filter(
        action="outcome.returned", target=f"outcome:{pending[0].code}"
    ).exists()


def test_teacher_of_another_course_gets_404_on_return(world, pending, login):
    client = login(world.chinese_teacher.user)
    before = snapshot(pending[0])

    response = client.post(return_url(pending[0]), {"reason": "不是我的課"})

    assert response.status_code == 404
    assert snapshot(pending[0]) == before


def test_bulk_certify_refuses_others_outcomes_and_changes_nothing(world, pending, login):
    own = make_outcome(world.chinese, world.students[0], description="國文閱讀心得")
    client = login(world.chinese_teacher.user)
    before = snapshot(own, *pending)

    response = client.post(CERTIFY, {"codes": [str(own.code), str(pending[0].code)]})

    assert response.status_code == 404
    assert snapshot(own, *pending) == before
    assert not AuditEvent.objects.filter(action="outcome.certified").exists()


def test_certifying_a_non_pending_outcome_is_refused_by_name(world, pending, login):
    draft = make_outcome(world.math, world.students[0], status=OutcomeStatus.DRAFT,
                         description="尚未送出的草稿")  # fmt: skip
    client = login(world.math_teacher.user)

    response = client.post(CERTIFY, {"codes": [str(pending[0].code), str(draft.code)]}, follow=True)

    assert "「尚未送出的草稿」目前狀態為未送出認證，只能認證待認證的學習成果。" in (
        response.content.decode()
    )
    assert snapshot(pending[0])[0][0] == OutcomeStatus.PENDING  # all or nothing


def test_proxy_certifies_only_after_assignment_r4_4(world, pending, login):
    proxy = make_teacher(world.school, "李代理")
    client = login(proxy.user)

    assert client.post(CERTIFY, {"codes": [str(pending[0].code)]}).status_code == 404
    assert "函數圖形觀察報告" not in client.get(QUEUE).content.decode()
    assert snapshot(pending[0])[0][0] == OutcomeStatus.PENDING

    ProxyCertifier.objects.create(
        term=world.term, teacher=world.math_teacher, proxy=proxy, assigned_by=world.registrar
    )
    client = login(proxy.user)  # a fresh request: role context is per request
    page = client.get(QUEUE).content.decode()
    assert "函數圖形觀察報告" in page and "代理 王數學" in page
    response = client.post(CERTIFY, {"codes": [str(pending[0].code)]})

    assert response.status_code == 302
    pending[0].refresh_from_db()
    assert pending[0].status == OutcomeStatus.CERTIFIED
    assert pending[0].certified_by == proxy.user


def test_certification_outside_the_window_is_refused_with_the_window_message_r3(
    world, pending, login
):
    now = timezone.now()
    Window.objects.filter(term=world.term, kind=WindowKind.CERTIFY).update(
        opens_at=now - datetime.timedelta(days=30), closes_at=now - datetime.timedelta(days=1)
    )
    client = login(world.math_teacher.user)
    before = snapshot(*pending)

    response = client.post(CERTIFY, {"codes": [str(pending[0].code)]}, follow=True)
    returned = client.post(return_url(pending[1]), {"reason": "太晚了"}, follow=True)

    html = response.content.decode()
    assert "教師認證期間為" in html and "已截止。" in html
    assert "已截止。" in returned.content.decode()
    assert snapshot(*pending) == before


def test_certification_without_a_window_says_none_is_set(world, login):
    outcome = make_outcome(world.math, world.students[0])
    response = login(world.math_teacher.user).post(
        CERTIFY, {"codes": [str(outcome.code)]}, follow=True
    )

    assert "本學期尚未設定教師認證期間。" in response.content.decode()
    assert snapshot(outcome)[0][0] == OutcomeStatus.PENDING


def test_pending_count_badge(world, pending, login):
    response = login(world.math_teacher.user).get(QUEUE, {"count": "1"})

    assert response.status_code == 200
    assert "2 件" in response.content.decode()
