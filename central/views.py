"""The central database's operator pages (學習歷程中央資料庫), role CENTRAL_OPERATOR.

Read-only: received packages and their receipts. National IDs are masked on every page
(RULES.md §8.3); the machine-to-machine API carries them whole.
"""

from typing import Any
from uuid import UUID

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render

from accounts.http import AuthedRequest
from accounts.models import Role
from accounts.roles import get_role_context
from schools.identity import mask_id

from . import selectors
from .models import ReceivedPackage

PAGE_SIZE = 50
#: Receipt lines (student × roster) per page of a package's receipt: a 3,000-student school
#: sends 6,000 or more.
LINES_PER_PAGE = 100


def _require_operator(request: AuthedRequest) -> None:
    if not get_role_context(request.user).has(Role.CENTRAL_OPERATOR):
        raise Http404


def _counts(package: ReceivedPackage) -> dict[str, int]:
    lines = package.receipt.get("students", []) if package.receipt else []
    return {
        "students": len({line["national_id"] for line in lines}),
        "records": sum(line.get("record_count", 0) for line in lines),
        "files": sum(line.get("file_count", 0) for line in lines),
    }


def home(request: AuthedRequest) -> HttpResponse:
    """中央資料庫管理員 home: received packages, newest first (404 for other roles)."""
    _require_operator(request)
    page = Paginator(selectors.list_packages(), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"package": p, **_counts(p)} for p in page.object_list]
    return render(request, "central/home.html", {"page": page, "rows": rows})


def package_detail(request: AuthedRequest, package_id: UUID) -> HttpResponse:
    """One package's receipt (收訖明細) with masked national IDs, LINES_PER_PAGE lines a page
    (``?page=``), or its refusal reason."""
    _require_operator(request)
    try:
        package = selectors.get_package(package_id)
    except ReceivedPackage.DoesNotExist:
        raise Http404 from None
    page = Paginator((package.receipt or {}).get("students", []), LINES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    lines: list[dict[str, Any]] = [
        {**line, "national_id": mask_id(line["national_id"])} for line in page.object_list
    ]
    return render(
        request,
        "central/package_detail.html",
        {"package": package, "lines": lines, "page": page, **_counts(package)},
    )
