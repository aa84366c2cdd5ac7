"""Who may see which school records. Same 404 for missing and not-yours (STYLE.md)."""

import uuid

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import Role, User
from accounts.roles import get_role_context

from .models import CourseOffering, SchoolClass, Student


def is_registrar_of(user: User, school_id: int) -> bool:
    """True when the person is a registrar (註冊組/教務處) of that school this year."""
    return school_id in get_role_context(user).registrar_school_ids


def can_view_student(user: User, student: Student) -> bool:
    """A student's records are visible to: the student; an actively bound parent; the homeroom
    teacher of the student's class in the current term; a registrar of the school; a system
    admin (RULES.md §1 roles)."""
    context = get_role_context(user)
    if student.user_id is not None and student.user_id == user.pk:
        return True
    if is_registrar_of(user, student.school_id):
        return True
    if context.has(Role.SYSTEM_ADMIN):
        return True
    if student.guardianships.filter(parent=user, ended_at__isnull=True).exists():
        return True
    return bool(
        context.teacher is not None
        and context.term is not None
        and student.memberships.filter(
            term__is_current=True,
            term__school_id=student.school_id,
            school_class__homeroom_teacher=context.teacher,
        ).exists()
    )


def access_student(user: User, code: uuid.UUID) -> Student:
    """Fetch a student by ``code`` and check :func:`can_view_student`; 404 either way."""
    student = Student.objects.select_related("school").filter(code=code).first()
    if student is None or not can_view_student(user, student):
        raise Http404
    return student


def can_view_class(user: User, school_class: SchoolClass) -> bool:
    """Class rosters: the class's homeroom teacher and the school's registrars."""
    context = get_role_context(user)
    if is_registrar_of(user, school_class.school_id):
        return True
    return context.teacher is not None and school_class.homeroom_teacher_id == context.teacher.pk


def access_class(user: User, code: uuid.UUID) -> SchoolClass:
    school_class = (
        SchoolClass.objects.select_related("school", "homeroom_teacher").filter(code=code).first()
    )
    if school_class is None or not can_view_class(user, school_class):
        raise Http404
    return school_class


def can_view_offering(user: User, offering: CourseOffering) -> bool:
    """An offering's roster: its teacher and the school's registrars."""
    context = get_role_context(user)
    if is_registrar_of(user, offering.course.school_id):
        return True
    return context.teacher is not None and offering.teacher_id == context.teacher.pk


def access_offering(user: User, code: uuid.UUID) -> CourseOffering:
    offering = (
        CourseOffering.objects.select_related("course", "term", "teacher", "school_class")
        .filter(code=code)
        .first()
    )
    if offering is None or not can_view_offering(user, offering):
        raise Http404
    return offering


def visible_students(user: User) -> QuerySet[Student]:
    """Students the person may see, for lists and the API."""
    context = get_role_context(user)
    if context.has(Role.SYSTEM_ADMIN):
        return Student.objects.all()
    condition = Q(user=user) | Q(school_id__in=context.registrar_school_ids)
    condition |= Q(guardianships__parent=user, guardianships__ended_at__isnull=True)
    if context.teacher is not None:
        condition |= Q(
            memberships__term__is_current=True,
            memberships__school_class__homeroom_teacher=context.teacher,
        )
    return Student.objects.filter(condition).distinct()
