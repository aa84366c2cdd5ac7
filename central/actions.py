"""Changes to the central database outside package intake (schools and their tokens)."""

from __future__ import annotations

import secrets

from django.db import transaction

from .ingest import hash_token
from .models import CentralSchool


def new_token() -> str:
    """A fresh API token (43 URL-safe characters, 256 bits)."""
    return secrets.token_urlsafe(32)


@transaction.atomic
def register_school(*, code: str, name: str, token: str | None = None) -> tuple[CentralSchool, str]:
    """Create or update the school allowed to deliver, with a token (given, or new).

    Returns the school and the token; only the token's hash is stored, so the caller shows
    the token once.
    """
    token = token or new_token()
    school, _created = CentralSchool.objects.update_or_create(
        code=code, defaults={"name": name, "token_hash": hash_token(token), "active": True}
    )
    return school, token
