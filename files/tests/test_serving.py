"""Serving: verified bytes only, as downloads (RELIABILITY.md I4, F4, §6.2 item 6)."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from files.errors import BlobUnavailable
from files.ingest import blob_for, check_and_store
from files.models import Blob
from files.rules import DOCUMENT_RULE, MEDIA_RULE
from files.serving import blob_response, open_blob

from . import samples

pytestmark = pytest.mark.django_db


def _blob(name: str, data: bytes, rule=DOCUMENT_RULE) -> Blob:  # type: ignore[no-untyped-def]
    return blob_for(check_and_store(SimpleUploadedFile(name, data), rule=rule))


def _body(response) -> bytes:  # type: ignore[no-untyped-def]
    body = b"".join(response.streaming_content)
    response.close()
    return body


def test_download_is_attachment_with_safe_headers_i4(blob_dirs: dict[str, Path]) -> None:
    data = samples.pdf()
    response = blob_response(_blob("a.pdf", data), display_name="成果 報告.pdf")
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%E6%88%90%E6%9E%9C%20%E5%A0%B1%E5%91%8A.pdf"
    )
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert response["Content-Length"] == str(len(data))
    assert _body(response) == data


@pytest.mark.parametrize(
    ("name", "maker", "disposition"),
    [
        ("a.png", lambda m: samples.image("PNG"), "inline"),
        ("a.jpg", lambda m: samples.image("JPEG"), "inline"),
        ("a.pdf", lambda m: samples.pdf(), "inline"),
        ("a.mp4", lambda m: m["mp4"], "attachment"),
        ("a.mp3", lambda m: m["mp3"], "attachment"),
    ],
)
def test_inline_only_for_images_and_pdf(
    blob_dirs: dict[str, Path], media: dict[str, bytes], name: str, maker, disposition: str
) -> None:  # type: ignore[no-untyped-def]
    rule = MEDIA_RULE if name.endswith(("mp3", "mp4")) else DOCUMENT_RULE
    blob = _blob(name, maker(media), rule)
    response = blob_response(blob, display_name=name, inline=True)
    assert response["Content-Disposition"] == f'{disposition}; filename="{name}"'
    assert response["Content-Type"] == blob.content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    if blob.content_type == "application/pdf":
        assert response["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'self'"
    else:
        assert response["Content-Security-Policy"].startswith("sandbox")
    _body(response)


def test_polyglot_png_is_served_only_as_an_image(blob_dirs: dict[str, Path]) -> None:
    blob = _blob("poly.png", samples.image("PNG") + samples.HTML)
    response = blob_response(blob, display_name="poly.png", inline=True)
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox")
    _body(response)


def test_open_blob_falls_back_to_replica_when_primary_is_corrupt_f4(
    replica_dirs: dict[str, Path],
) -> None:
    data = samples.pdf()
    blob = _blob("a.pdf", data)
    primary = replica_dirs["primary"] / blob.storage_name
    flipped = bytearray(data)
    flipped[100] ^= 0x01
    primary.write_bytes(bytes(flipped))
    with open_blob(blob) as handle:
        assert handle.read() == data
    primary.unlink()
    with open_blob(blob) as handle:
        assert handle.read() == data


def test_no_good_copy_is_never_served(replica_dirs: dict[str, Path]) -> None:
    blob = _blob("a.pdf", samples.pdf())
    (replica_dirs["primary"] / blob.storage_name).write_bytes(b"bad")
    (replica_dirs["replica"] / blob.storage_name).unlink()
    with pytest.raises(BlobUnavailable):
        open_blob(blob)
    with pytest.raises(BlobUnavailable):
        blob_response(blob, display_name="a.pdf")
