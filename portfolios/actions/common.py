"""Helpers shared by portfolio actions: storing an upload and locking a student."""

from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from files.ingest import FileRejected, StoredFile, blob_for, check_and_store
from files.models import Blob
from files.rules import FileRule
from schools.models import Student, Term

from ..errors import PortfolioError
from ..models import WindowKind
from ..schedule import window_state
from ..validation import check_quota


def store(uploaded: UploadedFile | None, rule: FileRule) -> StoredFile | None:
    """Check and durably store one uploaded file (before any database write); None if no file.

    Raises PortfolioError with the file check's message (e.g. "檔案為 5.2 MB，超過 4 MB 上限").
    """
    if uploaded is None:
        return None
    try:
        return check_and_store(uploaded, rule=rule)
    except FileRejected as exc:
        raise PortfolioError(
            _("%(label)s：%(reason)s") % {"label": rule.label, "reason": exc.message},
            code=getattr(exc, "code", "file_rejected"),
        ) from exc


@dataclass
class BlobRef:
    blob: Blob
    name: str


def attach(stored: StoredFile | None) -> BlobRef | None:
    """Inside the transaction: the Blob row for stored bytes."""
    if stored is None:
        return None
    return BlobRef(blob_for(stored), stored.display_name)


def lock_student(student: Student) -> Student:
    """Lock the student's row for the rest of the transaction (serialises caps and quota)."""
    return (
        Student.objects.select_for_update(of=("self",)).select_related("school").get(pk=student.pk)
    )


def require_window(kind: str, term: Term, student: Student | None) -> None:
    """Refuse outside the window, saying when it was or will be (RULES.md §3)."""
    state = window_state(kind, term, student)
    if not state.is_open:
        raise PortfolioError(state.message, code="window_closed")


def require_upload_window(term: Term, student: Student) -> None:
    require_window(WindowKind.UPLOAD, term, student)


def replace_files(
    item: Any,
    student: Student,
    *,
    document: StoredFile | None,
    media: StoredFile | None,
    remove_document: bool,
    remove_media: bool,
) -> None:
    """Inside the transaction, with the student locked: check the quota for the change and
    put the new (or no) document and media file on ``item`` (an outcome or performance whose
    blobs are loaded). A replaced or removed file's bytes no longer count (RULES.md §10)."""
    removing = 0
    if document is not None or remove_document:
        removing += item.document_blob.size if item.document_blob else 0
    if media is not None or remove_media:
        removing += item.media_blob.size if item.media_blob else 0
    adding = sum(stored.size for stored in (document, media) if stored)
    check_quota(student, adding=adding, removing=removing)
    doc, med = attach(document), attach(media)
    if doc is not None:
        item.document_blob, item.document_name = doc.blob, doc.name
    elif remove_document:
        item.document_blob, item.document_name = None, ""
    if med is not None:
        item.media_blob, item.media_name = med.blob, med.name
    elif remove_media:
        item.media_blob, item.media_name = None, ""
