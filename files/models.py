"""Blobs (檔案內容): the stored bytes of uploaded files, one row per distinct content.

Items in ``portfolios`` point at a Blob; the bytes live in ``STORAGES["blobs"]`` (and the
replica) under :attr:`Blob.storage_name`. RULES.md §2.1 (MD5 in the exchange), §4 rule 7
(identical bytes keep certification), §11 (the 2021 loss).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .storage import blob_name


class Blob(models.Model):
    """Content-addressed file content; one row per distinct SHA-256."""

    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    md5 = models.CharField(_("MD5"), max_length=32)
    size = models.PositiveBigIntegerField(_("大小（位元組）"))
    content_type = models.CharField(_("內容類型"), max_length=50)
    created_at = models.DateTimeField(_("建立時間"), auto_now_add=True)
    last_verified_at = models.DateTimeField(_("最近驗證時間"), null=True, blank=True)
    damaged_at = models.DateTimeField(
        _("發現損毀時間"),
        null=True,
        blank=True,
        help_text=_("稽核時主檔與備份都沒有完好副本；需要學生重新上傳。"),
    )

    class Meta:
        verbose_name = _("檔案內容")
        verbose_name_plural = _("檔案內容")

    def __str__(self) -> str:
        return f"{self.sha256[:12]}…（{self.content_type}，{self.size} 位元組）"

    @property
    def storage_name(self) -> str:
        """Where the bytes live in the blob storages: ``ab/cd/<sha256>``."""
        return blob_name(self.sha256)
