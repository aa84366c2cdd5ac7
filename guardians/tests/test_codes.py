"""Step 1 verification codes: lifetime, single use, tries, rate limits (RELIABILITY.md A1,
A2, §6.8 items 23–24; the issue items 1 and 10)."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from guardians import actions, flow, sms
from guardians.models import RateEvent, VerificationCode

from .conftest import PARENT_EMAIL, last_code

START = reverse("guardians:bind_start")
VERIFY = reverse("guardians:bind_verify")
T0 = dt.datetime(2025, 10, 1, 9, 0, tzinfo=dt.UTC)


def send(client, email: str = PARENT_EMAIL):  # type: ignore[no-untyped-def]
    return client.post(START, {"channel": "email", "email": email})


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**8:08d}"


@pytest.mark.django_db
def test_code_is_8_digits_stored_only_as_hash_a1(client) -> None:
    assert send(client).status_code == 302
    code = last_code()
    row = VerificationCode.objects.get()
    assert len(code) == 8
    assert code not in (row.code_hash, row.salt)
    assert PARENT_EMAIL not in (row.destination_digest, row.destination_masked)
    assert "1 小時" in mail.outbox[-1].body


@pytest.mark.django_db
def test_page_says_how_long_the_code_stays_valid_issue_item_1(client) -> None:
    page = client.get(START).content.decode()
    assert "驗證碼時效為 60 分鐘（1 小時）" in page


@pytest.mark.django_db
def test_expired_code_is_refused_at_60_minutes_but_not_59_59(client) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        send(client)
        code = last_code()
        traveller.move_to(T0 + dt.timedelta(minutes=60))
        response = client.post(VERIFY, {"code": code})
    assert response.status_code == 400
    assert "驗證碼已逾時（有效時間 1 小時），請重新取得驗證碼。" in response.content.decode()
    assert flow.SESSION_KEY not in client.session


@pytest.mark.django_db
def test_code_at_59_minutes_59_seconds_is_accepted(client) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        send(client)
        code = last_code()
        traveller.move_to(T0 + dt.timedelta(minutes=59, seconds=59))
        response = client.post(VERIFY, {"code": code})
    assert response.status_code == 302
    assert response.url == reverse("guardians:bind_student")


@pytest.mark.django_db
def test_reused_code_is_refused_single_use() -> None:
    row, code = actions.issue_verification_code(
        channel="email", destination=PARENT_EMAIL, ip="127.0.0.1"
    )
    actions.verify_code(code_id=row.pk, raw_code=code, destination=PARENT_EMAIL, ip="127.0.0.1")
    with pytest.raises(ValidationError) as exc:
        actions.verify_code(code_id=row.pk, raw_code=code, destination=PARENT_EMAIL, ip="127.0.0.1")
    assert exc.value.messages == ["此驗證碼已使用過（每組驗證碼只能使用一次），請重新取得驗證碼。"]


@pytest.mark.django_db
def test_reused_code_through_the_page_needs_a_new_code(client) -> None:
    send(client)
    code = last_code()
    assert client.post(VERIFY, {"code": code}).status_code == 302
    response = client.post(VERIFY, {"code": code})
    assert response.status_code == 400
    assert "請先取得驗證碼。" in response.content.decode()


@pytest.mark.django_db
def test_six_wrong_codes_burn_the_code_after_five(client) -> None:
    send(client)
    code = last_code()
    messages = []
    for _ in range(5):
        response = client.post(VERIFY, {"code": wrong(code)})
        assert response.status_code == 400
        messages.append(response.content.decode())
    assert "已錯誤 1 次，還可再試 4 次" in messages[0]
    assert "驗證碼錯誤已達 5 次，此驗證碼已失效，請重新取得驗證碼。" in messages[4]
    # The sixth try, even with the right code, is refused.
    response = client.post(VERIFY, {"code": code})
    assert response.status_code == 400
    assert (
        "此驗證碼已失效（錯誤達 5 次或已重新取得），請重新取得驗證碼。" in response.content.decode()
    )
    row = VerificationCode.objects.get()
    assert row.failed_attempts == 5 and row.burned_at is not None and row.used_at is None
    assert flow.SESSION_KEY not in client.session


@pytest.mark.django_db
def test_badly_formed_code_names_the_limit_and_counts_nothing(client) -> None:
    send(client)
    response = client.post(VERIFY, {"code": "12ab5"})
    assert response.status_code == 400
    assert "驗證碼應為 8 碼數字，您輸入了 5 個字元。" in response.content.decode()
    assert VerificationCode.objects.get().failed_attempts == 0
    assert not RateEvent.objects.exists()


@pytest.mark.django_db
def test_new_code_replaces_the_older_one() -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        first, code1 = actions.issue_verification_code(
            channel="email", destination=PARENT_EMAIL, ip="10.0.0.1"
        )
        traveller.shift(dt.timedelta(seconds=61))
        actions.issue_verification_code(channel="email", destination=PARENT_EMAIL, ip="10.0.0.1")
        with pytest.raises(ValidationError) as exc:
            actions.verify_code(
                code_id=first.pk, raw_code=code1, destination=PARENT_EMAIL, ip="10.0.0.1"
            )
    assert "此驗證碼已失效" in exc.value.messages[0]


@pytest.mark.django_db
def test_resend_cool_down_60_seconds_a2(client) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        send(client)
        traveller.shift(dt.timedelta(seconds=20))
        response = send(client)
    assert response.status_code == 400
    assert (
        "重新寄送驗證碼須間隔 60 秒，距上次寄送僅 20 秒，請稍後再試。" in response.content.decode()
    )
    assert VerificationCode.objects.count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_three_codes_per_address_per_hour_a2(client) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        for _ in range(3):
            assert send(client).status_code == 302
            traveller.shift(dt.timedelta(minutes=2))
        response = send(client)
    assert response.status_code == 400
    assert (
        "同一信箱或手機每小時最多取得 3 組驗證碼，過去 1 小時已取得 3 組，請稍後再試。"
        in response.content.decode()
    )
    assert VerificationCode.objects.count() == 3


@pytest.mark.django_db
def test_ten_codes_per_address_per_day_a2() -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        for _ in range(10):
            actions.issue_verification_code(channel="email", destination=PARENT_EMAIL, ip=None)
            traveller.shift(dt.timedelta(minutes=25))
        with pytest.raises(ValidationError) as exc:
            actions.issue_verification_code(channel="email", destination=PARENT_EMAIL, ip=None)
    assert exc.value.messages == [
        "同一信箱或手機每天最多取得 10 組驗證碼，過去 24 小時已取得 10 組，請明天再試。"
    ]


@pytest.mark.django_db
def test_ten_codes_per_client_ip_per_hour_a2() -> None:
    with time_machine.travel(T0, tick=False):
        for n in range(10):
            actions.issue_verification_code(
                channel="email", destination=f"p{n}@example.com", ip="10.1.1.1"
            )
        with pytest.raises(ValidationError) as exc:
            actions.issue_verification_code(
                channel="email", destination="p99@example.com", ip="10.1.1.1"
            )
    assert exc.value.messages == [
        "同一網路位址每小時最多取得 10 組驗證碼，過去 1 小時已取得 10 組，請稍後再試。"
    ]


@pytest.mark.django_db
def test_ten_wrong_codes_per_address_per_hour_a1(client) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        for _ in range(2):
            send(client)
            code = last_code()
            for _ in range(5):
                client.post(VERIFY, {"code": wrong(code)})
            traveller.shift(dt.timedelta(minutes=2))
        send(client)
        response = client.post(VERIFY, {"code": last_code()})
    assert response.status_code == 400
    assert (
        "同一信箱或手機每小時最多輸入錯誤 10 次，過去 1 小時已錯誤 10 次，請 1 小時後再試。"
        in response.content.decode()
    )


@pytest.mark.django_db
def test_thirty_wrong_codes_per_ip_per_hour_a1() -> None:
    with time_machine.travel(T0, tick=False):
        for n in range(6):
            row, code = actions.issue_verification_code(
                channel="email", destination=f"q{n}@example.com", ip="10.2.2.2"
            )
            for _ in range(5):
                with pytest.raises(ValidationError):
                    actions.verify_code(
                        code_id=row.pk,
                        raw_code=wrong(code),
                        destination=f"q{n}@example.com",
                        ip="10.2.2.2",
                    )
        row, code = actions.issue_verification_code(
            channel="email", destination="last@example.com", ip="10.2.2.3"
        )
        with pytest.raises(ValidationError) as exc:
            actions.verify_code(
                code_id=row.pk, raw_code=code, destination="last@example.com", ip="10.2.2.2"
            )
    assert exc.value.messages == [
        "同一網路位址每小時最多輸入錯誤 30 次，過去 1 小時已錯誤 30 次，請 1 小時後再試。"
    ]


@pytest.mark.django_db
def test_brute_force_never_succeeds_a1(client) -> None:
    """200 wrong guesses across re-issued codes: 0 successes, every code burned at 5."""
    with time_machine.travel(T0, tick=False) as traveller:
        successes = 0
        for _ in range(40):
            traveller.shift(dt.timedelta(minutes=30))
            if send(client).status_code != 302:
                continue
            code = last_code()
            for _ in range(5):
                if client.post(VERIFY, {"code": wrong(code)}).status_code == 302:
                    successes += 1
    assert successes == 0
    assert not VerificationCode.objects.filter(used_at__isnull=False).exists()


@pytest.mark.django_db
def test_code_by_sms_lands_in_the_sms_outbox_without_an_id(client) -> None:
    response = client.post(START, {"channel": "sms", "mobile": "0912-345-678"})
    assert response.status_code == 302
    assert len(sms.outbox) == 1 and sms.outbox[0].to == "0912345678"
    code = sms.outbox[0].body.split("驗證碼 ")[1][:8]
    response = client.post(VERIFY, {"code": code})
    assert response.status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"channel": "sms", "mobile": "0912345"},
            "手機號碼應為 09 開頭的 10 碼數字，您輸入的是「0912345」（7 碼）。",
        ),
        (
            {"channel": "email", "email": "not-an-email"},
            "電子郵件「not-an-email」格式錯誤，應為 name@example.com 的形式。",
        ),
        (
            {"channel": "email", "email": "a" * 250 + "@x.tw"},
            "電子郵件最多 254 個字元，您輸入了 255 個字元。",
        ),
        ({"channel": "fax"}, "請選擇取得驗證碼方式（電子信箱或手機）。"),
    ],
)
def test_bad_address_is_refused_and_nothing_stored(client, data, message) -> None:  # type: ignore[no-untyped-def]
    response = client.post(START, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not VerificationCode.objects.exists()
    assert not mail.outbox and not sms.outbox


@pytest.mark.django_db
def test_failing_sms_gateway_burns_the_code_and_says_so(client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.LICHENG_SMS = {
        "BACKEND": "guardians.sms.HttpGatewayBackend",
        "OPTIONS": {"url": "http://127.0.0.1:9/", "timeout": 1},
    }
    response = client.post(START, {"channel": "sms", "mobile": "0912345678"})
    assert response.status_code == 400
    assert "簡訊發送失敗，請稍後再試或改用電子信箱取得驗證碼。" in response.content.decode()
    assert VerificationCode.objects.get().burned_at is not None
