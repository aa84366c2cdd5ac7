"""Account middleware: first-login password change, and Traditional Chinese first."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation

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


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Traditional Chinese first: the language is the one the person chose with the language
    switch (its cookie), else LANGUAGE_CODE — never guessed from the browser's
    Accept-Language, so an English-language browser still opens in 繁體中文."""

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if chosen not in {code for code, _name in settings.LANGUAGES}:
            chosen = settings.LANGUAGE_CODE
        translation.activate(chosen)
        request.LANGUAGE_CODE = translation.get_language()
