"""Staff home pages link to the portfolio staff pages."""

from django.urls import reverse

from accounts.models import Role

from .conftest import assign_role


def test_teacher_home_links_to_the_queue_with_a_lazy_count(world, login):
    html = login(world.math_teacher.user).get(reverse("schools:teacher_home")).content.decode()

    queue = reverse("portfolios:certification_queue")
    assert f'href="{queue}"' in html
    assert f'hx-get="{queue}?count=1"' in html
    assert reverse("portfolios:consultation_list") not in html


def test_teacher_home_links_consultants_and_homeroom_progress(world, login):
    assign_role(world.homeroom.user, Role.CONSULTATION_TEACHER, world.school)
    html = login(world.homeroom.user).get(reverse("schools:teacher_home")).content.decode()

    assert reverse("portfolios:consultation_list") in html
    assert reverse("portfolios:class_progress", args=[world.school_class.code]) in html


def test_class_detail_links_to_progress(world, login):
    url = reverse("schools:class_detail", args=[world.school_class.code])
    html = login(world.homeroom.user).get(url).content.decode()

    assert reverse("portfolios:class_progress", args=[world.school_class.code]) in html


def test_registrar_home_links_to_windows_proxies_and_bindings(world, login):
    html = login(world.registrar).get(reverse("schools:registrar_home")).content.decode()

    assert reverse("portfolios:windows") in html
    assert reverse("portfolios:proxies") in html
    assert f'href="{reverse("guardians:binding_list")}"' in html
    assert "親子綁定管理" in html
