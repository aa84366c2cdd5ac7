from django.urls import path

from . import views

app_name = "submissions"

urlpatterns = [
    # Registrar (註冊組) pages.
    path("registrar/submissions/", views.submission_list, name="list"),
    path("registrar/submissions/precheck/", views.precheck_page, name="precheck"),
    path("registrar/submissions/submit/", views.submit, name="submit"),
    path("registrar/submissions/<uuid:code>/", views.submission_detail, name="detail"),
    path(
        "registrar/submissions/<uuid:code>/check-period/",
        views.check_period,
        name="check_period",
    ),
    path("registrar/submissions/<uuid:code>/resubmit/", views.resubmit, name="resubmit"),
    # Students: receipt check (收訖明細確認).
    path("receipts/", views.receipt_list, name="receipts"),
    path("receipts/<uuid:code>/", views.receipt_detail, name="receipt"),
]
