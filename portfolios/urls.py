from django.urls import path

from .views import cabinet, files, outcomes, performances, staff, ticks

app_name = "portfolios"

# Pages shown both as the student's own (/cabinet/...) and, read-only, to people allowed to
# see the student (/students/<code>/cabinet/...).
pages = [
    ("", cabinet.cabinet, "cabinet"),
    ("basic/", cabinet.basic_data, "basic_data"),
    ("attendance/", cabinet.attendance, "attendance"),
    ("merits/", cabinet.merits, "merits"),
    ("courses/", cabinet.course_records, "course_records"),
    ("consultations/", cabinet.consultations, "consultations"),
    ("outcomes/", outcomes.outcome_list, "outcomes"),
    ("performances/", performances.performance_list, "performances"),
    ("ticks/", ticks.tick_page, "ticks"),
    ("files/", cabinet.files, "files"),
]

urlpatterns = [
    *[path(f"cabinet/{suffix}", view, name=name) for suffix, view, name in pages],
    *[
        path(f"students/<uuid:student_code>/cabinet/{suffix}", view, name=f"student_{name}")
        for suffix, view, name in pages
    ],
    path("cabinet/outcomes/new/", outcomes.outcome_upload, name="outcome_upload"),
    path("outcomes/<uuid:code>/", outcomes.outcome_detail, name="outcome_detail"),
    path("outcomes/<uuid:code>/send/", outcomes.outcome_send, name="outcome_send"),
    path("outcomes/<uuid:code>/delete/", outcomes.outcome_delete, name="outcome_delete"),
    path(
        "cabinet/performances/new/<str:record_type>/",
        performances.performance_new,
        name="performance_new",
    ),
    path("performances/<uuid:code>/", performances.performance_detail, name="performance_detail"),
    path(
        "performances/<uuid:code>/delete/",
        performances.performance_delete,
        name="performance_delete",
    ),
    path("ticks/<str:kind>/<uuid:code>/", ticks.tick_toggle, name="tick_toggle"),
    path("files/<str:kind>/<uuid:code>/<str:slot>/", files.item_file, name="item_file"),
    # Staff pages (teachers, homeroom teachers, consultation teachers, registrars).
    path("teaching/certification/", staff.certification_queue, name="certification_queue"),
    path("teaching/certification/certify/", staff.certify, name="certify"),
    path("teaching/certification/<uuid:code>/return/", staff.return_view, name="return"),
    path("teaching/consultations/", staff.consultation_list, name="consultation_list"),
    path("classes/<uuid:code>/progress/", staff.class_progress, name="class_progress"),
    path("registrar/windows/", staff.windows, name="windows"),
    path("registrar/proxies/", staff.proxies, name="proxies"),
]
