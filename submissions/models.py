"""Submissions to the central database (提交至中央資料庫), RULES.md §5 (and §2, §3).

A submission is one delivery of one or more rosters for a school year (and semester, for the
per-semester rosters). What was sent is kept as immutable per-student snapshots with every
file's SHA-256 and MD5, so a receipt dispute can be answered exactly (§5 design consequences).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Roster(models.TextChoices):
    """The central database's rosters (名冊), RULES.md §5 step 2 and §2 table."""

    BASIC = "basic", _("學生基本資料名冊（含幹部經歷）")  # per semester
    COURSE_RECORDS = "course_records", _("學期成績名冊（修課紀錄）")  # per semester
    OUTCOMES = "outcomes", _("課程學習成果名冊")  # per school year, ticked and certified
    PERFORMANCES = "performances", _("多元表現名冊")  # per school year, ticked, semester 0


SEMESTER_ROSTERS = {Roster.BASIC, Roster.COURSE_RECORDS}
YEARLY_ROSTERS = {Roster.OUTCOMES, Roster.PERFORMANCES}


def term_label(school_year: int, semester: int) -> str:
    """``114 學年度 第 1 學期``, or ``114 學年度（整學年）`` for semester 0 (the yearly rosters
    of outcomes and performances, RULES.md §2): the one wording of a submission's term."""
    if semester:
        return _("%(year)s 學年度 第 %(semester)s 學期") % {
            "year": school_year,
            "semester": semester,
        }
    return _("%(year)s 學年度（整學年）") % {"year": school_year}


class SubmissionStatus(models.TextChoices):
    BUILDING = "building", _("打包中")
    BUILT = "built", _("已打包")
    DELIVERING = "delivering", _("傳送中")
    ACCEPTED = "accepted", _("中央資料庫已收訖")
    REJECTED = "rejected", _("中央資料庫退件")
    FAILED = "failed", _("打包或傳送失敗")


class Submission(models.Model):
    """One package of rosters sent to the central database (提交批次).

    ``semester`` is 1 or 2 for per-semester rosters and 0 for a yearly submission (rosters of
    outcomes and performances carry semester 0, RULES.md §2). ``version`` counts submissions
    of the same school, year, semester and roster set: a resubmission after a dispute is a new
    version (§5 step 4); the central side keeps every version.
    """

    code = models.UUIDField(_("資料包編號"), default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="submissions"
    )
    school_year = models.PositiveSmallIntegerField(_("學年度"))
    semester = models.PositiveSmallIntegerField(_("學期"), help_text=_("0 表示學年名冊"))
    rosters = models.JSONField(_("名冊"), default=list)
    version = models.PositiveIntegerField(_("版本"), default=1)
    supersedes = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("狀態"),
        max_length=12,
        choices=SubmissionStatus.choices,
        default=SubmissionStatus.BUILDING,
    )
    progress = models.PositiveSmallIntegerField(_("打包進度（%）"), default=0)
    student_count = models.PositiveIntegerField(_("學生數"), default=0)
    package_name = models.CharField(_("資料包檔名"), max_length=200, blank=True)
    package_sha256 = models.CharField(max_length=64, blank=True)
    package_size = models.PositiveBigIntegerField(_("資料包大小（位元組）"), default=0)
    error = models.TextField(_("錯誤訊息"), blank=True)
    delivery_attempts = models.PositiveSmallIntegerField(_("傳送次數"), default=0)
    next_attempt_at = models.DateTimeField(_("下次重試時間"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("收訖時間"), null=True, blank=True)
    receipt = models.JSONField(_("收訖明細"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("建立時間"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新時間"), auto_now=True)

    class Meta:
        verbose_name = _("提交批次")
        verbose_name_plural = _("提交批次")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.school.code} {self.school_year}-{self.semester} v{self.version}"

    @property
    def term_label(self) -> str:
        return term_label(self.school_year, self.semester)


class Snapshot(models.Model):
    """Exactly what was sent for one student, year, semester and roster (immutable).

    ``records`` is the list of roster rows as sent (JSON, ISO dates); ``files`` lists every
    file with its role, SHA-256, MD5 and size. Rows are never updated or deleted.
    """

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="snapshots")
    student = models.ForeignKey("schools.Student", on_delete=models.PROTECT, related_name="+")
    roster = models.CharField(_("名冊"), max_length=20, choices=Roster.choices)
    school_year = models.PositiveSmallIntegerField(_("學年度"))
    semester = models.PositiveSmallIntegerField(_("學期"))
    records = models.JSONField(_("資料"), default=list)
    files = models.JSONField(_("檔案"), default=list)
    created_at = models.DateTimeField(_("建立時間"), auto_now_add=True)

    class Meta:
        verbose_name = _("提交快照")
        verbose_name_plural = _("提交快照")
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "student", "roster"], name="one_snapshot_per_roster"
            )
        ]

    def __str__(self) -> str:
        return f"{self.submission} {self.student_id} {self.roster}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise RuntimeError("Snapshot rows are immutable")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        raise RuntimeError("Snapshot rows are immutable")


class CheckPeriod(models.Model):
    """The receipt-check period (收訖明細確認期間) the registrar opens: at least 3 days,
    RULES.md §3 and §5 step 3."""

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="check_periods"
    )
    opens_at = models.DateTimeField(_("開始時間"))
    closes_at = models.DateTimeField(_("截止時間"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("收訖確認期間")
        verbose_name_plural = _("收訖確認期間")

    def __str__(self) -> str:
        return f"{self.submission} {self.opens_at:%Y-%m-%d}–{self.closes_at:%Y-%m-%d}"


class ConfirmationStatus(models.TextChoices):
    CORRECT = "correct", _("資料正確")
    DISPUTED = "disputed", _("資料有誤")
    RESOLVED = "resolved", _("已更正並重新提交")


class ReceiptConfirmation(models.Model):
    """A student's answer to the receipt: correct, or disputed with a note and the lines they
    marked wrong (RULES.md §3, §5 step 4).

    ``disputed_lines`` is a list of line ids (``submissions.lines``), e.g.
    ``["course_records:114-1:<course_code>", "outcomes:<item_code>"]``, each one a line the
    submission carried for the student; empty unless the status is disputed (or resolved).
    """

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="confirmations"
    )
    student = models.ForeignKey("schools.Student", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(_("確認結果"), max_length=10, choices=ConfirmationStatus.choices)
    note = models.CharField(_("說明"), max_length=500, blank=True)
    disputed_lines = models.JSONField(_("有誤的資料列"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_by_submission = models.ForeignKey(
        Submission, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("收訖確認")
        verbose_name_plural = _("收訖確認")
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "student"], name="one_confirmation_per_student"
            )
        ]

    def __str__(self) -> str:
        return f"{self.submission} {self.student_id} {self.status}"


class TransferImport(models.Model):
    """A transfer student's portfolio imported from an earlier school (轉學生歷程匯入),
    RULES.md §1 (歷程交換人員) and §5 ("Students who transfer carry their portfolio via an
    export/import exchange package").

    One row per imported package; the same package cannot be imported twice for a student.
    ``counts`` holds how many rows of each kind were created (``course_records``,
    ``outcomes``, ``performances``, ``cadre_records``, ``ticks``, ``files``). The earlier
    school's code also tells the admissions view where the central database holds the
    student's earlier records.
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="+", verbose_name=_("匯入學校")
    )
    student = models.ForeignKey(
        "schools.Student", on_delete=models.PROTECT, related_name="+", verbose_name=_("學生")
    )
    source_school_code = models.CharField(_("原就讀學校代碼"), max_length=6)
    source_school_name = models.CharField(_("原就讀學校"), max_length=100)
    package_id = models.UUIDField(_("資料包編號"))
    package_sha256 = models.CharField(max_length=64)
    counts = models.JSONField(_("匯入筆數"), default=dict)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField(_("匯入時間"), auto_now_add=True)

    class Meta:
        verbose_name = _("轉學生歷程匯入")
        verbose_name_plural = _("轉學生歷程匯入")
        ordering = ["-imported_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "package_id"], name="import_package_once_per_student"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source_school_code} → {self.school_id} {self.student_id}"


class TransferredItem(models.Model):
    """One row a transfer import created, marked as before the transfer (轉學轉科前,
    RULES.md §2.4 flag) with what the receiving school cannot hold as a relation: the earlier
    school's certifier as text (``certifier_name``).

    ``kind`` is ``course_record``, ``outcome`` or ``performance``; ``object_code`` is the
    created row's ``code``; ``source_code`` the row's code at the earlier school.
    """

    transfer = models.ForeignKey(TransferImport, on_delete=models.PROTECT, related_name="items")
    kind = models.CharField(_("類別"), max_length=20)
    object_code = models.UUIDField(_("匯入後編號"), unique=True)
    source_code = models.UUIDField(_("原校編號"))
    certifier_name = models.CharField(_("認證教師（原校）"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("轉學前項目")
        verbose_name_plural = _("轉學前項目")

    def __str__(self) -> str:
        return f"{self.kind} {self.object_code}"
