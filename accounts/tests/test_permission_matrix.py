"""Who may open which page: every route of the project's own apps × every role (RULES.md §1).

Not-yours and missing give the same 404 (STYLE.md). Add a row to ``MATRIX`` for each new
route: ``test_every_route_has_a_matrix_entry`` fails until you do.
"""

import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import User
from conftest import ROLE_FIXTURES, SchoolWorld

pytestmark = pytest.mark.django_db

#: Namespaces whose every route must be in the matrix, plus the un-namespaced routes of
#: these modules (``accounts.views.home``).
OWN_NAMESPACES = {"portfolios", "schools", "guardians", "central"}
OWN_VIEW_MODULES = ("accounts.",)

CABINET_PAGES = ["cabinet", "basic_data", "attendance", "merits", "course_records"]
CABINET_ROUTES = [f"portfolios:{page}" for page in CABINET_PAGES]


def allowed(*roles: str, status: int = 200, others: int = 404) -> dict[str, int]:
    """``status`` for the named roles, ``others`` for every other role fixture."""
    unknown = set(roles) - set(ROLE_FIXTURES)
    assert not unknown, unknown
    return {role: status if role in roles else others for role in ROLE_FIXTURES}


NOBODY = allowed()

#: route name → target → role → status. Targets: ``None`` for routes without an object;
#: ``own`` is the object of the ``student`` fixture's world (student A, class A, the offering
#: taught to class A); ``other`` the same school's B side; ``other_school`` a student of the
#: other school; ``missing`` a random uuid.
STUDENT_CABINET: dict[str | None, dict[str, int]] = {
    "own": allowed("student", "homeroom_teacher", "registrar", "parent", "system_admin"),
    "other": allowed("other_student", "registrar", "system_admin"),
    "other_school": allowed("other_school_registrar", "system_admin"),
    "missing": NOBODY,
}
MATRIX: dict[str, dict[str | None, dict[str, int]]] = {
    "home": {None: {**allowed(*ROLE_FIXTURES, status=302), "unbound_parent": 200}},
    **{page: {None: allowed("student", "other_student")} for page in CABINET_ROUTES},
    **{f"portfolios:student_{page}": STUDENT_CABINET for page in CABINET_PAGES},
    "schools:teacher_home": {None: allowed("teacher", "homeroom_teacher", "consultation_teacher")},
    "schools:class_detail": {
        "own": allowed("homeroom_teacher", "registrar"),
        "other": allowed("registrar"),
        "missing": NOBODY,
    },
    "schools:offering_detail": {
        "own": allowed("teacher", "registrar"),
        "other": allowed("registrar"),
        "missing": NOBODY,
    },
    "schools:registrar_home": {None: allowed("registrar", "other_school_registrar")},
    "guardians:parent_home": {None: allowed("parent")},
    "central:home": {None: allowed("central_operator")},
}

CASES = [(name, target) for name, targets in MATRIX.items() for target in targets]


def url_of(name: str, target: str | None, world: SchoolWorld) -> str:
    if target is None:
        return reverse(name)
    if target == "missing":
        return reverse(name, args=[uuid.uuid4()])
    by_route: dict[str, dict[str, Any]] = {
        "schools:class_detail": {"own": world.class_a, "other": world.class_b},
        "schools:offering_detail": {"own": world.offering_a, "other": world.offering_b},
    }
    students = {
        "own": world.student_a,
        "other": world.student_b,
        "other_school": world.other_school_student,
    }
    objects = by_route.get(name, students)
    return reverse(name, args=[objects[target].code])


@pytest.mark.parametrize(("name", "target"), CASES)
def test_role_matrix_r1(
    name: str,
    target: str | None,
    school_world: SchoolWorld,
    role_user: Callable[[str], User],
    client_for: Callable[[User], Client],
) -> None:
    url = url_of(name, target, school_world)

    actual = {role: client_for(role_user(role)).get(url).status_code for role in ROLE_FIXTURES}

    assert actual == MATRIX[name][target]


@pytest.mark.parametrize(("name", "target"), CASES)
def test_anonymous_visitor_is_sent_to_login(
    name: str, target: str | None, school_world: SchoolWorld, client: Client
) -> None:
    url = url_of(name, target, school_world)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={url}"


def _main(html: bytes) -> str:
    match = re.search(r"<main id=\"main\">(.*)</main>", html.decode(), re.S)
    assert match is not None
    return match.group(1)


@pytest.mark.parametrize("page", CABINET_PAGES)
def test_not_yours_and_missing_give_the_same_404(
    page: str, school_world: SchoolWorld, parent: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(parent)
    name = f"portfolios:student_{page}"

    not_yours = client.get(reverse(name, args=[school_world.student_b.code]))
    missing = client.get(reverse(name, args=[uuid.uuid4()]))

    assert not_yours.status_code == missing.status_code == 404
    assert _main(not_yours.content) == _main(missing.content)
    assert school_world.student_b.name not in not_yours.content.decode()


def test_non_uuid_student_code_is_404(registrar: User, client_for) -> None:
    assert client_for(registrar).get("/students/12345/cabinet/").status_code == 404


def own_route_names() -> set[str]:
    """Every named route of the project's own apps, as ``namespace:name``."""
    names: set[str] = set()

    def walk(patterns: list, namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                module = getattr(pattern.callback, "__module__", "")
                if namespace in OWN_NAMESPACES:
                    names.add(f"{namespace}:{pattern.name}")
                elif namespace is None and module.startswith(OWN_VIEW_MODULES):
                    names.add(pattern.name)

    walk(get_resolver().url_patterns, None)
    return names


def test_every_route_has_a_matrix_entry() -> None:
    names = own_route_names()

    assert "portfolios:student_cabinet" in names  # the walk itself works
    assert names - set(MATRIX) == set(), "add these routes to MATRIX"
    assert set(MATRIX) - names == set(), "these MATRIX routes no longer exist"
