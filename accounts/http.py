"""Typing helper: every page needs a login (LoginRequiredMiddleware), so views see a User."""

from django.http import HttpRequest

from .models import User


class AuthedRequest(HttpRequest):
    user: User
