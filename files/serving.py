"""Serving stored blobs: verified bytes only, as downloads (RELIABILITY.md I4, §6.2 item 6).

Callers check access first (``portfolios.permissions``); these functions only stream.
"""

import logging

from django.core.files import File
from django.http import FileResponse

from .errors import BlobUnavailable
from .hashing import digest_stream
from .models import Blob
from .rules import INLINE_TYPES
from .storage import blob_storage, replica_storage

logger = logging.getLogger(__name__)

# Served bytes can never run script or load anything on our origin.
ATTACHMENT_CSP = "sandbox; default-src 'none'"
# Browsers refuse to render PDFs in a CSP sandbox, so an inline PDF gets the rest only.
INLINE_PDF_CSP = "default-src 'none'; frame-ancestors 'self'"


def open_blob(blob: Blob) -> File:
    """Open a blob's bytes for reading, from a copy whose SHA-256 matches the record.

    Tries the primary, then the replica; a damaged or missing copy is logged (``verify_files
    --repair`` fixes it). Raises BlobUnavailable when no copy matches: bad bytes are never
    served. The returned file is positioned at 0; the caller closes it.
    """
    storages = [("primary", blob_storage()), ("replica", replica_storage())]
    for label, storage in storages:
        if storage is None:
            continue
        try:
            handle = storage.open(blob.storage_name, "rb")
        except FileNotFoundError:
            logger.error("blob %s is missing from the %s storage", blob.sha256, label)
            continue
        except OSError:
            logger.exception("blob %s cannot be opened in the %s storage", blob.sha256, label)
            continue
        try:
            digest = digest_stream(handle)
        except OSError:
            logger.exception("blob %s cannot be read in the %s storage", blob.sha256, label)
            handle.close()
            continue
        if digest.sha256 == blob.sha256 and digest.size == blob.size:
            handle.seek(0)
            return handle
        logger.error("blob %s is damaged in the %s storage", blob.sha256, label)
        handle.close()
    raise BlobUnavailable(blob.sha256)


def blob_response(blob: Blob, *, display_name: str, inline: bool = False) -> FileResponse:
    """A streaming response with a blob's verified bytes.

    ``Content-Disposition: attachment`` (RFC 6266 ``filename*`` for non-ASCII names) unless
    ``inline`` is asked for an image/jpeg, image/png or application/pdf blob; our own detected
    Content-Type; ``nosniff``; ``Cache-Control: private, no-store``; CSP sandbox (for inline PDFs
    ``default-src 'none'`` without sandbox, which browsers would refuse to render);
    ``Cross-Origin-Resource-Policy: same-origin``. Raises BlobUnavailable (see open_blob).
    """
    as_inline = inline and blob.content_type in INLINE_TYPES
    response = FileResponse(
        open_blob(blob),
        as_attachment=not as_inline,
        filename=display_name,
        content_type=blob.content_type,
    )
    response["Content-Length"] = str(blob.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    if as_inline and blob.content_type == "application/pdf":
        response["Content-Security-Policy"] = INLINE_PDF_CSP
        response["X-Frame-Options"] = "SAMEORIGIN"
    else:
        response["Content-Security-Policy"] = ATTACHMENT_CSP
    return response
