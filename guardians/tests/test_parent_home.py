"""The parent's home: actively bound children only (RULES.md §1 parent)."""

from collections.abc import Callable

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from conftest import SchoolWorld
from guardians.tests.factories import GuardianshipFactory

pytestmark = pytest.mark.django_db


def test_parent_home_lists_bound_children_with_cabinet_links_r1(
    school_world: SchoolWorld, parent: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(parent).get(reverse("guardians:parent_home"))

    html = response.content.decode()
    assert [b.student for b in response.context["bindings"]] == [school_world.student_a]
    assert reverse("portfolios:student_cabinet", args=[school_world.student_a.code]) in html
    assert school_world.student_a.national_id not in html


def test_parent_of_two_children_sees_both_and_each_cabinet_r1(
    school_world: SchoolWorld, parent: User, client_for: Callable[[User], Client]
) -> None:
    GuardianshipFactory.create(parent=parent, student=school_world.student_b)
    client = client_for(parent)

    response = client.get(reverse("guardians:parent_home"))

    assert {b.student for b in response.context["bindings"]} == {
        school_world.student_a,
        school_world.student_b,
    }
    for student in (school_world.student_a, school_world.student_b):
        url = reverse("portfolios:student_cabinet", args=[student.code])
        assert client.get(url).status_code == 200


def test_ended_binding_hides_the_child_immediately_r1(
    school_world: SchoolWorld, parent: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(parent)
    url = reverse("portfolios:student_cabinet", args=[school_world.student_a.code])
    assert client.get(url).status_code == 200

    school_world.student_a.guardianships.filter(parent=parent).update(ended_at=timezone.now())

    assert client.get(url).status_code == 404
    assert client.get(reverse("guardians:parent_home")).status_code == 404


def test_a_parent_has_one_active_binding_per_child(school_world: SchoolWorld, parent: User) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        GuardianshipFactory.create(parent=parent, student=school_world.student_a)
