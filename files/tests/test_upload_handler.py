"""The hashing upload handler: stream to disk, hash on the way, stop at the ceiling (I2)."""

import hashlib
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.test import RequestFactory

from files.ingest import check_and_store, size_rejection
from files.rules import DOCUMENT_RULE
from files.upload_handlers import cut_off_uploads

from . import samples
from .conftest import files_under


def test_upload_is_streamed_to_disk_and_hashed(settings, blob_dirs: dict[str, Path]) -> None:  # type: ignore[no-untyped-def]
    data = samples.pdf()
    request = RequestFactory().post("/upload", {"document": SimpleUploadedFile("a.pdf", data)})
    uploaded = request.FILES["document"]
    assert isinstance(uploaded, TemporaryUploadedFile)  # never held in memory
    assert uploaded.sha256 == hashlib.sha256(data).hexdigest()  # type: ignore[attr-defined]
    assert uploaded.md5 == hashlib.md5(data).hexdigest()  # type: ignore[attr-defined]  # noqa: S324
    assert uploaded.counted_size == len(data)  # type: ignore[attr-defined]
    assert Path(uploaded.temporary_file_path()).parent == blob_dirs["uploads"]
    stored = check_and_store(uploaded, rule=DOCUMENT_RULE)
    assert stored.sha256 == uploaded.sha256  # type: ignore[attr-defined]
    uploaded.close()
    assert files_under(blob_dirs["uploads"]) == []


def test_file_over_ceiling_is_cut_off_and_not_kept(settings, blob_dirs: dict[str, Path]) -> None:  # type: ignore[no-untyped-def]
    settings.LICHENG_MAX_UPLOAD_BYTES = 100_000
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    small = samples.image("PNG")
    request = RequestFactory().post(
        "/upload",
        {
            "document": SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * 300_000),
            "media": SimpleUploadedFile("ok.png", small),
            "description": "說明",
        },
    )
    assert set(request.FILES) == {"media"}
    assert request.POST["description"] == "說明"
    [cut] = cut_off_uploads(request)
    assert (cut.field_name, cut.file_name) == ("document", "big.pdf")
    assert 100_000 < cut.bytes_seen <= 100_000 + 64 * 1024 + 1  # stopped at the next chunk
    assert size_rejection(cut.bytes_seen, 100_000, at_least=True).message.startswith("檔案大於 ")
    request.FILES.getlist("media")[0].close()
    assert files_under(blob_dirs["uploads"]) == []


def test_exactly_at_ceiling_passes(settings, blob_dirs: dict[str, Path]) -> None:  # type: ignore[no-untyped-def]
    data = b"x" * 5000
    settings.LICHENG_MAX_UPLOAD_BYTES = len(data)
    request = RequestFactory().post("/upload", {"f": SimpleUploadedFile("a.pdf", data)})
    uploaded = request.FILES.getlist("f")[0]
    assert uploaded.counted_size == len(data)  # type: ignore[attr-defined]
    assert cut_off_uploads(request) == []
    uploaded.close()
