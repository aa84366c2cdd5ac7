"""Template helpers for cabinet pages."""

import uuid

from django import template
from django.urls import reverse

register = template.Library()


@register.simple_tag
def cabinet_url(name: str, student_code: uuid.UUID | None = None) -> str:
    """The URL of a cabinet page: the student's own (``/cabinet/...``) when ``student_code`` is
    empty, otherwise the viewed student's (``/students/<code>/cabinet/...``)."""
    if student_code:
        return reverse(f"portfolios:student_{name}", args=[student_code])
    return reverse(f"portfolios:{name}")


@register.filter
def mb(value: int) -> str:
    """Bytes as megabytes with one decimal, 1 MB = 10^6 bytes (docs/units.md); files under
    0.1 MB (but not an empty total) in kB (10^3 bytes) so they do not read "0.0 MB"."""
    value = value or 0
    if 0 < value < 100_000:
        return f"{max(1, round(value / 1000))} kB"
    return f"{value / 1_000_000:.1f} MB"


@register.filter
def previewable(content_type: str) -> bool:
    """Only images and PDFs get an inline preview (RELIABILITY.md I4)."""
    from files.rules import INLINE_TYPES

    return content_type in INLINE_TYPES


@register.filter
def get_item(mapping: dict, key: object) -> object:
    return mapping.get(key) if mapping else None
