"""Template filters for the central operator's pages (see ``central.labels``)."""

from typing import Any

from django import template

from central import labels

register = template.Library()


@register.filter
def roster_label(code: str) -> str:
    return labels.roster_label(code)


@register.filter
def refusal_label(code: str) -> str:
    return labels.refusal_label(code)


@register.filter
def term(value: Any) -> str:
    """The term of a package or a receipt line (an object or a mapping with ``school_year``
    and ``semester``)."""
    if isinstance(value, dict):
        return labels.term_label(value.get("school_year"), value.get("semester"))
    return labels.term_label(getattr(value, "school_year", None), getattr(value, "semester", None))
