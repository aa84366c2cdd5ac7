from django.urls import path

from . import views

app_name = "guardians"

urlpatterns = [path("", views.parent_home, name="parent_home")]
