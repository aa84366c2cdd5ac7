from django.urls import path

from . import views

app_name = "schools"

urlpatterns = [
    path("teaching/", views.teacher_home, name="teacher_home"),
    path("classes/<uuid:code>/", views.class_detail, name="class_detail"),
    path("offerings/<uuid:code>/", views.offering_detail, name="offering_detail"),
    path("registrar/", views.registrar_home, name="registrar_home"),
]
