"""File rules (檔案規格) for one upload slot: allowed extensions, content types and size.

RULES.md §10: documents pdf/jpg/png ≤ 4 MB, media mp3/mp4 ≤ 10 MB, consultation attachments
pdf/jpg/png ≤ 2 MB. Sizes are bytes; 1 MB = 1,000,000 bytes (docs/units.md). The per-學年度
values are data owned by ``portfolios``; this module only describes one slot's rule and the
content types each extension may carry.
"""

from dataclasses import dataclass

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

#: Extension → the content types libmagic may report for it (documents).
DOCUMENT_TYPES: dict[str, tuple[str, ...]] = {
    "pdf": ("application/pdf",),
    "jpg": ("image/jpeg",),
    "jpeg": ("image/jpeg",),
    "png": ("image/png",),
}
#: Extension → the content types libmagic may report for it (media).
MEDIA_TYPES: dict[str, tuple[str, ...]] = {
    "mp3": ("audio/mpeg",),
    "mp4": ("video/mp4",),
}
ALL_TYPES: dict[str, tuple[str, ...]] = {**DOCUMENT_TYPES, **MEDIA_TYPES}

#: Extensions that stand for the same format: allowing the first allows the others.
EXTENSION_ALIASES: dict[str, tuple[str, ...]] = {"jpg": ("jpeg",)}

#: Content types that may be shown inline (preview) with their own safe content type.
INLINE_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})

#: Human names of content types, used in refusals ("但檔案內容是 PNG 圖片").
KIND_NAMES: dict[str, StrOrPromise] = {
    "application/pdf": _("PDF 文件"),
    "image/jpeg": _("JPEG 圖片"),
    "image/png": _("PNG 圖片"),
    "image/gif": _("GIF 圖片"),
    "image/webp": _("WebP 圖片"),
    "image/heic": _("HEIC 圖片"),
    "image/svg+xml": _("SVG 圖片"),
    "image/bmp": _("BMP 圖片"),
    "image/tiff": _("TIFF 圖片"),
    "audio/mpeg": _("MP3 音訊"),
    "video/mp4": _("MP4 影片"),
    "audio/x-m4a": _("M4A 音訊"),
    "audio/x-wav": _("WAV 音訊"),
    "video/quicktime": _("QuickTime 影片"),
    "video/x-msvideo": _("AVI 影片"),
    "video/webm": _("WebM 影片"),
    "text/html": _("HTML 網頁"),
    "text/xml": _("XML 文件"),
    "application/xml": _("XML 文件"),
    "text/plain": _("純文字"),
    "application/zip": _("ZIP 壓縮檔"),
    "application/x-rar": _("RAR 壓縮檔"),
    "application/x-7z-compressed": _("7z 壓縮檔"),
    "application/gzip": _("gzip 壓縮檔"),
    "application/x-dosexec": _("Windows 執行檔（EXE）"),
    "application/x-executable": _("執行檔"),
    "application/x-sharedlib": _("執行檔"),
    "application/msword": _("Word 文件"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": _("Word 文件"),
    "application/vnd.ms-excel": _("Excel 試算表"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": _("Excel 試算表"),
    "application/vnd.ms-powerpoint": _("PowerPoint 簡報"),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (
        _("PowerPoint 簡報")
    ),
    "application/octet-stream": _("無法辨識的資料"),
    "inode/x-empty": _("空檔案"),
}


def kind_name(content_type: str) -> str:
    """The Traditional Chinese name of a detected content type, for messages."""
    known = KIND_NAMES.get(content_type)
    if known is not None:
        return str(known)
    return gettext("無法辨識的格式（%(type)s）") % {"type": content_type}


@dataclass(frozen=True)
class FileRule:
    """One upload slot's rule; portfolios builds it from the per-學年度 data (RULES.md §10).

    ``extensions`` are lower-case without the dot, e.g. ``("pdf", "jpg", "png")``;
    ``max_bytes`` is in bytes (4 MB = 4_000_000, docs/units.md).
    """

    slot: str  # "document" | "media" | "attachment"
    label: StrOrPromise  # e.g. "文件", "影音檔案"
    extensions: tuple[str, ...]
    max_bytes: int

    def allowed_extensions(self) -> frozenset[str]:
        """The listed extensions plus their aliases (jpg also allows jpeg)."""
        allowed = set(self.extensions)
        for ext in self.extensions:
            allowed.update(EXTENSION_ALIASES.get(ext, ()))
        return frozenset(allowed)

    def accepted_types(self) -> dict[str, tuple[str, ...]]:
        """Allowed extension → content types it may carry, for this slot."""
        return {ext: ALL_TYPES[ext] for ext in self.allowed_extensions() if ext in ALL_TYPES}

    def extensions_text(self) -> str:
        """The listed extensions joined for messages: "pdf、jpg、png"."""
        return gettext("、").join(self.extensions)


#: Defaults from RULES.md §10 (current rules, from 109學年度 semester 1).
DOCUMENT_RULE = FileRule("document", _("文件"), ("pdf", "jpg", "png"), 4_000_000)
MEDIA_RULE = FileRule("media", _("影音檔案"), ("mp3", "mp4"), 10_000_000)
ATTACHMENT_RULE = FileRule("attachment", _("附件"), ("pdf", "jpg", "png"), 2_000_000)
