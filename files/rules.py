"""File rules (檔案規格) for one upload slot: allowed extensions, content types and size.

RULES.md §10: documents pdf/jpg/png ≤ 4 MB, media mp3/mp4 ≤ 10 MB, consultation attachments
pdf/jpg/png ≤ 2 MB. Sizes are bytes; 1 MB = 1,000,000 bytes (docs/units.md). The per-學年度
values are data owned by ``portfolios``; this module only describes one slot's rule and the
content types each extension may carry.
"""

from dataclasses import dataclass

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
KIND_NAMES: dict[str, str] = {
    "application/pdf": "PDF 文件",
    "image/jpeg": "JPEG 圖片",
    "image/png": "PNG 圖片",
    "image/gif": "GIF 圖片",
    "image/webp": "WebP 圖片",
    "image/heic": "HEIC 圖片",
    "image/svg+xml": "SVG 圖片",
    "image/bmp": "BMP 圖片",
    "image/tiff": "TIFF 圖片",
    "audio/mpeg": "MP3 音訊",
    "video/mp4": "MP4 影片",
    "audio/x-m4a": "M4A 音訊",
    "audio/x-wav": "WAV 音訊",
    "video/quicktime": "QuickTime 影片",
    "video/x-msvideo": "AVI 影片",
    "video/webm": "WebM 影片",
    "text/html": "HTML 網頁",
    "text/xml": "XML 文件",
    "application/xml": "XML 文件",
    "text/plain": "純文字",
    "application/zip": "ZIP 壓縮檔",
    "application/x-rar": "RAR 壓縮檔",
    "application/x-7z-compressed": "7z 壓縮檔",
    "application/gzip": "gzip 壓縮檔",
    "application/x-dosexec": "Windows 執行檔（EXE）",
    "application/x-executable": "執行檔",
    "application/x-sharedlib": "執行檔",
    "application/msword": "Word 文件",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word 文件",
    "application/vnd.ms-excel": "Excel 試算表",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel 試算表",
    "application/vnd.ms-powerpoint": "PowerPoint 簡報",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (
        "PowerPoint 簡報"
    ),
    "application/octet-stream": "無法辨識的資料",
    "inode/x-empty": "空檔案",
}


def kind_name(content_type: str) -> str:
    """The Traditional Chinese name of a detected content type, for messages."""
    return KIND_NAMES.get(content_type, f"無法辨識的格式（{content_type}）")


@dataclass(frozen=True)
class FileRule:
    """One upload slot's rule; portfolios builds it from the per-學年度 data (RULES.md §10).

    ``extensions`` are lower-case without the dot, e.g. ``("pdf", "jpg", "png")``;
    ``max_bytes`` is in bytes (4 MB = 4_000_000, docs/units.md).
    """

    slot: str  # "document" | "media" | "attachment"
    label: str  # e.g. "文件", "影音檔案"
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
        return "、".join(self.extensions)


#: Defaults from RULES.md §10 (current rules, from 109學年度 semester 1).
DOCUMENT_RULE = FileRule("document", "文件", ("pdf", "jpg", "png"), 4_000_000)
MEDIA_RULE = FileRule("media", "影音檔案", ("mp3", "mp4"), 10_000_000)
ATTACHMENT_RULE = FileRule("attachment", "附件", ("pdf", "jpg", "png"), 2_000_000)
