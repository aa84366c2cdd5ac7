"""School records (學籍與課務): RULES.md §2.1–2.3.

Every school-owned row carries its school, directly or through its term, so every query can be
narrowed by it (ARCHITECTURE.md, "two sides in one codebase").
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from .calendar import format_term
from .course_codes import CourseCode, decode_course_code, validate_course_code
from .identity import mask_id, normalize_id, validate_national_id

GRADE_CHOICES = [(1, _("高一")), (2, _("高二")), (3, _("高三"))]
SEMESTER_CHOICES = [(1, _("第 1 學期")), (2, _("第 2 學期"))]

school_code_validator = RegexValidator(
    r"^[0-9]{6}$", _("學校代碼應為 6 碼數字。"), code="school_code"
)


class School(models.Model):
    """A senior-high school (學校) identified by its 6-character school code (RULES.md §2.1)."""

    code = models.CharField(
        _("學校代碼"), max_length=6, unique=True, validators=[school_code_validator]
    )
    name = models.CharField(_("校名"), max_length=100)
    storage_quota_bytes = models.PositiveBigIntegerField(
        _("每位學生儲存空間上限（位元組）"),
        default=200 * 1000 * 1000,
        help_text=_("臺北市平臺為 200 MB（RULES.md §10）；1 MB = 1,000,000 位元組。"),
    )

    class Meta:
        verbose_name = _("學校")
        verbose_name_plural = _("學校")

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class Term(models.Model):
    """A semester (學期) of a school year (學年度, ROC year), with its dates.

    Exactly one term per school is the current term (``is_current``); registrars move it.
    """

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="terms", verbose_name=_("學校")
    )
    school_year = models.PositiveSmallIntegerField(
        _("學年度"), validators=[MinValueValidator(100), MaxValueValidator(200)]
    )
    semester = models.PositiveSmallIntegerField(_("學期"), choices=SEMESTER_CHOICES)
    start_date = models.DateField(_("開始日期"))
    end_date = models.DateField(_("結束日期"))
    is_current = models.BooleanField(_("目前學期"), default=False)

    class Meta:
        verbose_name = _("學期")
        verbose_name_plural = _("學期")
        ordering = ["school", "-school_year", "-semester"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_year", "semester"], name="unique_term"
            ),
            models.UniqueConstraint(
                fields=["school"], condition=Q(is_current=True), name="one_current_term"
            ),
            models.CheckConstraint(
                condition=Q(start_date__lt=models.F("end_date")), name="term_dates_ordered"
            ),
        ]

    def __str__(self) -> str:
        return format_term(self.school_year, self.semester)

    @property
    def label(self) -> str:
        return format_term(self.school_year, self.semester)


class Teacher(models.Model):
    """A teacher (教師) of a school. What they teach or homeroom comes from offerings/classes."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="teachers", verbose_name=_("學校")
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="teacher",
        verbose_name=_("帳號"),
    )
    staff_number = models.CharField(_("教師編號"), max_length=20)
    name = models.CharField(_("姓名"), max_length=50)
    subjects = models.CharField(_("任教科目"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("教師")
        verbose_name_plural = _("教師")
        ordering = ["school", "staff_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "staff_number"], name="unique_teacher_staff_number"
            )
        ]

    def __str__(self) -> str:
        return self.name


class SchoolClass(models.Model):
    """A class (班級) of one school year, e.g. 商一甲, with its homeroom teacher (導師)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="classes", verbose_name=_("學校")
    )
    school_year = models.PositiveSmallIntegerField(_("學年度"))
    grade = models.PositiveSmallIntegerField(_("年級"), choices=GRADE_CHOICES)
    name = models.CharField(_("班級名稱"), max_length=30)
    homeroom_teacher = models.ForeignKey(
        Teacher,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="homeroom_classes",
        verbose_name=_("導師"),
    )

    class Meta:
        verbose_name = _("班級")
        verbose_name_plural = _("班級")
        ordering = ["school", "-school_year", "grade", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_year", "name"], name="unique_class_name"
            ),
            models.CheckConstraint(condition=Q(grade__gte=1, grade__lte=3), name="grade_1_to_3"),
        ]

    def __str__(self) -> str:
        return f"{self.school_year} {self.name}"


class Student(models.Model):
    """A student (學生) on the school register (學籍), RULES.md §2.1–2.2.

    ``national_id`` holds a national ID or resident number validated by RULES.md §8; show it
    only through ``masked_id`` except where a task needs the full value.
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="students", verbose_name=_("學校")
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="student",
        verbose_name=_("帳號"),
    )
    student_number = models.CharField(_("學號"), max_length=20)
    name = models.CharField(_("中文姓名"), max_length=50)
    national_id = models.CharField(
        _("身分證統一編號（或居留證統一證號）"),
        max_length=10,
        validators=[validate_national_id],
    )
    date_of_birth = models.DateField(_("出生日期"))
    gender = models.CharField(
        _("性別"), max_length=1, choices=[("M", _("男")), ("F", _("女"))], blank=True
    )
    entry_year = models.PositiveSmallIntegerField(_("入學學年度"))
    department = models.CharField(_("科別"), max_length=50, blank=True)
    email = models.EmailField(_("電子郵件"), blank=True)
    phone = models.CharField(_("聯絡電話"), max_length=20, blank=True)
    address = models.CharField(_("通訊地址"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("學生")
        verbose_name_plural = _("學生")
        ordering = ["school", "student_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "student_number"], name="unique_student_number"
            ),
            models.UniqueConstraint(fields=["school", "national_id"], name="unique_student_id"),
        ]

    def __str__(self) -> str:
        return f"{self.student_number} {self.name}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.national_id = normalize_id(self.national_id)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def masked_id(self) -> str:
        """The ID masked as RULES.md §8.3 requires (``A123****89``)."""
        return mask_id(self.national_id)


class ClassMembership(models.Model):
    """The class a student sits in for one term (班級學生, with seat number 座號)."""

    student = models.ForeignKey(
        Student, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("學生")
    )
    term = models.ForeignKey(
        Term, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("學期")
    )
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("班級")
    )
    seat_number = models.PositiveSmallIntegerField(_("座號"))

    class Meta:
        verbose_name = _("班級學生")
        verbose_name_plural = _("班級學生")
        ordering = ["term", "school_class", "seat_number"]
        constraints = [
            models.UniqueConstraint(fields=["student", "term"], name="one_class_per_term")
        ]

    def __str__(self) -> str:
        return f"{self.term} {self.school_class.name} {self.seat_number:02d} {self.student.name}"


class Course(models.Model):
    """A course (課程) identified by its 23-character course code (RULES.md §2.3.1)."""

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="courses", verbose_name=_("學校")
    )
    code = models.CharField(_("課程代碼"), max_length=23, validators=[validate_course_code])
    name = models.CharField(_("科目名稱"), max_length=60)
    credits = models.DecimalField(_("學分數"), max_digits=4, decimal_places=1)
    grade = models.PositiveSmallIntegerField(_("開課年級"), choices=GRADE_CHOICES)
    semester = models.PositiveSmallIntegerField(_("開課學期"), choices=SEMESTER_CHOICES)

    class Meta:
        verbose_name = _("課程")
        verbose_name_plural = _("課程")
        ordering = ["school", "grade", "semester", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "code", "grade", "semester"], name="unique_course"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @cached_property
    def decoded(self) -> CourseCode:
        return decode_course_code(self.code)

    @property
    def category(self) -> str:
        """課程類別 label decoded from position 17."""
        return self.decoded.category_label


class CourseOffering(models.Model):
    """A course taught in a term (開課) by a teacher (任課教師) to a class or group."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    term = models.ForeignKey(
        Term, on_delete=models.CASCADE, related_name="offerings", verbose_name=_("學期")
    )
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="offerings", verbose_name=_("課程")
    )
    teacher = models.ForeignKey(
        Teacher,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="offerings",
        verbose_name=_("任課教師"),
    )
    school_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="offerings",
        verbose_name=_("開課班級"),
    )

    class Meta:
        verbose_name = _("開課")
        verbose_name_plural = _("開課")
        ordering = ["term", "course__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["term", "course", "school_class"], name="unique_offering"
            )
        ]

    def __str__(self) -> str:
        return f"{self.term} {self.course.name}"


class CourseRecord(models.Model):
    """One student's record in one offering (修課紀錄), RULES.md §2.3.

    Scores are 0–100 with one decimal; ``makeup_score`` is empty when there was no make-up exam
    (rosters write ``-1``). ``credits_earned`` is the credits counted (是否採計學分).
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    offering = models.ForeignKey(
        CourseOffering, on_delete=models.CASCADE, related_name="records", verbose_name=_("開課")
    )
    student = models.ForeignKey(
        Student, on_delete=models.CASCADE, related_name="course_records", verbose_name=_("學生")
    )
    score = models.DecimalField(
        _("學期學業成績"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    passed = models.BooleanField(_("成績及格"), null=True, blank=True)
    makeup_score = models.DecimalField(
        _("補考成績"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    makeup_passed = models.BooleanField(_("補考及格"), null=True, blank=True)
    credits_earned = models.DecimalField(
        _("實得學分"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    remark = models.CharField(_("質性文字描述"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("修課紀錄")
        verbose_name_plural = _("修課紀錄")
        ordering = ["offering__term", "offering__course__code"]
        constraints = [
            models.UniqueConstraint(fields=["offering", "student"], name="unique_course_record")
        ]

    def __str__(self) -> str:
        return f"{self.student.name} {self.offering}"


class AttendanceSummary(models.Model):
    """A student's attendance for a term (出缺勤紀錄), counted in class periods (節)."""

    student = models.ForeignKey(
        Student, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("學生")
    )
    term = models.ForeignKey(Term, on_delete=models.CASCADE, verbose_name=_("學期"))
    personal_leave = models.PositiveSmallIntegerField(_("事假"), default=0)
    sick_leave = models.PositiveSmallIntegerField(_("病假"), default=0)
    official_leave = models.PositiveSmallIntegerField(_("公假"), default=0)
    bereavement_leave = models.PositiveSmallIntegerField(_("喪假"), default=0)
    absent = models.PositiveSmallIntegerField(_("曠課"), default=0)
    late = models.PositiveSmallIntegerField(_("遲到"), default=0)

    class Meta:
        verbose_name = _("出缺勤紀錄")
        verbose_name_plural = _("出缺勤紀錄")
        ordering = ["student", "term"]
        constraints = [
            models.UniqueConstraint(fields=["student", "term"], name="one_attendance_per_term")
        ]

    def __str__(self) -> str:
        return f"{self.student.name} {self.term}"

    @property
    def total_leave(self) -> int:
        return self.personal_leave + self.sick_leave + self.official_leave + self.bereavement_leave


class MeritKind(models.TextChoices):
    """獎懲類別, from greatest merit to greatest demerit."""

    MAJOR_MERIT = "major_merit", _("大功")
    MINOR_MERIT = "minor_merit", _("小功")
    COMMENDATION = "commendation", _("嘉獎")
    ADMONITION = "admonition", _("警告")
    MINOR_DEMERIT = "minor_demerit", _("小過")
    MAJOR_DEMERIT = "major_demerit", _("大過")


class MeritRecord(models.Model):
    """A merit or demerit (獎懲紀錄) given on a date, with its count and reason."""

    student = models.ForeignKey(
        Student, on_delete=models.CASCADE, related_name="merits", verbose_name=_("學生")
    )
    term = models.ForeignKey(Term, on_delete=models.CASCADE, verbose_name=_("學期"))
    date = models.DateField(_("日期"))
    kind = models.CharField(_("獎懲類別"), max_length=20, choices=MeritKind.choices)
    count = models.PositiveSmallIntegerField(
        _("次數"), default=1, validators=[MinValueValidator(1)]
    )
    reason = models.CharField(_("事由"), max_length=200)

    class Meta:
        verbose_name = _("獎懲紀錄")
        verbose_name_plural = _("獎懲紀錄")
        ordering = ["student", "-date"]

    def __str__(self) -> str:
        return f"{self.student.name} {self.get_kind_display()} {self.count}"

    @property
    def is_merit(self) -> bool:
        return self.kind in {MeritKind.MAJOR_MERIT, MeritKind.MINOR_MERIT, MeritKind.COMMENDATION}


class CadreLevel(models.TextChoices):
    """幹部等級代碼. Rosters only hold 1–3; the mapping to labels is unconfirmed (RULES.md §2.2)."""

    SCHOOL = "1", _("校級")
    CLASS = "2", _("班級")
    CLUB = "3", _("社團")


class CadreRecord(models.Model):
    """A school-entered cadre record (擔任學校幹部經歷紀錄), part of basic data (RULES.md §2.2)."""

    student = models.ForeignKey(
        Student, on_delete=models.CASCADE, related_name="cadre_records", verbose_name=_("學生")
    )
    term = models.ForeignKey(Term, on_delete=models.CASCADE, verbose_name=_("學期"))
    unit_name = models.CharField(_("單位名稱"), max_length=60)
    position_title = models.CharField(_("擔任職務名稱"), max_length=60)
    level = models.CharField(_("幹部等級"), max_length=1, choices=CadreLevel.choices)
    start_date = models.DateField(_("開始日期"))
    end_date = models.DateField(_("結束日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("幹部經歷")
        verbose_name_plural = _("幹部經歷")
        ordering = ["student", "-start_date"]

    def __str__(self) -> str:
        return f"{self.student.name} {self.unit_name} {self.position_title}"
