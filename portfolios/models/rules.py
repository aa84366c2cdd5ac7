"""Caps and file limits as data keyed by 學年度 (RULES.md §0.1 rule for implementers, §3, §10)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from files.rules import FileRule


class RuleSet(models.Model):
    """The file limits and yearly tick caps in force from ``school_year`` on (學年度規則).

    A rule set applies to its school year and every later one until a newer row exists, so a
    change (e.g. the 2 MB → 4 MB document limit from 109學年度, RULES.md §10) is one new row.
    Sizes are bytes, 1 MB = 10^6 bytes (docs/units.md).
    """

    school_year = models.PositiveSmallIntegerField(_("適用學年度（起）"), unique=True)
    document_max_bytes = models.PositiveBigIntegerField(_("文件上限（位元組）"), default=4_000_000)
    document_extensions = models.CharField(_("文件格式"), max_length=60, default="pdf,jpg,png")
    media_max_bytes = models.PositiveBigIntegerField(_("影音上限（位元組）"), default=10_000_000)
    media_extensions = models.CharField(_("影音格式"), max_length=60, default="mp3,mp4")
    attachment_max_bytes = models.PositiveBigIntegerField(
        _("課程諮詢附件上限（位元組）"), default=2_000_000
    )
    description_max_chars = models.PositiveSmallIntegerField(_("簡述字數上限"), default=100)
    outcome_tick_cap = models.PositiveSmallIntegerField(_("每學年勾選課程學習成果上限"), default=6)
    outcome_tick_cap_per_semester = models.PositiveSmallIntegerField(
        _("每學期勾選課程學習成果上限"),
        null=True,
        blank=True,
        help_text=_("空白表示不限；臺北市平臺為 3（RULES.md §3）。"),
    )
    performance_tick_cap = models.PositiveSmallIntegerField(_("每學年勾選多元表現上限"), default=10)
    source = models.CharField(_("依據"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("學年度規則")
        verbose_name_plural = _("學年度規則")
        ordering = ["-school_year"]

    def __str__(self) -> str:
        return _("%(year)s 學年度起") % {"year": self.school_year}

    @classmethod
    def for_year(cls, school_year: int) -> "RuleSet":
        """The rule set in force for ``school_year``: the newest row at or before it.

        Raises ``RuleSet.DoesNotExist`` when no row covers the year (a configuration error:
        the seed migration covers 108 onwards).
        """
        rule = cls.objects.filter(school_year__lte=school_year).order_by("-school_year").first()
        if rule is None:
            if cls.objects.exists():
                raise cls.DoesNotExist(f"no RuleSet covers 學年度 {school_year}")
            # An empty table (a fresh database whose seed rows were removed): the national
            # rules in force since 109學年度 (RULES.md §3, §10) are the field defaults.
            return cls(school_year=109, source="RULES.md §3, §10 (defaults)")
        return rule

    def _extensions(self, raw: str) -> tuple[str, ...]:
        return tuple(ext.strip().lower() for ext in raw.split(",") if ext.strip())

    @property
    def document_rule(self) -> FileRule:
        return FileRule(
            slot="document",
            label=str(_("文件")),
            extensions=self._extensions(self.document_extensions),
            max_bytes=self.document_max_bytes,
        )

    @property
    def media_rule(self) -> FileRule:
        return FileRule(
            slot="media",
            label=str(_("影音檔案")),
            extensions=self._extensions(self.media_extensions),
            max_bytes=self.media_max_bytes,
        )

    @property
    def attachment_rule(self) -> FileRule:
        return FileRule(
            slot="attachment",
            label=str(_("附件")),
            extensions=self._extensions(self.document_extensions),
            max_bytes=self.attachment_max_bytes,
        )
