"""check_and_store: every file rule of RULES.md §10 and the bad inputs of RELIABILITY.md §3."""

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_stubs_ext import StrOrPromise

from files.checks import IMAGE_CORRUPT, MEDIA_CORRUPT, PDF_CORRUPT, PDF_ENCRYPTED
from files.errors import FileRejected
from files.ingest import blob_for, check_and_store, size_rejection
from files.models import Blob
from files.rules import ATTACHMENT_RULE, DOCUMENT_RULE, MEDIA_RULE, FileRule
from files.storage import blob_name

from . import samples
from .conftest import files_under

DOC_ONLY = "只接受 pdf、jpg、png"


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def assert_stored(root: Path, data: bytes) -> None:
    sha = hashlib.sha256(data).hexdigest()
    path = root / blob_name(sha)
    assert path.read_bytes() == data


# --- Accepted files -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "maker", "content_type", "extension"),
    [
        ("成果報告.pdf", lambda: samples.pdf(), "application/pdf", "pdf"),
        ("photo.PNG", lambda: samples.image("PNG"), "image/png", "png"),
        ("photo.jpg", lambda: samples.image("JPEG"), "image/jpeg", "jpg"),
        ("photo.jpeg", lambda: samples.image("JPEG"), "image/jpeg", "jpeg"),
    ],
)
def test_document_accepted_and_stored_r10(
    blob_dirs: dict[str, Path],
    name: str,
    maker: Callable[[], bytes],
    content_type: str,
    extension: str,
) -> None:
    data = maker()
    stored = check_and_store(upload(name, data), rule=DOCUMENT_RULE)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.md5 == hashlib.md5(data).hexdigest()  # noqa: S324 - exchange checksum
    assert (stored.size, stored.content_type, stored.extension) == (
        len(data),
        content_type,
        extension,
    )
    assert stored.display_name.endswith(f".{extension}")
    assert_stored(blob_dirs["primary"], data)
    assert files_under(blob_dirs["uploads"]) == []


@pytest.mark.parametrize("kind", ["mp3", "mp4"])
def test_media_accepted_r10(blob_dirs: dict[str, Path], media: dict[str, bytes], kind: str) -> None:
    stored = check_and_store(upload(f"作品.{kind}", media[kind]), rule=MEDIA_RULE)
    assert stored.content_type == {"mp3": "audio/mpeg", "mp4": "video/mp4"}[kind]
    assert stored.display_name == f"作品.{kind}"
    assert_stored(blob_dirs["primary"], media[kind])


def test_png_with_html_after_iend_is_stored_as_png_only(blob_dirs: dict[str, Path]) -> None:
    # A polyglot (RELIABILITY.md §3 item 2): it decodes as a PNG, so it is kept, but only ever
    # as image/png behind nosniff and CSP sandbox (see test_serving).
    data = samples.image("PNG") + samples.HTML
    stored = check_and_store(upload("poly.png", data), rule=DOCUMENT_RULE)
    assert stored.content_type == "image/png"


def test_exactly_at_limit_accepted_limit_plus_one_refused_r10(
    blob_dirs: dict[str, Path], nothing_stored: Callable[[], None]
) -> None:
    data = samples.image("PNG")
    at_limit = FileRule("document", "文件", ("pdf", "jpg", "png"), len(data))
    below = FileRule("document", "文件", ("pdf", "jpg", "png"), len(data) - 1)
    with pytest.raises(FileRejected) as refused:
        check_and_store(upload("a.png", data), rule=below)
    assert refused.value.code == "too_large"
    assert (
        refused.value.message == f"檔案為 {len(data):,} 位元組，超過 {len(data) - 1:,} 位元組上限"
    )
    nothing_stored()
    assert check_and_store(upload("a.png", data), rule=at_limit).size == len(data)


@pytest.mark.parametrize(
    ("size", "limit", "message"),
    [
        (5_200_000, 4_000_000, "檔案為 5.2 MB，超過 4 MB 上限"),
        (4_000_001, 4_000_000, "檔案為 4,000,001 位元組，超過 4 MB（4,000,000 位元組）上限"),
        (4_194_304, 4_000_000, "檔案為 4.2 MB，超過 4 MB 上限"),  # 4 MiB is over 4 MB
        (10_000_001, 10_000_000, "檔案為 10,000,001 位元組，超過 10 MB（10,000,000 位元組）上限"),
        (2_100_000, 2_000_000, "檔案為 2.1 MB，超過 2 MB 上限"),
    ],
)
def test_size_messages_use_decimal_megabytes(size: int, limit: int, message: str) -> None:
    assert size_rejection(size, limit).message == message


# --- Refusals: exact message, nothing stored -----------------------------------------------

MEDIA_ONLY = "只接受 mp3、mp4"


def _cases() -> list[
    tuple[str, str, Callable[[dict[str, bytes]], bytes], FileRule, str, StrOrPromise]
]:
    return [
        ("empty", "a.pdf", lambda m: b"", DOCUMENT_RULE, "empty", "檔案是空的（0 位元組）"),
        (
            "oversized",
            "big.pdf",
            lambda m: b"%PDF-1.4\n" + b"0" * 5_200_000,
            DOCUMENT_RULE,
            "too_large",
            "檔案為 5.2 MB，超過 4 MB 上限",
        ),
        (
            "attachment oversized",
            "a.pdf",
            lambda m: b"%PDF-1.4\n" + b"0" * 2_100_000,
            ATTACHMENT_RULE,
            "too_large",
            "檔案為 2.1 MB，超過 2 MB 上限",
        ),
        (
            "exe",
            "virus.exe",
            lambda m: samples.EXE,
            DOCUMENT_RULE,
            "extension",
            f"不接受 .exe 檔，{DOC_ONLY}",
        ),
        (
            "svg",
            "a.svg",
            lambda m: b"<svg/>",
            DOCUMENT_RULE,
            "extension",
            f"不接受 .svg 檔，{DOC_ONLY}",
        ),
        (
            "double extension",
            "a.pdf.exe",
            lambda m: samples.EXE,
            DOCUMENT_RULE,
            "extension",
            f"不接受 .exe 檔，{DOC_ONLY}",
        ),
        (
            "no extension",
            "README",
            lambda m: samples.pdf(),
            DOCUMENT_RULE,
            "no_extension",
            f"檔名沒有副檔名，{DOC_ONLY} 檔",
        ),
        (
            "mp3 in document slot",
            "a.mp3",
            lambda m: m["mp3"],
            DOCUMENT_RULE,
            "extension",
            f"不接受 .mp3 檔，{DOC_ONLY}",
        ),
        (
            "html renamed jpg",
            "photo.jpg",
            lambda m: samples.HTML,
            DOCUMENT_RULE,
            "content_type",
            f"副檔名為 .jpg，但檔案內容是 HTML 網頁，{DOC_ONLY}",
        ),
        (
            "html renamed pdf",
            "a.pdf",
            lambda m: samples.HTML,
            DOCUMENT_RULE,
            "content_type",
            f"副檔名為 .pdf，但檔案內容是 HTML 網頁，{DOC_ONLY}",
        ),
        (
            "exe renamed pdf",
            "report.pdf",
            lambda m: samples.EXE,
            DOCUMENT_RULE,
            "content_type",
            f"副檔名為 .pdf，但檔案內容是 Windows 執行檔（EXE），{DOC_ONLY}",
        ),
        (
            "zip renamed pdf",
            "report.pdf",
            lambda m: samples.zip_bytes(),
            DOCUMENT_RULE,
            "content_type",
            f"副檔名為 .pdf，但檔案內容是 ZIP 壓縮檔，{DOC_ONLY}",
        ),
        (
            "png renamed jpg",
            "photo.jpg",
            lambda m: samples.image("PNG"),
            DOCUMENT_RULE,
            "extension_mismatch",
            "副檔名為 .jpg，但檔案內容是 PNG 圖片",
        ),
        (
            "pdf renamed png",
            "scan.png",
            lambda m: samples.pdf(),
            DOCUMENT_RULE,
            "extension_mismatch",
            "副檔名為 .png，但檔案內容是 PDF 文件",
        ),
        (
            "truncated pdf",
            "a.pdf",
            lambda m: samples.pdf()[:300],
            DOCUMENT_RULE,
            "pdf_corrupt",
            PDF_CORRUPT,
        ),
        (
            "header-only pdf",
            "a.pdf",
            lambda m: b"%PDF-1.7\n%%EOF\n",
            DOCUMENT_RULE,
            "pdf_corrupt",
            PDF_CORRUPT,
        ),
        (
            "encrypted pdf",
            "a.pdf",
            lambda m: samples.pdf(encrypt=True),
            DOCUMENT_RULE,
            "pdf_encrypted",
            PDF_ENCRYPTED,
        ),
        (
            "pdf with javascript",
            "a.pdf",
            lambda m: samples.pdf(javascript=True),
            DOCUMENT_RULE,
            "pdf_active_content",
            "PDF 檔案含有不接受的主動內容（JavaScript），請另存為一般 PDF 後再上傳",
        ),
        (
            "decompression bomb png",
            "bomb.png",
            lambda m: samples.bomb_png(),
            DOCUMENT_RULE,
            "image_too_many_pixels",
            "圖片像素 30000×30000 超過 6400 萬像素上限",
        ),
        (
            "just over the pixel budget",
            "wide.png",
            lambda m: samples.bomb_png(8001, 8000),
            DOCUMENT_RULE,
            "image_too_many_pixels",
            "圖片像素 8001×8000 超過 6400 萬像素上限",
        ),
        (
            "truncated png",
            "a.png",
            lambda m: samples.image("PNG", (300, 300))[:120],
            DOCUMENT_RULE,
            "image_corrupt",
            IMAGE_CORRUPT,
        ),
        (
            "truncated jpeg",
            "a.jpg",
            lambda m: samples.image("JPEG", (300, 300))[:400],
            DOCUMENT_RULE,
            "image_corrupt",
            IMAGE_CORRUPT,
        ),
        (
            "png wrong crc",
            "a.png",
            lambda m: samples.image("PNG")[:-5] + b"\x00\x00\x00\x00\x00",
            DOCUMENT_RULE,
            "image_corrupt",
            IMAGE_CORRUPT,
        ),
        (
            "mp4 renamed mp3",
            "song.mp3",
            lambda m: m["mp4"],
            MEDIA_RULE,
            "extension_mismatch",
            "副檔名為 .mp3，但檔案內容是 MP4 影片",
        ),
        (
            "mp3 renamed mp4",
            "clip.mp4",
            lambda m: m["mp3"],
            MEDIA_RULE,
            "extension_mismatch",
            "副檔名為 .mp4，但檔案內容是 MP3 音訊",
        ),
        (
            "html renamed mp3",
            "song.mp3",
            lambda m: samples.HTML,
            MEDIA_RULE,
            "content_type",
            f"副檔名為 .mp3，但檔案內容是 HTML 網頁，{MEDIA_ONLY}",
        ),
        (
            "pdf in media slot",
            "a.pdf",
            lambda m: samples.pdf(),
            MEDIA_RULE,
            "extension",
            f"不接受 .pdf 檔，{MEDIA_ONLY}",
        ),
        (
            "truncated mp4",
            "clip.mp4",
            lambda m: m["mp4"][: len(m["mp4"]) // 2],
            MEDIA_RULE,
            "media_corrupt",
            MEDIA_CORRUPT,
        ),
        (
            "mp4 with bogus boxes",
            "clip.mp4",
            lambda m: m["mp4"][:32] + b"\xff" * 2000,
            MEDIA_RULE,
            "media_corrupt",
            MEDIA_CORRUPT,
        ),
    ]


@pytest.mark.parametrize(
    ("name", "maker", "rule", "code", "message"),
    [case[1:] for case in _cases()],
    ids=[case[0] for case in _cases()],
)
def test_bad_file_refused_with_message_and_nothing_stored(
    blob_dirs: dict[str, Path],
    nothing_stored: Callable[[], None],
    media: dict[str, bytes],
    name: str,
    maker: Callable[[dict[str, bytes]], bytes],
    rule: FileRule,
    code: str,
    message: str,
) -> None:
    with pytest.raises(FileRejected) as refused:
        check_and_store(upload(name, maker(media)), rule=rule)
    assert (refused.value.code, refused.value.message) == (code, message)
    nothing_stored()


# --- Dedup and blob rows ------------------------------------------------------------------


@pytest.mark.django_db
def test_same_bytes_twice_make_one_blob_r4_7(blob_dirs: dict[str, Path]) -> None:
    data = samples.pdf()
    first = check_and_store(upload("一.pdf", data), rule=DOCUMENT_RULE)
    second = check_and_store(upload("二.pdf", data), rule=DOCUMENT_RULE)
    assert first.sha256 == second.sha256
    assert (first.display_name, second.display_name) == ("一.pdf", "二.pdf")
    assert len(files_under(blob_dirs["primary"])) == 1
    assert blob_for(first) == blob_for(second)
    blob = Blob.objects.get()
    assert (blob.md5, blob.size, blob.content_type) == (first.md5, len(data), "application/pdf")
    assert blob.storage_name == blob_name(first.sha256)


def test_damaged_existing_copy_is_rewritten_by_a_new_upload(blob_dirs: dict[str, Path]) -> None:
    data = samples.pdf()
    stored = check_and_store(upload("a.pdf", data), rule=DOCUMENT_RULE)
    path = blob_dirs["primary"] / blob_name(stored.sha256)
    path.write_bytes(b"garbage")
    check_and_store(upload("a.pdf", data), rule=DOCUMENT_RULE)
    assert path.read_bytes() == data


def test_replica_written_before_return_d2(replica_dirs: dict[str, Path]) -> None:
    data = samples.image("JPEG")
    check_and_store(upload("a.jpg", data), rule=DOCUMENT_RULE)
    assert_stored(replica_dirs["primary"], data)
    assert_stored(replica_dirs["replica"], data)
