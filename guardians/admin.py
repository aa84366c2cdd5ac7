from django.contrib import admin

from .models import (
    BindingApplication,
    ConsentStatement,
    GuardianSchoolSettings,
    Guardianship,
)


@admin.register(Guardianship)
class GuardianshipAdmin(admin.ModelAdmin):
    list_display = ["parent", "student", "relationship", "approved_at", "ended_at"]
    raw_id_fields = ["parent", "student", "application", "ended_by"]
    list_filter = ["ended_at"]


@admin.register(BindingApplication)
class BindingApplicationAdmin(admin.ModelAdmin):
    """Read-only in the admin: applications change only through the flow's actions."""

    list_display = [
        "student",
        "parent_name",
        "parent_id_masked",
        "relationship",
        "state",
        "created_at",
    ]
    list_filter = ["state"]
    exclude = ["parent_national_id", "signature_png"]
    readonly_fields = [f for f in ("code", "submission", "created_at", "parent_id_masked")]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(ConsentStatement)
class ConsentStatementAdmin(admin.ModelAdmin):
    list_display = ["version", "title", "published_at"]


@admin.register(GuardianSchoolSettings)
class GuardianSchoolSettingsAdmin(admin.ModelAdmin):
    list_display = ["school", "taipei_initial_password", "school_level"]
