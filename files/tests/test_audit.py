"""verify_files and sweep_blobs (RELIABILITY.md D3, D4, F4; the 2021 loss, RULES.md §11)."""

import datetime as dt
import os
import time
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection, models

from files.audit import sweep_blobs, verify_blobs
from files.ingest import blob_for, check_and_store
from files.models import Blob
from files.rules import DOCUMENT_RULE
from files.storage import TMP_PREFIX, blob_name
from schools.models import School, Student

from . import samples

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def reference_model() -> Iterator[type[models.Model]]:
    """A throw-away item model that points at a Blob (hidden relation) and a student."""

    class BlobReference(models.Model):
        blob = models.ForeignKey(Blob, on_delete=models.PROTECT, related_name="+")
        student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="+")

        class Meta:
            app_label = "files"

        def __str__(self) -> str:
            return str(self.pk)

    with connection.schema_editor() as editor:
        editor.create_model(BlobReference)
    yield BlobReference
    with connection.schema_editor() as editor:
        editor.delete_model(BlobReference)
    del apps.all_models["files"]["blobreference"]
    apps.clear_cache()


def _student(number: str, name: str) -> Student:
    school, _ = School.objects.get_or_create(code="123456", defaults={"name": "測試高中"})
    ids = {"S1": "A123456789", "S2": "B123456780"}
    return Student.objects.create(
        school=school,
        student_number=number,
        name=name,
        national_id=ids[number],
        date_of_birth=dt.date(2008, 5, 1),
        entry_year=112,
    )


def _store(data: bytes, name: str = "a.png") -> Blob:
    return blob_for(check_and_store(SimpleUploadedFile(name, data), rule=DOCUMENT_RULE))


def _age(path: Path, hours: float) -> None:
    old = time.time() - hours * 3600
    os.utime(path, (old, old))


def test_verify_reports_missing_changed_untracked_with_students_f4(
    replica_dirs: dict[str, Path], reference_model: type[models.Model]
) -> None:
    ming, hua = _student("S1", "王小明"), _student("S2", "陳小華")
    gone = _store(samples.image("PNG", (10, 10)))
    changed = _store(samples.image("PNG", (11, 11)))
    fine = _store(samples.image("PNG", (12, 12)))
    reference_model._default_manager.create(blob=gone, student=ming)
    reference_model._default_manager.create(blob=changed, student=hua)
    reference_model._default_manager.create(blob=fine, student=hua)
    primary = replica_dirs["primary"]
    (primary / gone.storage_name).unlink()
    damaged = bytearray((primary / changed.storage_name).read_bytes())
    damaged[30] ^= 0x01  # one flipped bit
    (primary / changed.storage_name).write_bytes(bytes(damaged))
    stray = primary / blob_name("ab" * 32)
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"left over")
    _age(stray, 48)

    out = StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("verify_files", stdout=out)
    assert failed.value.returncode == 1
    lines = sorted(out.getvalue().splitlines()[:-1])
    assert lines == sorted(
        [
            f"missing\t遺失\tprimary\t{gone.storage_name}\t學生：S1 王小明",
            f"changed\t內容改變\tprimary\t{changed.storage_name}\t學生：S2 陳小華",
            f"untracked\t沒有紀錄\tprimary\t{stray.relative_to(primary)}\t學生：—",
        ]
    )
    assert out.getvalue().splitlines()[-1] == (
        "檢查 3 個檔案內容：問題 3 個，已修復 0 個，沒有完好副本 0 個，上傳中 0 個。"
    )

    # Repair copies only from the replica copy whose hash matches (D4).
    out = StringIO()
    with pytest.raises(CommandError):  # the untracked file is the sweep's job
        call_command("verify_files", "--repair", stdout=out)
    assert "已由 replica 的完好副本修復" in out.getvalue()
    assert (primary / gone.storage_name).read_bytes() == samples.image("PNG", (10, 10))
    stray.unlink()
    call_command("verify_files", stdout=StringIO())  # clean: exit status 0
    assert Blob.objects.filter(last_verified_at__isnull=True).count() == 0


def test_blob_with_no_good_copy_is_marked_damaged(replica_dirs: dict[str, Path]) -> None:
    blob = _store(samples.pdf(), "a.pdf")
    (replica_dirs["primary"] / blob.storage_name).write_bytes(b"bad")
    (replica_dirs["replica"] / blob.storage_name).write_bytes(b"also bad")
    report = verify_blobs(repair=True)
    assert [(p.category, p.location, p.repaired) for p in report.problems] == [
        ("changed", "primary", False),
        ("changed", "replica", False),
    ]
    assert report.damaged == [blob.sha256]
    blob.refresh_from_db()
    assert blob.damaged_at is not None
    # The bad bytes were not copied anywhere.
    assert (replica_dirs["replica"] / blob.storage_name).read_bytes() == b"also bad"


def test_sweep_removes_old_unreferenced_blobs_and_temp_files(
    blob_dirs: dict[str, Path], reference_model: type[models.Model]
) -> None:
    primary = blob_dirs["primary"]
    kept = _store(samples.image("PNG", (10, 10)))
    reference_model._default_manager.create(blob=kept, student=_student("S1", "王小明"))
    orphan_row = _store(samples.image("PNG", (11, 11)))
    Blob.objects.filter(pk=orphan_row.pk).update(
        created_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=30)
    )
    crash_left = check_and_store(
        SimpleUploadedFile("b.png", samples.image("PNG", (12, 12))), rule=DOCUMENT_RULE
    )
    young = check_and_store(
        SimpleUploadedFile("c.png", samples.image("PNG", (13, 13))), rule=DOCUMENT_RULE
    )
    tmp = primary / "ab" / f"{TMP_PREFIX}deadbeef"
    tmp.parent.mkdir(parents=True, exist_ok=True)
    tmp.write_bytes(b"partial")
    for path in (primary / orphan_row.storage_name, primary / blob_name(crash_left.sha256), tmp):
        _age(path, 30)

    report = sweep_blobs(grace_hours=24)

    assert report.deleted_rows == [orphan_row.sha256]
    assert sorted(report.deleted_files) == sorted(
        [
            f"primary:{orphan_row.storage_name}",
            f"primary:{blob_name(crash_left.sha256)}",
            f"primary:ab/{TMP_PREFIX}deadbeef",
        ]
    )
    assert (primary / kept.storage_name).exists()
    assert (primary / blob_name(young.sha256)).exists()  # within the grace period
    assert not tmp.exists()
    assert list(Blob.objects.values_list("sha256", flat=True)) == [kept.sha256]


def test_reusing_a_blob_restarts_its_grace_period(blob_dirs: dict[str, Path]) -> None:
    data = samples.image("PNG")
    stored = check_and_store(SimpleUploadedFile("a.png", data), rule=DOCUMENT_RULE)
    path = blob_dirs["primary"] / blob_name(stored.sha256)
    _age(path, 30)
    check_and_store(SimpleUploadedFile("again.png", data), rule=DOCUMENT_RULE)
    assert sweep_blobs(grace_hours=24).deleted_files == []
    assert path.exists()


@pytest.mark.django_db
def test_sweep_removes_stale_spooled_uploads_f1(settings: Any, tmp_path: Path) -> None:
    """A killed worker can leave Django's spooled request body behind; it holds student data."""
    spool = tmp_path / "spool"
    spool.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(spool)
    old = spool / "tmpabc.upload.pdf"
    old.write_bytes(b"%PDF-1.4 partial")
    two_days_ago = time.time() - 48 * 3600
    os.utime(old, (two_days_ago, two_days_ago))
    young = spool / "tmpdef.upload.pdf"
    young.write_bytes(b"%PDF-1.4 in flight")

    report = sweep_blobs(grace_hours=24)

    assert not old.exists()
    assert young.exists()
    assert "upload-spool:tmpabc.upload.pdf" in report.deleted_files
