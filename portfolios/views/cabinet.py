"""The student's portfolio cabinet (學習歷程檔案櫃) and its record pages.

Each view serves the student's own cabinet at ``/cabinet/...`` and, for people allowed to see
a student (``schools.permissions.can_view_student``), ``/students/<code>/...``. Reads of
someone else's cabinet are audit-logged.
"""

import uuid

from django.http import HttpResponse
from django.shortcuts import render

from accounts.http import AuthedRequest

from .. import selectors
from ..forms import open_upload_term_ids
from ..models import PerformanceGroup
from .common import base_context, resolve_student


def cabinet(request: AuthedRequest, student_code: uuid.UUID | None = None) -> HttpResponse:
    """The cabinet's cards with their counts (Taipei platform layout, seed deck)."""
    student = resolve_student(request, student_code, "cabinet")
    summary = selectors.get_cabinet_summary(student)
    return render(
        request,
        "portfolios/cabinet.html",
        {
            **base_context(request, student),
            "summary": summary,
            "group_cards": [
                (value, label, summary.group_counts.get(value, 0))
                for value, label in PerformanceGroup.choices
                if value != PerformanceGroup.CADRE
            ],
        },
    )


def basic_data(request: AuthedRequest, student_code: uuid.UUID | None = None) -> HttpResponse:
    """基本資料: register data (ID masked, RULES.md §8.3) and school-entered cadre records."""
    student = resolve_student(request, student_code, "basic_data")
    summary = selectors.get_cabinet_summary(student)
    return render(
        request,
        "portfolios/basic_data.html",
        {
            **base_context(request, student),
            "summary": summary,
            "cadre_records": selectors.list_cadre_records(student),
        },
    )


def attendance(request: AuthedRequest, student_code: uuid.UUID | None = None) -> HttpResponse:
    """出缺勤紀錄 per term, in class periods."""
    student = resolve_student(request, student_code, "attendance")
    return render(
        request,
        "portfolios/attendance.html",
        {**base_context(request, student), "rows": selectors.list_attendance(student)},
    )


def merits(request: AuthedRequest, student_code: uuid.UUID | None = None) -> HttpResponse:
    """獎懲紀錄, newest first."""
    student = resolve_student(request, student_code, "merits")
    return render(
        request,
        "portfolios/merits.html",
        {**base_context(request, student), "rows": selectors.list_merits(student)},
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
    student = resolve_student(request, student_code, "course_records")
    years = selectors.course_record_years(student)
    school_year = _int_or_none(request.GET.get("school_year"), set(years))
    semester = _int_or_none(request.GET.get("semester"), {1, 2})
    records = selectors.list_course_records(student, school_year=school_year, semester=semester)
    page = selectors.paginate(records, request.GET.get("page"))
    context = {
        **base_context(request, student),
        "outcomes_by_record": selectors.outcome_status_by_record(student),
        "open_term_ids": open_upload_term_ids(student)
        if student.user_id == request.user.pk
        else set(),
        "page": page,
        "years": years,
        "school_year": school_year,
        "semester": semester,
    }
    if request.headers.get("HX-Request") == "true":
        return render(request, "portfolios/partials/course_record_table.html", context)
    return render(request, "portfolios/course_records.html", context)


def consultations(request: AuthedRequest, student_code: uuid.UUID | None = None) -> HttpResponse:
    """課程諮詢紀錄 entered by consultation teachers; school platform only (RULES.md §2)."""
    student = resolve_student(request, student_code, "consultations")
    return render(
        request,
        "portfolios/consultations.html",
        {**base_context(request, student), "rows": selectors.list_consultations(student)},
    )


def files(request: AuthedRequest, student_code: uuid.UUID | None = None) -> HttpResponse:
    """檔案清單: every stored file with its item, size and type, and the quota used."""
    student = resolve_student(request, student_code, "files")
    rows = selectors.list_student_files(student)
    return render(
        request,
        "portfolios/files.html",
        {
            **base_context(request, student),
            "rows": rows,
            "used": sum(row.size for row in rows),
            "quota": student.school.storage_quota_bytes,
        },
    )
