"""Parent–child binding (親子綁定): the application flow and the bindings it creates.

The flow follows the Taipei deck (親子帳號綁定操作指引(1)–(7)) and the issue: a verification
code (step 1), the student (step 2), the personal-data consent (step 3) and the parent's data
with an e-signature (step 4); the homeroom teacher of the student's current class approves or
rejects; approval creates a :class:`Guardianship`. Rules: RULES.md §1 (parent, homeroom
teacher), §8 (IDs and masking); RELIABILITY.md §2.1 and goals A1–A3.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from schools.identity import mask_id


class Relationship(models.TextChoices):
    """Relationship to the student: legal guardian (法定代理人) or guardian (監護人) kinds."""

    FATHER = "father", _("父親（法定代理人）")
    MOTHER = "mother", _("母親（法定代理人）")
    GRANDFATHER = "grandfather", _("祖父（監護人）")
    GRANDMOTHER = "grandmother", _("祖母（監護人）")
    MATERNAL_GRANDFATHER = "maternal_grandfather", _("外祖父（監護人）")
    MATERNAL_GRANDMOTHER = "maternal_grandmother", _("外祖母（監護人）")
    OTHER = "other", _("其他（監護人）")


#: The deck's two groups (親子帳號綁定操作指引(2)): 法定代理人 = father or mother;
#: 監護人 = the rest.
LEGAL_REPRESENTATIVE = (Relationship.FATHER, Relationship.MOTHER)


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
    code = models.UUIDField(_("識別碼"), default=uuid.uuid4, unique=True, editable=False)
    application = models.ForeignKey(
        "BindingApplication",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="guardianships",
        verbose_name=_("綁定申請"),
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("解除綁定者"),
    )

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


class SchoolLevel(models.TextChoices):
    """The student's school level (學層), deck 親子帳號綁定操作指引(3)."""

    ELEMENTARY = "elementary", _("國小")
    JUNIOR = "junior", _("國中")
    SENIOR = "senior", _("高中")
    VOCATIONAL = "vocational", _("高職")


class ApplicationState(models.TextChoices):
    """States of a binding application (deck 親子帳號綁定操作指引(7); the issue, item 5)."""

    PENDING = "pending", _("申請中")
    APPROVED = "approved", pgettext_lazy("binding status", "已認證")
    REJECTED = "rejected", _("已退回")
    CANCELLED = "cancelled", _("已取消")


class CodeChannel(models.TextChoices):
    """Where a verification code is sent (deck 親子帳號綁定操作指引(1))."""

    EMAIL = "email", _("電子信箱")
    SMS = "sms", _("手機簡訊")


class GuardianSchoolSettings(models.Model):
    """Per-school settings of the binding flow, owned by this app so ``schools`` stays as is.

    ``taipei_initial_password``: the Taipei scheme (initial password = the last six digits of
    the parent's ID number, forced change at first login). Off by default; the risk is
    documented in ``docs/parent-binding.md`` (the issue, item 7).
    ``school_level``: the 學層 under which the school is listed in step 2; empty lists the
    school under both 高中 and 高職.
    """

    school = models.OneToOneField(
        "schools.School",
        on_delete=models.CASCADE,
        related_name="guardian_settings",
        verbose_name=_("學校"),
    )
    taipei_initial_password = models.BooleanField(
        _("採用臺北市初始密碼（身分證後六碼）"),
        default=False,
        help_text=_(
            "開啟後，家長帳號的初始密碼為身分證號後六碼，第一次登入須變更密碼。"
            "身分證號並非秘密，此作法風險較高，預設關閉，請改用一次性設定密碼連結。"
        ),
    )
    school_level = models.CharField(
        _("學層"), max_length=12, choices=SchoolLevel.choices, blank=True
    )

    class Meta:
        verbose_name = _("親子綁定學校設定")
        verbose_name_plural = _("親子綁定學校設定")

    def __str__(self) -> str:
        return str(self.school)


class ConsentStatement(models.Model):
    """A version of the personal-data consent statement (個資使用聲明), the issue item 3.

    Versions are never edited once an application refers to them; publish a new version.
    The newest version is the one shown in step 3.
    """

    version = models.PositiveIntegerField(_("版本"), unique=True)
    title = models.CharField(_("標題"), max_length=100)
    body = models.TextField(_("內容"))
    published_at = models.DateTimeField(_("發布時間"))

    class Meta:
        verbose_name = _("個資使用聲明")
        verbose_name_plural = _("個資使用聲明")
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"{self.title}（第 {self.version} 版）"


class BindingApplication(models.Model):
    """One parent's application to bind to one student (親子綁定申請).

    Several students applied for together share ``submission``. The parent's full ID number
    is kept for the application form and the Taipei initial-password scheme; every page, mail,
    log and PDF shows ``parent_id_masked`` (RULES.md §8.3). ``signature_png`` holds the
    re-encoded PNG of the drawn signature (``guardians.signatures``).
    """

    code = models.UUIDField(_("識別碼"), default=uuid.uuid4, unique=True, editable=False)
    submission = models.UUIDField(_("送出批次"), db_index=True)
    student = models.ForeignKey(
        "schools.Student",
        on_delete=models.CASCADE,
        related_name="binding_applications",
        verbose_name=_("學生"),
    )
    relationship = models.CharField(_("關係"), max_length=30, choices=Relationship.choices)
    school_level = models.CharField(_("學層"), max_length=12, choices=SchoolLevel.choices)
    parent_name = models.CharField(_("家長姓名"), max_length=50)
    parent_national_id = models.CharField(_("家長身分證號"), max_length=10)
    parent_id_masked = models.CharField(_("家長身分證號（遮罩）"), max_length=10)
    email = models.EmailField(_("電子郵件"), max_length=254)
    phone = models.CharField(_("聯絡電話"), max_length=20)
    verified_channel = models.CharField(_("驗證方式"), max_length=8, choices=CodeChannel.choices)
    consent = models.ForeignKey(
        ConsentStatement,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("個資使用聲明版本"),
    )
    consent_accepted_at = models.DateTimeField(_("同意時間"))
    signature_png = models.BinaryField(_("電子簽名（PNG）"))
    state = models.CharField(
        _("狀態"),
        max_length=12,
        choices=ApplicationState.choices,
        default=ApplicationState.PENDING,
    )
    created_at = models.DateTimeField(_("申請時間"), auto_now_add=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("審核者"),
    )
    reviewed_at = models.DateTimeField(_("審核時間"), null=True, blank=True)
    reject_reason = models.CharField(_("退回原因"), max_length=200, blank=True)
    cancelled_at = models.DateTimeField(_("取消時間"), null=True, blank=True)
    parent_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("家長帳號"),
    )

    class Meta:
        verbose_name = _("親子綁定申請")
        verbose_name_plural = _("親子綁定申請")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="rejected") | ~Q(reject_reason=""),
                name="rejection_has_reason",
            )
        ]

    def __str__(self) -> str:
        return f"{self.parent_name} → {self.student.name}（{self.get_state_display()}）"

    def save(self, *args: object, **kwargs: object) -> None:
        self.parent_id_masked = mask_id(self.parent_national_id)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def relationship_kind(self) -> str:
        """法定代理人 or 監護人 (deck 親子帳號綁定操作指引(2))."""
        return "法定代理人" if self.relationship in LEGAL_REPRESENTATIVE else "監護人"


class VerificationCode(models.Model):
    """A one-time 8-digit verification code (step 1), stored only as an HMAC.

    RELIABILITY.md §2.1 ("Tension to resolve") and goal A1: 8 digits from a CSPRNG, valid
    1 hour, single use, at most 5 wrong tries, then burned. ``destination_digest`` is an HMAC
    of the normalised address, so rate limits work without keeping the address.
    """

    code = models.UUIDField(_("識別碼"), default=uuid.uuid4, unique=True, editable=False)
    channel = models.CharField(_("驗證方式"), max_length=8, choices=CodeChannel.choices)
    destination_digest = models.CharField(_("收件位址雜湊"), max_length=64, db_index=True)
    destination_masked = models.CharField(_("收件位址（遮罩）"), max_length=80)
    code_hash = models.CharField(_("驗證碼雜湊"), max_length=64)
    salt = models.CharField(_("鹽值"), max_length=32)
    created_at = models.DateTimeField(_("建立時間"), db_index=True)
    expires_at = models.DateTimeField(_("到期時間"))
    failed_attempts = models.PositiveSmallIntegerField(_("錯誤次數"), default=0)
    used_at = models.DateTimeField(_("使用時間"), null=True, blank=True)
    burned_at = models.DateTimeField(_("失效時間"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("來源 IP"), null=True, blank=True)

    class Meta:
        verbose_name = _("驗證碼")
        verbose_name_plural = _("驗證碼")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        when = f"{self.created_at:%Y-%m-%d %H:%M}"
        return f"{self.get_channel_display()} {self.destination_masked} {when}"


class RateEvent(models.Model):
    """One counted event for a rate limit (RELIABILITY.md A1–A2): a wrong code, a student
    lookup. ``key`` is ``<kind>:<hmac>`` of the address or IP, never the raw value."""

    kind = models.CharField(_("種類"), max_length=30)
    key = models.CharField(_("鍵值"), max_length=100)
    created_at = models.DateTimeField(_("時間"), db_index=True)

    class Meta:
        verbose_name = _("頻率限制紀錄")
        verbose_name_plural = _("頻率限制紀錄")
        indexes = [models.Index(fields=["kind", "key", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%Y-%m-%d %H:%M}"
