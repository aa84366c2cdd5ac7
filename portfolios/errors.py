"""The one error type portfolio actions raise: a Traditional Chinese message for the user."""

from django.core.exceptions import ValidationError


class PortfolioError(ValidationError):
    """A refused portfolio action. ``messages`` are ready to show; ``code`` is stable for
    tests and the API (e.g. ``window_closed``, ``tick_cap``, ``quota``)."""
