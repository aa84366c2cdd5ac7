"""Display names for uploaded files (RELIABILITY.md §3 items 10–12, §2.2).

A display name is only ever shown and sent back in Content-Disposition; it is never used as a
storage path (blobs are stored under their SHA-256).
"""

import re
import unicodedata
from urllib.parse import unquote

#: Longest display name, in characters (code points after NFC), extension included.
MAX_DISPLAY_CHARS = 80
#: Longest display name in UTF-8 bytes (file systems allow 255; keep room for "(1)" etc.).
MAX_DISPLAY_BYTES = 200
FALLBACK_STEM = "檔案"

_WINDOWS_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL"]
    + [f"COM{i}" for i in range(1, 10)]
    + [f"LPT{i}" for i in range(1, 10)]
)
# Characters Windows refuses in names, plus markup characters; replaced by "_".
_UNSAFE_CHARS = re.compile(r'[<>:"|?*\\/]')
_SPACES = re.compile(r"\s+")
# Unicode categories dropped: controls, format (bidi overrides, zero-width), surrogates,
# unassigned, line/paragraph separators. Private use (Co) is kept: 造字 in names.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Cn", "Zl", "Zp"})


def _basename(raw: str) -> str:
    # Decode percent-encoding (twice covers double encoding), then keep the last path part
    # for both separators: "../../x", "..\\x", "C:\\x", "/etc/passwd", "..%2F..%2Fx".
    text = raw
    for _ in range(2):
        decoded = unquote(text)
        if decoded == text:
            break
        text = decoded
    return re.split(r"[\\/]", text)[-1]


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in _DROPPED_CATEGORIES)
    text = _UNSAFE_CHARS.sub("_", text)
    return _SPACES.sub(" ", text)


def name_extension(raw: str) -> str:
    """The extension of an uploaded file name as the user gave it: lower-case, no dot.

    NFKC-normalised so a full-width dot or letters count ("成果．ＰＤＦ" → "pdf"); trailing dots
    and spaces are ignored (Windows drops them). Returns "" when the name has none.
    """
    name = unicodedata.normalize("NFKC", _clean(_basename(raw))).rstrip(". ")
    if "." not in name:
        return ""
    return name.rsplit(".", 1)[1].strip().lower()


def _truncate(stem: str, budget_chars: int, budget_bytes: int) -> str:
    stem = stem[:budget_chars]
    while len(stem.encode("utf-8")) > budget_bytes:
        stem = stem[:-1]
    return stem


def safe_display_name(raw: str, *, extension: str) -> str:
    """A safe single base name for showing and downloading, ending in ``.{extension}``.

    Strips directories (``../``, ``C:\\``, ``/etc/``, URL-encoded forms), NUL, control, bidi
    (U+202E …) and zero-width characters; NFC; replaces ``<>:"|?*`` with ``_``; avoids Windows
    reserved names and leading dots; caps the length at 80 characters and 200 UTF-8 bytes; and
    forces the detected extension (the user's own extension is replaced).
    """
    extension = extension.lower().lstrip(".")
    name = _clean(_basename(raw)).strip(". ")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = stem.strip(". ")
    if stem.split(".")[0].upper() in _WINDOWS_RESERVED:
        stem = f"_{stem}"
    suffix = f".{extension}"
    stem = _truncate(
        stem, MAX_DISPLAY_CHARS - len(suffix), MAX_DISPLAY_BYTES - len(suffix.encode())
    ).rstrip(". ")
    return f"{stem or FALLBACK_STEM}{suffix}"
