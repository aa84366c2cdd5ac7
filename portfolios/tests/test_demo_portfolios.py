"""The demo school's portfolio items (``portfolios.demo``, via ``manage.py load_demo_school``).

Loading takes several seconds (generated PDFs, ffmpeg, file checks), so the module loads once
inside a transaction that is rolled back when the module ends; each test runs in a savepoint
of it (``django_db``), so nothing leaks into other modules.
"""

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import F
from PIL import Image
from pypdf import PdfReader

from accounts.models import User
from audit.models import AuditEvent
from files.models import Blob
from files.storage import blob_storage
from portfolios.demo import (
    CURRENT_WINDOWS_CLOSE,
    OUTCOMES,
    count_portfolio_rows,
    load_demo_portfolios,
)
from portfolios.models import (
    ConsultationRecord,
    CourseOutcome,
    OutcomeStatus,
    Performance,
    RecordType,
    TickKind,
    TickSlot,
    WindowKind,
)
from portfolios.permissions import certifiable_outcomes
from portfolios.schedule import tick_window_state, window_state
from schools.demo import SCHOOL_CODE
from schools.models import School, Student, Term


@pytest.fixture(scope="module")
def loaded(django_db_setup: Any, django_db_blocker: Any) -> Iterator[dict[str, int]]:
    with django_db_blocker.unblock(), transaction.atomic():
        out = io.StringIO()
        call_command("load_demo_school", stdout=out)
        assert "課程學習成果" in out.getvalue()
        yield count_portfolio_rows(School.objects.get(code=SCHOOL_CODE))
        transaction.set_rollback(True)


@pytest.fixture
def demo_student(loaded: dict[str, int]) -> Student:
    return Student.objects.get(user__username="demo-student")


@pytest.mark.django_db
def test_a_second_run_creates_nothing(loaded: dict[str, int]) -> None:
    events, blobs = AuditEvent.objects.count(), Blob.objects.count()

    call_command("load_demo_school", stdout=io.StringIO())

    assert count_portfolio_rows(School.objects.get(code=SCHOOL_CODE)) == loaded
    assert load_demo_portfolios() == loaded
    assert AuditEvent.objects.count() == events
    assert Blob.objects.count() == blobs


@pytest.mark.django_db
def test_demo_student_has_outcomes_in_every_state(demo_student: Student) -> None:
    current = CourseOutcome.objects.filter(student=demo_student, school_year=114)

    assert set(current.values_list("status", flat=True)) == set(OutcomeStatus.values)
    teacher_user = F("course_record__offering__teacher__user")
    returned = current.get(status=OutcomeStatus.RETURNED, returned_by=teacher_user)
    assert returned.return_reason == "請補上實作照片與反思"
    certified = current.filter(status=OutcomeStatus.CERTIFIED)
    assert certified.exclude(certified_by=teacher_user).count() == 0
    for outcome in certified:
        assert outcome.certified_document_sha256 == (
            outcome.document_blob.sha256 if outcome.document_blob else ""
        )
    by_teacher = current.filter(certified_by__username="demo-teacher")
    assert by_teacher.filter(course_record__offering__course__name="經濟學").exists()
    ticked = current.filter(tick__isnull=False)
    assert ticked.count() == 2
    assert set(ticked.values_list("status", flat=True)) == {OutcomeStatus.CERTIFIED}
    assert current.filter(status=OutcomeStatus.CERTIFIED, tick__isnull=True).exists()


@pytest.mark.django_db
def test_current_items_went_through_the_actions(demo_student: Student) -> None:
    actions = set(AuditEvent.objects.filter(student=demo_student).values_list("action", flat=True))

    assert {
        "outcome.uploaded",
        "outcome.certified",
        "outcome.returned",
        "performance.created",
        "tick.added",
        "consultation.created",
    } <= actions
    assert AuditEvent.objects.filter(action="window.set", actor__username="demo-registrar").exists()


@pytest.mark.django_db
def test_past_years_are_certified_ticked_and_submitted(demo_student: Student) -> None:
    slots = TickSlot.objects.filter(student=demo_student, kind=TickKind.OUTCOME)

    assert slots.filter(school_year=113).count() == 4
    assert slots.filter(school_year=112).count() == 2
    assert not slots.filter(school_year__lt=114, locked_at__isnull=True).exists()
    past = CourseOutcome.objects.filter(student=demo_student, school_year__lt=114)
    assert set(past.values_list("status", flat=True)) == {OutcomeStatus.CERTIFIED}
    assert past.filter(school_year=113, tick__isnull=True).count() == 1
    assert TickSlot.objects.filter(
        student=demo_student, school_year=113, kind=TickKind.PERFORMANCE
    ).exists()


@pytest.mark.django_db
def test_performances_have_real_details_files_and_ticks(demo_student: Student) -> None:
    performances = Performance.objects.filter(student=demo_student)

    assert {
        RecordType.CADRE,
        RecordType.COMPETITION,
        RecordType.CERTIFICATE,
        RecordType.SERVICE,
        RecordType.FLEXIBLE,
        RecordType.WORKS,
        RecordType.OTHER,
    } <= set(performances.values_list("record_type", flat=True))
    competition = performances.get(record_type=RecordType.COMPETITION)
    assert competition.details["level"] == "3"
    assert competition.details["participation"] == "1"
    assert "全國" in competition.title
    assert performances.filter(details__position_title="班長", school_year=113).exists()
    assert performances.filter(external_link__startswith="https://").exists()
    assert performances.filter(media_blob__content_type="video/mp4").exists()
    assert performances.filter(school_year=114, tick__isnull=False).count() == 3


@pytest.mark.django_db
def test_files_are_real_and_deduplicated(loaded: dict[str, int]) -> None:
    types = set(Blob.objects.values_list("content_type", flat=True))

    assert {"application/pdf", "image/png", "image/jpeg", "audio/mpeg", "video/mp4"} <= types
    assert loaded["檔案內容"] == 7  # 3 PDFs, a PNG, a JPEG, an MP3, an MP4, each stored once
    storage = blob_storage()
    report = CourseOutcome.objects.filter(document_name="經濟學_需求彈性調查報告.pdf").first()
    assert report is not None and report.document_blob is not None
    with storage.open(report.document_blob.storage_name, "rb") as handle:
        pdf = PdfReader(io.BytesIO(handle.read()))
    assert len(pdf.pages) == 1
    assert "課程學習成果報告" in pdf.pages[0].extract_text()
    photo = Blob.objects.filter(content_type="image/png").first()
    assert photo is not None
    with storage.open(photo.storage_name, "rb") as handle:
        assert Image.open(handle).size == (800, 600)


@pytest.mark.django_db
def test_current_windows_are_open_and_past_ones_closed(loaded: dict[str, int]) -> None:
    school = School.objects.get(code=SCHOOL_CODE)
    student = Student.objects.get(user__username="demo-student")
    current = Term.objects.get(school=school, is_current=True)

    for kind in WindowKind.values:
        state = window_state(kind, current, student)
        assert state.is_open, kind
        assert state.closes_at == CURRENT_WINDOWS_CLOSE
    for term in Term.objects.filter(school=school, is_current=False):
        assert not window_state(WindowKind.UPLOAD, term, student).is_open
        assert not window_state(WindowKind.CERTIFY, term, student).is_open
    assert not tick_window_state(113, school, student).is_open
    assert tick_window_state(114, school, student).is_open


@pytest.mark.django_db
def test_teacher_queue_and_consultation_have_content(loaded: dict[str, int]) -> None:
    teacher = User.objects.get(username="demo-teacher")
    pending = certifiable_outcomes(teacher).filter(status=OutcomeStatus.PENDING)

    assert pending.values("student").distinct().count() >= 4
    assert set(pending.values_list("course_record__offering__course__name", flat=True)) == {
        "經濟學"
    }
    classmates = {p.student_number for p in OUTCOMES} - {"s112001"}
    assert len(classmates) == 6
    record = ConsultationRecord.objects.get(
        student__user__username="demo-student", teacher__user__username="demo-consultant"
    )
    assert record.attachment_blob is not None
    assert record.attachment_blob.content_type == "application/pdf"
    assert record.attachment_blob.size <= 2_000_000
