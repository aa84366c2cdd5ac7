"""Registrar pages: windows (期程) with extensions, proxy certifiers (RULES.md §3, §4 rule 4)."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from portfolios.models import ProxyCertifier, Window, WindowExtension, WindowKind

from .conftest import SchoolWorld, make_teacher

WINDOWS = reverse("portfolios:windows")
PROXIES = reverse("portfolios:proxies")
TAIPEI = zoneinfo.ZoneInfo("Asia/Taipei")


def set_window_data(world: SchoolWorld, **overrides: str) -> dict[str, object]:
    return {
        "form": "window",
        "window-term": world.term.pk,
        "window-kind": WindowKind.UPLOAD,
        "window-opens_at": "2026-01-20T08:00",
        "window-closes_at": "2026-02-15T00:00",
        "window-upload_cap": "9",
        **overrides,
    }


def test_registrar_sets_a_window_in_taipei_time_r3(world, login):
    client = login(world.registrar)

    response = client.post(WINDOWS, set_window_data(world))

    assert response.status_code == 302
    window = Window.objects.get(term=world.term, kind=WindowKind.UPLOAD)
    assert window.opens_at == datetime.datetime(2026, 1, 20, 8, 0, tzinfo=TAIPEI)
    assert window.closes_at == datetime.datetime(2026, 2, 15, 0, 0, tzinfo=TAIPEI)
    assert window.upload_cap == 9
    assert AuditEvent.objects.filter(action="window.set", actor=world.registrar).exists()
    page = client.get(WINDOWS).content.decode()
    assert "115/01/20 08:00" in page and "115/02/14 24:00" in page


def test_window_closing_before_it_opens_is_refused(world, login):
    response = login(world.registrar).post(
        WINDOWS, set_window_data(world, **{"window-closes_at": "2026-01-01T00:00"})
    )

    assert response.status_code == 200
    assert "截止時間必須晚於開始時間。" in response.content.decode()
    assert not Window.objects.exists()


def extension_data(world: SchoolWorld, **overrides: object) -> dict[str, object]:
    return {
        "form": "extension",
        "ext-term": world.term.pk,
        "ext-kind": WindowKind.UPLOAD,
        "ext-school_class": "",
        "ext-student_number": "",
        "ext-closes_at": "2026-07-24T00:00",
        "ext-reason": "颱風停課",
        **overrides,
    }


def test_registrar_adds_an_extension_for_a_class_and_for_a_student(world, login):
    client = login(world.registrar)
    client.post(WINDOWS, set_window_data(world))

    by_class = client.post(
        WINDOWS, extension_data(world, **{"ext-school_class": world.school_class.pk})
    )
    number = world.students[0].student_number
    by_student = client.post(WINDOWS, extension_data(world, **{"ext-student_number": number}))

    assert by_class.status_code == 302 and by_student.status_code == 302
    extensions = WindowExtension.objects.order_by("pk")
    assert [(e.school_class, e.student) for e in extensions] == [
        (world.school_class, None),
        (None, world.students[0]),
    ]
    assert extensions[0].closes_at == datetime.datetime(2026, 7, 24, tzinfo=TAIPEI)
    page = client.get(WINDOWS).content.decode()
    assert "一年甲班 → 115/07/23 24:00（颱風停課）" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ext-student_number": "999999"}, "查無學號 999999 的學生"),
        ({}, "請選擇一個班級或一位學生。"),
        ({"ext-school_class": "CLASS", "ext-closes_at": "2026-02-01T00:00"},
         "展延時間必須晚於原截止時間。"),
        ({"ext-school_class": "CLASS", "ext-kind": WindowKind.TICK},
         "尚未設定學生勾選期間，無法展延。"),
    ],
)  # fmt: skip
def test_bad_extensions_are_refused_by_name(world, login, overrides, message):
    client = login(world.registrar)
    client.post(WINDOWS, set_window_data(world))
    if overrides.get("ext-school_class") == "CLASS":
        overrides = {**overrides, "ext-school_class": world.school_class.pk}

    response = client.post(WINDOWS, extension_data(world, **overrides))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not WindowExtension.objects.exists()


@pytest.mark.parametrize("url", [WINDOWS, PROXIES])
def test_registrar_pages_are_404_for_non_registrars(world, login, url):
    for user in (world.homeroom.user, world.math_teacher.user, world.students[0].user):
        assert login(user).get(url).status_code == 404
    assert login(world.homeroom.user).post(url, set_window_data(world)).status_code == 404
    assert not Window.objects.exists()


def test_registrar_assigns_a_proxy_certifier_r4_4(world, login):
    proxy = make_teacher(world.school, "李代理")
    client = login(world.registrar)

    response = client.post(
        PROXIES, {"term": world.term.pk, "teacher": world.math_teacher.pk, "proxy": proxy.pk}
    )

    assert response.status_code == 302
    assignment = ProxyCertifier.objects.get()
    assert (assignment.teacher, assignment.proxy, assignment.assigned_by) == (
        world.math_teacher, proxy, world.registrar,
    )  # fmt: skip
    assert AuditEvent.objects.filter(action="proxy.assigned").exists()
    page = client.get(PROXIES).content.decode()
    assert "王數學" in page and "李代理" in page


def test_teacher_cannot_be_their_own_proxy(world, login):
    teacher = world.math_teacher
    response = login(world.registrar).post(
        PROXIES, {"term": world.term.pk, "teacher": teacher.pk, "proxy": teacher.pk}
    )

    assert "代理人不能是原任課教師本人。" in response.content.decode()
    assert not ProxyCertifier.objects.exists()


def test_edit_link_prefills_the_window_in_taipei_time(world, login):
    client = login(world.registrar)
    client.post(WINDOWS, set_window_data(world))

    html = client.get(WINDOWS, {"term": world.term.pk, "kind": WindowKind.UPLOAD}).content.decode()

    assert 'name="window-opens_at" value="2026-01-20T08:00"' in html
    assert 'name="window-closes_at" value="2026-02-15T00:00"' in html
    assert 'name="window-upload_cap" value="9"' in html
