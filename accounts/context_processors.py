"""Template context: the person's roles and the links to their home pages."""

from typing import Any

from django.http import HttpRequest

from .roles import get_role_context


def roles(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"role_context": get_role_context(user)}
