"""The student's portfolio cabinet (學習歷程檔案櫃) and its record pages.

Each view serves the student's own cabinet at ``/cabinet/...`` and, for people allowed to see
a student (``schools.permissions.can_view_student``), ``/students/<code>/...``. Reads of
someone else's cabinet are audit-logged.
"""

import uuid

from django.http import Http404, HttpResponse
from django.shortcuts import render

from accounts.http import AuthedRequest
from accounts.roles import get_role_context
from audit.actions import record_personal_data_view
from schools.models import Student
from schools.permissions import access_student

from . import selectors


def _resolve_student(request: AuthedRequest, student_code: uuid.UUID | None, what: str) -> Student:
    """The student whose cabinet is shown: the user's own, or an allowed other (404 if not)."""
    if student_code is None:
        student = get_role_context(request.user).student
        if student is None:
            raise Http404
        return student
    student = access_student(request.user, student_code)
    record_personal_data_view(viewer=request.user, student=student, what=what, request=request)
    return student


def _base_context(request: AuthedRequest, student: Student) -> dict[str, object]:
    own = student.user_id == request.user.pk
    return {"student": student, "own": own, "student_code": None if own else student.code}


def cabinet(request: AuthedRequest, student_code: uuid.UUID | None = None) -> HttpResponse:
    """The cabinet's cards with their counts (Taipei platform layout, seed deck)."""
    student = _resolve_student(request, student_code, "cabinet")
    summary = selectors.get_cabinet_summary(student)
    return render(
        request,
        "portfolios/cabinet.html",
        {**_base_context(request, student), "summary": summary},
    )


def basic_data(request: AuthedRequest, student_code: uuid.UUID | None = None) -> HttpResponse:
    """基本資料: register data (ID masked, RULES.md §8.3) and school-entered cadre records."""
    student = _resolve_student(request, student_code, "basic_data")
    summary = selectors.get_cabinet_summary(student)
    return render(
        request,
        "portfolios/basic_data.html",
        {
            **_base_context(request, student),
            "summary": summary,
            "cadre_records": selectors.list_cadre_records(student),
        },
    )


def attendance(request: AuthedRequest, student_code: uuid.UUID | None = None) -> HttpResponse:
    """出缺勤紀錄 per term, in class periods."""
    student = _resolve_student(request, student_code, "attendance")
    return render(
        request,
        "portfolios/attendance.html",
        {**_base_context(request, student), "rows": selectors.list_attendance(student)},
    )


def merits(request: AuthedRequest, student_code: uuid.UUID | None = None) -> HttpResponse:
    """獎懲紀錄, newest first."""
    student = _resolve_student(request, student_code, "merits")
    return render(
        request,
        "portfolios/merits.html",
        {**_base_context(request, student), "rows": selectors.list_merits(student)},
    )


def _int_or_none(raw: str | None, allowed: set[int] | None = None) -> int | None:
    try:
        value = int(raw) if raw else None
    except ValueError:
        return None
    if value is not None and allowed is not None and value not in allowed:
        return None
    return value


def course_records(request: AuthedRequest, student_code: uuid.UUID | None = None) -> HttpResponse:
    """修課紀錄 filterable by 學年度 and 學期, ten rows a page; htmx requests get the table only."""
    student = _resolve_student(request, student_code, "course_records")
    years = selectors.course_record_years(student)
    school_year = _int_or_none(request.GET.get("school_year"), set(years))
    semester = _int_or_none(request.GET.get("semester"), {1, 2})
    records = selectors.list_course_records(student, school_year=school_year, semester=semester)
    page = selectors.paginate(records, request.GET.get("page"))
    context = {
        **_base_context(request, student),
        "page": page,
        "years": years,
        "school_year": school_year,
        "semester": semester,
    }
    if request.headers.get("HX-Request") == "true":
        return render(request, "portfolios/partials/course_record_table.html", context)
    return render(request, "portfolios/course_records.html", context)
