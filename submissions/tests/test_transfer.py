# ruff: noqa: F811  (the imported ``world`` fixture is used as a test argument)
"""Transfer students (RULES.md §1 歷程交換人員, §5): export at one school, import at another.

Export → import into a second school → items and files match (SHA-256); a tampered package is
refused whole; a student with another national ID is refused; non-registrars get 404.
"""

import datetime
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEvent
from files.ingest import blob_for, check_and_store
from files.rules import DOCUMENT_RULE
from files.tests import samples
from portfolios.models import CourseOutcome, OutcomeStatus, Performance, TickSlot
from portfolios.tests.conftest import (
    SchoolWorld,
    assign_role,
    make_student,
    make_user,
    world,  # noqa: F401
)
from schools.models import (
    CadreRecord,
    ClassMembership,
    CourseRecord,
    School,
    SchoolClass,
    Student,
    Term,
)
from submissions.models import TransferImport, TransferredItem

HOME = reverse("submissions_extra:transfer_home")
EXPORT = reverse("submissions_extra:transfer_export")
UPLOAD = reverse("submissions_extra:transfer_upload")


def stored_blob(data: bytes, name: str):
    return blob_for(check_and_store(SimpleUploadedFile(name, data), rule=DOCUMENT_RULE))


@dataclass
class Receiving:
    school: School
    registrar: object
    student: Student  # same national ID as the transferring student
    other: Student  # another student of the receiving school


@pytest.fixture
def portfolio(world: SchoolWorld):
    """The first student of ``world`` with a certified outcome (PDF), a pending one, a
    performance (PNG), a cadre record and two ticks."""
    student = world.students[0]
    record = CourseRecord.objects.create(
        offering=world.math, student=student, score="88.5", passed=True, credits_earned="2"
    )
    certified = CourseOutcome.objects.create(
        student=student,
        course_record=record,
        school_year=world.term.school_year,
        semester=world.term.semester,
        description="二次函數探究報告",
        status=OutcomeStatus.CERTIFIED,
        sent_at=timezone.now(),
        certified_by=world.math_teacher.user,
        certified_at=timezone.now(),
        document_blob=stored_blob(samples.pdf(text="report"), "report.pdf"),
        document_name="報告.pdf",
    )
    certified.certified_document_sha256 = certified.document_blob.sha256  # type: ignore[union-attr]
    certified.save()
    CourseOutcome.objects.create(
        student=student,
        course_record=record,
        school_year=world.term.school_year,
        semester=world.term.semester,
        description="另一份報告",
        status=OutcomeStatus.PENDING,
        sent_at=timezone.now(),
        document_blob=stored_blob(samples.pdf(text="draft"), "draft.pdf"),
        document_name="草稿.pdf",
    )
    performance = Performance.objects.create(
        student=student,
        record_type="competition",
        school_year=world.term.school_year,
        term=world.term,
        title="科展",
        details={"competition_name": "全國科展"},
        description="第一名",
        document_blob=stored_blob(samples.image(), "award.png"),
        document_name="獎狀.png",
    )
    CadreRecord.objects.create(
        student=student,
        term=world.term,
        unit_name="一年甲班",
        position_title="班長",
        level="2",
        start_date=datetime.date(2025, 9, 1),
    )
    TickSlot.objects.create(
        student=student, school_year=114, kind="outcome", slot=1, outcome=certified, semester=1
    )
    TickSlot.objects.create(
        student=student, school_year=114, kind="performance", slot=1, performance=performance
    )
    return student


@pytest.fixture
def receiving(world: SchoolWorld, portfolio: Student) -> Receiving:
    school = School.objects.create(code="654321", name="轉入高中")
    term = Term.objects.create(
        school=school,
        school_year=114,
        semester=2,
        start_date=datetime.date(2026, 2, 1),
        end_date=datetime.date(2026, 7, 31),
        is_current=True,
    )
    klass = SchoolClass.objects.create(school=school, school_year=114, grade=1, name="一年丙班")
    student = Student.objects.create(
        school=school,
        student_number="T0001",
        name=portfolio.name,
        national_id=portfolio.national_id,
        date_of_birth=portfolio.date_of_birth,
        entry_year=114,
    )
    ClassMembership.objects.create(student=student, term=term, school_class=klass, seat_number=1)
    other = make_student(school, klass, term)
    registrar = make_user("registrar-b")
    assign_role(registrar, Role.REGISTRAR, school)
    return Receiving(school=school, registrar=registrar, student=student, other=other)


def export(client, world: SchoolWorld, student: Student) -> bytes:
    client.force_login(world.registrar)
    response = client.post(EXPORT, {"student_number": student.student_number})
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/zip"
    return b"".join(response.streaming_content)


def upload(client, receiving: Receiving, data: bytes):
    client.force_login(receiving.registrar)
    return client.post(UPLOAD, {"package": SimpleUploadedFile("p.zip", data, "application/zip")})


def rezip(data: bytes, change) -> bytes:
    """Rewrite a package, letting ``change(name, bytes)`` alter members (manifest untouched)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, change(info.filename, src.read(info.filename)))
    return out.getvalue()


def nothing_imported(receiving: Receiving) -> bool:
    return (
        not CourseRecord.objects.filter(student=receiving.student).exists()
        and not CourseOutcome.objects.filter(student=receiving.student).exists()
        and not Performance.objects.filter(student=receiving.student).exists()
        and not TransferImport.objects.exists()
    )


def test_export_then_import_at_another_school_keeps_items_and_files(
    world: SchoolWorld, portfolio: Student, receiving: Receiving, client
):
    data = export(client, world, portfolio)
    assert AuditEvent.objects.filter(action="transfer.export", student=portfolio).exists()

    preview_redirect = upload(client, receiving, data)
    assert preview_redirect.status_code == 302
    preview = client.get(preview_redirect["Location"])
    page = preview.content.decode()
    assert preview.status_code == 200
    assert portfolio.name in page and portfolio.masked_id in page
    assert portfolio.national_id not in page
    assert "歷程高中（123456）" in page

    done = client.post(preview_redirect["Location"], {"student_number": "T0001"})

    assert done.status_code == 302 and done["Location"] == HOME
    target = receiving.student
    source_outcomes = {o.description: o for o in CourseOutcome.objects.filter(student=portfolio)}
    outcomes = {o.description: o for o in CourseOutcome.objects.filter(student=target)}
    assert set(outcomes) == set(source_outcomes)
    for description, outcome in outcomes.items():
        original = source_outcomes[description]
        assert outcome.status == original.status
        assert outcome.document_blob.sha256 == original.document_blob.sha256  # type: ignore[union-attr]
        assert outcome.document_name == original.document_name
    certified = outcomes["二次函數探究報告"]
    assert certified.certified_by is None
    assert certified.certified_document_sha256 == certified.document_blob.sha256  # type: ignore[union-attr]
    item = TransferredItem.objects.get(object_code=certified.code)
    assert item.certifier_name == "王數學"
    performance = Performance.objects.get(student=target)
    assert (
        performance.document_blob.sha256  # type: ignore[union-attr]
        == Performance.objects.get(student=portfolio).document_blob.sha256  # type: ignore[union-attr]
    )
    assert performance.details == {"competition_name": "全國科展"}
    record = CourseRecord.objects.select_related("offering__course", "offering__term").get(
        student=target
    )
    assert record.offering.term.school == receiving.school
    assert (record.offering.term.school_year, record.offering.term.semester) == (114, 1)
    assert record.offering.course.code == world.math.course.code
    assert record.offering.school_class is None and record.offering.teacher is None
    assert str(record.score) == "88.5"
    assert TransferredItem.objects.filter(kind="course_record", object_code=record.code).exists()
    assert CadreRecord.objects.get(student=target).position_title == "班長"
    assert TickSlot.objects.filter(student=target).count() == 2
    transfer = TransferImport.objects.get(student=target)
    assert transfer.source_school_code == "123456"
    assert transfer.counts["files"] == 3
    event = AuditEvent.objects.get(action="transfer.import")
    assert event.student == target and event.actor == receiving.registrar
    assert portfolio.national_id not in json.dumps(event.detail)


def test_every_file_is_checked_again_on_import(
    world: SchoolWorld, portfolio: Student, receiving: Receiving, client, monkeypatch
):
    from submissions.transfer import importing as transfer

    seen = []
    real = transfer.check_and_store

    def spy(uploaded, *, rule):
        result = real(uploaded, rule=rule)
        seen.append(result.sha256)
        return result

    monkeypatch.setattr(transfer, "check_and_store", spy)
    data = export(client, world, portfolio)
    preview = upload(client, receiving, data)["Location"]

    client.post(preview, {"student_number": "T0001"})

    assert len(seen) == 3


def test_tampered_package_is_refused_whole(
    world: SchoolWorld, portfolio: Student, receiving: Receiving, client
):
    data = export(client, world, portfolio)

    def flip(name: str, body: bytes) -> bytes:
        if name.startswith("files/"):
            return body[:-1] + bytes([body[-1] ^ 1])
        return body

    response = upload(client, receiving, rezip(data, flip))

    assert response.status_code == 400
    assert "資料包已損毀或遭竄改" in response.content.decode()
    assert "檢查碼不符" in response.content.decode()
    assert nothing_imported(receiving)


def test_edited_student_json_is_refused(
    world: SchoolWorld, portfolio: Student, receiving: Receiving, client
):
    data = export(client, world, portfolio)

    def edit(name: str, body: bytes) -> bytes:
        return body.replace(b"88.5", b"99.5") if name == "student.json" else body

    response = upload(client, receiving, rezip(data, edit))

    assert response.status_code == 400
    assert "student.json 的檢查碼不符" in response.content.decode()
    assert nothing_imported(receiving)


def test_truncated_package_is_refused(
    world: SchoolWorld, portfolio: Student, receiving: Receiving, client
):
    data = export(client, world, portfolio)

    response = upload(client, receiving, data[: len(data) // 2])

    assert response.status_code == 400
    assert nothing_imported(receiving)


def test_package_with_a_flipped_byte_on_disk_is_refused(
    world: SchoolWorld, portfolio: Student, receiving: Receiving, client
):
    data = bytearray(export(client, world, portfolio))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = next(i for i in archive.infolist() if i.filename.startswith("files/"))
    data[info.header_offset + 30 + len(info.filename) + 100] ^= 0x01  # inside a stored file

    response = upload(client, receiving, bytes(data))

    assert response.status_code == 400
    assert "資料包已損毀或遭竄改" in response.content.decode()
    assert nothing_imported(receiving)


def test_student_with_another_national_id_is_refused(
    world: SchoolWorld, portfolio: Student, receiving: Receiving, client
):
    data = export(client, world, portfolio)
    preview = upload(client, receiving, data)["Location"]

    response = client.post(preview, {"student_number": receiving.other.student_number})

    assert response.status_code == 400
    page = response.content.decode()
    assert "身分證統一編號" in page and "不符，未匯入" in page
    assert receiving.other.national_id not in page
    assert not CourseOutcome.objects.filter(student=receiving.other).exists()
    assert nothing_imported(receiving)


def test_importing_the_same_package_twice_is_refused(
    world: SchoolWorld, portfolio: Student, receiving: Receiving, client
):
    data = export(client, world, portfolio)
    first = upload(client, receiving, data)["Location"]
    client.post(first, {"student_number": "T0001"})
    second = upload(client, receiving, data)["Location"]

    response = client.post(second, {"student_number": "T0001"})

    assert response.status_code == 400
    assert "已匯入過" in response.content.decode()
    assert CourseOutcome.objects.filter(student=receiving.student).count() == 2


@pytest.mark.parametrize("who", ["student", "teacher", "other_school_registrar"])
def test_non_registrars_get_404(
    world: SchoolWorld, portfolio: Student, receiving: Receiving, client, who
):
    user = {
        "student": portfolio.user,
        "teacher": world.math_teacher.user,
        "other_school_registrar": receiving.registrar,
    }[who]
    client.force_login(user)

    export_response = client.post(EXPORT, {"student_number": portfolio.student_number})

    if who == "other_school_registrar":
        # Another school's registrar reaches the page but not this school's students.
        assert client.get(HOME).status_code == 200
        assert export_response.status_code == 400
    else:
        assert client.get(HOME).status_code == 404
        assert export_response.status_code == 404
        assert client.post(UPLOAD, {}).status_code == 404
    assert not AuditEvent.objects.filter(action="transfer.export").exists()


def test_preview_of_someone_elses_upload_is_404(
    world: SchoolWorld, portfolio: Student, receiving: Receiving, client
):
    data = export(client, world, portfolio)
    preview = upload(client, receiving, data)["Location"]
    other = make_user("registrar-b2")
    assign_role(other, Role.REGISTRAR, receiving.school)
    client.force_login(other)

    assert client.get(preview).status_code == 404
    assert client.post(preview, {"student_number": "T0001"}).status_code == 404
    assert nothing_imported(receiving)


def test_not_a_zip_is_refused_plainly(receiving: Receiving, client):
    response = upload(client, receiving, b"hello")

    assert response.status_code == 400
    assert "不是轉學生歷程資料包" in response.content.decode()


def test_package_lists_every_part_with_its_checksum(world: SchoolWorld, portfolio: Student, client):
    data = export(client, world, portfolio)

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        names = set(archive.namelist()) - {"manifest.json"}
        for part in manifest["parts"]:
            assert hashlib.sha256(archive.read(part["path"])).hexdigest() == part["sha256"]
        body = json.loads(archive.read("student.json"))
    assert {p["path"] for p in manifest["parts"]} == names
    assert manifest["format"] == "licheng-transfer" and manifest["format_version"] == 1
    assert "consultations" not in body  # never leave the school (RULES.md §2)


def test_deeply_nested_manifest_is_refused_plainly(
    world: SchoolWorld, portfolio: Student, receiving: Receiving, client
):
    """json.loads raises RecursionError on deep nesting: a refusal, not a server error."""
    data = export(client, world, portfolio)
    depth = 100_000

    def nest(name: str, body: bytes) -> bytes:
        if name == "manifest.json":
            return b'{"x":' + b"[" * depth + b"]" * depth + b"," + body.lstrip()[1:]
        return body

    response = upload(client, receiving, rezip(data, nest))

    assert response.status_code == 400
    assert "manifest.json 無法解讀" in response.content.decode()
    assert nothing_imported(receiving)
