"""The landing page: each role lands on its own home page."""

from django.http import HttpResponse
from django.shortcuts import redirect, render

from .http import AuthedRequest
from .roles import HOME_URL_NAMES, get_role_context


def home(request: AuthedRequest) -> HttpResponse:
    """Redirect to the home page of the person's first role (``HOME_PRIORITY``); a person with
    no role yet sees a page that says so."""
    context = get_role_context(request.user)
    role = context.home_role
    if role is None:
        return render(request, "accounts/no_role.html", status=200)
    return redirect(HOME_URL_NAMES[role])
