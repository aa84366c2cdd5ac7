"""Who may open which page: every route of the project's own apps × every role (RULES.md §1).

Not-yours and missing give the same 404 (STYLE.md). Add a row to ``MATRIX`` for each new
route: ``test_every_route_has_a_matrix_entry`` fails until you do.
"""

import datetime as dt
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User
from accounts.tests.factories import UserFactory
from conftest import ROLE_FIXTURES, SchoolWorld
from guardians import flow
from guardians.models import (
    ApplicationState,
    BindingApplication,
    CodeChannel,
    ConsentStatement,
    Guardianship,
    Relationship,
    SchoolLevel,
)
from guardians.signatures import clean_signature
from guardians.tests.factories import (
    GuardianshipFactory,
    ensure_consent,
    make_national_id,
    signature_data_url,
)
from guardians.tokens import set_password_token

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
EVERYONE = allowed(*ROLE_FIXTURES)


def everyone(status: int) -> dict[str, int]:
    """The same ``status`` for every role fixture."""
    return allowed(*ROLE_FIXTURES, status=status)


#: The binding flow (``/parent/bind/…``) is ``login_not_required`` and works from the verified
#: flow state in the session, not from the account: a signed-in person without a flow state
#: is treated like an anonymous visitor. Steps that need the state send them to step 1
#: (302 → ``bind_start``); POST-only routes are 405 on GET before any other check.
FLOW_NEEDS_STATE = [
    "guardians:bind_student",
    "guardians:bind_schools",
    "guardians:bind_students",
    "guardians:bind_consent",
    "guardians:bind_parent",
    "guardians:bind_review",
    "guardians:bind_progress",
]
FLOW_POST_ONLY = [
    "guardians:bind_verify",
    "guardians:bind_check_student",
    "guardians:bind_check_parent_id",
    "guardians:bind_quit",
]
#: Targets of the application routes of the flow: ``own`` is an application of the ``parent``
#: fixture (its account and email), ``other`` another parent's application.
FLOW_APPLICATION_TARGETS = ["own", "other", "missing"]
#: Targets of the review routes: ``own`` a pending application for a student of the
#: ``homeroom_teacher``'s class A, ``other`` one for class B, ``other_school`` one for a
#: student of the other school.
REVIEW_TARGETS = ["own", "other", "other_school", "missing"]
#: Targets of the unbind route: ``own`` the ``parent`` fixture's binding (the school's),
#: ``other_school`` a binding of the other school.
BINDING_TARGETS = ["own", "other_school", "missing"]
#: Targets of the set-password link: a fresh link of a new parent account, a wrong token, a
#: user id that does not exist.
SET_PASSWORD_TARGETS = ["valid", "invalid", "missing"]
OWN_REVIEW: dict[str | None, dict[str, int]] = {
    "own": allowed("homeroom_teacher"),
    "other": NOBODY,
    "other_school": NOBODY,
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
    "guardians:bind_start": {None: EVERYONE},
    **{name: {None: everyone(302)} for name in FLOW_NEEDS_STATE},
    **{name: {None: everyone(405)} for name in FLOW_POST_ONLY},
    "guardians:bind_cancel": {target: everyone(405) for target in FLOW_APPLICATION_TARGETS},
    "guardians:bind_pdf": {target: everyone(302) for target in FLOW_APPLICATION_TARGETS},
    "guardians:set_password": {
        "valid": EVERYONE,
        "invalid": everyone(400),
        "missing": everyone(400),
    },
    "guardians:review_list": {None: allowed("homeroom_teacher")},
    "guardians:review_detail": OWN_REVIEW,
    "guardians:review_pdf": OWN_REVIEW,
    "guardians:review_approve": {target: everyone(405) for target in REVIEW_TARGETS},
    "guardians:review_reject": {target: everyone(405) for target in REVIEW_TARGETS},
    "guardians:binding_list": {
        None: allowed("registrar", "other_school_registrar", "system_admin")
    },
    "guardians:binding_unbind": {target: everyone(405) for target in BINDING_TARGETS},
    "central:home": {None: allowed("central_operator")},
}

CASES = [(name, target) for name, targets in MATRIX.items() for target in targets]


SIGNATURE = clean_signature(signature_data_url())
PARENT_PHONE = "0912345678"


def make_application(
    student: Any,
    *,
    email: str,
    phone: str = PARENT_PHONE,
    channel: str = CodeChannel.EMAIL,
    parent_user: User | None = None,
) -> BindingApplication:
    """A pending application as step 4 leaves it (consent version 1, a drawn signature)."""
    ensure_consent()
    return BindingApplication.objects.create(
        submission=uuid.uuid4(),
        student=student,
        relationship=Relationship.MOTHER,
        school_level=SchoolLevel.SENIOR,
        parent_name="王美麗",
        parent_national_id=make_national_id(sex="2"),
        email=email,
        phone=phone,
        verified_channel=channel,
        consent=ConsentStatement.objects.get(version=1),
        consent_accepted_at=timezone.now(),
        signature_png=SIGNATURE,
        parent_user=parent_user,
    )


def _flow_application(target: str, world: SchoolWorld) -> BindingApplication:
    if target == "own":
        return make_application(world.student_b, email=world.parent.email, parent_user=world.parent)
    return make_application(world.student_b, email="someone.else@example.com")


def _review_application(target: str, world: SchoolWorld) -> BindingApplication:
    student = {
        "own": world.student_a,
        "other": world.student_b,
        "other_school": world.other_school_student,
    }[target]
    return make_application(student, email=f"{target}.parent@example.com")


def _binding(target: str, world: SchoolWorld) -> Guardianship:
    if target == "own":
        return Guardianship.objects.get(parent=world.parent, ended_at__isnull=True)
    return GuardianshipFactory.create(student=world.other_school_student)


def set_password_url(target: str) -> str:
    user = UserFactory.create()
    user.set_unusable_password()
    user.save()
    uid = urlsafe_base64_encode(force_bytes(user.pk if target != "missing" else user.pk + 999))
    token = set_password_token.make_token(user) if target == "valid" else "cxyz-0123456789abcdef"
    return reverse("guardians:set_password", args=[uid, token])


#: Routes whose object is not a student: route → (target, world) → the object.
OBJECT_BUILDERS: dict[str, Callable[[str, SchoolWorld], Any]] = {
    "guardians:bind_cancel": _flow_application,
    "guardians:bind_pdf": _flow_application,
    **{
        f"guardians:{name}": _review_application
        for name in ("review_detail", "review_pdf", "review_approve", "review_reject")
    },
    "guardians:binding_unbind": _binding,
}


def url_of(name: str, target: str | None, world: SchoolWorld) -> str:
    if target is None:
        return reverse(name)
    if name == "guardians:set_password":
        return set_password_url(target)
    if target == "missing":
        return reverse(name, args=[uuid.uuid4()])
    if name in OBJECT_BUILDERS:
        return reverse(name, args=[OBJECT_BUILDERS[name](target, world).code])
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


#: The ``login_not_required`` routes and what an anonymous visitor gets instead of the login
#: redirect: the flow's start page, a 302 back to it, a 405 for POST-only routes, and the
#: set-password form (only with a valid link). Never data of the school world.
ANONYMOUS: dict[tuple[str, str | None], int] = {
    ("guardians:bind_start", None): 200,
    **{(name, None): 302 for name in FLOW_NEEDS_STATE},
    **{(name, None): 405 for name in FLOW_POST_ONLY},
    **{("guardians:bind_cancel", target): 405 for target in FLOW_APPLICATION_TARGETS},
    **{("guardians:bind_pdf", target): 302 for target in FLOW_APPLICATION_TARGETS},
    ("guardians:set_password", "valid"): 200,
    ("guardians:set_password", "invalid"): 400,
    ("guardians:set_password", "missing"): 400,
}
PUBLIC_ROUTES = {name for name, _target in ANONYMOUS}


def _world_names(world: SchoolWorld) -> list[str]:
    return [
        world.student_a.name,
        world.student_b.name,
        world.other_school_student.name,
        world.student_a.national_id,
        world.student_b.national_id,
    ]


@pytest.mark.parametrize(("name", "target"), CASES)
def test_anonymous_visitor_is_sent_to_login(
    name: str, target: str | None, school_world: SchoolWorld, client: Client
) -> None:
    url = url_of(name, target, school_world)

    response = client.get(url)

    if (name, target) in ANONYMOUS:
        assert response.status_code == ANONYMOUS[name, target]
        if response.status_code == 302:
            assert response["Location"] == reverse("guardians:bind_start")
        body = response.content.decode()
        assert not [value for value in _world_names(school_world) if value in body]
        return
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={url}"


def test_public_routes_are_exactly_the_login_not_required_views() -> None:
    """A route opened to anonymous visitors must be listed in ``ANONYMOUS`` (and back)."""
    public: set[str] = set()

    def walk(patterns: list, namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif (
                isinstance(pattern, URLPattern)
                and pattern.name
                and namespace in OWN_NAMESPACES
                and getattr(pattern.callback, "login_required", True) is False
            ):
                public.add(f"{namespace}:{pattern.name}")

    walk(get_resolver().url_patterns, None)

    assert public == PUBLIC_ROUTES


@pytest.mark.parametrize("name", [*FLOW_NEEDS_STATE, "guardians:bind_pdf"])
def test_signed_in_person_without_a_flow_is_sent_to_step_1(
    name: str,
    school_world: SchoolWorld,
    role_user: Callable[[str], User],
    client_for: Callable[[User], Client],
) -> None:
    target = None if name in FLOW_NEEDS_STATE else "own"
    url = url_of(name, target, school_world)

    locations = {role: client_for(role_user(role)).get(url)["Location"] for role in ROLE_FIXTURES}

    assert set(locations.values()) == {reverse("guardians:bind_start")}


# --- The binding flow with a verified state -----------------------------------------------


def flow_client(
    *,
    destination: str,
    channel: str = CodeChannel.EMAIL,
    students: list[flow.StudentChoice] | None = None,
    consent: bool = False,
    verified_at: dt.datetime | None = None,
) -> Client:
    """An anonymous client whose session holds a verified flow state (as after step 1)."""
    client = Client()
    session = client.session
    state = flow.FlowState(
        channel=channel,
        destination=destination,
        verified_at=(verified_at or timezone.now()).isoformat(),
        students=students or [],
        consent_version=1 if consent else None,
        consent_accepted_at=timezone.now().isoformat() if consent else None,
    )
    flow.save(session, state)
    session.save()
    return client


@pytest.mark.parametrize(
    ("students", "consent", "name", "expected"),
    [
        (False, False, "bind_students", "bind_student"),
        (False, False, "bind_consent", "bind_student"),
        (False, False, "bind_parent", "bind_consent"),
        (False, False, "bind_review", "bind_parent"),
        (True, False, "bind_parent", "bind_consent"),
        (True, False, "bind_review", "bind_parent"),
        (True, True, "bind_review", "bind_parent"),
    ],
)
def test_step_out_of_order_redirects_to_the_missing_step_a3(
    students: bool, consent: bool, name: str, expected: str, school_world: SchoolWorld
) -> None:
    ensure_consent()
    chosen = [flow.StudentChoice(school_world.student_a.pk, "mother", "senior")]
    client = flow_client(
        destination="p@example.com", students=chosen if students else None, consent=consent
    )

    response = client.get(reverse(f"guardians:{name}"))

    assert response.status_code == 302
    assert response["Location"] == reverse(f"guardians:{expected}")


def test_expired_flow_sends_back_to_step_1(school_world: SchoolWorld) -> None:
    client = flow_client(
        destination="p@example.com", verified_at=timezone.now() - dt.timedelta(minutes=61)
    )

    response = client.get(reverse("guardians:bind_progress"))

    assert response.status_code == 302
    assert response["Location"] == reverse("guardians:bind_start")


def test_flow_pdf_not_yours_and_missing_give_the_same_404(school_world: SchoolWorld) -> None:
    own = make_application(school_world.student_a, email="mine@example.com")
    theirs = make_application(school_world.student_b, email="theirs@example.com")
    client = flow_client(destination="mine@example.com")

    mine = client.get(reverse("guardians:bind_pdf", args=[own.code]))
    not_yours = client.get(reverse("guardians:bind_pdf", args=[theirs.code]))
    missing = client.get(reverse("guardians:bind_pdf", args=[uuid.uuid4()]))
    cancel = client.post(reverse("guardians:bind_cancel", args=[theirs.code]))

    assert mine.status_code == 200 and mine["Content-Type"] == "application/pdf"
    assert not_yours.status_code == missing.status_code == cancel.status_code == 404
    assert _main(not_yours.content) == _main(missing.content)
    assert school_world.student_b.name not in not_yours.content.decode()
    theirs.refresh_from_db()
    assert theirs.state == ApplicationState.PENDING


def test_typed_phone_of_an_email_application_does_not_open_it_by_sms(
    school_world: SchoolWorld,
) -> None:
    """Step 4's phone is typed, not proved: whoever verifies that number by SMS must not see
    the application (its PDF carries the student's full name) nor cancel it."""
    application = make_application(
        school_world.student_a, email="mother@example.com", phone="0911222333"
    )
    stranger = flow_client(destination="0911222333", channel=CodeChannel.SMS)

    progress = stranger.get(reverse("guardians:bind_progress"))
    pdf = stranger.get(reverse("guardians:bind_pdf", args=[application.code]))
    cancel = stranger.post(reverse("guardians:bind_cancel", args=[application.code]))

    assert progress.status_code == 200
    assert 'data-testid="application-row"' not in progress.content.decode()
    assert pdf.status_code == cancel.status_code == 404
    application.refresh_from_db()
    assert application.state == ApplicationState.PENDING


def test_typed_email_of_an_sms_application_does_not_open_it_by_email(
    school_world: SchoolWorld,
) -> None:
    application = make_application(
        school_world.student_a,
        email="typed@example.com",
        phone="0911222333",
        channel=CodeChannel.SMS,
    )
    by_email = flow_client(destination="typed@example.com")
    by_sms = flow_client(destination="0911222333", channel=CodeChannel.SMS)

    assert by_email.get(reverse("guardians:bind_pdf", args=[application.code])).status_code == 404
    progress = by_sms.get(reverse("guardians:bind_progress")).content.decode()
    assert progress.count('data-testid="application-row"') == 1
    assert by_sms.get(reverse("guardians:bind_pdf", args=[application.code])).status_code == 200


# --- Staff routes: not-yours and missing give the same 404 ------------------------------


def test_review_not_yours_and_missing_give_the_same_404(
    school_world: SchoolWorld, homeroom_teacher: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(homeroom_teacher)
    theirs = _review_application("other", school_world)

    not_yours = client.get(reverse("guardians:review_detail", args=[theirs.code]))
    missing = client.get(reverse("guardians:review_detail", args=[uuid.uuid4()]))
    approve = client.post(reverse("guardians:review_approve", args=[theirs.code]))

    assert not_yours.status_code == missing.status_code == approve.status_code == 404
    assert _main(not_yours.content) == _main(missing.content)
    assert school_world.student_b.name not in not_yours.content.decode()
    theirs.refresh_from_db()
    assert theirs.state == ApplicationState.PENDING


@pytest.mark.parametrize("role", ["registrar", "other_school_registrar", "homeroom_teacher"])
def test_unbind_not_yours_and_missing_give_the_same_404(
    role: str,
    school_world: SchoolWorld,
    role_user: Callable[[str], User],
    client_for: Callable[[User], Client],
) -> None:
    client = client_for(role_user(role))
    # Not the registrar's school (or, for the others, not theirs at all).
    theirs = _binding("other_school" if role == "registrar" else "own", school_world)

    not_yours = client.post(reverse("guardians:binding_unbind", args=[theirs.code]))
    missing = client.post(reverse("guardians:binding_unbind", args=[uuid.uuid4()]))

    assert not_yours.status_code == missing.status_code == 404
    assert _main(not_yours.content) == _main(missing.content)
    theirs.refresh_from_db()
    assert theirs.ended_at is None


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
