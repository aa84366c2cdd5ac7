"""Checks shared by the portfolio actions: descriptions, links, quota (RULES.md §10)."""

import unicodedata
from urllib.parse import urlsplit

from django.db.models import Sum
from django.utils.translation import gettext as _

from schools.models import Student

from .errors import PortfolioError

#: Control characters, bidi overrides/isolates and zero-width characters are refused in
#: descriptions (RELIABILITY.md §3 items 11–14).
FORBIDDEN_CATEGORIES = {"Cc", "Cf", "Cs", "Co"}


def clean_description(raw: str | None, *, max_chars: int) -> str:
    """NFC-normalise and check a description (簡述): required, at most ``max_chars`` characters
    counted as Unicode code points (not bytes, not UTF-16 units), no control/bidi characters.

    Raises PortfolioError ``description_required`` / ``description_too_long`` /
    ``description_characters``. Source: RULES.md §10 (≤ 100 Chinese characters), §12 item 1.
    """
    text = unicodedata.normalize("NFC", (raw or "").replace("\r\n", "\n")).strip()
    if not text:
        raise PortfolioError(_("請填寫簡述。"), code="description_required")
    bad = [ch for ch in text if ch != "\n" and unicodedata.category(ch) in FORBIDDEN_CATEGORIES]
    if bad:
        raise PortfolioError(
            _("簡述含有不允許的控制字元（%(code)s），請刪除後再送出。")
            % {"code": f"U+{ord(bad[0]):04X}"},
            code="description_characters",
        )
    if len(text) > max_chars:
        raise PortfolioError(
            _("簡述為 %(count)d 字，超過 %(limit)d 字上限。")
            % {"count": len(text), "limit": max_chars},
            code="description_too_long",
        )
    return text


def clean_external_link(raw: str | None) -> str:
    """An optional external media link (外部影音連結): http or https only (RULES.md §10)."""
    link = (raw or "").strip()
    if not link:
        return ""
    parts = urlsplit(link)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise PortfolioError(
            _("外部連結只接受 http:// 或 https:// 開頭的網址，收到「%(value)s」。")
            % {"value": link[:60]},
            code="link_scheme",
        )
    if len(link) > 500:
        raise PortfolioError(_("外部連結過長（上限 500 字元）。"), code="link_length")
    return link


def storage_used(student: Student) -> int:
    """Bytes of the student's stored files: every document, media file and consultation
    attachment on their items (a file used twice counts twice, as the student sees it)."""
    from .models import ConsultationRecord, CourseOutcome, Performance

    total = 0
    for model in (CourseOutcome, Performance):
        sums = model.objects.filter(student=student).aggregate(
            d=Sum("document_blob__size"), m=Sum("media_blob__size")
        )
        total += (sums["d"] or 0) + (sums["m"] or 0)
    total += (
        ConsultationRecord.objects.filter(student=student).aggregate(
            a=Sum("attachment_blob__size")
        )["a"]
        or 0
    )
    return total


def check_quota(student: Student, *, adding: int, removing: int = 0) -> None:
    """Refuse when the student's files would pass the school's quota (200 MB by default,
    RULES.md §10 [DECK]). Sizes in bytes; shown in MB = 10^6 bytes."""
    quota = student.school.storage_quota_bytes
    used = storage_used(student)
    if used - removing + adding > quota:
        raise PortfolioError(
            _(
                "儲存空間不足：已使用 %(used).1f MB，本次上傳 %(adding).1f MB，"
                "超過每人 %(quota).1f MB 上限。"
            )
            % {"used": used / 1e6, "adding": adding / 1e6, "quota": quota / 1e6},
            code="quota",
        )
