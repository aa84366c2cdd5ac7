"""The central database's operator home (學習歷程中央資料庫)."""

from django.http import Http404, HttpResponse
from django.shortcuts import render

from accounts.http import AuthedRequest
from accounts.models import Role
from accounts.roles import get_role_context


def home(request: AuthedRequest) -> HttpResponse:
    """中央資料庫管理員 home (404 for others). Package intake arrives with its own issue."""
    if not get_role_context(request.user).has(Role.CENTRAL_OPERATOR):
        raise Http404
    return render(request, "central/home.html")
