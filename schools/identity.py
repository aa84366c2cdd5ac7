"""National ID and resident number checks and masking (身分證統一編號、居留證統一證號).

Source: RULES.md §8 (formats §8.1, checksum §8.2, masking §8.3) and ``reference_data.json``
``id_rules``/``masking``.
"""

import re
from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

#: Letter → two-digit value (RULES.md §8.2). I and O sit out of order on purpose.
LETTER_VALUES: dict[str, int] = {
    "A": 10, "B": 11, "C": 12, "D": 13, "E": 14, "F": 15, "G": 16, "H": 17, "I": 34,
    "J": 18, "K": 19, "L": 20, "M": 21, "N": 22, "O": 35, "P": 23, "Q": 24, "R": 25,
    "S": 26, "T": 27, "U": 28, "V": 29, "W": 32, "X": 30, "Y": 31, "Z": 33,
}  # fmt: skip
WEIGHTS = (1, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1)

NATIONAL_RE = re.compile(r"^[A-Z][12][0-9]{8}$")
RESIDENT_NEW_RE = re.compile(r"^[A-Z][89][0-9]{8}$")
RESIDENT_OLD_RE = re.compile(r"^[A-Z]{2}[0-9]{8}$")


class IdKind(StrEnum):
    NATIONAL = "national"  # 國民身分證統一編號
    RESIDENT_NEW = "resident_new"  # 新式外來人口統一證號 (from 2021-01-02)
    RESIDENT_OLD = "resident_old"  # 舊式統一證號 (valid through 2030-12-31)


@dataclass(frozen=True)
class IdCheck:
    """The outcome of checking one ID number.

    ``valid`` is False only for a malformed value or a failed checksum on a new-format
    number. Old-format resident numbers are accepted with ``warning`` set (RULES.md §8.2:
    their checksum is unverified, so it must not be a hard failure).
    """

    value: str
    kind: IdKind | None
    valid: bool
    warning: str = ""


def normalize_id(raw: str) -> str:
    """Upper-case and strip an ID as typed; full-width letters/digits become ASCII (NFKC)."""
    import unicodedata

    return unicodedata.normalize("NFKC", raw or "").strip().upper()


def _weighted_sum(letter_value: int, digits: str) -> int:
    numbers = [letter_value // 10, letter_value % 10, *(int(ch) for ch in digits)]
    return sum(w * n for w, n in zip(WEIGHTS, numbers, strict=True))


def checksum_ok(value: str) -> bool:
    """True when a 10-character new-format ID's weighted sum is ≡ 0 (mod 10) (RULES.md §8.2)."""
    return _weighted_sum(LETTER_VALUES[value[0]], value[1:]) % 10 == 0


def old_resident_checksum_ok(value: str) -> bool:
    """The common libraries' rule for old resident numbers: the second letter's value's units
    digit stands in for d1 (RULES.md §8.2, [UNVERIFIED])."""
    d1 = LETTER_VALUES[value[1]] % 10
    return _weighted_sum(LETTER_VALUES[value[0]], f"{d1}{value[2:]}") % 10 == 0


def check_id(raw: str) -> IdCheck:
    """Classify and check an ID number. Never raises; see :func:`validate_national_id`."""
    value = normalize_id(raw)
    if NATIONAL_RE.match(value):
        return IdCheck(value, IdKind.NATIONAL, checksum_ok(value))
    if RESIDENT_NEW_RE.match(value):
        return IdCheck(value, IdKind.RESIDENT_NEW, checksum_ok(value))
    if RESIDENT_OLD_RE.match(value):
        warning = "" if old_resident_checksum_ok(value) else _("舊式居留證號檢查碼無法確認")
        return IdCheck(value, IdKind.RESIDENT_OLD, True, warning)
    return IdCheck(value, None, False)


def with_check_digit(prefix9: str) -> str:
    """Complete a 9-character prefix (letter + 8 digits) with the digit that makes it valid."""
    partial = _weighted_sum(LETTER_VALUES[prefix9[0]], prefix9[1:] + "0")
    return prefix9 + str((10 - partial % 10) % 10)


def validate_national_id(raw: str) -> None:
    """Django validator: raise ``ValidationError`` (Traditional Chinese) for a bad ID.

    Errors: wrong shape (code ``id_format``) or failed check digit (``id_checksum``).
    Source: RULES.md §8.1–8.2.
    """
    result = check_id(raw)
    if result.kind is None:
        raise ValidationError(
            _("身分證號「%(value)s」格式錯誤：應為 1 個英文字母加 9 碼數字（如 A123456789）。"),
            code="id_format",
            params={"value": mask_id(result.value)},
        )
    if not result.valid:
        raise ValidationError(
            _("身分證號「%(value)s」檢查碼錯誤，請再確認。"),
            code="id_checksum",
            params={"value": mask_id(result.value)},
        )


def mask_id(value: str) -> str:
    """Mask an ID as the deck does: first 4 + ``****`` + last 2 (``YA94****61``, RULES.md §8.3).

    Values shorter than 7 characters are masked whole; other lengths that are not 10 (typos
    in a form) keep only their first character, so a near-miss never shows more than an ID.
    """
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    if len(value) != 10:
        return value[0] + "*" * (len(value) - 1)
    return f"{value[:4]}****{value[-2:]}"
