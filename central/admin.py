"""Read-only admin views of the central database (rows change only through package intake)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import CentralFile, CentralRecord, CentralSchool, ReceivedPackage


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CentralSchool)
class CentralSchoolAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["code", "name", "active"]
    exclude = ["token_hash"]  # re-key with manage.py create_central_school


@admin.register(ReceivedPackage)
class ReceivedPackageAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "school_code", "school_year", "semester", "version", "status"]
    list_filter = ["status", "school_code"]
    exclude = ["receipt"]


@admin.register(CentralFile)
class CentralFileAdmin(ReadOnlyAdmin):
    list_display = ["sha256", "size", "content_type", "received_at"]


@admin.register(CentralRecord)
class CentralRecordAdmin(ReadOnlyAdmin):
    list_display = ["school_code", "roster", "school_year", "semester", "version", "is_current"]
    list_filter = ["roster", "is_current"]
    exclude = ["national_id", "records", "files"]  # personal data stays out of the admin
