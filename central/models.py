"""The central database (學習歷程中央資料庫): what schools delivered, kept with every version.

It shares no tables with the school side (ARCHITECTURE.md "two sides"): schools and students
are identified by school code and national ID, files by their SHA-256 in the central store.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CentralSchool(models.Model):
    """A school allowed to deliver, with the hash of its API token (never the token)."""

    code = models.CharField(_("學校代碼"), max_length=6, unique=True)
    name = models.CharField(_("校名"), max_length=100)
    token_hash = models.CharField(_("API 金鑰雜湊"), max_length=128)
    active = models.BooleanField(_("啟用"), default=True)

    class Meta:
        verbose_name = _("上傳學校")
        verbose_name_plural = _("上傳學校")

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class PackageStatus(models.TextChoices):
    ACCEPTED = "accepted", _("已收訖")
    REJECTED = "rejected", _("退件")


class ReceivedPackage(models.Model):
    """One delivery attempt's outcome per package id. Idempotent: a package id is ingested
    once; a repeated delivery returns the stored receipt and changes nothing."""

    package_id = models.UUIDField(_("資料包編號"), unique=True)
    school_code = models.CharField(_("學校代碼"), max_length=6)
    school_year = models.PositiveSmallIntegerField(_("學年度"), null=True)
    semester = models.PositiveSmallIntegerField(_("學期"), null=True)
    version = models.PositiveIntegerField(_("版本"), null=True)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField(default=0)
    status = models.CharField(_("結果"), max_length=10, choices=PackageStatus.choices)
    reason_code = models.CharField(_("退件代碼"), max_length=40, blank=True)
    reason = models.TextField(_("退件原因"), blank=True)
    receipt = models.JSONField(_("收訖明細"), default=dict, blank=True)
    received_at = models.DateTimeField(_("收件時間"), auto_now_add=True)

    class Meta:
        verbose_name = _("收件資料包")
        verbose_name_plural = _("收件資料包")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.school_code} {self.package_id} {self.status}"


class CentralFile(models.Model):
    """A file held by the central database, content-addressed in its own storage."""

    sha256 = models.CharField(max_length=64, unique=True)
    md5 = models.CharField(max_length=32)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=50)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("中央檔案")
        verbose_name_plural = _("中央檔案")

    def __str__(self) -> str:
        return self.sha256


class CentralRecord(models.Model):
    """One roster's data for one student, year and semester, as one package delivered it.

    Every version is kept; ``is_current`` marks the latest accepted one (§5: the central side
    keeps every version; admissions see the current one).
    """

    package = models.ForeignKey(ReceivedPackage, on_delete=models.PROTECT, related_name="records")
    school_code = models.CharField(_("學校代碼"), max_length=6)
    national_id = models.CharField(_("身分證統一編號"), max_length=10, db_index=True)
    roster = models.CharField(_("名冊"), max_length=20)
    school_year = models.PositiveSmallIntegerField(_("學年度"))
    semester = models.PositiveSmallIntegerField(_("學期"))
    version = models.PositiveIntegerField(_("版本"))
    records = models.JSONField(_("資料"), default=list)
    files = models.JSONField(_("檔案"), default=list)
    is_current = models.BooleanField(_("最新版本"), default=True)
    received_at = models.DateTimeField(_("收件時間"), auto_now_add=True)

    class Meta:
        verbose_name = _("中央資料")
        verbose_name_plural = _("中央資料")
        ordering = ["national_id", "school_year", "semester", "roster", "-version"]
        indexes = [models.Index(fields=["school_code", "national_id", "is_current"])]
        constraints = [
            models.UniqueConstraint(
                fields=["national_id", "school_code", "roster", "school_year", "semester"],
                condition=models.Q(is_current=True),
                name="one_current_central_record",
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.school_code} {self.roster} {self.school_year}-{self.semester} v{self.version}"
        )
