"""Parent–child binding (親子綁定). The application flow arrives with its own issue; the
binding itself (who guards whom) is data the rest of the platform already reads."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Relationship(models.TextChoices):
    """Relationship to the student: legal guardian (法定代理人) or guardian (監護人) kinds."""

    FATHER = "father", _("父親（法定代理人）")
    MOTHER = "mother", _("母親（法定代理人）")
    GRANDFATHER = "grandfather", _("祖父（監護人）")
    GRANDMOTHER = "grandmother", _("祖母（監護人）")
    MATERNAL_GRANDFATHER = "maternal_grandfather", _("外祖父（監護人）")
    MATERNAL_GRANDMOTHER = "maternal_grandmother", _("外祖母（監護人）")
    OTHER = "other", _("其他（監護人）")


class Guardianship(models.Model):
    """An approved binding of a parent's account to a student (親子綁定).

    A parent sees only students with an active binding; staff end a binding by setting
    ``ended_at`` (rows are kept for the audit trail).
    """

    parent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="guardianships",
        verbose_name=_("家長帳號"),
    )
    student = models.ForeignKey(
        "schools.Student",
        on_delete=models.CASCADE,
        related_name="guardianships",
        verbose_name=_("學生"),
    )
    relationship = models.CharField(_("關係"), max_length=30, choices=Relationship.choices)
    approved_at = models.DateTimeField(_("綁定時間"))
    ended_at = models.DateTimeField(_("解除綁定時間"), null=True, blank=True)

    class Meta:
        verbose_name = _("親子綁定")
        verbose_name_plural = _("親子綁定")
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "student"],
                condition=Q(ended_at__isnull=True),
                name="one_active_binding",
            )
        ]

    def __str__(self) -> str:
        return f"{self.parent} → {self.student.name}（{self.get_relationship_display()}）"
