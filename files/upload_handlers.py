"""Upload handler: stream to a temporary file, hashing and counting on the way.

ARCHITECTURE.md "The life of an upload" step 1 and RELIABILITY.md I2: the body is never read
whole into memory, the size is counted (never trusted from headers), and a file that passes
the absolute ceiling (``LICHENG_MAX_UPLOAD_BYTES``, default 10,000,000 bytes = the largest
per-file limit of RULES.md §10) stops being written at once.
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.core.files.uploadhandler import SkipFile, TemporaryFileUploadHandler
from django.http import HttpRequest

from .hashing import Hasher

DEFAULT_MAX_UPLOAD_BYTES = 10_000_000


def max_upload_bytes() -> int:
    """The absolute per-file ceiling in bytes (``settings.LICHENG_MAX_UPLOAD_BYTES``)."""
    return int(getattr(settings, "LICHENG_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


@dataclass(frozen=True)
class CutOffUpload:
    """A file the handler stopped reading because it passed the ceiling."""

    field_name: str
    file_name: str
    bytes_seen: int  # > ceiling; the real size is at least this


def cut_off_uploads(request: HttpRequest) -> list[CutOffUpload]:
    """Files of this request dropped for passing the ceiling (read request.FILES first).

    Views turn each into :func:`files.ingest.size_rejection` (``at_least=True``) for its field.
    """
    return list(getattr(request, "licheng_cut_off_uploads", []))


class HashingTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """TemporaryFileUploadHandler that also computes SHA-256, MD5 and the byte count.

    The finished file carries ``sha256``, ``md5`` (hex) and ``counted_size`` (bytes). A file
    passing the ceiling is dropped (its temporary file deleted, the rest of its part skipped
    without writing) and recorded for :func:`cut_off_uploads`, so the view can answer with a
    clear message instead of a reset connection.
    """

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.ceiling = max_upload_bytes()
        self.hasher = Hasher()

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.hasher = Hasher()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.hasher.update(raw_data)
        if self.hasher.size > self.ceiling:
            self.file.close()  # a NamedTemporaryFile: closing deletes it
            if self.request is not None:
                cut = CutOffUpload(self.field_name, self.file_name or "", self.hasher.size)
                previous = getattr(self.request, "licheng_cut_off_uploads", [])
                self.request.licheng_cut_off_uploads = [*previous, cut]  # type: ignore[attr-defined]
            raise SkipFile
        self.file.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> UploadedFile | None:
        uploaded = super().file_complete(file_size)
        if isinstance(uploaded, TemporaryUploadedFile):
            digest = self.hasher.digest()
            uploaded.sha256 = digest.sha256  # type: ignore[attr-defined]
            uploaded.md5 = digest.md5  # type: ignore[attr-defined]
            uploaded.counted_size = digest.size  # type: ignore[attr-defined]
        return uploaded
