"""The landing page: each role lands on its own home page."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from .roles import HOME_URL_NAMES, get_role_context


def home(request: HttpRequest) -> HttpResponse:
    """Redirect to the home page of the person's first role (``HOME_PRIORITY``); a person with
    no role yet sees a page that says so."""
    context = get_role_context(request.user)  # type: ignore[arg-type]
    role = context.home_role
    if role is None:
        return render(request, "accounts/no_role.html", status=200)
    return redirect(HOME_URL_NAMES[role])
