"""Reads of school records for staff pages, narrowed to what the person may see."""

from django.db.models import Count, Q, QuerySet

from .models import ClassMembership, CourseOffering, SchoolClass, Student, Teacher, Term


def list_offerings_of_teacher(teacher: Teacher, term: Term) -> QuerySet[CourseOffering]:
    """The teacher's offerings in the term with their student counts (``n_students``)."""
    return (
        CourseOffering.objects.filter(teacher=teacher, term=term)
        .select_related("course", "school_class")
        .annotate(n_students=Count("records"))
        .order_by("school_class__name", "course__name")
    )


def list_homeroom_classes(teacher: Teacher, term: Term) -> QuerySet[SchoolClass]:
    """Classes the teacher homerooms in the term's school year, with ``n_students``."""
    return (
        SchoolClass.objects.filter(homeroom_teacher=teacher, school_year=term.school_year)
        .annotate(n_students=Count("memberships", filter=Q(memberships__term=term)))
        .order_by("grade", "name")
    )


def list_class_members(school_class: SchoolClass, term: Term) -> QuerySet[ClassMembership]:
    return (
        ClassMembership.objects.filter(school_class=school_class, term=term)
        .select_related("student")
        .order_by("seat_number")
    )


def list_classes_of_school(term: Term) -> QuerySet[SchoolClass]:
    """The school's classes of the term's school year, with homeroom teacher and size."""
    return (
        SchoolClass.objects.filter(school=term.school, school_year=term.school_year)
        .select_related("homeroom_teacher")
        .annotate(n_students=Count("memberships", filter=Q(memberships__term=term)))
        .order_by("grade", "name")
    )


def school_statistics(term: Term) -> dict[str, int]:
    """Counts for the registrar's home page."""
    school = term.school
    return {
        "students": Student.objects.filter(school=school, memberships__term=term).count(),
        "teachers": Teacher.objects.filter(school=school).count(),
        "classes": SchoolClass.objects.filter(school=school, school_year=term.school_year).count(),
        "offerings": CourseOffering.objects.filter(term=term).count(),
    }
