"""Fixity audit, repair and sweep of stored blobs (RELIABILITY.md §0 lesson 2, D3, D4, F4).

``verify_blobs`` re-hashes every blob in the primary and the replica and lists what is missing,
changed or untracked, with the students affected; with ``repair=True`` it copies only from a
copy whose SHA-256 matches the recorded value. ``sweep_blobs`` deletes crash leftovers.
"""

import contextlib
import datetime as dt
import logging
import os
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files.storage import Storage
from django.db import models, transaction
from django.utils import timezone

from .hashing import Hasher
from .ingest import put_blob, stored_digest
from .models import Blob
from .storage import TMP_PREFIX, blob_name, blob_storage, is_blob_name, replica_storage, walk

logger = logging.getLogger(__name__)

MISSING, CHANGED, UNTRACKED = "missing", "changed", "untracked"
CATEGORY_LABELS = {MISSING: "遺失", CHANGED: "內容改變", UNTRACKED: "沒有紀錄"}


@dataclass
class Problem:
    """One bad copy: ``category`` missing/changed/untracked, in ``location`` primary/replica."""

    category: str
    location: str
    name: str
    sha256: str
    students: list[str] = field(default_factory=list)
    repaired: bool = False
    note: str = ""


@dataclass
class AuditReport:
    checked: int = 0
    problems: list[Problem] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)  # young untracked files (in-flight)
    damaged: list[str] = field(default_factory=list)  # sha256 with no good copy anywhere

    @property
    def unresolved(self) -> list[Problem]:
        return [p for p in self.problems if not p.repaired]


def copies() -> list[tuple[str, Storage]]:
    """The configured blob storages, labelled "primary" and "replica"."""
    found: list[tuple[str, Storage]] = [("primary", blob_storage())]
    replica = replica_storage()
    if replica is not None:
        found.append(("replica", replica))
    return found


def referencing_relations() -> list[tuple[type[models.Model], str]]:
    """(model, field name) of every foreign key or many-to-many pointing at Blob.

    Includes hidden relations (``related_name="+"``), which ``_meta.related_objects`` omits.
    """
    found: list[tuple[type[models.Model], str]] = []
    for rel in Blob._meta.get_fields(include_hidden=True):
        if rel.auto_created and not rel.concrete and isinstance(rel, models.ForeignObjectRel):
            model = rel.related_model
            if isinstance(model, type) and not model._meta.abstract:
                found.append((model, rel.field.name))
    return found


def _student_path(model: type[models.Model], skip: str) -> str | None:
    # A referencing model names its student directly, or through one foreign key.
    names = {f.name: f for f in model._meta.get_fields()}
    student = names.get("student")
    if isinstance(student, models.ForeignKey):
        return "student"
    for f in model._meta.get_fields():
        if isinstance(f, models.ForeignKey) and f.name != skip and f.related_model is not None:
            target = f.related_model
            if isinstance(target, type) and any(
                g.name == "student" and isinstance(g, models.ForeignKey)
                for g in target._meta.get_fields()
            ):
                return f"{f.name}__student"
    return None


def affected_students(sha256s: set[str]) -> dict[str, list[str]]:
    """sha256 → descriptions of the students whose rows reference that blob.

    Found generically through the relations pointing at Blob (hidden ones included): any
    referencing model with a ``student`` foreign key, directly or one foreign key away.
    """
    result: dict[str, set[str]] = defaultdict(set)
    if not sha256s:
        return {}
    for model, fk in referencing_relations():
        path = _student_path(model, fk)
        if path is None:
            continue
        rows = list(
            model._default_manager.filter(**{f"{fk}__sha256__in": sha256s})
            .values_list(f"{fk}__sha256", path)
            .distinct()
        )
        related: type[models.Model] = model
        for part in path.split("__"):
            related = related._meta.get_field(part).related_model  # type: ignore[assignment]
        students = related._default_manager.in_bulk({pk for _, pk in rows if pk is not None})
        for sha, pk in rows:
            if pk in students:
                result[sha].add(str(students[pk]))
    return {sha: sorted(names) for sha, names in result.items()}


@contextlib.contextmanager
def _verified_copy(storage: Storage, name: str, sha256: str, size: int) -> Iterator[Path | None]:
    """A temporary local copy of ``name`` if, and only if, it hashes to ``sha256``."""
    fd, tmp = tempfile.mkstemp(prefix="licheng-repair-", dir=settings.FILE_UPLOAD_TEMP_DIR)
    try:
        hasher = Hasher()
        with os.fdopen(fd, "wb") as out, storage.open(name, "rb") as src:
            while chunk := src.read(1024 * 1024):
                hasher.update(chunk)
                out.write(chunk)
        digest = hasher.digest()
        yield Path(tmp) if digest.sha256 == sha256 and digest.size == size else None
    finally:
        Path(tmp).unlink(missing_ok=True)


def _status(storage: Storage, blob: Blob) -> str:
    try:
        digest = stored_digest(storage, blob.storage_name)
    except OSError:
        logger.exception("blob %s unreadable", blob.sha256)
        return CHANGED
    if digest is None:
        return MISSING
    if digest.sha256 != blob.sha256 or digest.size != blob.size:
        return CHANGED
    return "ok"


def _age(storage: Storage, name: str, now: dt.datetime) -> dt.timedelta:
    try:
        return now - storage.get_modified_time(name)
    except (OSError, NotImplementedError):
        return dt.timedelta(0)


def verify_blobs(*, repair: bool = False, untracked_grace_hours: float = 24) -> AuditReport:
    """Re-hash every blob in every copy; report (and optionally repair) what is wrong.

    Updates ``Blob.last_verified_at`` for blobs whose copies are all good, and sets
    ``Blob.damaged_at`` when no copy matches (never serve bad bytes; the item needs a new
    upload). Repair copies only from a copy that matches the recorded hash (RELIABILITY D4).
    """
    report = AuditReport()
    now = timezone.now()
    stores = copies()
    known: set[str] = set()
    for blob in Blob.objects.order_by("pk").iterator():
        known.add(blob.sha256)
        report.checked += 1
        status = {label: _status(storage, blob) for label, storage in stores}
        bad = [label for label, s in status.items() if s != "ok"]
        good = [label for label, s in status.items() if s == "ok"]
        if not bad:
            Blob.objects.filter(pk=blob.pk).update(last_verified_at=now, damaged_at=None)
            continue
        for label in bad:
            report.problems.append(Problem(status[label], label, blob.storage_name, blob.sha256))
        if not good:
            report.damaged.append(blob.sha256)
            for problem in report.problems[-len(bad) :]:
                problem.note = "沒有完好的副本，需要學生重新上傳"
            if blob.damaged_at is None:
                Blob.objects.filter(pk=blob.pk).update(damaged_at=now)
            logger.critical("blob %s has no good copy left", blob.sha256)
            continue
        if repair:
            _repair(blob, dict(stores), good[0], report.problems[-len(bad) :])
    for label, storage in stores:
        for name in _safe_walk(storage):
            base = name.rsplit("/", 1)[-1]
            if base.startswith(TMP_PREFIX) or not is_blob_name(name) or base in known:
                continue
            if _age(storage, name, now) < dt.timedelta(hours=untracked_grace_hours):
                report.pending.append(f"{label}:{name}")
                continue
            report.problems.append(Problem(UNTRACKED, label, name, base))
    students = affected_students({p.sha256 for p in report.problems})
    for problem in report.problems:
        problem.students = students.get(problem.sha256, [])
    return report


def _repair(blob: Blob, stores: dict[str, Storage], source: str, problems: list[Problem]) -> None:
    with _verified_copy(stores[source], blob.storage_name, blob.sha256, blob.size) as path:
        if path is None:  # changed between the check and the copy: never copy bad bytes
            return
        digest = Hasher()
        with path.open("rb") as handle:
            while chunk := handle.read(1024 * 1024):
                digest.update(chunk)
        for problem in problems:
            try:
                put_blob(stores[problem.location], blob.storage_name, path, digest.digest())
            except Exception:
                logger.exception("repair of %s in %s failed", blob.sha256, problem.location)
                problem.note = "修復失敗"
                continue
            problem.repaired = True
            problem.note = f"已由 {source} 的完好副本修復"
    if all(p.repaired for p in problems):
        Blob.objects.filter(pk=blob.pk).update(last_verified_at=timezone.now(), damaged_at=None)


def _safe_walk(storage: Storage) -> Iterator[str]:
    try:
        yield from walk(storage)
    except FileNotFoundError:
        return


@dataclass
class SweepReport:
    deleted_files: list[str] = field(default_factory=list)
    deleted_rows: list[str] = field(default_factory=list)
    kept_young: int = 0


def _referenced(blob: Blob) -> bool:
    # referencing_relations(), not Blob._meta.related_objects: every item's foreign key to
    # Blob is hidden (related_name="+"), and related_objects leaves hidden relations out.
    return any(
        model._default_manager.filter(**{fk: blob}).exists()
        for model, fk in referencing_relations()
    )


def sweep_blobs(*, grace_hours: float = 24, dry_run: bool = False) -> SweepReport:
    """Delete what no row needs, once older than the grace period.

    - temporary files (``.tmp-*``) left by a crash mid-write;
    - blob files with no Blob row (the upload crashed between storing and committing);
    - Blob rows no item references any more, and their files.

    A reused blob's time is refreshed on every upload, so bytes an upload is about to commit
    are never swept.
    """
    report = SweepReport()
    now = timezone.now()
    grace = dt.timedelta(hours=grace_hours)
    stale = Blob.objects.filter(created_at__lt=now - grace)
    for blob in stale.iterator():
        if _referenced(blob):
            continue
        if not dry_run:
            with transaction.atomic():
                locked = Blob.objects.select_for_update().filter(pk=blob.pk).first()
                if locked is None or _referenced(locked):
                    continue
                locked.delete()
        report.deleted_rows.append(blob.sha256)
    known = set(Blob.objects.values_list("sha256", flat=True))
    for label, storage in copies():
        for name in _safe_walk(storage):
            base = name.rsplit("/", 1)[-1]
            is_tmp = base.startswith(TMP_PREFIX)
            if not is_tmp and (not is_blob_name(name) or base in known):
                continue
            if _age(storage, name, now) < grace:
                report.kept_young += 1
                continue
            # Re-check right before deleting: a new upload may have created the row.
            if not is_tmp and Blob.objects.filter(sha256=base).exists():
                continue
            if not dry_run:
                storage.delete(name)
            report.deleted_files.append(f"{label}:{name}")
    _sweep_upload_spool(report, now - grace, dry_run=dry_run)
    return report


def _sweep_upload_spool(report: SweepReport, cutoff: dt.datetime, *, dry_run: bool) -> None:
    """Remove request bodies Django spooled to FILE_UPLOAD_TEMP_DIR (``*.upload*``) that a
    killed worker left behind (RELIABILITY.md F1): they hold student data."""
    spool = getattr(settings, "FILE_UPLOAD_TEMP_DIR", None)
    if not spool or not Path(spool).is_dir():
        return
    for path in Path(spool).iterdir():
        if not path.is_file() or ".upload" not in path.name:
            continue
        modified = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
        if modified >= cutoff:
            report.kept_young += 1
            continue
        if not dry_run:
            path.unlink(missing_ok=True)
        report.deleted_files.append(f"upload-spool:{path.name}")


__all__ = [
    "CATEGORY_LABELS",
    "AuditReport",
    "Problem",
    "SweepReport",
    "affected_students",
    "blob_name",
    "sweep_blobs",
    "verify_blobs",
]
