"""The e-signature drawn on a canvas (deck 親子帳號綁定操作指引(6); the issue item 4).

The browser posts the canvas as a PNG data URL. We accept only a real PNG of bounded size,
decode it with Pillow, refuse a blank one, and store a re-encoded copy (RELIABILITY.md §2.2:
images are re-written to drop anything embedded).
"""

import base64
import binascii
import io

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from PIL import Image, ImageChops, UnidentifiedImageError

PREFIX = "data:image/png;base64,"
MAX_BYTES = 300 * 1024
MAX_WIDTH, MAX_HEIGHT = 1600, 800
MIN_INK_PIXELS = 30


def clean_signature(data_url: str | None) -> bytes:
    """Return the re-encoded PNG bytes of a signature data URL.

    Limits: ``data:image/png;base64,`` prefix; at most 300 KB decoded; at most 1600 × 800
    pixels; at least 30 drawn pixels. Raises ``ValidationError`` with a Traditional Chinese
    message naming the limit and what was found.
    """
    value = (data_url or "").strip()
    if not value:
        raise ValidationError(gettext("請在簽名框內簽署全名（電子簽名為空白）。"), code="required")
    if not value.startswith(PREFIX):
        raise ValidationError(
            gettext("電子簽名格式錯誤：應為 PNG 圖片（%(prefix)s…），收到的是「%(value)s」。")
            % {"prefix": PREFIX, "value": value[:30]},
            code="signature_type",
        )
    encoded = value[len(PREFIX) :]
    if len(encoded) > (MAX_BYTES * 4) // 3 + 4:
        raise ValidationError(
            gettext("電子簽名檔案過大：上限 %(max)s KB，收到約 %(n)s KB。")
            % {"max": MAX_BYTES // 1024, "n": len(encoded) * 3 // 4 // 1024},
            code="signature_size",
        )
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError(
            gettext("電子簽名不是有效的 PNG 圖片（base64 編碼錯誤）。"), code="signature_decode"
        ) from None
    if len(raw) > MAX_BYTES:
        raise ValidationError(
            gettext("電子簽名檔案過大：上限 %(max)s KB，收到 %(n)s KB。")
            % {"max": MAX_BYTES // 1024, "n": len(raw) // 1024},
            code="signature_size",
        )
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            kind, (width, height) = probe.format, probe.size
            if kind != "PNG":
                raise ValidationError(
                    gettext("電子簽名格式錯誤：應為 PNG 圖片，收到的是 %(kind)s 圖片。")
                    % {"kind": kind},
                    code="signature_type",
                )
            if width > MAX_WIDTH or height > MAX_HEIGHT:
                raise ValidationError(
                    gettext("電子簽名尺寸上限為 %(max_w)s × %(max_h)s 像素，收到 %(w)s × %(h)s。")
                    % {"max_w": MAX_WIDTH, "max_h": MAX_HEIGHT, "w": width, "h": height},
                    code="signature_dimensions",
                )
            probe.verify()
        with Image.open(io.BytesIO(raw)) as image:
            rgba = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError(
            gettext("電子簽名不是有效的 PNG 圖片。"), code="signature_decode"
        ) from None
    alpha = rgba.getchannel("A")
    opaque = alpha.point(lambda v: 255 if v > 64 else 0)
    dark = rgba.convert("L").point(lambda v: 255 if v < 160 else 0)
    ink = ImageChops.multiply(opaque, dark).histogram()[255]
    if ink < MIN_INK_PIXELS:
        raise ValidationError(
            gettext(
                "電子簽名沒有筆跡（至少需 %(min)s 個筆跡像素，收到 %(n)s 個），"
                "請在簽名框內簽署全名。"
            )
            % {"min": MIN_INK_PIXELS, "n": ink},
            code="signature_blank",
        )
    # Re-encode on a white background: drops ancillary chunks and anything appended.
    flat = Image.new("RGB", rgba.size, "white")
    flat.paste(rgba, mask=alpha)
    out = io.BytesIO()
    flat.convert("L").save(out, format="PNG", optimize=True)
    return out.getvalue()


def to_data_url(png: bytes | memoryview) -> str:
    """A stored signature as a data URL for ``<img src>`` (CSP allows ``img-src data:``)."""
    return PREFIX + base64.b64encode(bytes(png)).decode("ascii")
