"""The central operator's pages: received packages and receipts, IDs masked (RULES.md §8.3)."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import Role, RoleAssignment, User
from central.ingest import hash_token
from central.models import CentralSchool, ReceivedPackage
from central.tests.exchange import TOKEN, Exchange, exchange_fixture, stores_fixture  # noqa: F401
from schools.identity import mask_id
from submissions.package import build_package


def operator() -> User:
    user = User.objects.create_user(username="central-op", password="pw-不重要-123")
    RoleAssignment.objects.create(user=user, role=Role.CENTRAL_OPERATOR)
    return user


def deliver(exchange: Exchange) -> ReceivedPackage:
    path: Path = build_package(exchange.submit())
    response = Client().post(
        "/api/central/v1/packages",
        path.read_bytes(),
        content_type="application/zip",
        HTTP_AUTHORIZATION=f"Bearer {TOKEN}",
    )
    assert response.status_code == 200
    return ReceivedPackage.objects.get()


def test_operator_home_lists_packages_and_receipt_masks_ids(
    exchange: Exchange, client: Client
) -> None:
    package = deliver(exchange)
    client.force_login(operator())

    home = client.get("/central/")
    assert home.status_code == 200
    assert package.school_code in home.content.decode()
    detail = client.get(f"/central/packages/{package.package_id}/")
    assert detail.status_code == 200
    page = detail.content.decode()
    for student in exchange.students:
        assert student.national_id not in page
        assert mask_id(student.national_id) in page


@pytest.mark.parametrize("role", [None, Role.REGISTRAR])
def test_other_users_get_404(exchange: Exchange, client: Client, role: Any) -> None:
    package = deliver(exchange)
    user = User.objects.create_user(username="someone", password="pw-不重要-123")
    if role:
        RoleAssignment.objects.create(user=user, role=role, school=exchange.school)
    client.force_login(user)

    assert client.get("/central/").status_code == 404
    assert client.get(f"/central/packages/{package.package_id}/").status_code == 404


def test_create_central_school_prints_a_token_once_and_stores_its_hash(db: Any) -> None:
    out = StringIO()
    call_command("create_central_school", "--code", "123456", "--name", "測試高中", stdout=out)

    token = out.getvalue().strip().splitlines()[-1]
    school = CentralSchool.objects.get(code="123456")
    assert school.token_hash == hash_token(token)
    assert token not in school.token_hash


def test_central_demo_setup_registers_389301_with_the_configured_token(
    db: Any, settings: Any
) -> None:
    call_command("central_demo_setup", stdout=StringIO())
    call_command("central_demo_setup", stdout=StringIO())  # idempotent

    school = CentralSchool.objects.get(code="389301")
    assert school.token_hash == hash_token(settings.LICHENG_CENTRAL_TOKEN)


def test_operator_pages_show_chinese_roster_term_and_refusal_labels(
    exchange: Exchange, client: Client
) -> None:
    """Rosters and refusal codes read in Chinese (the code and the technical detail stay in a
    small second line); a yearly package's term reads 整學年, not 第 0 學期."""
    package = deliver(exchange)  # outcomes, semester 0
    refused = Client().post(
        "/api/central/v1/packages",
        b"not a zip",
        content_type="application/zip",
        HTTP_AUTHORIZATION=f"Bearer {TOKEN}",
    )
    assert refused.status_code == 400
    rejected = ReceivedPackage.objects.get(status="rejected")
    client.force_login(operator())

    home = client.get("/central/").content.decode()
    assert "資料包不完整（不是可讀取的 ZIP 檔，或檔案中途截斷）" in home
    assert "<code>truncated</code> not a complete ZIP package" in home
    assert f"{package.school_year} 學年度（整學年）" in home
    assert "第 0 學期" not in home
    # The unreadable package has no year or version: a dash, and its link says what it is.
    refused_row = home.split(f"/central/packages/{rejected.package_id}/")[0].rsplit("<tr>", 1)[1]
    assert ">—</td>" in refused_row
    assert f'href="/central/packages/{rejected.package_id}/">退件紀錄</a>' in home
    assert f'href="/central/packages/{package.package_id}/">收訖明細</a>' in home
    detail = client.get(f"/central/packages/{package.package_id}/").content.decode()
    assert "課程學習成果名冊" in detail
    assert "<td>outcomes</td>" not in detail
    assert f"{package.school_year} 學年度（整學年）" in detail
    refusal = client.get(f"/central/packages/{rejected.package_id}/").content.decode()
    assert "資料包不完整" in refusal and "<code>truncated</code>" in refusal


def test_a_large_receipt_is_shown_a_page_at_a_time(
    exchange: Exchange, client: Client, monkeypatch: Any
) -> None:
    """A 3,000-student school's receipt has 6,000+ lines: the operator page shows them in
    pages, with the totals of the whole package."""
    monkeypatch.setattr("central.views.LINES_PER_PAGE", 1)
    package = deliver(exchange)  # two students, one roster: two lines
    client.force_login(operator())
    url = f"/central/packages/{package.package_id}/"

    first = client.get(url).content.decode()
    second = client.get(url, {"page": 2}).content.decode()

    assert "2 位學生" in first
    assert "第 1–1 筆，共 2 筆" in first and 'href="?page=2"' in first
    assert "第 2–2 筆，共 2 筆" in second and 'href="?page=1"' in second
    ids = [mask_id(s.national_id) for s in exchange.students]
    assert (ids[0] in first) != (ids[0] in second)
    assert (ids[1] in first) != (ids[1] in second)
