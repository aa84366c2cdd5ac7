"""Admin for submissions: read-only views of what was sent (snapshots are immutable)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import CheckPeriod, ReceiptConfirmation, Snapshot, Submission


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by actions (audit, versions, immutability): view, never edit here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_display = ["school", "school_year", "semester", "version", "status", "progress"]
    list_filter = ["status", "school_year"]
    search_fields = ["code"]


@admin.register(Snapshot)
class SnapshotAdmin(ReadOnlyAdmin):
    list_display = ["submission", "student", "roster", "school_year", "semester"]
    list_filter = ["roster"]
    raw_id_fields = ["submission", "student"]


@admin.register(CheckPeriod)
class CheckPeriodAdmin(ReadOnlyAdmin):
    list_display = ["submission", "opens_at", "closes_at"]


@admin.register(ReceiptConfirmation)
class ReceiptConfirmationAdmin(ReadOnlyAdmin):
    list_display = ["submission", "student", "status", "created_at"]
    list_filter = ["status"]
