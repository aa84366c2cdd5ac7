"""Django admin for staff. Registrars see only their own school's rows."""

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.roles import get_role_context

from . import models


class SchoolScopedAdmin(admin.ModelAdmin):
    """Narrow every list and form to the schools the staff member is registrar of.

    ``school_path`` is the lookup from the model to its school (``school``, ``term__school``…).
    Superusers see everything.
    """

    school_path = "school"

    def _schools(self, request: HttpRequest) -> frozenset[int] | None:
        """The school ids the person may touch, or None for a superuser (every school)."""
        if request.user.is_superuser:
            return None
        return get_role_context(request.user).registrar_school_ids  # type: ignore[arg-type]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        schools = self._schools(request)
        if schools is None:
            return queryset
        return queryset.filter(**{f"{self.school_path}__in": schools})

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        """Offer only rows of the person's schools in every school-owned foreign key."""
        schools = self._schools(request)
        path = SCHOOL_PATHS.get(db_field.related_model)
        if schools is not None and path is not None:
            kwargs["queryset"] = db_field.related_model._default_manager.filter(
                **{f"{path}__in": schools}
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Refuse to write a row into a school the person is not registrar of."""
        schools = self._schools(request)
        if schools is not None and _school_id_of(obj, self.school_path) not in schools:
            raise PermissionDenied
        super().save_model(request, obj, form, change)


def _school_id_of(obj: Any, path: str) -> int | None:
    """Follow ``school_path`` (``school``, ``term__school``, ``pk``) to the row's school id."""
    if path == "pk":
        return obj.pk
    *hops, last = path.split("__")
    for hop in hops:
        obj = getattr(obj, hop, None)
        if obj is None:
            return None
    return getattr(obj, f"{last}_id", None)


#: Lookup from each school-owned model to its school, for narrowing foreign-key choices.
SCHOOL_PATHS: dict[Any, str] = {
    models.School: "pk",
    models.Term: "school",
    models.Teacher: "school",
    models.SchoolClass: "school",
    models.Student: "school",
    models.Course: "school",
    models.CourseOffering: "term__school",
    models.CourseRecord: "student__school",
}


@admin.register(models.School)
class SchoolAdmin(SchoolScopedAdmin):
    school_path = "pk"
    list_display = ["code", "name", "storage_quota_bytes"]
    search_fields = ["code", "name"]


@admin.register(models.Term)
class TermAdmin(SchoolScopedAdmin):
    list_display = ["school", "school_year", "semester", "start_date", "end_date", "is_current"]
    list_filter = ["school_year", "semester", "is_current"]


@admin.register(models.Teacher)
class TeacherAdmin(SchoolScopedAdmin):
    list_display = ["staff_number", "name", "subjects", "school"]
    search_fields = ["staff_number", "name"]
    raw_id_fields = ["user"]


@admin.register(models.SchoolClass)
class SchoolClassAdmin(SchoolScopedAdmin):
    list_display = ["school_year", "name", "grade", "homeroom_teacher"]
    list_filter = ["school_year", "grade"]
    search_fields = ["name"]


@admin.register(models.Student)
class StudentAdmin(SchoolScopedAdmin):
    list_display = ["student_number", "name", "masked_id", "entry_year", "department"]
    list_filter = ["entry_year", "department"]
    search_fields = ["student_number", "name"]
    raw_id_fields = ["user"]

    @admin.display(description="身分證統一編號")
    def masked_id(self, obj: models.Student) -> str:
        return obj.masked_id


@admin.register(models.ClassMembership)
class ClassMembershipAdmin(SchoolScopedAdmin):
    school_path = "term__school"
    list_display = ["term", "school_class", "seat_number", "student"]
    list_filter = ["term"]
    raw_id_fields = ["student"]


@admin.register(models.Course)
class CourseAdmin(SchoolScopedAdmin):
    list_display = ["code", "name", "credits", "grade", "semester", "category"]
    list_filter = ["grade", "semester"]
    search_fields = ["code", "name"]


@admin.register(models.CourseOffering)
class CourseOfferingAdmin(SchoolScopedAdmin):
    school_path = "term__school"
    list_display = ["term", "course", "teacher", "school_class"]
    list_filter = ["term"]
    search_fields = ["course__name", "course__code"]


@admin.register(models.CourseRecord)
class CourseRecordAdmin(SchoolScopedAdmin):
    school_path = "student__school"
    list_display = ["student", "offering", "score", "passed", "makeup_score", "credits_earned"]
    list_filter = ["offering__term"]
    search_fields = ["student__student_number", "student__name", "offering__course__name"]
    raw_id_fields = ["student", "offering"]


@admin.register(models.AttendanceSummary)
class AttendanceSummaryAdmin(SchoolScopedAdmin):
    school_path = "student__school"
    list_display = ["student", "term", "personal_leave", "sick_leave", "absent", "late"]
    list_filter = ["term"]
    raw_id_fields = ["student"]


@admin.register(models.MeritRecord)
class MeritRecordAdmin(SchoolScopedAdmin):
    school_path = "student__school"
    list_display = ["student", "date", "kind", "count", "reason"]
    list_filter = ["kind", "term"]
    raw_id_fields = ["student"]


@admin.register(models.CadreRecord)
class CadreRecordAdmin(SchoolScopedAdmin):
    school_path = "student__school"
    list_display = ["student", "term", "unit_name", "position_title", "level"]
    list_filter = ["level", "term"]
    raw_id_fields = ["student"]
