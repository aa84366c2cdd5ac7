"""The parent's home: the children bound to this account (read-only)."""

from django.http import Http404, HttpResponse
from django.shortcuts import render

from accounts.http import AuthedRequest
from accounts.models import Role
from accounts.roles import get_role_context

from .models import Guardianship


def parent_home(request: AuthedRequest) -> HttpResponse:
    """家長 home: each actively bound child with a link to their cabinet (read-only)."""
    if not get_role_context(request.user).has(Role.PARENT):
        raise Http404
    bindings = (
        Guardianship.objects.filter(parent=request.user, ended_at__isnull=True)
        .select_related("student__school")
        .order_by("student__name")
    )
    return render(request, "guardians/parent_home.html", {"bindings": bindings})
