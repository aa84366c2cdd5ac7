"""Force a password change at first login for accounts the school created."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

ALLOWED_URL_NAMES = ("account_change_password", "account_logout", "set_language")


class ForcePasswordChangeMiddleware:
    """Send a logged-in user whose ``must_change_password`` is set to the password-change page
    until they have set their own password (issue: accounts created for people)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.must_change_password:
            allowed = {reverse(name) for name in ALLOWED_URL_NAMES}
            if request.path not in allowed and not request.path.startswith("/static/"):
                return redirect("account_change_password")
        return self.get_response(request)
