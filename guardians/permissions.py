"""Who may review applications and end bindings. Same 404 for missing and not-yours
(STYLE.md; RELIABILITY.md A3, A4)."""

import uuid

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import Role, User
from accounts.roles import get_role_context
from schools.models import ClassMembership
from schools.permissions import is_registrar_of

from .flow import FlowState
from .models import ApplicationState, BindingApplication, CodeChannel, Guardianship


def visible_review_applications(user: User) -> QuerySet[BindingApplication]:
    """Pending applications for students of the classes the person homerooms in the current
    term of the student's school (RULES.md §1: the homeroom teacher approves binding; the
    issue item 6; RELIABILITY.md A3)."""
    context = get_role_context(user)
    if context.teacher is None:
        return BindingApplication.objects.none()
    student_ids = ClassMembership.objects.filter(
        term__is_current=True,
        school_class__homeroom_teacher=context.teacher,
    ).values("student_id")
    return (
        BindingApplication.objects.filter(
            state=ApplicationState.PENDING, student_id__in=student_ids
        )
        .select_related("student__school", "consent")
        .order_by("created_at")
    )


def access_review_queue(user: User) -> QuerySet[BindingApplication]:
    """The review queue of a homeroom teacher of the current school year; 404 for everyone
    else (the docs' URL map: the queue is the homeroom teacher's page, not an empty page for
    every signed-in person)."""
    if not get_role_context(user).has(Role.HOMEROOM_TEACHER):
        raise Http404
    return visible_review_applications(user)


def can_review_application(user: User, application: BindingApplication) -> bool:
    """True when the person homerooms the student's class this term and the application is
    pending (RELIABILITY.md A3: approval by any other teacher refused)."""
    return visible_review_applications(user).filter(pk=application.pk).exists()


def access_application_for_review(user: User, code: uuid.UUID) -> BindingApplication:
    """Fetch a pending application the person may review; 404 for missing and not-yours."""
    application = visible_review_applications(user).filter(code=code).first()
    if application is None:
        raise Http404
    return application


def owns_application(state: FlowState, application: BindingApplication) -> bool:
    """True when the flow's verified address is the application's (the parent's own).

    Only the address the application was verified with counts: the other one was typed in
    step 4 and never proved, so whoever verifies it must not see the application (its PDF
    carries the student's full name) nor cancel it."""
    if application.verified_channel != state.channel:
        return False
    if state.channel == CodeChannel.EMAIL:
        return application.email == state.destination
    return application.phone == state.destination


def access_own_application(state: FlowState | None, code: uuid.UUID) -> BindingApplication:
    """The parent's own application (by verified address); 404 otherwise."""
    application = (
        BindingApplication.objects.select_related("student__school", "consent")
        .filter(code=code)
        .first()
    )
    if application is None or state is None or not owns_application(state, application):
        raise Http404
    return application


def can_unbind(user: User, binding: Guardianship) -> bool:
    """Staff who may end a binding: a registrar of the student's school, or a system admin
    (the issue item 8: staff can unbind; RELIABILITY.md §2.1 ASVS 8.3.x)."""
    if get_role_context(user).has(Role.SYSTEM_ADMIN):
        return True
    return is_registrar_of(user, binding.student.school_id)


def visible_bindings_for_staff(user: User) -> QuerySet[Guardianship]:
    """Active bindings the person may end, newest first."""
    context = get_role_context(user)
    queryset = Guardianship.objects.filter(ended_at__isnull=True).select_related(
        "student__school", "parent"
    )
    if not context.has(Role.SYSTEM_ADMIN):
        queryset = queryset.filter(student__school_id__in=context.registrar_school_ids)
    return queryset.order_by("student__school__name", "student__student_number")


def access_binding_list(user: User) -> QuerySet[Guardianship]:
    """The bindings page of a registrar or a system admin; 404 for everyone else."""
    context = get_role_context(user)
    if not (context.has(Role.SYSTEM_ADMIN) or context.registrar_school_ids):
        raise Http404
    return visible_bindings_for_staff(user)


def access_binding_for_unbind(user: User, code: uuid.UUID) -> Guardianship:
    """An active binding the person may end; 404 for missing and not-yours."""
    binding = visible_bindings_for_staff(user).filter(code=code).first()
    if binding is None:
        raise Http404
    return binding
