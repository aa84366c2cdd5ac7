"""Reads of the central database (for its API and its operator pages)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import QuerySet

from .models import CentralRecord, ReceivedPackage


def list_packages() -> QuerySet[ReceivedPackage]:
    """Every received package, newest first (operator home)."""
    return ReceivedPackage.objects.order_by("-received_at", "-pk")


def get_package(package_id: UUID | str, *, school_code: str | None = None) -> ReceivedPackage:
    """One received package (narrowed to ``school_code`` when given); DoesNotExist otherwise."""
    packages = ReceivedPackage.objects.all()
    if school_code is not None:
        packages = packages.filter(school_code=school_code)
    return packages.get(package_id=package_id)


def package_answer(package: ReceivedPackage) -> dict[str, Any]:
    """What ``GET /packages/{id}`` returns: the receipt when accepted, the reason when not."""
    if package.status == "accepted":
        return dict(package.receipt)
    return {
        "package_id": str(package.package_id),
        "status": package.status,
        "school_code": package.school_code,
        "school_year": package.school_year,
        "semester": package.semester,
        "version": package.version,
        "received_at": package.received_at.isoformat(),
        "error": package.reason_code,
        "detail": package.reason,
        "students": [],
    }


def current_records(school_code: str, national_id: str) -> list[dict[str, Any]]:
    """The current version of each roster, year and semester the school delivered for the
    student, ordered by year, semester and roster (shape: submissions.central_client)."""
    rows = (
        CentralRecord.objects.filter(
            school_code=school_code, national_id=national_id, is_current=True
        )
        .select_related("package")
        .order_by("school_year", "semester", "roster")
    )
    return [
        {
            "school_code": row.school_code,
            "national_id": row.national_id,
            "roster": row.roster,
            "school_year": row.school_year,
            "semester": row.semester,
            "version": row.version,
            "package_id": str(row.package.package_id),
            "received_at": row.received_at.isoformat(),
            "records": row.records,
            "files": row.files,
        }
        for row in rows
    ]


def record_history(school_code: str, national_id: str) -> QuerySet[CentralRecord]:
    """Every version of every roster for the student, newest version first per roster."""
    return CentralRecord.objects.filter(school_code=school_code, national_id=national_id)
