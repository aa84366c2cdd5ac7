"""The 23-character course code (課程代碼): validation and decoding.

Source: RULES.md §2.3.1 (layout, from S-CODE-CC [CODE]) and §2.3 (submission rule for
categories 8/9). Meanings of several code values are unconfirmed; labels below say so.
"""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

COURSE_CODE_RE = re.compile(r"^[0-9A-Z]{23}$")

#: 課程類別 (position 17). 3–7 and A are 校訂選修 variants whose sub-types are unconfirmed.
COURSE_CATEGORY_LABELS = {
    "1": gettext_lazy("部定必修"),
    "2": gettext_lazy("校訂必修"),
    "3": gettext_lazy("校訂選修"),
    "4": gettext_lazy("校訂選修"),
    "5": gettext_lazy("校訂選修"),
    "6": gettext_lazy("校訂選修"),
    "7": gettext_lazy("校訂選修"),
    "8": gettext_lazy("團體活動時間"),
    "9": gettext_lazy("彈性學習時間"),
    "A": gettext_lazy("校訂選修"),
}

#: 課程類型 (position 10). Only guesses are known (RULES.md §2.3.1 [UNVERIFIED]).
CURRICULUM_TYPE_LABELS = {
    "H": gettext_lazy("普通型（推定）"),
    "V": gettext_lazy("技術型（推定）"),
    "M": gettext_lazy("綜合型（推定）"),
}


@dataclass(frozen=True)
class CourseCode:
    """A decoded 課程代碼. Every field is the raw character(s) at its position (1-based)."""

    code: str
    entry_year: str  # 1–3 適用入學年度 (ROC year)
    school_code: str  # 4–9 校代碼
    curriculum_type: str  # 10 課程類型
    group_code: str  # 11–12 群別代碼
    department_code: str  # 13–15 科別代碼
    class_group: str  # 16 班群
    course_category: str  # 17 課程類別
    delivery_mode: str  # 18 開課方式
    subject_attribute: str  # 19 科目屬性
    domain: str  # 20–21 領域名稱
    subject_code: str  # 22–23 科目名稱代碼

    @property
    def prefix(self) -> str:
        """Positions 1–16, the 群科班代碼."""
        return self.code[:16]

    @property
    def category_label(self) -> str:
        return str(COURSE_CATEGORY_LABELS.get(self.course_category, _("未知類別")))

    @property
    def is_submittable_as_graded_course(self) -> bool:
        """False for category 8/9 rows unless subject attribute is ``D`` (RULES.md §2.3)."""
        return self.course_category not in {"8", "9"} or self.subject_attribute == "D"


def decode_course_code(raw: str) -> CourseCode:
    """Decode a course code. Raises ``ValidationError`` (code ``course_code``) when it is not
    exactly 23 characters of ``[0-9A-Z]`` or its category is not a known value."""
    code = (raw or "").strip()
    if not COURSE_CODE_RE.match(code):
        raise ValidationError(
            _("課程代碼應為 23 碼英數字，收到 %(length)d 碼：「%(value)s」。"),
            code="course_code",
            params={"length": len(code), "value": code},
        )
    if code[16] not in COURSE_CATEGORY_LABELS:
        raise ValidationError(
            _("課程代碼第 17 碼（課程類別）「%(value)s」不是有效代碼。"),
            code="course_code",
            params={"value": code[16]},
        )
    return CourseCode(
        code=code,
        entry_year=code[0:3],
        school_code=code[3:9],
        curriculum_type=code[9],
        group_code=code[10:12],
        department_code=code[12:15],
        class_group=code[15],
        course_category=code[16],
        delivery_mode=code[17],
        subject_attribute=code[18],
        domain=code[19:21],
        subject_code=code[21:23],
    )


def validate_course_code(raw: str) -> None:
    """Django validator wrapper around :func:`decode_course_code`."""
    decode_course_code(raw)
