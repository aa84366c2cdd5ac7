"""Windows (期程) for uploading, certifying and ticking, with extensions; proxy certifiers.

RULES.md §3 (upload window ≥ 2 weeks after the closing ceremony; certification window set by
the school; a school may cap uploads per semester) and §4 rule 4 (proxy certifier 代理人).
Times are stored in UTC and decided at Asia/Taipei local time (RELIABILITY.md §3 item 17).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class WindowKind(models.TextChoices):
    UPLOAD = "upload", _("學生上傳")
    CERTIFY = "certify", _("教師認證")
    TICK = "tick", _("學生勾選")


class Window(models.Model):
    """A period in a term when students upload, teachers certify, or students tick.

    ``opens_at`` is inclusive and ``closes_at`` exclusive: a window closing at midnight
    Asia/Taipei accepts 23:59:59.999 and refuses 00:00:00. ``upload_cap`` is the school's
    optional cap on course outcomes uploaded per student in the term (upload windows only).
    """

    term = models.ForeignKey(
        "schools.Term", on_delete=models.CASCADE, related_name="windows", verbose_name=_("學期")
    )
    kind = models.CharField(_("類別"), max_length=10, choices=WindowKind.choices)
    opens_at = models.DateTimeField(_("開始時間"))
    closes_at = models.DateTimeField(_("截止時間"))
    upload_cap = models.PositiveSmallIntegerField(
        _("每學期上傳課程學習成果上限"),
        null=True,
        blank=True,
        help_text=_("學校自訂；空白表示不限（RULES.md §3）。"),
    )
    updated_at = models.DateTimeField(_("更新時間"), auto_now=True)

    class Meta:
        verbose_name = _("期程")
        verbose_name_plural = _("期程")
        ordering = ["term", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["term", "kind"], name="one_window_per_kind"),
            models.CheckConstraint(
                condition=Q(opens_at__lt=models.F("closes_at")), name="window_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.term} {self.get_kind_display()}"


class WindowExtension(models.Model):
    """A later closing time for one class or one student (展延), e.g. the Taipei platform's
    extension of a 108-2 upload deadline to 7/24 (seed deck)."""

    window = models.ForeignKey(
        Window, on_delete=models.CASCADE, related_name="extensions", verbose_name=_("期程")
    )
    school_class = models.ForeignKey(
        "schools.SchoolClass",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        verbose_name=_("班級"),
    )
    student = models.ForeignKey(
        "schools.Student", on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("學生")
    )
    closes_at = models.DateTimeField(_("展延至"))
    reason = models.CharField(_("原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("期程展延")
        verbose_name_plural = _("期程展延")
        constraints = [
            models.CheckConstraint(
                condition=(Q(school_class__isnull=False) & Q(student__isnull=True))
                | (Q(school_class__isnull=True) & Q(student__isnull=False)),
                name="extension_for_class_or_student",
            )
        ]

    def __str__(self) -> str:
        who = self.student or self.school_class
        return f"{self.window} → {who}"


class ProxyCertifier(models.Model):
    """A proxy (代理人) who certifies in place of an absent teacher for a term (RULES.md §4.4)."""

    term = models.ForeignKey("schools.Term", on_delete=models.CASCADE, verbose_name=_("學期"))
    teacher = models.ForeignKey(
        "schools.Teacher",
        on_delete=models.CASCADE,
        related_name="proxied_by",
        verbose_name=_("原任課教師"),
    )
    proxy = models.ForeignKey(
        "schools.Teacher",
        on_delete=models.CASCADE,
        related_name="proxy_for",
        verbose_name=_("代理人"),
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("指派時間"), auto_now_add=True)

    class Meta:
        verbose_name = _("認證代理人")
        verbose_name_plural = _("認證代理人")
        constraints = [
            models.UniqueConstraint(fields=["term", "teacher", "proxy"], name="unique_proxy"),
            models.CheckConstraint(condition=~Q(teacher=models.F("proxy")), name="proxy_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.term} {self.teacher} ← {self.proxy}"
