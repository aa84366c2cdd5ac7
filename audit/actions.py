"""Recording audit events."""

from django.http import HttpRequest

from accounts.models import User
from schools.models import Student

from .models import AuditEvent


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record_event(
    *,
    actor: User | None,
    action: str,
    target: str,
    student: Student | None = None,
    request: HttpRequest | None = None,
    detail: dict[str, object] | None = None,
) -> AuditEvent:
    """Append one audit row. Never put a full national ID in ``detail`` (RULES.md §8.3)."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target=target,
        student=student,
        ip_address=_client_ip(request),
        detail=detail or {},
    )


def record_personal_data_view(
    *, viewer: User, student: Student, what: str, request: HttpRequest | None = None
) -> AuditEvent | None:
    """Log a read of a student's personal data by anyone but the student (security rule:
    every access to someone else's personal data is audit-logged). Returns None for the
    student's own reads."""
    if student.user_id is not None and student.user_id == viewer.pk:
        return None
    return record_event(
        actor=viewer,
        action=f"{what}.view",
        target=f"student:{student.code}",
        student=student,
        request=request,
    )
