"""The central database's JSON API (django-ninja), mounted at ``/api/central/v1/``.

Schools authenticate with ``Authorization: Bearer <token>`` (a CentralSchool's token). The
OpenAPI schema is published at ``openapi.json`` and browsable at ``docs``. Every error answers
``{"error": "<code>", "detail": "..."}``; the codes are listed in ``central/ingest.py`` and
docs/package-format.md. 4xx and 422 responses are declared (STACK.md pitfall 16).
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI, Query, Schema
from ninja.errors import AuthenticationError, ValidationError
from ninja.responses import Status
from ninja.security import HttpBearer
from pydantic import Field

from . import selectors
from .ingest import ID_PATTERN, Refusal, receive_package, school_for_token, spool
from .models import CentralSchool, ReceivedPackage


class SchoolToken(HttpBearer):
    """Bearer token of an active CentralSchool; ``request.auth`` is the school."""

    def authenticate(self, request: HttpRequest, token: str) -> CentralSchool | None:
        return school_for_token(token)


api = NinjaAPI(
    title="學習歷程中央資料庫 API",
    version="1",
    description=(
        "Schools deliver packages (docs/package-format.md) and read back what the central "
        "database holds. Errors: {error, detail} with a machine-readable code."
    ),
    auth=SchoolToken(),
    urls_namespace="central_api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


# --- Schemas ---------------------------------------------------------------------------------


class ErrorOut(Schema):
    error: str = Field(description="machine-readable reason, e.g. checksum_mismatch")
    detail: Any = Field("", description="human-readable detail")


class ReceiptLine(Schema):
    national_id: str
    roster: str
    school_year: int
    semester: int
    record_count: int
    file_count: int
    sha256s: list[str]
    version: int
    received_at: datetime.datetime


class ReceiptOut(Schema):
    """收訖明細: one line per student and roster."""

    package_id: UUID
    status: str = Field(description="accepted or rejected")
    school_code: str
    school_year: int | None
    semester: int | None
    version: int | None
    received_at: datetime.datetime
    manifest_sha256: str = ""
    package_sha256: str = ""
    error: str = Field("", description="the refusal code when rejected")
    detail: str = ""
    students: list[ReceiptLine]


class FileOut(Schema):
    role: str
    name: str
    sha256: str
    md5: str
    size: int
    content_type: str


class StudentRecordOut(Schema):
    school_code: str
    national_id: str
    roster: str
    school_year: int
    semester: int
    version: int
    package_id: UUID
    received_at: datetime.datetime
    records: list[dict[str, Any]]
    files: list[FileOut]


class StudentRecordsOut(Schema):
    school_code: str
    national_id: str
    records: list[StudentRecordOut]


class RecordsQuery(Schema):
    school_code: str = Field(pattern=r"^[0-9A-Za-z]{6}$")


class DeliverQuery(Schema):
    package_id: UUID | None = Field(None, description="the package id, as a hint for refusals")


ERRORS: dict[int, type[Schema]] = {401: ErrorOut, 422: ErrorOut}
PACKAGE_BODY = {
    "requestBody": {
        "required": True,
        "description": "The package ZIP as the raw body, or as the multipart field `package`.",
        "content": {
            "application/zip": {"schema": {"type": "string", "format": "binary"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"package": {"type": "string", "format": "binary"}},
                    "required": ["package"],
                }
            },
        },
    }
}


@api.exception_handler(AuthenticationError)
def unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        {"error": "unauthorized", "detail": "a valid school token is required"},
        status=401,
    )


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(request, {"error": "schema", "detail": exc.errors}, status=422)


# --- Endpoints -------------------------------------------------------------------------------


@api.post(
    "/packages",
    response={200: ReceiptOut, 400: ErrorOut, 403: ErrorOut, 409: ErrorOut, 413: ErrorOut} | ERRORS,
    summary="Deliver a package",
    description=(
        "Verifies the manifest checksum, every part's SHA-256/MD5/size, that no part is "
        "missing or unlisted, every roster line's schema and every referenced file; refuses a "
        "partial or tampered package whole (400 truncated / checksum_mismatch / missing_part / "
        "unexpected_part / schema / unsupported_format; 403 wrong_school; 409 stale_version / "
        "idempotency_conflict; 413 too_large). Idempotent on the package id: a repeated "
        "delivery returns the same receipt (200) and changes nothing."
    ),
    openapi_extra=PACKAGE_BODY,
)
def deliver_package(request: HttpRequest, query: Query[DeliverQuery]) -> Status[Any]:
    school: CentralSchool = request.auth  # type: ignore[attr-defined]
    try:
        path = _body_to_file(request)
    except Refusal as refusal:
        return Status(refusal.status, refusal.body())
    try:
        outcome = receive_package(
            school=school, path=path, package_id_hint=str(query.package_id or "")
        )
    finally:
        path.unlink(missing_ok=True)
    return Status(outcome.status, outcome.body)


def _body_to_file(request: HttpRequest) -> Path:
    """The request body on disk: the multipart field ``package`` (already streamed to a
    temporary file by the upload handlers), else the raw body, read in chunks."""
    content_type = request.META.get("CONTENT_TYPE", "")
    if content_type.startswith("multipart/form-data"):
        upload = request.FILES.get("package")
        if upload is None:
            raise Refusal("missing_part", "the multipart field 'package' is missing")
        with upload.open("rb") as handle:
            return spool(handle)
    return spool(request)


@api.get(
    "/packages/{package_id}",
    response={200: ReceiptOut, 404: ErrorOut} | ERRORS,
    summary="A package's receipt or refusal",
)
def get_package(request: HttpRequest, package_id: UUID) -> Status[Any]:
    school: CentralSchool = request.auth  # type: ignore[attr-defined]
    try:
        package = selectors.get_package(package_id, school_code=school.code)
    except ReceivedPackage.DoesNotExist:
        return Status(404, {"error": "not_found", "detail": "no such package from this school"})
    return Status(200, selectors.package_answer(package))


@api.get(
    "/students/{national_id}/records",
    response={200: StudentRecordsOut, 403: ErrorOut} | ERRORS,
    summary="What the central database holds for a student (current versions)",
)
def student_records(
    request: HttpRequest, national_id: str, query: Query[RecordsQuery]
) -> Status[Any]:
    school: CentralSchool = request.auth  # type: ignore[attr-defined]
    if query.school_code != school.code:
        return Status(
            403, {"error": "wrong_school", "detail": "a school reads only its own students"}
        )
    if not _valid_id(national_id):
        return Status(422, {"error": "schema", "detail": "national_id has the wrong format"})
    return Status(
        200,
        {
            "school_code": school.code,
            "national_id": national_id,
            "records": selectors.current_records(school.code, national_id),
        },
    )


def _valid_id(value: str) -> bool:
    import re

    return re.match(ID_PATTERN, value) is not None


def urls() -> tuple[list[URLResolver | URLPattern], str, str]:
    """``api.urls`` with every view marked public for LoginRequiredMiddleware (the API
    authenticates by token; the schema and docs are published)."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern.callback.login_required = False  # type: ignore[attr-defined]
    return patterns, app_name, namespace
