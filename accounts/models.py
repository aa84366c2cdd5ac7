"""Accounts (帳號): one person, many roles; roles come from data (RULES.md §1)."""

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """The platform's roles (角色), RULES.md §1."""

    STUDENT = "student", _("學生")
    SUBJECT_TEACHER = "subject_teacher", _("任課教師")
    HOMEROOM_TEACHER = "homeroom_teacher", _("導師")
    CONSULTATION_TEACHER = "consultation_teacher", _("課程諮詢教師")
    REGISTRAR = "registrar", _("註冊組／教務處")
    PARENT = "parent", _("家長")
    CENTRAL_OPERATOR = "central_operator", _("中央資料庫管理員")
    SYSTEM_ADMIN = "system_admin", _("系統管理員")


class User(AbstractUser):
    """A person who logs in. Who they teach, homeroom or guard lives in other tables."""

    code = models.UUIDField(_("識別碼"), default=uuid.uuid4, unique=True, editable=False)
    display_name = models.CharField(_("顯示名稱"), max_length=100, blank=True)
    must_change_password = models.BooleanField(
        _("首次登入須變更密碼"),
        default=False,
        help_text=_("由學校建立的帳號在第一次登入時必須設定新密碼。"),
    )

    class Meta:
        verbose_name = _("使用者")
        verbose_name_plural = _("使用者")

    def __str__(self) -> str:
        return self.display_name or self.username


class RoleAssignment(models.Model):
    """A role given to a person by the school for a school year (角色指派).

    Used for the roles that are not implied by other data: registrar, course-consultation
    teacher, central-database operator and system admin. Student, subject teacher,
    homeroom teacher and parent come from school records (see ``accounts.roles``).
    ``school_year`` is an ROC 學年度; empty means every year.
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="role_assignments", verbose_name=_("使用者")
    )
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    school = models.ForeignKey(
        "schools.School",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("學校"),
    )
    school_year = models.PositiveSmallIntegerField(_("學年度"), null=True, blank=True)
    created_at = models.DateTimeField(_("建立時間"), auto_now_add=True)

    class Meta:
        verbose_name = _("角色指派")
        verbose_name_plural = _("角色指派")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "school", "school_year"],
                name="unique_role_assignment",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"
