"""Chinese labels for the central operator's pages: rosters, refusal codes and terms.

The central side shares no code with the school side (ARCHITECTURE.md "two sides"), so the
roster names the package format uses (docs/package-format.md) get their own small map here.
The refusal codes are those of ``central/ingest.py`` and ``central/package_schema.py``.
"""

from django.utils.translation import gettext_lazy as _

ROSTER_LABELS = {
    "basic": _("學生基本資料名冊（含幹部經歷）"),
    "course_records": _("學期成績名冊（修課紀錄）"),
    "outcomes": _("課程學習成果名冊"),
    "performances": _("多元表現名冊"),
}

REFUSAL_LABELS = {
    "truncated": _("資料包不完整（不是可讀取的 ZIP 檔，或檔案中途截斷）"),
    "checksum_mismatch": _("檢查碼不符"),
    "missing_part": _("缺少清單列出的檔案"),
    "unexpected_part": _("含有清單未列出的檔案"),
    "schema": _("內容格式不符"),
    "unsupported_format": _("不支援的資料包格式"),
    "too_large": _("資料包超過大小上限"),
    "unauthorized": _("未通過身分驗證（API 金鑰無效）"),
    "wrong_school": _("學校代碼與 API 金鑰不符"),
    "not_found": _("查無資料"),
    "stale_version": _("版本比已收訖的版本舊"),
    "idempotency_conflict": _("資料包編號已使用，但內容不同"),
}


def roster_label(code: str) -> str:
    """The roster's Chinese name; an unknown code is shown as it is."""
    return str(ROSTER_LABELS.get(code, code))


def refusal_label(code: str) -> str:
    """The refusal code's Chinese label; an unknown code is shown as it is."""
    return str(REFUSAL_LABELS.get(code, code))


def term_label(school_year: int | None, semester: int | None) -> str:
    """``114 學年度 第 1 學期``, or ``114 學年度（整學年）`` for semester 0 (yearly rosters)."""
    if school_year is None:
        return ""
    if semester:
        return _("%(year)s 學年度 第 %(semester)s 學期") % {
            "year": school_year,
            "semester": semester,
        }
    return _("%(year)s 學年度（整學年）") % {"year": school_year}
