from django.urls import path

from . import views

app_name = "central"

urlpatterns = [
    path("", views.home, name="home"),
    path("packages/<uuid:package_id>/", views.package_detail, name="package_detail"),
]
