"""Registrars set windows, extensions and proxy certifiers (RULES.md §3, §4 rule 4)."""

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from audit.actions import record_event
from schools.models import SchoolClass, Student, Teacher, Term
from schools.permissions import is_registrar_of

from ..errors import PortfolioError
from ..models import ProxyCertifier, Window, WindowExtension, WindowKind


def set_window(
    *,
    actor: User,
    term: Term,
    kind: str,
    opens_at: datetime.datetime,
    closes_at: datetime.datetime,
    upload_cap: int | None = None,
) -> Window:
    """Create or change a term's window of ``kind`` (aware datetimes; close exclusive).

    Raises PermissionDenied (not a registrar of the school) or PortfolioError
    (``window_order``). Audit: ``window.set``.
    """
    if not is_registrar_of(actor, term.school_id):
        raise PermissionDenied
    if kind not in WindowKind.values:
        raise PortfolioError(_("未知的期程類別。"), code="window_kind")
    if opens_at >= closes_at:
        raise PortfolioError(_("截止時間必須晚於開始時間。"), code="window_order")
    with transaction.atomic():
        window, _created = Window.objects.update_or_create(
            term=term,
            kind=kind,
            defaults={
                "opens_at": opens_at,
                "closes_at": closes_at,
                "upload_cap": upload_cap if kind == WindowKind.UPLOAD else None,
            },
        )
        record_event(
            actor=actor,
            action="window.set",
            target=f"window:{window.pk}",
            detail={
                "term": str(term),
                "kind": kind,
                "opens_at": opens_at.isoformat(),
                "closes_at": closes_at.isoformat(),
                "upload_cap": upload_cap,
            },
        )
    return window


def add_window_extension(
    *,
    actor: User,
    window: Window,
    closes_at: datetime.datetime,
    school_class: SchoolClass | None = None,
    student: Student | None = None,
    reason: str = "",
) -> WindowExtension:
    """Extend a window for one class or one student (展延). Must end after the window."""
    if not is_registrar_of(actor, window.term.school_id):
        raise PermissionDenied
    if (school_class is None) == (student is None):
        raise PortfolioError(_("請選擇一個班級或一位學生。"), code="extension_target")
    for target in (school_class, student):
        if target is not None and target.school_id != window.term.school_id:
            raise PermissionDenied
    if closes_at <= window.closes_at:
        raise PortfolioError(_("展延時間必須晚於原截止時間。"), code="extension_order")
    with transaction.atomic():
        extension = WindowExtension.objects.create(
            window=window,
            school_class=school_class,
            student=student,
            closes_at=closes_at,
            reason=reason[:200],
        )
        record_event(
            actor=actor,
            action="window.extended",
            target=f"window:{window.pk}",
            student=student,
            detail={"class": str(school_class or ""), "closes_at": closes_at.isoformat()},
        )
    return extension


def assign_proxy_certifier(
    *, actor: User, term: Term, teacher: Teacher, proxy: Teacher
) -> ProxyCertifier:
    """Let ``proxy`` certify ``teacher``'s outcomes for ``term`` (代理人, RULES.md §4 rule 4)."""
    if not is_registrar_of(actor, term.school_id):
        raise PermissionDenied
    if teacher.school_id != term.school_id or proxy.school_id != term.school_id:
        raise PermissionDenied
    if teacher.pk == proxy.pk:
        raise PortfolioError(_("代理人不能是原任課教師本人。"), code="proxy_self")
    with transaction.atomic():
        assignment, _created = ProxyCertifier.objects.get_or_create(
            term=term, teacher=teacher, proxy=proxy, defaults={"assigned_by": actor}
        )
        record_event(
            actor=actor,
            action="proxy.assigned",
            target=f"teacher:{teacher.code}",
            detail={"proxy": str(proxy.code), "term": str(term)},
        )
    return assignment
