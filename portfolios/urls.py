from django.urls import path

from . import views

app_name = "portfolios"

pages = [
    ("", views.cabinet, "cabinet"),
    ("basic/", views.basic_data, "basic_data"),
    ("attendance/", views.attendance, "attendance"),
    ("merits/", views.merits, "merits"),
    ("courses/", views.course_records, "course_records"),
]

urlpatterns = [path(f"cabinet/{suffix}", view, name=name) for suffix, view, name in pages] + [
    path(f"students/<uuid:student_code>/cabinet/{suffix}", view, name=f"student_{name}")
    for suffix, view, name in pages
]
