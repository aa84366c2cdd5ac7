"""Content checks of an uploaded file: type by content (libmagic), then a real parse.

RULES.md §10 (validate by content, not by name), RELIABILITY.md §3 items 1–7 and I3. Each
check raises :class:`~files.errors.FileRejected` with a Traditional Chinese message.
"""

import json
import logging
import os
import shutil
import struct
import subprocess
import threading
import warnings
from typing import Any

import magic
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from .errors import FileRejected

#: A file-system path; callers pass plain strings for per-upload temporary files (see
#: files.storage on CPython 3.12's pathlib interning).
StrPath = str | os.PathLike[str]

logger = logging.getLogger(__name__)

#: Pixel budget for images: 64 megapixels (RELIABILITY.md I3).
MAX_IMAGE_PIXELS = 64_000_000
#: Bytes libmagic looks at (its own default upper bound is 1 MiB).
MAGIC_HEAD_BYTES = 1024 * 1024
#: Wall-clock limit for one ffprobe run, seconds.
FFPROBE_TIMEOUT = 15
#: Longest plausible media duration; longer declared durations are bogus headers.
MAX_MEDIA_SECONDS = 24 * 3600
#: Objects visited when looking for active PDF content; more is refused as too complex.
MAX_PDF_OBJECTS = 200_000

_local = threading.local()


def detect_content_type(path: StrPath) -> str:
    """The MIME type libmagic reports for a file's content (never its name)."""
    detector = getattr(_local, "magic", None)
    if detector is None:
        # python-magic's module functions share one handle; libmagic is not thread-safe.
        detector = _local.magic = magic.Magic(mime=True)
    with open(path, "rb") as handle:
        head = handle.read(MAGIC_HEAD_BYTES)
    return str(detector.from_buffer(head))


# --- PDF ----------------------------------------------------------------------------------

PDF_CORRUPT = _("PDF 檔案已損毀或不完整，無法開啟")
PDF_ENCRYPTED = _("PDF 檔案有密碼保護（加密），請移除密碼後再上傳")
PDF_TOO_COMPLEX = _("PDF 檔案結構過於複雜，無法檢查")

# Keys and action types that make a PDF run code, open other programs or carry files
# (RELIABILITY.md §3 item 3). A plain /OpenAction (go to page 1) is harmless and allowed.
_ACTIVE_KEYS: dict[str, StrOrPromise] = {
    "/JavaScript": "JavaScript",
    "/JS": "JavaScript",
    "/Launch": _("啟動外部程式（Launch）"),
    "/EmbeddedFile": _("內嵌檔案（EmbeddedFile）"),
    "/EmbeddedFiles": _("內嵌檔案（EmbeddedFile）"),
    "/RichMedia": _("多媒體內容（RichMedia）"),
    "/XFA": _("XFA 表單"),
}
_ACTIVE_ACTIONS: dict[str, StrOrPromise] = {
    "/JavaScript": "JavaScript",
    "/Launch": _("啟動外部程式（Launch）"),
    "/ImportData": _("匯入資料（ImportData）"),
    "/RichMediaExecute": _("多媒體內容（RichMedia）"),
}


def _active_pdf_content(reader: PdfReader) -> list[str]:
    found: list[str] = []
    seen_refs: set[tuple[int, int]] = set()
    stack: list[Any] = [reader.trailer]
    visited = 0
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            ref = (node.idnum, node.generation)
            if ref in seen_refs:
                continue
            seen_refs.add(ref)
            node = node.get_object()
        visited += 1
        if visited > MAX_PDF_OBJECTS:
            raise FileRejected(PDF_TOO_COMPLEX, code="pdf_too_complex")
        if isinstance(node, DictionaryObject):
            for key, value in node.items():
                if key in _ACTIVE_KEYS:
                    found.append(str(_ACTIVE_KEYS[key]))
                if key == "/S" and isinstance(value, NameObject) and value in _ACTIVE_ACTIONS:
                    found.append(str(_ACTIVE_ACTIONS[value]))
                if key == "/Type" and value == "/EmbeddedFile":
                    found.append(str(_ACTIVE_KEYS["/EmbeddedFile"]))
                stack.append(value)
        elif isinstance(node, ArrayObject):
            stack.extend(node)
    return sorted(set(found))


def check_pdf(path: StrPath) -> None:
    """Open the PDF strictly; refuse broken, encrypted or active (JavaScript, Launch…) ones."""
    try:
        reader = PdfReader(os.fspath(path), strict=True)
        if reader.is_encrypted:
            raise FileRejected(PDF_ENCRYPTED, code="pdf_encrypted")
        if len(reader.pages) < 1:
            raise FileRejected(PDF_CORRUPT, code="pdf_corrupt")
        active = _active_pdf_content(reader)
    except FileRejected:
        raise
    except Exception as exc:  # any parser failure means the file cannot be opened
        logger.info("PDF refused as corrupt: %s", type(exc).__name__)
        raise FileRejected(PDF_CORRUPT, code="pdf_corrupt") from exc
    if active:
        raise FileRejected(
            gettext("PDF 檔案含有不接受的主動內容（%(found)s），請另存為一般 PDF 後再上傳")
            % {"found": gettext("、").join(active)},
            code="pdf_active_content",
        )


# --- Images -------------------------------------------------------------------------------

IMAGE_CORRUPT = _("圖片檔案已損毀或不完整，無法開啟")
_PIL_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG"}


def _png_size(head: bytes) -> tuple[int, int] | None:
    if head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR":
        width, height = struct.unpack(">II", head[16:24])
        return int(width), int(height)
    return None


def _jpeg_size(head: bytes) -> tuple[int, int] | None:
    # Walk the marker segments up to the first start-of-frame (SOF0–SOF15 but DHT/JPG/DAC).
    pos = 2
    while pos + 9 <= len(head):
        if head[pos] != 0xFF:
            return None
        marker = head[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        if 0xD0 <= marker <= 0xD9 or marker == 0x01:
            pos += 2
            continue
        (length,) = struct.unpack(">H", head[pos + 2 : pos + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", head[pos + 5 : pos + 9])
            return int(width), int(height)
        pos += 2 + length
    return None


def _too_many_pixels(width: int, height: int) -> FileRejected:
    return FileRejected(
        gettext("圖片像素 %(width)s×%(height)s 超過 %(limit)s 萬像素上限")
        % {"width": width, "height": height, "limit": MAX_IMAGE_PIXELS // 10_000},
        code="image_too_many_pixels",
    )


def check_image(path: StrPath, content_type: str) -> None:
    """Decode the image within the pixel budget: header size first, verify(), then load()."""
    with open(path, "rb") as handle:
        head = handle.read(256 * 1024)
    size = _png_size(head) if content_type == "image/png" else _jpeg_size(head)
    if size and size[0] * size[1] > MAX_IMAGE_PIXELS:
        raise _too_many_pixels(*size)
    fmt = _PIL_FORMATS[content_type]
    try:
        with warnings.catch_warnings():
            # Pillow only warns between 89 and 179 megapixels: make that an error too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path, formats=[fmt]) as image:
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise _too_many_pixels(width, height)
                image.verify()
            with Image.open(path, formats=[fmt]) as image:
                image.load()
    except FileRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise FileRejected(
            gettext("圖片像素超過 %(limit)s 萬像素上限") % {"limit": MAX_IMAGE_PIXELS // 10_000},
            code="image_too_many_pixels",
        ) from exc
    except Exception as exc:  # any decoder failure means the image cannot be opened
        logger.info("image refused as corrupt: %s", type(exc).__name__)
        raise FileRejected(IMAGE_CORRUPT, code="image_corrupt") from exc


# --- Audio and video ----------------------------------------------------------------------

MEDIA_CORRUPT = _("影音檔案已損毀或無法解析")
# ffprobe may only use these demuxers: a file cannot be "probed" as something else.
_DEMUXERS = {"mp3": "mp3", "mp4": "mov,mp4,m4a,3gp,3g2,mj2"}


def _ffprobe(path: StrPath, extension: str) -> dict[str, Any]:
    ffprobe = shutil.which("ffprobe")
    if ffprobe is None:
        logger.error("ffprobe is not installed; media uploads cannot be checked")
        raise FileRejected(
            _("伺服器目前無法檢查影音檔案，請稍後再試"), code="media_probe_unavailable"
        )
    # The file goes in on stdin under a neutral name: ffprobe must judge the content, not an
    # extension (STACK.md pitfall 11); /dev/stdin stays seekable, so mp4 with moov at the end
    # still probes.
    cmd = [
        ffprobe,
        "-v",
        "error",
        "-protocol_whitelist",
        "file",
        "-format_whitelist",
        _DEMUXERS[extension],
        "-print_format",
        "json",
        "-show_format",
        "-show_streams",
        "-i",
        "file:/dev/stdin",
    ]
    with open(path, "rb") as stdin:
        try:
            result = subprocess.run(  # noqa: S603 - fixed argument list, no shell
                cmd, stdin=stdin, capture_output=True, timeout=FFPROBE_TIMEOUT, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise FileRejected(
                gettext("影音檔案無法在 %(seconds)s 秒內解析完成") % {"seconds": FFPROBE_TIMEOUT},
                code="media_timeout",
            ) from exc
    if result.returncode != 0:
        raise FileRejected(MEDIA_CORRUPT, code="media_corrupt")
    try:
        data = json.loads(result.stdout)
    except ValueError as exc:
        raise FileRejected(MEDIA_CORRUPT, code="media_corrupt") from exc
    return data if isinstance(data, dict) else {}


def check_media(path: StrPath, extension: str) -> float:
    """Probe an mp3/mp4 with ffprobe; return its duration in seconds.

    mp3 must be an MP3 stream with audio; mp4 must hold a video or audio stream; both must
    have a positive, plausible duration.
    """
    data = _ffprobe(path, extension)
    fmt = data.get("format") or {}
    streams = data.get("streams") or []
    types = {
        s.get("codec_type")
        for s in streams
        if not (s.get("disposition") or {}).get("attached_pic")  # cover art is not video
    }
    if extension == "mp3":
        if "mp3" not in str(fmt.get("format_name", "")).split(",") or "audio" not in types:
            raise FileRejected(_("MP3 檔案沒有可播放的音訊內容"), code="media_no_audio")
    elif not types & {"audio", "video"}:
        raise FileRejected(_("MP4 檔案沒有可播放的影像或聲音內容"), code="media_no_stream")
    try:
        duration = float(fmt.get("duration", "nan"))
    except (TypeError, ValueError):
        duration = float("nan")
    if not duration > 0:
        raise FileRejected(_("影音檔案讀不出播放長度，可能已損毀"), code="media_no_duration")
    if duration > MAX_MEDIA_SECONDS:
        raise FileRejected(
            gettext("影音檔案標示的長度為 %(hours).1f 小時，超過 24 小時，檔案可能已損毀")
            % {"hours": duration / 3600},
            code="media_duration",
        )
    return duration
