"""Code lists staff can edit (代碼表): competition level, individual/team, certificate type…

Their official values were not found in public sources (RULES.md §2.5, §13), so they are data.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CodeList(models.TextChoices):
    COMPETITION_LEVEL = "competition_level", _("競賽等級")
    PARTICIPATION = "participation", _("團體或個人參與")
    CERTIFICATE_TYPE = "certificate_type", _("檢定證照類型")
    FLEXIBLE_LEARNING = "flexible_learning", _("彈性學習時間類別")
    GROUP_ACTIVITY = "group_activity", _("團體活動時間類別")
    WORKPLACE_LEARNING = "workplace_learning", _("職場學習類別")
    CADRE_LEVEL = "cadre_level", _("幹部等級")


class Code(models.Model):
    """One value of a code list (e.g. competition level ``3`` = 全國)."""

    list = models.CharField(_("代碼表"), max_length=30, choices=CodeList.choices)
    code = models.CharField(_("代碼"), max_length=10)
    label = models.CharField(_("名稱"), max_length=60)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("啟用"), default=True)

    class Meta:
        verbose_name = _("代碼")
        verbose_name_plural = _("代碼表")
        ordering = ["list", "sort_order", "code"]
        constraints = [models.UniqueConstraint(fields=["list", "code"], name="unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"
