"""Check an upload against its slot's rule, then store its bytes durably (RULES.md §10).

The life of an upload (ARCHITECTURE.md): the body streamed to a temporary file and was hashed
on the way (``upload_handlers``); here the content is identified and parsed, then written under
its SHA-256 to the blob storage and the replica, fsynced, and read back — all before
:func:`check_and_store` returns. The caller then creates its rows with :func:`blob_for` inside
its own transaction; only after that commits may the student be told "uploaded".
"""

import contextlib
import errno
import logging
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext

from . import checks
from .checks import StrPath
from .errors import FileRejected, StorageFailure
from .hashing import CHUNK, Digest, Hasher, digest_stream
from .models import Blob
from .names import name_extension, safe_display_name
from .rules import ALL_TYPES, FileRule, kind_name
from .storage import blob_name, blob_storage, replica_storage

__all__ = [
    "FileRejected",
    "StorageFailure",
    "StoredFile",
    "blob_for",
    "check_and_store",
    "format_size",
    "size_rejection",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredFile:
    """Bytes that passed the rule and are durably stored (not yet referenced by any row)."""

    sha256: str  # hex
    md5: str  # hex
    size: int  # bytes
    content_type: str  # detected, e.g. "application/pdf"
    extension: str  # lower-case, as uploaded and agreeing with the content, e.g. "jpg"
    display_name: str  # safe_display_name() of the uploaded name


# --- Messages -----------------------------------------------------------------------------


def format_size(size: int) -> str:
    """A size for people: one decimal in MB (10^6 bytes), bytes below 0.1 MB."""
    if size < 100_000:
        return _bytes(size)
    return f"{size / 1_000_000:.1f} MB"


def _bytes(size: int) -> str:
    return gettext("%(n)s 位元組") % {"n": f"{size:,}"}


def _format_limit(limit: int) -> str:
    if limit >= 100_000 and limit % 1_000_000 == 0:
        return f"{limit // 1_000_000} MB"
    return format_size(limit)


def size_rejection(size: int, limit: int, *, at_least: bool = False) -> FileRejected:
    """The refusal for a file of ``size`` bytes over ``limit`` ("檔案為 5.2 MB，超過 4 MB 上限").

    When one decimal would hide the difference (4,000,001 bytes shows as 4.0 MB) the exact
    byte counts are given. ``at_least`` says the upload was cut off at ``size`` bytes.
    """
    shown, shown_limit = format_size(size), _format_limit(limit)
    if size >= 100_000 and round(size / 1_000_000, 1) <= round(limit / 1_000_000, 1):
        shown = _bytes(size)
        shown_limit = gettext("%(limit)s（%(bytes)s）") % {
            "limit": shown_limit,
            "bytes": _bytes(limit),
        }
    # "4 MB 上限" but "2,000 位元組上限": one wording each, the same in English.
    if shown_limit[-1].isascii():
        if at_least:
            message = gettext("檔案大於 %(size)s，超過 %(limit)s 上限")
        else:
            message = gettext("檔案為 %(size)s，超過 %(limit)s 上限")
    elif at_least:
        message = gettext("檔案大於 %(size)s，超過 %(limit)s上限")
    else:
        message = gettext("檔案為 %(size)s，超過 %(limit)s上限")
    return FileRejected(message % {"size": shown, "limit": shown_limit}, code="too_large")


# --- Local copy ---------------------------------------------------------------------------


@contextlib.contextmanager
def _local_file(uploaded: UploadedFile | File) -> Iterator[tuple[str, Digest]]:
    """A path holding the upload's bytes, and their digest.

    Files from :class:`~files.upload_handlers.HashingTemporaryFileUploadHandler` are already on
    disk and hashed; anything else (in-memory files, tests, the demo) is spooled to a temporary
    file with a neutral name, hashed on the way.
    """
    temp_path = getattr(uploaded, "temporary_file_path", None)
    sha256, md5 = getattr(uploaded, "sha256", None), getattr(uploaded, "md5", None)
    counted = getattr(uploaded, "counted_size", None)
    if callable(temp_path) and sha256 and md5 and counted is not None:
        yield str(temp_path()), Digest(sha256, md5, counted)
        return
    fd, name = tempfile.mkstemp(prefix="licheng-check-", dir=settings.FILE_UPLOAD_TEMP_DIR)
    try:
        hasher = Hasher()
        with os.fdopen(fd, "wb") as out:
            if hasattr(uploaded, "seek"):
                uploaded.seek(0)
            for chunk in uploaded.chunks(CHUNK):
                hasher.update(chunk)
                out.write(chunk)
        yield name, hasher.digest()
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)


# --- Checks -------------------------------------------------------------------------------


def _check(path: StrPath, digest: Digest, raw_name: str, rule: FileRule) -> StoredFile:
    if digest.size == 0:
        raise FileRejected(gettext("檔案是空的（0 位元組）"), code="empty")
    if digest.size > rule.max_bytes:
        raise size_rejection(digest.size, rule.max_bytes)
    allowed = rule.extensions_text()
    extension = name_extension(raw_name)
    if not extension:
        raise FileRejected(
            gettext("檔名沒有副檔名，只接受 %(allowed)s 檔") % {"allowed": allowed},
            code="no_extension",
        )
    if extension not in rule.allowed_extensions():
        raise FileRejected(
            gettext("不接受 .%(ext)s 檔，只接受 %(allowed)s")
            % {"ext": extension, "allowed": allowed},
            code="extension",
        )
    content_type = checks.detect_content_type(path)
    if content_type not in ALL_TYPES[extension]:
        accepted = {t for types in rule.accepted_types().values() for t in types}
        if content_type in accepted:
            message = gettext("副檔名為 .%(ext)s，但檔案內容是 %(kind)s") % {
                "ext": extension,
                "kind": kind_name(content_type),
            }
            raise FileRejected(message, code="extension_mismatch")
        raise FileRejected(
            gettext("副檔名為 .%(ext)s，但檔案內容是 %(kind)s，只接受 %(allowed)s")
            % {"ext": extension, "kind": kind_name(content_type), "allowed": allowed},
            code="content_type",
        )
    if content_type == "application/pdf":
        checks.check_pdf(path)
    elif content_type in ("image/jpeg", "image/png"):
        checks.check_image(path, content_type)
    else:
        checks.check_media(path, extension)
    return StoredFile(
        sha256=digest.sha256,
        md5=digest.md5,
        size=digest.size,
        content_type=content_type,
        extension=extension,
        display_name=safe_display_name(raw_name, extension=extension),
    )


# --- Durable store ------------------------------------------------------------------------


def _storage_failure(exc: BaseException) -> StorageFailure:
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageFailure(
            gettext("伺服器儲存空間不足，這次上傳沒有保存；請稍後再試，或通知學校"),
            code="storage_full",
        )
    return StorageFailure(
        gettext("伺服器儲存檔案時發生錯誤，這次上傳沒有保存；請稍後再試"), code="storage_error"
    )


def stored_digest(storage: Storage, name: str) -> Digest | None:
    """The digest of a stored copy, or None when it does not exist."""
    try:
        with storage.open(name, "rb") as handle:
            return digest_stream(handle)
    except FileNotFoundError:
        return None


def _write(storage: Storage, name: str, path: StrPath, *, replace: bool) -> None:
    with open(path, "rb") as handle:
        content = File(handle, name=name)
        if replace and hasattr(storage, "replace"):
            storage.replace(name, content)
            return
        if replace:
            storage.delete(name)
        # FileExistsError: the same bytes arrived concurrently; the read-back verifies them.
        with contextlib.suppress(FileExistsError):
            storage.save(name, content)


def put_blob(storage: Storage, name: str, path: StrPath, digest: Digest) -> None:
    """Make ``storage`` hold a verified copy of ``path`` under ``name`` (idempotent).

    An existing copy with the right hash is reused (its time refreshed for the sweep); a
    damaged one is replaced. The copy is read back and re-hashed before returning.
    """
    existing = stored_digest(storage, name) if storage.exists(name) else None
    if existing == digest:
        if hasattr(storage, "touch"):
            storage.touch(name)
        return
    if existing is not None:
        logger.warning(
            "blob %s was damaged in %r; rewriting it from a verified upload", name, storage
        )
    _write(storage, name, path, replace=existing is not None)
    if stored_digest(storage, name) != digest:
        raise OSError(errno.EIO, f"blob {name} does not read back with its hash")


def check_and_store(uploaded: UploadedFile | File, *, rule: FileRule) -> StoredFile:
    """Validate an upload against ``rule`` and store its bytes durably; no database writes.

    Checks, in order: empty, size (``rule.max_bytes``, bytes), extension allow-list, content
    type by libmagic, extension agreeing with the content, then a parse (PDF opens strictly and
    has no encryption or active content; image decodes within 64 megapixels; media probes with
    ffprobe). Then writes ``ab/cd/<sha256>`` to the blob storage and to the replica when
    configured, each fsynced (file and directory) and read back.

    Raises FileRejected (nothing stored) or StorageFailure (retryable; at most a complete,
    verified, unreferenced blob remains, which ``sweep_blobs`` removes after its grace period).
    """
    raw_name = uploaded.name or ""
    with _local_file(uploaded) as (path, digest):
        stored = _check(path, digest, raw_name, rule)
        name = blob_name(stored.sha256)
        targets = [blob_storage()]
        replica = replica_storage()
        if replica is not None:
            targets.append(replica)
        for storage in targets:
            try:
                put_blob(storage, name, path, digest)
            except Exception as exc:  # any backend error: OSError, botocore, …
                logger.exception("storing blob %s failed in %r", name, storage)
                raise _storage_failure(exc) from exc
    return stored


def blob_for(stored: StoredFile) -> Blob:
    """The Blob row for stored bytes, created if new. Call inside the caller's transaction."""
    blob, _created = Blob.objects.get_or_create(
        sha256=stored.sha256,
        defaults={"md5": stored.md5, "size": stored.size, "content_type": stored.content_type},
    )
    return blob
