"""Audit trail (稽核紀錄): who saw or changed whose personal data. Append-only."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk updates and deletes are refused: the audit trail is append-only."""

    def update(self, **kwargs: object) -> int:
        raise RuntimeError("AuditEvent rows are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise RuntimeError("AuditEvent rows are append-only")


class AuditEvent(models.Model):
    """One access to, or change of, someone's personal data.

    ``action`` is a dotted verb (``student.view``, ``cabinet.view``); ``target`` names the
    object as ``<model>:<code>``. ``student`` is set when the data belongs to a student, so a
    breach report can list the affected students (RELIABILITY.md §2). Rows are never updated
    or deleted by the application.
    """

    created_at = models.DateTimeField(_("時間"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("操作者"),
    )
    action = models.CharField(_("動作"), max_length=60)
    target = models.CharField(_("對象"), max_length=120)
    student = models.ForeignKey(
        "schools.Student",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("相關學生"),
    )
    ip_address = models.GenericIPAddressField(_("來源 IP"), null=True, blank=True)
    detail = models.JSONField(_("細節"), default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("稽核紀錄")
        verbose_name_plural = _("稽核紀錄")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.target}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise RuntimeError("AuditEvent rows are append-only")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        raise RuntimeError("AuditEvent rows are append-only")
