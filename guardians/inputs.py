"""Checks for what a parent types in the binding flow, with Traditional Chinese messages that
name the limit and what was found (RELIABILITY.md §3, goal I1).

Each function returns the normalised value or raises ``django.core.exceptions.ValidationError``.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.text import capfirst
from django.utils.translation import gettext

from schools.identity import check_id, mask_id, normalize_id, validate_national_id

EMAIL_MAX = 254
NAME_MAX = 50
REASON_MAX = 200
CODE_LENGTH = 8

MOBILE_RE = re.compile(r"^09[0-9]{8}$")
# Landline: area code 0X–0XXX then the number, 9–10 digits in all, optional extension.
LANDLINE_RE = re.compile(r"^0[2-8][0-9]{7,8}(#[0-9]{1,6})?$")
CODE_RE = re.compile(r"^[0-9]{8}$")


def _clean(raw: str | None) -> str:
    """NFKC (full-width → ASCII) and strip."""
    return unicodedata.normalize("NFKC", raw or "").strip()


def clean_email(raw: str | None) -> str:
    """An email address, lower-cased (it becomes the parent's login, the issue item 7)."""
    value = _clean(raw).lower()
    if not value:
        raise ValidationError(gettext("請輸入電子郵件。"), code="required")
    if len(value) > EMAIL_MAX:
        raise ValidationError(
            gettext("電子郵件最多 %(max)s 個字元，您輸入了 %(n)s 個字元。")
            % {"max": EMAIL_MAX, "n": len(value)},
            code="max_length",
        )
    try:
        validate_email(value)
    except ValidationError:
        raise ValidationError(
            gettext("電子郵件「%(value)s」格式錯誤，應為 name@example.com 的形式。")
            % {"value": value},
            code="email",
        ) from None
    return value


def _digits(raw: str | None) -> str:
    return re.sub(r"[\s\-()]", "", _clean(raw))


def clean_mobile(raw: str | None) -> str:
    """A Taiwan mobile number ``09xxxxxxxx`` (for SMS codes, deck 親子帳號綁定操作指引(1))."""
    value = _digits(raw)
    if not value:
        raise ValidationError(gettext("請輸入手機號碼。"), code="required")
    if not MOBILE_RE.match(value):
        raise ValidationError(
            gettext("手機號碼應為 09 開頭的 10 碼數字，您輸入的是「%(value)s」（%(n)s 碼）。")
            % {"value": value[:20], "n": len(value)},
            code="mobile",
        )
    return value


def clean_phone(raw: str | None) -> str:
    """A mobile (``09xxxxxxxx``) or landline (area code + number, optional ``#ext``) number
    (deck 親子帳號綁定操作指引(6): 行動電話/市話號碼)."""
    value = _digits(raw)
    if not value:
        raise ValidationError(gettext("請輸入行動電話或市話號碼。"), code="required")
    if not (MOBILE_RE.match(value) or LANDLINE_RE.match(value)):
        raise ValidationError(
            gettext(
                "聯絡電話應為手機（09 開頭 10 碼）或市話（區碼開頭共 9–10 碼，分機以 # 分隔），"
                "您輸入的是「%(value)s」（%(n)s 碼）。"
            )
            % {"value": value[:20], "n": len(value)},
            code="phone",
        )
    return value


def clean_code(raw: str | None) -> str:
    """An 8-digit verification code (RELIABILITY.md §2.1: 8-digit CSPRNG codes)."""
    value = _digits(raw)
    if not CODE_RE.match(value):
        raise ValidationError(
            gettext("驗證碼應為 %(length)s 碼數字，您輸入了 %(n)s 個字元。")
            % {"length": CODE_LENGTH, "n": len(value)},
            code="code_format",
        )
    return value


def clean_name(raw: str | None, *, label: str | None = None) -> str:
    """A person's name, 1–50 characters; ``label`` defaults to 家長姓名."""
    label = label or gettext("家長姓名")
    value = _clean(raw)
    if not value:
        raise ValidationError(gettext("請輸入%(label)s。") % {"label": label}, code="required")
    if len(value) > NAME_MAX:
        raise ValidationError(
            gettext("%(label)s最多 %(max)s 個字，您輸入了 %(n)s 個字。")
            % {"label": capfirst(label), "max": NAME_MAX, "n": len(value)},
            code="max_length",
        )
    return value


def clean_national_id(raw: str | None, *, label: str) -> str:
    """A national ID or resident number, checked per RULES.md §8.1–8.2; messages show the value
    masked (RULES.md §8.3)."""
    value = normalize_id(raw or "")
    if not value:
        raise ValidationError(gettext("請輸入%(label)s。") % {"label": label}, code="required")
    try:
        validate_national_id(value)
    except ValidationError as exc:
        raise ValidationError(
            gettext("%(label)s：%(message)s")
            % {"label": capfirst(label), "message": exc.messages[0]},
            code=exc.code,
        ) from None
    return check_id(value).value


def clean_reason(raw: str | None) -> str:
    """A rejection reason: required, at most 200 characters (the issue item 6)."""
    value = _clean(raw)
    if not value:
        raise ValidationError(
            gettext("退回時必須填寫原因（最多 200 字），目前是空白。"), code="required"
        )
    if len(value) > REASON_MAX:
        raise ValidationError(
            gettext("退回原因最多 %(max)s 字，您輸入了 %(n)s 字。")
            % {"max": REASON_MAX, "n": len(value)},
            code="max_length",
        )
    return value


def mask_email(value: str) -> str:
    """``wang@example.com`` → ``wa**@example.com`` (for pages and logs)."""
    local, _sep, domain = value.partition("@")
    return f"{local[:2]}{'*' * max(len(local) - 2, 2)}@{domain}"


def mask_phone(value: str) -> str:
    """``0912345678`` → ``0912***678``."""
    if len(value) < 7:
        return "*" * len(value)
    return f"{value[:4]}***{value[-3:]}"


def mask_name(value: str) -> str:
    """``陳曉明`` → ``陳○明``; two characters → ``陳○`` (shown before a match is confirmed)."""
    if len(value) <= 1:
        return value
    if len(value) == 2:
        return value[0] + "○"
    return value[0] + "○" * (len(value) - 2) + value[-1]


__all__ = [
    "clean_code",
    "clean_email",
    "clean_mobile",
    "clean_name",
    "clean_national_id",
    "clean_phone",
    "clean_reason",
    "mask_email",
    "mask_id",
    "mask_name",
    "mask_phone",
]
