"""URL map. Every page needs a login (LoginRequiredMiddleware) unless marked otherwise."""

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from accounts import views as account_views
from central import api as central_api

urlpatterns = [
    path("", account_views.home, name="home"),
    path("accounts/", include("allauth.urls")),
    # The header's language switch is on the login page and the parent binding flow too.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    path("", include("portfolios.urls")),
    path("", include("schools.urls")),
    path("", include("submissions.urls")),
    path("", include("submissions.urls_extra")),
    path("parent/", include("guardians.urls")),
    path("central/", include("central.urls")),
    # The central database's JSON API (token auth; schema at openapi.json, docs at docs).
    path("api/central/v1/", central_api.urls()),
]
