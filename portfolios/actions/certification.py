"""Subject teachers (or their proxies) certify or return outcomes (RULES.md §4)."""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.actions import record_event

from ..errors import PortfolioError
from ..models import CourseOutcome, OutcomeStatus, WindowKind
from ..permissions import can_certify
from .common import require_window

RETURN_REASON_MAX = 200


def certify_outcomes(*, actor: User, outcomes: Iterable[CourseOutcome]) -> list[CourseOutcome]:
    """Certify pending outcomes (認證): confirms authorship and course, not quality (§4 rule 1).

    All or nothing: every outcome must be pending, certifiable by the actor (the offering's
    teacher or their proxy) and inside its term's certification window. Records who and when,
    and the SHA-256 of each file as certified (so a later change can be detected, §4 rule 7).
    Raises PermissionDenied or PortfolioError. Audit: ``outcome.certified`` per outcome.
    """
    certified: list[CourseOutcome] = []
    with transaction.atomic():
        ids = [outcome.pk for outcome in outcomes]
        locked = list(
            CourseOutcome.objects.select_for_update(of=("self",))
            .select_related(
                "course_record__offering__term", "document_blob", "media_blob", "student"
            )
            .filter(pk__in=ids)
            .order_by("pk")
        )
        if len(locked) != len(set(ids)):
            raise PortfolioError(_("部分學習成果已不存在，請重新整理頁面。"), code="missing")
        now = timezone.now()
        for outcome in locked:
            if not can_certify(actor, outcome):
                raise PermissionDenied
            require_window(WindowKind.CERTIFY, outcome.course_record.offering.term, outcome.student)
            if outcome.status != OutcomeStatus.PENDING:
                raise PortfolioError(
                    _("「%(title)s」目前狀態為%(status)s，只能認證待認證的學習成果。")
                    % {"title": outcome.description[:20], "status": outcome.get_status_display()},
                    code="not_pending",
                )
            outcome.status = OutcomeStatus.CERTIFIED
            outcome.certified_by = actor
            outcome.certified_at = now
            outcome.certified_document_sha256 = (
                outcome.document_blob.sha256 if outcome.document_blob else ""
            )
            outcome.certified_media_sha256 = outcome.media_blob.sha256 if outcome.media_blob else ""
            outcome.return_reason = ""
            outcome.save()
            record_event(
                actor=actor,
                action="outcome.certified",
                target=f"outcome:{outcome.code}",
                student=outcome.student,
                detail={
                    "document_sha256": outcome.certified_document_sha256,
                    "media_sha256": outcome.certified_media_sha256,
                },
            )
            certified.append(outcome)
    return certified


def return_outcome(*, actor: User, outcome: CourseOutcome, reason: str) -> CourseOutcome:
    """Return a pending outcome to the student with a required reason (退回, §4 rule 3).

    Raises PermissionDenied or PortfolioError (``reason_required``, ``reason_too_long``,
    ``not_pending``, ``window_closed``). Audit: ``outcome.returned``.
    """
    text = (reason or "").strip()
    if not text:
        raise PortfolioError(_("請填寫退回原因。"), code="reason_required")
    if len(text) > RETURN_REASON_MAX:
        raise PortfolioError(
            _("退回原因為 %(count)d 字，超過 %(limit)d 字上限。")
            % {"count": len(text), "limit": RETURN_REASON_MAX},
            code="reason_too_long",
        )
    with transaction.atomic():
        current = (
            CourseOutcome.objects.select_for_update(of=("self",))
            .select_related("course_record__offering__term", "student")
            .get(pk=outcome.pk)
        )
        if not can_certify(actor, current):
            raise PermissionDenied
        require_window(WindowKind.CERTIFY, current.course_record.offering.term, current.student)
        if current.status != OutcomeStatus.PENDING:
            raise PortfolioError(
                _("只能退回待認證的學習成果（目前為%(status)s）。")
                % {"status": current.get_status_display()},
                code="not_pending",
            )
        current.status = OutcomeStatus.RETURNED
        current.returned_by = actor
        current.returned_at = timezone.now()
        current.return_reason = text
        current.save()
        record_event(
            actor=actor,
            action="outcome.returned",
            target=f"outcome:{current.code}",
            student=current.student,
            detail={"reason": text},
        )
    return current
