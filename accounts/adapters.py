"""allauth adapter: no self sign-up; schools create accounts."""

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.urls import reverse


class LichengAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """Accounts are created by the school (or by parent binding), never self-registered."""
        return False

    def get_password_change_redirect_url(self, request: HttpRequest) -> str:
        """After a password change (the forced first-login one included), go on to the
        person's own home page rather than back to the change form."""
        return reverse("home")
