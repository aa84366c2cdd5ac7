"""Parent–child binding URLs, mounted at ``parent/`` (namespace ``guardians``).

``bind/…`` is the parent's four-step flow (no login; a verified code opens it);
``reviews/…`` the homeroom teacher's queue; ``bindings/…`` the registrar's unbinding;
``set-password/…`` the one-time link of a new parent account.
"""

from django.urls import path

from . import review_views, views

app_name = "guardians"

urlpatterns = [
    path("", views.parent_home, name="parent_home"),
    # Step 1
    path("bind/", views.bind_start, name="bind_start"),
    path("bind/verify/", views.bind_verify, name="bind_verify"),
    # Step 2
    path("bind/student/", views.bind_student, name="bind_student"),
    path("bind/student/check/", views.bind_check_student, name="bind_check_student"),
    path("bind/schools/", views.bind_schools, name="bind_schools"),
    path("bind/students/", views.bind_students, name="bind_students"),
    # Step 3
    path("bind/consent/", views.bind_consent, name="bind_consent"),
    # Step 4
    path("bind/parent/", views.bind_parent, name="bind_parent"),
    path("bind/parent/check/", views.bind_check_parent_id, name="bind_check_parent_id"),
    path("bind/review/", views.bind_review, name="bind_review"),
    # Progress
    path("bind/progress/", views.bind_progress, name="bind_progress"),
    path("bind/applications/<uuid:code>/cancel/", views.bind_cancel, name="bind_cancel"),
    path("bind/applications/<uuid:code>/form.pdf", views.bind_pdf, name="bind_pdf"),
    path("bind/quit/", views.bind_quit, name="bind_quit"),
    # Account
    path(
        "set-password/<str:uidb64>/<str:token>/",
        review_views.set_password,
        name="set_password",
    ),
    # Homeroom teacher
    path("reviews/", review_views.review_list, name="review_list"),
    path("reviews/<uuid:code>/", review_views.review_detail, name="review_detail"),
    path("reviews/<uuid:code>/approve/", review_views.review_approve, name="review_approve"),
    path("reviews/<uuid:code>/reject/", review_views.review_reject, name="review_reject"),
    path("reviews/<uuid:code>/form.pdf", review_views.review_pdf, name="review_pdf"),
    # Registrar
    path("bindings/", review_views.binding_list, name="binding_list"),
    path("bindings/<uuid:code>/unbind/", review_views.binding_unbind, name="binding_unbind"),
]
