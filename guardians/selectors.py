"""Reads for the binding flow, already narrowed to what the caller may see (STYLE.md)."""

from django.db.models import Q, QuerySet

from accounts.models import User
from schools.models import School, Student

from .models import (
    ApplicationState,
    BindingApplication,
    CodeChannel,
    ConsentStatement,
    Guardianship,
    SchoolLevel,
)


def get_current_consent() -> ConsentStatement | None:
    """The newest consent statement version (the issue item 3)."""
    return ConsentStatement.objects.order_by("-version").first()


def list_schools_for_level(level: str) -> QuerySet[School]:
    """Schools listed under a 學層 in step 2 (deck 親子帳號綁定操作指引(3)).

    This platform serves senior-high schools: a school whose ``GuardianSchoolSettings``
    names a level is listed under it; a school without one is listed under 高中 and 高職.
    國小/國中 list only schools set to that level (normally none).
    """
    explicit = Q(guardian_settings__school_level=level)
    if level in (SchoolLevel.SENIOR, SchoolLevel.VOCATIONAL):
        explicit |= Q(guardian_settings__isnull=True) | Q(guardian_settings__school_level="")
    return School.objects.filter(explicit).order_by("name")


def find_student(*, school: School, national_id: str) -> Student | None:
    """The student of ``school`` with that ID number, or None.

    Only the chosen school is searched: the caller learns nothing about other schools
    (the issue item 2: no enumeration).
    """
    return Student.objects.filter(school=school, national_id=national_id).first()


def applications_for_destination(channel: str, destination: str) -> QuerySet[BindingApplication]:
    """Applications whose verified address is ``destination`` (the progress table, deck
    親子帳號綁定操作指引(7)), newest first. An application verified by the other channel is
    not matched on its typed, unproved address (``permissions.owns_application``)."""
    condition = Q(email=destination) if channel == CodeChannel.EMAIL else Q(phone=destination)
    return (
        BindingApplication.objects.filter(condition, verified_channel=channel)
        .select_related("student__school")
        .order_by("-created_at")
    )


def has_open_application(*, student: Student, email: str, phone: str) -> bool:
    """True when the same parent (email or phone) has a pending or approved application for
    the student."""
    return (
        BindingApplication.objects.filter(
            student=student, state__in=[ApplicationState.PENDING, ApplicationState.APPROVED]
        )
        .filter(Q(email=email) | Q(phone=phone))
        .exists()
    )


def list_children(parent: User) -> QuerySet[Guardianship]:
    """The parent's active bindings with the student and school (RULES.md §1, parent)."""
    return (
        Guardianship.objects.filter(parent=parent, ended_at__isnull=True)
        .select_related("student__school")
        .order_by("student__name")
    )


def list_applications_of_user(user: User) -> QuerySet[BindingApplication]:
    """A logged-in parent's applications (matched on their account or email)."""
    condition = Q(parent_user=user)
    if user.email:
        condition |= Q(email=user.email.lower())
    return (
        BindingApplication.objects.filter(condition)
        .select_related("student__school")
        .order_by("-created_at")
    )
