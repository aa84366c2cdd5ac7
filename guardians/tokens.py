"""One-time set-password links for new parent accounts (the issue item 7: valid 24 hours).

Django's ``PasswordResetTokenGenerator`` with its own salt (so a token is not also an allauth
reset token) and a 24-hour limit on top of ``PASSWORD_RESET_TIMEOUT``. The token hashes the
password and the last login, so it stops working once the password is set (one use).
"""

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.http import base36_to_int

from accounts.models import User

SET_PASSWORD_TTL_SECONDS = 24 * 60 * 60


class SetPasswordTokenGenerator(PasswordResetTokenGenerator):
    """Tokens for ``guardians:set_password``, valid 24 hours and until used."""

    key_salt = "guardians.tokens.SetPasswordTokenGenerator"

    def check_token(self, user: User | None, token: str | None) -> bool:  # type: ignore[override]
        """Valid when Django's check passes and the token is at most 24 hours old."""
        if not super().check_token(user, token):
            return False
        assert token is not None
        try:
            timestamp = base36_to_int(token.split("-")[0])
        except ValueError:
            return False
        return self._num_seconds(self._now()) - timestamp <= SET_PASSWORD_TTL_SECONDS


set_password_token = SetPasswordTokenGenerator()
