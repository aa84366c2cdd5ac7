"""URLs of the admissions view and transfer pages (mounted at the site root)."""

from django.urls import path

from . import views_admissions, views_transfer

app_name = "submissions_extra"

urlpatterns = [
    path("cabinet/central/", views_admissions.central_record, name="central_record"),
    path(
        "students/<uuid:student_code>/cabinet/central/",
        views_admissions.central_record,
        name="student_central_record",
    ),
    path("registrar/transfer/", views_transfer.transfer_home, name="transfer_home"),
    path("registrar/transfer/export/", views_transfer.transfer_export, name="transfer_export"),
    path("registrar/transfer/upload/", views_transfer.transfer_upload, name="transfer_upload"),
    path(
        "registrar/transfer/import/<str:token>/",
        views_transfer.transfer_preview,
        name="transfer_preview",
    ),
]
