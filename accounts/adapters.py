"""allauth adapter: no self sign-up; schools create accounts."""

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class LichengAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """Accounts are created by the school (or by parent binding), never self-registered."""
        return False
