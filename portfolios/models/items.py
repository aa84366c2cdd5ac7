"""Course learning outcomes, diverse performances, consultation records and ticks.

RULES.md §2.4 (outcome fields), §2.5 (ten performance record types), §3 (yearly tick caps,
counted by the school year of the item), §4 (certification state machine), §10 (files).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OutcomeStatus(models.TextChoices):
    """Certification states (認證狀態), RULES.md §4. Ticking is recorded apart (TickSlot)."""

    DRAFT = "draft", _("未送出認證")
    PENDING = "pending", _("待認證")
    CERTIFIED = "certified", _("已認證")
    RETURNED = "returned", _("已退回")


class ItemFiles(models.Model):
    """The files every portfolio item may carry: a document (pdf/jpg/png) and a media file
    (mp3/mp4), each a content-addressed blob plus the name the student gave it."""

    document_blob = models.ForeignKey(
        "files.Blob",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("文件"),
    )
    document_name = models.CharField(_("文件檔名"), max_length=120, blank=True)
    media_blob = models.ForeignKey(
        "files.Blob",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("影音檔案"),
    )
    media_name = models.CharField(_("影音檔名"), max_length=120, blank=True)

    class Meta:
        abstract = True

    @property
    def stored_bytes(self) -> int:
        return sum(blob.size for blob in (self.document_blob, self.media_blob) if blob)


class CourseOutcome(ItemFiles):
    """A course learning outcome (課程學習成果) attached to one of the student's own course
    records (RULES.md §2.4): a description of at most 100 characters plus a document, a media
    file, or both. ``school_year``/``semester`` are the course record's term, which is what the
    yearly tick cap counts by (RULES.md §3)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    student = models.ForeignKey(
        "schools.Student",
        on_delete=models.CASCADE,
        related_name="outcomes",
        verbose_name=_("學生"),
    )
    course_record = models.ForeignKey(
        "schools.CourseRecord",
        on_delete=models.PROTECT,
        related_name="outcomes",
        verbose_name=_("修課紀錄"),
    )
    school_year = models.PositiveSmallIntegerField(_("學年度"))
    semester = models.PositiveSmallIntegerField(_("學期"))
    description = models.CharField(_("課程學習成果簡述"), max_length=200)
    status = models.CharField(
        _("認證狀態"), max_length=12, choices=OutcomeStatus.choices, default=OutcomeStatus.DRAFT
    )
    sent_at = models.DateTimeField(_("送出認證時間"), null=True, blank=True)
    certified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("認證教師"),
    )
    certified_at = models.DateTimeField(_("認證時間"), null=True, blank=True)
    certified_document_sha256 = models.CharField(max_length=64, blank=True)
    certified_media_sha256 = models.CharField(max_length=64, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("退回教師"),
    )
    returned_at = models.DateTimeField(_("退回時間"), null=True, blank=True)
    return_reason = models.CharField(_("退回原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("建立時間"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新時間"), auto_now=True)

    class Meta:
        verbose_name = _("課程學習成果")
        verbose_name_plural = _("課程學習成果")
        ordering = ["-school_year", "-semester", "-created_at"]
        indexes = [models.Index(fields=["student", "school_year"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(document_blob__isnull=False) | Q(media_blob__isnull=False),
                name="outcome_has_a_file",
            )
        ]

    def __str__(self) -> str:
        return f"{self.student.name} {self.description[:20]}"


class PerformanceGroup(models.TextChoices):
    """The Taipei platform's cards for diverse performances (seed deck, RULES.md §2.5)."""

    CADRE = "cadre", _("幹部經歷")
    COMPETITION = "competition", _("競賽參與")
    CERTIFICATE = "certificate", _("檢定證照")
    SERVICE = "service", _("志工服務")
    SELF_LEARNING = "self_learning", _("自主學習")
    WORKS = "works", _("作品成果")
    OTHER = "other", _("其他活動")


class RecordType(models.TextChoices):
    """The ten central-database record types of diverse performances (RULES.md §2.5)."""

    CADRE = "cadre", _("幹部經歷暨事蹟紀錄")
    COMPETITION = "competition", _("競賽參與紀錄")
    CERTIFICATE = "certificate", _("檢定證照紀錄")
    SERVICE = "service", _("服務學習紀錄")
    FLEXIBLE = "flexible", _("彈性學習時間紀錄")
    GROUP_ACTIVITY = "group_activity", _("團體活動時間紀錄")
    WORKPLACE = "workplace", _("職場學習紀錄")
    WORKS = "works", _("作品成果紀錄")
    ADVANCED_COURSE = "advanced_course", _("大學及技專校院先修課程紀錄")
    OTHER = "other", _("其他多元表現紀錄")


#: Deck cards → record types. Types the deck has no card for go under 其他活動 (RULES.md §2.5).
GROUP_OF_TYPE: dict[str, str] = {
    RecordType.CADRE: PerformanceGroup.CADRE,
    RecordType.COMPETITION: PerformanceGroup.COMPETITION,
    RecordType.CERTIFICATE: PerformanceGroup.CERTIFICATE,
    RecordType.SERVICE: PerformanceGroup.SERVICE,
    RecordType.FLEXIBLE: PerformanceGroup.SELF_LEARNING,
    RecordType.WORKS: PerformanceGroup.WORKS,
    RecordType.GROUP_ACTIVITY: PerformanceGroup.OTHER,
    RecordType.WORKPLACE: PerformanceGroup.OTHER,
    RecordType.ADVANCED_COURSE: PerformanceGroup.OTHER,
    RecordType.OTHER: PerformanceGroup.OTHER,
}


class Performance(ItemFiles):
    """A diverse performance (多元表現) of one of the ten record types (RULES.md §2.5).

    Type-specific fields live in ``details`` (validated by ``portfolios.record_types``);
    ``title`` is the record's name for lists. Not teacher-certified (RULES.md §4). Counted for
    the yearly tick cap by ``school_year``; rosters send it with semester 0.
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    student = models.ForeignKey(
        "schools.Student",
        on_delete=models.CASCADE,
        related_name="performances",
        verbose_name=_("學生"),
    )
    record_type = models.CharField(_("紀錄類型"), max_length=20, choices=RecordType.choices)
    school_year = models.PositiveSmallIntegerField(_("學年度"))
    term = models.ForeignKey(
        "schools.Term", on_delete=models.PROTECT, related_name="+", verbose_name=_("上傳學期")
    )
    title = models.CharField(_("名稱"), max_length=100)
    details = models.JSONField(_("紀錄內容"), default=dict, blank=True)
    description = models.CharField(_("內容簡述"), max_length=200)
    external_link = models.URLField(_("外部影音連結"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("建立時間"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新時間"), auto_now=True)

    class Meta:
        verbose_name = _("多元表現")
        verbose_name_plural = _("多元表現")
        ordering = ["-school_year", "-created_at"]
        indexes = [models.Index(fields=["student", "school_year"])]

    def __str__(self) -> str:
        return f"{self.student.name} {self.get_record_type_display()} {self.title}"

    @property
    def group(self) -> str:
        return GROUP_OF_TYPE[self.record_type]

    @property
    def group_label(self) -> str:
        return str(PerformanceGroup(self.group).label)


class TickKind(models.TextChoices):
    OUTCOME = "outcome", _("課程學習成果")
    PERFORMANCE = "performance", _("多元表現")


class TickSlot(models.Model):
    """One of a student's yearly tick slots (勾選), numbered 1…cap (RULES.md §3).

    The unique constraint on (student, school_year, kind, slot) is the database's guard for the
    caps: two requests racing for the last slot cannot both get it (RELIABILITY.md C1).
    ``locked_at`` is set when the school submits the ticks; locked slots cannot change.
    """

    student = models.ForeignKey(
        "schools.Student", on_delete=models.CASCADE, related_name="tick_slots"
    )
    school_year = models.PositiveSmallIntegerField(_("學年度"))
    kind = models.CharField(_("類別"), max_length=12, choices=TickKind.choices)
    slot = models.PositiveSmallIntegerField(_("序號"))
    outcome = models.OneToOneField(
        CourseOutcome, on_delete=models.CASCADE, null=True, blank=True, related_name="tick"
    )
    performance = models.OneToOneField(
        Performance, on_delete=models.CASCADE, null=True, blank=True, related_name="tick"
    )
    semester = models.PositiveSmallIntegerField(_("學期"), null=True, blank=True)
    ticked_at = models.DateTimeField(_("勾選時間"), auto_now_add=True)
    locked_at = models.DateTimeField(_("提交鎖定時間"), null=True, blank=True)

    class Meta:
        verbose_name = _("勾選")
        verbose_name_plural = _("勾選")
        ordering = ["student", "school_year", "kind", "slot"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "school_year", "kind", "slot"], name="one_item_per_slot"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="outcome", outcome__isnull=False, performance__isnull=True)
                    | Q(kind="performance", outcome__isnull=True, performance__isnull=False)
                ),
                name="slot_holds_its_kind",
            ),
            models.CheckConstraint(condition=Q(slot__gte=1), name="slot_from_one"),
        ]

    def __str__(self) -> str:
        return f"{self.student} {self.school_year} {self.kind} #{self.slot}"


class ConsultationKind(models.TextChoices):
    GROUP = "group", _("團體諮詢")
    INDIVIDUAL = "individual", _("個別諮詢")


class ConsultationRecord(models.Model):
    """A course-consultation record (課程諮詢紀錄) entered by a consultation teacher.

    Kept on the school platform only: never part of a central-database submission
    (RULES.md §2 table, §12 item 5). The attachment is pdf/jpg/png ≤ 2 MB (RULES.md §10).
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    student = models.ForeignKey(
        "schools.Student",
        on_delete=models.CASCADE,
        related_name="consultations",
        verbose_name=_("學生"),
    )
    teacher = models.ForeignKey(
        "schools.Teacher", on_delete=models.PROTECT, related_name="+", verbose_name=_("諮詢教師")
    )
    term = models.ForeignKey("schools.Term", on_delete=models.PROTECT, verbose_name=_("學期"))
    date = models.DateField(_("諮詢日期"))
    kind = models.CharField(_("諮詢方式"), max_length=12, choices=ConsultationKind.choices)
    description = models.CharField(_("諮詢內容簡述"), max_length=200)
    attachment_blob = models.ForeignKey(
        "files.Blob",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("附件"),
    )
    attachment_name = models.CharField(_("附件檔名"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("建立時間"), auto_now_add=True)

    class Meta:
        verbose_name = _("課程諮詢紀錄")
        verbose_name_plural = _("課程諮詢紀錄")
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.student.name} {self.date} {self.get_kind_display()}"
