from django.contrib import admin

from .models import Guardianship


@admin.register(Guardianship)
class GuardianshipAdmin(admin.ModelAdmin):
    list_display = ["parent", "student", "relationship", "approved_at", "ended_at"]
    raw_id_fields = ["parent", "student"]
