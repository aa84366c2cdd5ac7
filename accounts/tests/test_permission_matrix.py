"""Who may open which page: every route of the project's own apps × every role (RULES.md §1).

Not-yours and missing give the same 404 (STYLE.md). Add a row to ``MATRIX`` for each new
route: ``test_every_route_has_a_matrix_entry`` fails until you do. The central database's
JSON API (``/api/central/v1/``) authenticates schools by token, not by role: it has its own
tests at the end (401 without a valid school token, whatever the session).
"""

import datetime as dt
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User
from accounts.tests.factories import UserFactory
from central import api as central_api
from central.actions import register_school
from central.models import ReceivedPackage
from conftest import ROLE_FIXTURES, SchoolWorld
from files.ingest import blob_for, check_and_store
from files.models import Blob
from files.rules import DOCUMENT_RULE
from files.tests import samples
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
from portfolios.models import (
    ConsultationKind,
    ConsultationRecord,
    CourseOutcome,
    OutcomeStatus,
    Performance,
    RecordType,
    TickSlot,
)
from portfolios.tests.conftest import make_offering, make_outcome, make_teacher
from schools.models import SchoolClass
from schools.tests.factories import SchoolClassFactory
from submissions.models import (
    CheckPeriod,
    ReceiptConfirmation,
    Roster,
    Submission,
    SubmissionStatus,
)
from submissions.package import snapshot_submission
from submissions.tasks import build_and_deliver
from submissions.transfer import export_student_package, stage_upload
from submissions.views_transfer import SESSION_KEY as TRANSFER_SESSION_KEY

pytestmark = pytest.mark.django_db

#: Namespaces whose every route must be in the matrix, plus the un-namespaced routes of
#: these modules (``accounts.views.home``).
OWN_NAMESPACES = {
    "portfolios",
    "schools",
    "guardians",
    "submissions",
    "submissions_extra",
    "central",
}
OWN_VIEW_MODULES = ("accounts.",)

CABINET_PAGES = [
    "cabinet",
    "basic_data",
    "attendance",
    "merits",
    "course_records",
    "consultations",
    "outcomes",
    "performances",
    "ticks",
    "files",
]
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

#: Targets of the portfolio item routes: ``own`` an item of student A (an outcome of the
#: offering the ``teacher`` fixture teaches to class A), ``other`` one of student B (class B,
#: taught by class B's homeroom teacher), ``other_school`` one of the other school's student.
ITEM_TARGETS = ["own", "other", "other_school", "missing"]
#: Who may open an outcome: whoever may see its student, and the teacher who may certify it
#: once it is sent (``own_draft``: student A's outcome not sent yet).
OUTCOME_VIEW: dict[str | None, dict[str, int]] = {
    **STUDENT_CABINET,
    "own": allowed("student", "teacher", "homeroom_teacher", "registrar", "parent", "system_admin"),
    "own_draft": STUDENT_CABINET["own"],
}
#: Files of items (``item_file``): the outcome targets (a document stored for real), plus a
#: performance and a consultation record of student A. A consultation record's attachment is
#: also open to the consultation teacher who wrote it.
ITEM_FILE: dict[str | None, dict[str, int]] = {
    **OUTCOME_VIEW,
    "own_performance": STUDENT_CABINET["own"],
    "own_consultation": allowed(
        "student",
        "homeroom_teacher",
        "consultation_teacher",
        "registrar",
        "parent",
        "system_admin",
    ),
}
#: The people with a ``Teacher`` row (subject, homeroom and consultation teachers).
TEACHERS = allowed("teacher", "homeroom_teacher", "consultation_teacher")
STUDENTS = allowed("student", "other_student")
#: POST-only portfolio routes: 405 on GET for everyone, before any other check.
PORTFOLIO_POST_ONLY = [
    "portfolios:outcome_send",
    "portfolios:outcome_delete",
    "portfolios:performance_delete",
    "portfolios:tick_toggle",
    "portfolios:return",
]

#: Registrars (註冊組) of a school, each on their own school's pages.
REGISTRARS = allowed("registrar", "other_school_registrar")
#: Targets of the submission routes: ``own`` an accepted (delivered) submission of the school
#: carrying student A, with an open check period; ``other`` one of the school carrying student
#: B only; ``other_school`` one of the other school carrying its student.
SUBMISSION_TARGETS = ["own", "other", "other_school", "missing"]
SUBMISSION_VIEW: dict[str | None, dict[str, int]] = {
    "own": allowed("registrar"),
    "other": allowed("registrar"),
    "other_school": allowed("other_school_registrar"),
    "missing": NOBODY,
}
#: A student's receipt (收訖明細確認) of a submission: only the student it carried.
RECEIPT_VIEW: dict[str | None, dict[str, int]] = {
    "own": allowed("student"),
    "other": allowed("other_student"),
    "other_school": NOBODY,
    "missing": NOBODY,
}
SUBMISSION_POST_ONLY = ["submissions:check_period", "submissions:resubmit"]
#: Targets of the transfer preview: a staged upload lives in the uploader's session only —
#: ``own`` uploaded by the ``registrar``, ``other_school`` by the other school's registrar,
#: ``other`` by nobody signed in here (a real staged file), ``missing`` no such upload.
TRANSFER_UPLOADERS = {"own": "registrar", "other_school": "other_school_registrar"}

MATRIX: dict[str, dict[str | None, dict[str, int]]] = {
    "home": {None: {**allowed(*ROLE_FIXTURES, status=302), "unbound_parent": 200}},
    **{page: {None: allowed("student", "other_student")} for page in CABINET_ROUTES},
    **{f"portfolios:student_{page}": STUDENT_CABINET for page in CABINET_PAGES},
    "portfolios:outcome_upload": {None: STUDENTS},
    "portfolios:outcome_detail": OUTCOME_VIEW,
    "portfolios:performance_new": {None: STUDENTS},
    "portfolios:performance_detail": STUDENT_CABINET,
    **{name: {target: everyone(405) for target in ITEM_TARGETS} for name in PORTFOLIO_POST_ONLY},
    "portfolios:item_file": ITEM_FILE,
    "portfolios:certification_queue": {None: TEACHERS},
    "portfolios:certify": {None: everyone(405)},
    "portfolios:consultation_list": {None: allowed("consultation_teacher")},
    "portfolios:class_progress": {
        "own": allowed("homeroom_teacher", "registrar"),
        "other": allowed("registrar"),
        "other_school": allowed("other_school_registrar"),
        "missing": NOBODY,
    },
    "portfolios:windows": {None: allowed("registrar", "other_school_registrar")},
    "portfolios:proxies": {None: allowed("registrar", "other_school_registrar")},
    "schools:teacher_home": {None: TEACHERS},
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
    "submissions:precheck": {None: REGISTRARS},
    "submissions:list": {None: REGISTRARS},
    "submissions:submit": {None: everyone(405)},
    "submissions:detail": SUBMISSION_VIEW,
    **{name: {t: everyone(405) for t in SUBMISSION_TARGETS} for name in SUBMISSION_POST_ONLY},
    "submissions:receipts": {None: STUDENTS},
    "submissions:receipt": RECEIPT_VIEW,
    "submissions_extra:central_record": {None: STUDENTS},
    "submissions_extra:student_central_record": STUDENT_CABINET,
    "submissions_extra:transfer_home": {None: REGISTRARS},
    "submissions_extra:transfer_export": {None: everyone(405)},
    "submissions_extra:transfer_upload": {None: everyone(405)},
    "submissions_extra:transfer_preview": {
        "own": allowed("registrar"),
        "other_school": allowed("other_school_registrar"),
        "other": NOBODY,
        "missing": NOBODY,
    },
    "central:home": {None: allowed("central_operator")},
    # ``accepted``: a package the central database accepted (a delivered submission).
    "central:package_detail": {
        "accepted": allowed("central_operator"),
        "missing": NOBODY,
    },
}

CASES = [(name, target) for name, targets in MATRIX.items() for target in targets]


SIGNATURE = clean_signature(signature_data_url())
CENTRAL_TOKEN = settings.LICHENG_CENTRAL_TOKEN
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


def _outcome(target: str, world: SchoolWorld) -> CourseOutcome:
    """A pending outcome (``ITEM_TARGETS``), or student A's draft (``own_draft``)."""
    if target == "own_draft":
        return make_outcome(world.offering_a, world.student_a, status=OutcomeStatus.DRAFT)
    if target == "own":
        return make_outcome(world.offering_a, world.student_a)
    if target == "other":
        return make_outcome(world.offering_b, world.student_b)
    teacher = make_teacher(world.other_school, "他校教師")
    offering = make_offering(world.other_term, teacher, None, "數學")
    return make_outcome(offering, world.other_school_student)


def _performance(target: str, world: SchoolWorld) -> Performance:
    student, term = {
        "own": (world.student_a, world.term),
        "other": (world.student_b, world.term),
        "other_school": (world.other_school_student, world.other_term),
    }[target]
    return Performance.objects.create(
        student=student,
        record_type=RecordType.COMPETITION,
        school_year=term.school_year,
        term=term,
        title="全國科展",
        description="參加全國科展",
    )


def _class(target: str, world: SchoolWorld) -> SchoolClass:
    if target == "own":
        return world.class_a
    if target == "other":
        return world.class_b
    return SchoolClassFactory.create(school=world.other_school, name="一年丙班")


def _stored_pdf() -> Blob:
    """A real PDF in the blob storage, so that serving it works."""
    upload = SimpleUploadedFile("成果.pdf", samples.pdf())
    return blob_for(check_and_store(upload, rule=DOCUMENT_RULE))


def item_file_url(target: str, world: SchoolWorld) -> str:
    """``item_file`` of a document stored for real (``ITEM_FILE``)."""
    name = "portfolios:item_file"
    if target == "missing":
        return reverse(name, args=["outcome", uuid.uuid4(), "document"])
    if target == "own_performance":
        performance = _performance("own", world)
        performance.document_blob = _stored_pdf()
        performance.document_name = "獎狀.pdf"
        performance.save()
        return reverse(name, args=["performance", performance.code, "document"])
    if target == "own_consultation":
        record = ConsultationRecord.objects.create(
            student=world.student_a,
            teacher=world.consultant,
            term=world.term,
            date=world.term.start_date,
            kind=ConsultationKind.INDIVIDUAL,
            description="選課諮詢",
            attachment_blob=_stored_pdf(),
            attachment_name="諮詢紀錄.pdf",
        )
        return reverse(name, args=["consultation", record.code, "attachment"])
    outcome = _outcome(target, world)
    outcome.document_blob = _stored_pdf()
    outcome.save()
    return reverse(name, args=["outcome", outcome.code, "document"])


def _submission(target: str, world: SchoolWorld) -> Submission:
    """A submission (``SUBMISSION_TARGETS``); ``own`` (and ``accepted``, the central side's
    package of it) delivered for real through the in-process central API, so that the
    registrar's receipt, the student's receipt and the admissions view have central data."""
    school, student = {
        "own": (world.school, world.student_a),
        "accepted": (world.school, world.student_a),
        "other": (world.school, world.student_b),
        "other_school": (world.other_school, world.other_school_student),
    }[target]
    registrar = world.other_registrar if school == world.other_school else world.registrar
    submission = Submission.objects.create(
        school=school,
        school_year=world.term.school_year,
        semester=world.term.semester,
        rosters=[Roster.BASIC.value],
        created_by=registrar,
    )
    snapshot_submission(submission, [student], [Roster.BASIC.value])
    if target in ("own", "accepted"):
        deliver(world, submission)
    return submission


def deliver(world: SchoolWorld, submission: Submission) -> None:
    """Register the school with the central database and deliver ``submission`` (accepted),
    then open a check period on it."""
    register_school(code=world.school.code, name=world.school.name, token=CENTRAL_TOKEN)
    build_and_deliver.call(submission.pk)
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.ACCEPTED, submission.error
    now = timezone.now()
    CheckPeriod.objects.create(
        submission=submission,
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(days=3),
        created_by=world.registrar,
    )


def transfer_preview_url(target: str, world: SchoolWorld) -> str:
    """A staged transfer upload (student A's package) for ``TRANSFER_TARGETS``; who holds its
    token in their session is ``TRANSFER_UPLOADERS`` (``client_with_session``)."""
    name = "submissions_extra:transfer_preview"
    if target == "missing":
        return reverse(name, args=[uuid.uuid4().hex])
    package = export_student_package(actor=world.registrar, student=world.student_a)
    with package.path.open("rb") as handle:
        token, _package = stage_upload(File(handle, name="transfer.zip"))
    package.path.unlink()
    return reverse(name, args=[token])


def client_with_session(
    name: str, target: str | None, url: str, role: str, client: Client
) -> Client:
    """``client``, holding the staged transfer upload of ``url`` when ``role`` uploaded it."""
    if (
        name == "submissions_extra:transfer_preview"
        and TRANSFER_UPLOADERS.get(target or "") == role
    ):
        session = client.session
        session[TRANSFER_SESSION_KEY] = [url.rstrip("/").rsplit("/", 1)[1]]
        session.save()
    return client


#: Routes whose object is not a student: route → (target, world) → the object.
OBJECT_BUILDERS: dict[str, Callable[[str, SchoolWorld], Any]] = {
    "guardians:bind_cancel": _flow_application,
    "guardians:bind_pdf": _flow_application,
    **{
        f"guardians:{name}": _review_application
        for name in ("review_detail", "review_pdf", "review_approve", "review_reject")
    },
    "guardians:binding_unbind": _binding,
    **{
        f"portfolios:{name}": _outcome
        for name in ("outcome_detail", "outcome_send", "outcome_delete", "tick_toggle", "return")
    },
    **{f"portfolios:{name}": _performance for name in ("performance_detail", "performance_delete")},
    "portfolios:class_progress": _class,
    **{
        f"submissions:{name}": _submission
        for name in ("detail", "check_period", "resubmit", "receipt")
    },
    # The central side's package id is the submission's code.
    "central:package_detail": _submission,
}
#: Arguments of routes that take more than the object's code: route → code → args.
ROUTE_ARGS: dict[str, Callable[[uuid.UUID], list[Any]]] = {
    "portfolios:tick_toggle": lambda code: ["outcome", code],
}
#: Arguments of routes without an object that still take some.
NO_TARGET_ARGS: dict[str, list[Any]] = {
    "portfolios:performance_new": [RecordType.COMPETITION.value],
}


def url_of(name: str, target: str | None, world: SchoolWorld) -> str:
    if target is None:
        return reverse(name, args=NO_TARGET_ARGS.get(name, []))
    if name == "guardians:set_password":
        return set_password_url(target)
    if name == "portfolios:item_file":
        return item_file_url(target, world)
    if name == "submissions_extra:transfer_preview":
        return transfer_preview_url(target, world)
    args = ROUTE_ARGS.get(name, lambda code: [code])
    if target == "missing":
        return reverse(name, args=args(uuid.uuid4()))
    if name in OBJECT_BUILDERS:
        return reverse(name, args=args(OBJECT_BUILDERS[name](target, world).code))
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

    actual = {
        role: client_with_session(name, target, url, role, client_for(role_user(role)))
        .get(url)
        .status_code
        for role in ROLE_FIXTURES
    }

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


@pytest.mark.parametrize(
    "name", ["portfolios:outcome_detail", "portfolios:performance_detail", "portfolios:item_file"]
)
def test_item_not_yours_and_missing_give_the_same_404(
    name: str, school_world: SchoolWorld, parent: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(parent)

    not_yours = client.get(url_of(name, "other", school_world))
    missing = client.get(url_of(name, "missing", school_world))

    assert not_yours.status_code == missing.status_code == 404
    assert _main(not_yours.content) == _main(missing.content)
    assert school_world.student_b.name not in not_yours.content.decode()


#: POST routes acting on one item → the only role that may act on the ``own`` item.
ITEM_ACTORS = {
    "portfolios:outcome_send": "student",
    "portfolios:outcome_delete": "student",
    "portfolios:performance_delete": "student",
    "portfolios:tick_toggle": "student",
    "portfolios:return": "teacher",
}


@pytest.mark.parametrize("name", ITEM_ACTORS)
def test_item_actions_of_someone_else_are_404_and_change_nothing(
    name: str,
    school_world: SchoolWorld,
    role_user: Callable[[str], User],
    client_for: Callable[[User], Client],
) -> None:
    """Those who may only see an item (bound parent, homeroom teacher, registrar, the
    certifying teacher for the student's actions) cannot act on it; same 404 as missing."""
    item = OBJECT_BUILDERS[name]("own", school_world)
    args = ROUTE_ARGS.get(name, lambda code: [code])
    url = reverse(name, args=args(item.code))
    actor = ITEM_ACTORS[name]
    others = [role for role in ROLE_FIXTURES if role != actor]

    actual = {role: client_for(role_user(role)).post(url).status_code for role in others}
    missing = client_for(role_user(actor)).post(reverse(name, args=args(uuid.uuid4())))

    assert actual == {role: 404 for role in others}
    assert missing.status_code == 404
    before = {field.name: getattr(item, field.name) for field in item._meta.concrete_fields}
    item.refresh_from_db()
    assert {field.name: getattr(item, field.name) for field in item._meta.concrete_fields} == before
    assert not TickSlot.objects.exists()


def test_certify_by_anyone_but_the_subject_teacher_is_404(
    school_world: SchoolWorld,
    role_user: Callable[[str], User],
    client_for: Callable[[User], Client],
) -> None:
    outcome = _outcome("own", school_world)
    url = reverse("portfolios:certify")
    others = [role for role in ROLE_FIXTURES if role != "teacher"]

    actual = {
        role: client_for(role_user(role)).post(url, {"codes": [str(outcome.code)]}).status_code
        for role in others
    }

    assert actual == {role: 404 for role in others}
    outcome.refresh_from_db()
    assert outcome.status == OutcomeStatus.PENDING


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


# --- Submissions and the central database: not-yours and missing give the same 404 ----------


def test_submission_of_another_school_and_missing_give_the_same_404(
    school_world: SchoolWorld, client_for: Callable[[User], Client]
) -> None:
    client = client_for(school_world.other_registrar)
    theirs = _submission("own", school_world)

    not_yours = client.get(reverse("submissions:detail", args=[theirs.code]))
    missing = client.get(reverse("submissions:detail", args=[uuid.uuid4()]))

    assert not_yours.status_code == missing.status_code == 404
    assert _main(not_yours.content) == _main(missing.content)
    assert school_world.student_a.name not in not_yours.content.decode()


@pytest.mark.parametrize("name", SUBMISSION_POST_ONLY)
def test_submission_actions_of_another_school_are_404_and_change_nothing(
    name: str, school_world: SchoolWorld, client_for: Callable[[User], Client]
) -> None:
    theirs = _submission("own", school_world)
    client = client_for(school_world.other_registrar)
    now = timezone.localtime()
    data = {
        "opens_at": now.strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + dt.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
    }

    not_yours = client.post(reverse(name, args=[theirs.code]), data)
    missing = client.post(reverse(name, args=[uuid.uuid4()]), data)

    assert not_yours.status_code == missing.status_code == 404
    assert _main(not_yours.content) == _main(missing.content)
    assert CheckPeriod.objects.count() == 1  # the one ``deliver`` opened
    assert Submission.objects.count() == 1


def test_receipt_of_another_student_and_missing_give_the_same_404(
    school_world: SchoolWorld, client_for: Callable[[User], Client]
) -> None:
    """Student B cannot open (nor answer) the receipt of a submission that carried only
    student A, even with the same school and an open check period."""
    theirs = _submission("own", school_world)
    client = client_for(_student_user(school_world.student_b))
    url = reverse("submissions:receipt", args=[theirs.code])
    mine = client_for(_student_user(school_world.student_a)).get(url)

    not_yours = client.get(url)
    missing = client.get(reverse("submissions:receipt", args=[uuid.uuid4()]))
    answer = client.post(url, {"status": "correct"})

    assert mine.status_code == 200
    assert 'data-testid="central-basic-' in mine.content.decode()  # central data is shown
    assert not_yours.status_code == missing.status_code == answer.status_code == 404
    assert _main(not_yours.content) == _main(missing.content)
    assert school_world.student_a.name not in not_yours.content.decode()
    assert not ReceiptConfirmation.objects.exists()


def _student_user(student: Any) -> User:
    assert student.user is not None
    return student.user


def test_admissions_view_of_someone_else_and_missing_give_the_same_404(
    school_world: SchoolWorld, parent: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(parent)
    name = "submissions_extra:student_central_record"

    mine = client.get(reverse(name, args=[school_world.student_a.code]))
    not_yours = client.get(reverse(name, args=[school_world.student_b.code]))
    missing = client.get(reverse(name, args=[uuid.uuid4()]))

    assert mine.status_code == 200
    assert not_yours.status_code == missing.status_code == 404
    assert _main(not_yours.content) == _main(missing.content)
    assert school_world.student_b.name not in not_yours.content.decode()


def test_pages_never_show_a_full_national_id(
    school_world: SchoolWorld,
    role_user: Callable[[str], User],
    client_for: Callable[[User], Client],
) -> None:
    """The registrar's receipt, the student's receipt, the admissions view and the central
    operator's package page of a delivered submission show national IDs masked (§8.3)."""
    submission = _submission("own", school_world)
    student = school_world.student_a
    pages = [
        ("registrar", reverse("submissions:detail", args=[submission.code])),
        ("registrar", reverse("submissions:list")),
        ("student", reverse("submissions:receipts")),
        ("student", reverse("submissions:receipt", args=[submission.code])),
        ("student", reverse("submissions_extra:central_record")),
        ("parent", reverse("submissions_extra:student_central_record", args=[student.code])),
        ("central_operator", reverse("central:home")),
        ("central_operator", reverse("central:package_detail", args=[submission.code])),
    ]

    for role, url in pages:
        response = client_for(role_user(role)).get(url)
        assert response.status_code == 200, url
        assert student.national_id not in response.content.decode(), url


# --- The central database's JSON API: tokens, not session roles ----------------------------

#: ``/api/central/v1/`` is machine-to-machine: a school authenticates with its Bearer token,
#: never with a signed-in session, so its routes are not in the role matrix. Its OpenAPI
#: schema and docs are published on purpose; its root is a plain 404.
API_NAMESPACE = "central_api"
API_PUBLISHED = {"openapi-json", "openapi-view", "api-root"}
API_PATH_VALUES = {"package_id": str(uuid.UUID(int=1)), "national_id": "A123456789"}


def api_route_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list, namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name and namespace == API_NAMESPACE:
                names.add(pattern.name)

    walk(get_resolver().url_patterns, None)
    return names


def api_operations() -> list[tuple[str, str, str]]:
    """(route name, method, url) of every operation of the API's OpenAPI schema."""
    operations = []
    for path, methods in central_api.api.get_openapi_schema()["paths"].items():
        for method, operation in methods.items():
            url = path.format(**API_PATH_VALUES)
            if any(p["name"] == "school_code" for p in operation.get("parameters", [])):
                url += "?school_code=123456"
            name = operation["operationId"].removeprefix(f"{API_NAMESPACE}_")
            operations.append((name, method, url))
    return operations


def test_every_api_route_is_an_operation_or_published() -> None:
    names = api_route_names()

    assert "deliver_package" in names  # the walk itself works
    assert names - API_PUBLISHED == {name for name, _method, _url in api_operations()}
    assert not names & set(MATRIX)


@pytest.mark.parametrize(("name", "method", "url"), api_operations())
def test_api_without_a_school_token_is_401_for_every_session_role(
    name: str,
    method: str,
    url: str,
    school_world: SchoolWorld,
    role_user: Callable[[str], User],
    client_for: Callable[[User], Client],
) -> None:
    """No token, a wrong token, or only a signed-in session (any role, the central operator
    and the system admin included): 401 with the API's error body, and nothing recorded."""
    register_school(code=school_world.school.code, name=school_world.school.name)
    clients = {
        "anonymous": Client(),
        "wrong token": Client(HTTP_AUTHORIZATION="Bearer not-a-school-token"),
        "not bearer": Client(HTTP_AUTHORIZATION=f"Basic {CENTRAL_TOKEN}"),
        **{role: client_for(role_user(role)) for role in ROLE_FIXTURES},
    }

    answers = {who: getattr(client, method)(url) for who, client in clients.items()}

    assert {who: r.status_code for who, r in answers.items()} == dict.fromkeys(clients, 401)
    assert {r.json()["error"] for r in answers.values()} == {"unauthorized"}
    assert not ReceivedPackage.objects.exists()


def test_api_schema_and_docs_are_published(client: Client) -> None:
    assert client.get(reverse(f"{API_NAMESPACE}:openapi-json")).status_code == 200
    assert client.get(reverse(f"{API_NAMESPACE}:openapi-view")).status_code == 200
