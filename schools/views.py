"""Staff pages: the teacher's home, class and offering rosters, the registrar's home."""

import uuid

from django.http import Http404, HttpResponse
from django.shortcuts import render

from accounts.http import AuthedRequest
from accounts.models import Role
from accounts.roles import current_term, get_role_context
from audit.actions import record_event

from . import selectors
from .models import School, Term
from .permissions import access_class, access_offering


def teacher_home(request: AuthedRequest) -> HttpResponse:
    """任課教師／導師 home: this term's offerings and homeroom classes (404 for non-teachers)."""
    context = get_role_context(request.user)
    if context.teacher is None or context.term is None:
        raise Http404
    return render(
        request,
        "schools/teacher_home.html",
        {
            "teacher": context.teacher,
            "term": context.term,
            "offerings": selectors.list_offerings_of_teacher(context.teacher, context.term),
            "homeroom_classes": selectors.list_homeroom_classes(context.teacher, context.term),
            "is_consultant": context.has(Role.CONSULTATION_TEACHER),
        },
    )


def _term_for_class_year(school_class_school_id: int, school_year: int) -> Term | None:
    """The current term if it falls in the class's year, else the year's latest term."""
    terms = Term.objects.filter(school_id=school_class_school_id, school_year=school_year)
    return terms.filter(is_current=True).first() or terms.order_by("-semester").first()


def class_detail(request: AuthedRequest, code: uuid.UUID) -> HttpResponse:
    """A class roster (導師 or registrar), linking to each student's cabinet (read-only)."""
    school_class = access_class(request.user, code)
    term = _term_for_class_year(school_class.school_id, school_class.school_year)
    members = selectors.list_class_members(school_class, term) if term else []
    record_event(
        actor=request.user,
        action="class_roster.view",
        target=f"class:{school_class.code}",
        request=request,
    )
    return render(
        request,
        "schools/class_detail.html",
        {"school_class": school_class, "term": term, "members": members},
    )


def offering_detail(request: AuthedRequest, code: uuid.UUID) -> HttpResponse:
    """An offering's roster with scores (任課教師 or registrar)."""
    offering = access_offering(request.user, code)
    records = offering.records.select_related("student").order_by("student__student_number")
    record_event(
        actor=request.user,
        action="offering_roster.view",
        target=f"offering:{offering.code}",
        request=request,
    )
    return render(
        request, "schools/offering_detail.html", {"offering": offering, "records": records}
    )


def registrar_home(request: AuthedRequest) -> HttpResponse:
    """註冊組／教務處 home: the school of the person's registrar assignment (``?school=`` picks
    one when they have several), its current term, counts and classes. 404 for others."""
    context = get_role_context(request.user)
    schools = School.objects.filter(pk__in=context.registrar_school_ids).order_by("code")
    if not schools:
        raise Http404
    school = schools.filter(code=request.GET.get("school", "")).first() or schools[0]
    term = current_term(school)
    return render(
        request,
        "schools/registrar_home.html",
        {
            "school": school,
            "schools": schools,
            "term": term,
            "stats": selectors.school_statistics(term) if term else None,
            "classes": selectors.list_classes_of_school(term) if term else [],
            "terms": Term.objects.filter(school=school).order_by("-school_year", "-semester"),
        },
    )
