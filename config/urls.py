"""URL map. Every page needs a login (LoginRequiredMiddleware) unless marked otherwise."""

from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views

urlpatterns = [
    path("", account_views.home, name="home"),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("portfolios.urls")),
    path("", include("schools.urls")),
    path("", include("submissions.urls")),
    path("", include("submissions.urls_extra")),
    path("parent/", include("guardians.urls")),
    path("central/", include("central.urls")),
]
