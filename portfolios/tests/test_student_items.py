"""Students upload, edit and tick portfolio items: every rule and bad input of the issue.

Each refusal asserts the exact message and that nothing was stored (no item row, no Blob row,
no blob file). RULES.md §2.4, §2.5, §3, §4, §10; RELIABILITY.md §3.
"""

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from files.models import Blob
from files.tests import samples
from portfolios.models import (
    CourseOutcome,
    OutcomeStatus,
    Performance,
    RuleSet,
    TickSlot,
    WindowKind,
)
from schools.models import CourseRecord

from .conftest import SchoolWorld, make_outcome, open_window


@pytest.fixture
def blob_root(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "blobs"
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(uploads)
    settings.STORAGES = {
        **settings.STORAGES,
        "blobs": {
            "BACKEND": "files.storage.DurableFileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    return root


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def student_setup(world: SchoolWorld, blob_root: Path) -> dict[str, Any]:
    student = world.students[0]
    for kind in WindowKind.values:
        open_window(world.term, kind)
    record, _ = CourseRecord.objects.get_or_create(offering=world.math, student=student)
    return {"student": student, "record": record, "root": blob_root}


def post_outcome(
    client: Any,
    record: CourseRecord,
    *,
    description: str = "我的數學報告",
    files: dict[str, SimpleUploadedFile] | None = None,
) -> Any:
    data: dict[str, Any] = {
        "course_record": str(record.code),
        "description": description,
        "send": "on",
    }
    data.update(files if files is not None else {"document": pdf_upload()})
    return client.post(reverse("portfolios:outcome_upload"), data)


def pdf_upload(name: str = "報告.pdf", data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data if data is not None else samples.pdf(), "application/pdf")


def form_errors(response: Any) -> str:
    return response.content.decode()


def assert_nothing_stored(root: Path) -> None:
    assert CourseOutcome.objects.count() == 0
    assert Blob.objects.count() == 0
    assert stored_files(root) == []


def test_student_uploads_outcome_and_it_goes_to_the_teacher_r2_4(
    student_setup: dict[str, Any], login: Any
) -> None:
    client = login(student_setup["student"].user)
    response = post_outcome(client, student_setup["record"])
    outcome = CourseOutcome.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("portfolios:outcome_detail", args=[outcome.code])
    assert outcome.status == OutcomeStatus.PENDING
    assert outcome.document_name == "報告.pdf"
    assert (
        outcome.document_blob is not None
        and outcome.document_blob.content_type == "application/pdf"
    )
    assert len(stored_files(student_setup["root"])) == 1
    assert AuditEvent.objects.filter(
        action="outcome.uploaded", student=student_setup["student"]
    ).exists()


BAD_FILES = [
    (
        "wrong type",
        "a.pdf",
        samples.EXE,
        "文件：副檔名為 .pdf，但檔案內容是 Windows 執行檔（EXE），只接受 pdf、jpg、png",
    ),
    (
        "extension lies",
        "photo.jpg",
        samples.image("PNG"),
        "文件：副檔名為 .jpg，但檔案內容是 PNG 圖片",
    ),
    (
        "html as jpg",
        "x.jpg",
        samples.HTML,
        "文件：副檔名為 .jpg，但檔案內容是 HTML 網頁，只接受 pdf、jpg、png",
    ),
    ("empty", "empty.pdf", b"", "文件：檔案是空的（0 位元組）"),
    ("truncated pdf", "cut.pdf", samples.pdf()[:300], "文件：PDF 檔案已損毀或不完整，無法開啟"),
    ("forbidden extension", "virus.exe", samples.EXE, "文件：不接受 .exe 檔，只接受 pdf、jpg、png"),
]


@pytest.mark.parametrize(
    ("case", "name", "data", "message"), BAD_FILES, ids=[c[0] for c in BAD_FILES]
)
def test_bad_document_refused_with_message_and_nothing_stored_r10(
    student_setup: dict[str, Any], login: Any, case: str, name: str, data: bytes, message: str
) -> None:
    client = login(student_setup["student"].user)
    response = post_outcome(
        client, student_setup["record"], files={"document": SimpleUploadedFile(name, data)}
    )
    assert response.status_code == 200
    assert message in form_errors(response)
    assert_nothing_stored(student_setup["root"])


def test_oversized_document_refused_naming_the_limit_r10(
    student_setup: dict[str, Any], login: Any
) -> None:
    RuleSet.objects.filter(school_year=109).update(document_max_bytes=4_000_000)
    big = samples.pdf() + b"%" + b"0" * 5_200_000
    client = login(student_setup["student"].user)
    response = post_outcome(
        client, student_setup["record"], files={"document": pdf_upload(data=big)}
    )
    assert "文件：檔案為 5.2 MB，超過 4 MB 上限" in form_errors(response)
    assert_nothing_stored(student_setup["root"])


def test_decompression_bomb_png_refused_r10(student_setup: dict[str, Any], login: Any) -> None:
    client = login(student_setup["student"].user)
    response = post_outcome(
        client,
        student_setup["record"],
        files={"document": SimpleUploadedFile("bomb.png", samples.bomb_png())},
    )
    assert "超過" in form_errors(response) and "像素" in form_errors(response)
    assert_nothing_stored(student_setup["root"])


def test_description_of_101_characters_refused_r10(
    student_setup: dict[str, Any], login: Any
) -> None:
    client = login(student_setup["student"].user)
    response = post_outcome(client, student_setup["record"], description="成" * 101)
    assert "簡述為 101 字，超過 100 字上限。" in form_errors(response)
    assert_nothing_stored(student_setup["root"])


def test_description_of_100_chinese_characters_accepted_counted_as_characters_r10(
    student_setup: dict[str, Any], login: Any
) -> None:
    client = login(student_setup["student"].user)
    response = post_outcome(client, student_setup["record"], description="𠀀" * 100)
    assert response.status_code == 302
    assert CourseOutcome.objects.get().description == "𠀀" * 100


def test_description_with_bidi_override_refused(student_setup: dict[str, Any], login: Any) -> None:
    client = login(student_setup["student"].user)
    response = post_outcome(client, student_setup["record"], description="報告\u202efdp.exe")
    assert "簡述含有不允許的控制字元（U+202E），請刪除後再送出。" in form_errors(response)
    assert_nothing_stored(student_setup["root"])


def test_outcome_without_any_file_refused_r2_4(student_setup: dict[str, Any], login: Any) -> None:
    client = login(student_setup["student"].user)
    response = post_outcome(client, student_setup["record"], files={})
    assert "請至少上傳文件或影音檔案其中一項。" in form_errors(response)
    assert_nothing_stored(student_setup["root"])


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\me\\報告.pdf", "報告.pdf"),
        ("成果\u202efdp.pdf", "成果fdp.pdf"),
    ],
)
def test_path_traversal_and_unicode_names_are_neutralised(
    student_setup: dict[str, Any], login: Any, raw: str, shown: str
) -> None:
    client = login(student_setup["student"].user)
    response = post_outcome(client, student_setup["record"], files={"document": pdf_upload(raw)})
    assert response.status_code == 302
    outcome = CourseOutcome.objects.get()
    assert outcome.document_name == shown
    # Bytes live only under their hash, inside the blob root.
    assert outcome.document_blob is not None
    for path in stored_files(student_setup["root"]):
        assert path.name == outcome.document_blob.sha256


def test_upload_outside_window_refused_with_its_dates_r3(
    world: SchoolWorld, blob_root: Path, login: Any
) -> None:
    student = world.students[0]
    window = open_window(world.term, WindowKind.UPLOAD)
    window.opens_at = timezone.now() - datetime.timedelta(days=30)
    window.closes_at = timezone.now() - datetime.timedelta(days=1)
    window.save()
    record, _ = CourseRecord.objects.get_or_create(offering=world.math, student=student)
    client = login(student.user)
    response = post_outcome(client, record)
    assert "學生上傳期間為" in form_errors(response)
    assert "已截止。" in form_errors(response)
    assert_nothing_stored(blob_root)


def test_upload_allowed_for_a_student_with_an_extension_r3(
    world: SchoolWorld, blob_root: Path, login: Any
) -> None:
    from portfolios.models import WindowExtension

    student = world.students[0]
    window = open_window(world.term, WindowKind.UPLOAD)
    window.opens_at = timezone.now() - datetime.timedelta(days=30)
    window.closes_at = timezone.now() - datetime.timedelta(days=1)
    window.save()
    WindowExtension.objects.create(
        window=window, student=student, closes_at=timezone.now() + datetime.timedelta(days=2)
    )
    record, _ = CourseRecord.objects.get_or_create(offering=world.math, student=student)
    response = post_outcome(login(student.user), record)
    assert response.status_code == 302


def test_another_students_outcome_is_404(
    student_setup: dict[str, Any], login: Any, world: SchoolWorld
) -> None:
    other = world.students[1]
    outcome = make_outcome(world.math, other)
    client = login(student_setup["student"].user)
    assert client.get(reverse("portfolios:outcome_detail", args=[outcome.code])).status_code == 404
    assert (
        client.get(
            reverse("portfolios:item_file", args=["outcome", outcome.code, "document"])
        ).status_code
        == 404
    )
    assert client.post(reverse("portfolios:outcome_delete", args=[outcome.code])).status_code == 404
    assert (
        client.post(reverse("portfolios:tick_toggle", args=["outcome", outcome.code])).status_code
        == 404
    )
    assert CourseOutcome.objects.filter(pk=outcome.pk).exists()


def test_cannot_upload_for_another_students_course_record(
    student_setup: dict[str, Any], login: Any, world: SchoolWorld
) -> None:
    other_record, _ = CourseRecord.objects.get_or_create(
        offering=world.math, student=world.students[1]
    )
    client = login(student_setup["student"].user)
    response = post_outcome(client, other_record)
    assert response.status_code == 200  # the choice is not offered: a form error
    assert_nothing_stored(student_setup["root"])


def test_quota_refuses_upload_past_200_mb_r10(student_setup: dict[str, Any], login: Any) -> None:
    student = student_setup["student"]
    student.school.storage_quota_bytes = 100
    student.school.save()
    client = login(student.user)
    response = post_outcome(client, student_setup["record"])
    assert "儲存空間不足：已使用 0.0 MB，本次上傳" in form_errors(response)
    assert "超過每人 0.0 MB 上限。" in form_errors(response)
    assert CourseOutcome.objects.count() == 0
    assert Blob.objects.count() == 0


def test_changing_file_bytes_voids_certification_identical_bytes_keep_it_r4_7(
    student_setup: dict[str, Any], login: Any, world: SchoolWorld
) -> None:
    from portfolios import actions

    student = student_setup["student"]
    client = login(student.user)
    original = samples.pdf(text="first")
    post_outcome(client, student_setup["record"], files={"document": pdf_upload(data=original)})
    outcome = CourseOutcome.objects.get()
    actions.certify_outcomes(actor=world.math_teacher.user, outcomes=[outcome])
    outcome.refresh_from_db()
    assert outcome.status == OutcomeStatus.CERTIFIED
    url = reverse("portfolios:outcome_detail", args=[outcome.code])

    client.post(url, {"description": outcome.description, "document": pdf_upload(data=original)})
    outcome.refresh_from_db()
    assert outcome.status == OutcomeStatus.CERTIFIED  # same SHA-256 keeps it

    client.post(
        url,
        {
            "description": outcome.description,
            "document": pdf_upload(data=samples.pdf(text="second")),
        },
    )
    outcome.refresh_from_db()
    assert outcome.status == OutcomeStatus.PENDING
    assert outcome.certified_by is None
    assert AuditEvent.objects.filter(action="outcome.certification_voided").count() == 1


def test_returned_outcome_fixed_goes_back_to_pending_r4_3(
    student_setup: dict[str, Any], login: Any, world: SchoolWorld
) -> None:
    from portfolios import actions

    client = login(student_setup["student"].user)
    post_outcome(client, student_setup["record"])
    outcome = CourseOutcome.objects.get()
    actions.return_outcome(actor=world.math_teacher.user, outcome=outcome, reason="缺少反思")
    page = client.get(reverse("portfolios:outcome_detail", args=[outcome.code]))
    assert "缺少反思" in page.content.decode()
    client.post(
        reverse("portfolios:outcome_detail", args=[outcome.code]),
        {"description": "補上反思", "send": "on"},
    )
    outcome.refresh_from_db()
    assert outcome.status == OutcomeStatus.PENDING


# --- Ticking (勾選), RULES.md §3 -------------------------------------------------------------


def tick(client: Any, kind: str, code: Any, action: str = "tick") -> Any:
    return client.post(
        reverse("portfolios:tick_toggle", args=[kind, code]),
        {"action": action},
        HTTP_HX_REQUEST="true",
    )


def test_only_certified_outcomes_can_be_ticked_r4_2(
    student_setup: dict[str, Any], login: Any, world: SchoolWorld
) -> None:
    outcome = make_outcome(world.math, student_setup["student"], status=OutcomeStatus.PENDING)
    response = tick(login(student_setup["student"].user), "outcome", outcome.code)
    assert "只有已認證的課程學習成果可以勾選（目前為待認證）。" in response.content.decode()
    assert TickSlot.objects.count() == 0


def test_seventh_outcome_tick_refused_r3(
    student_setup: dict[str, Any], login: Any, world: SchoolWorld
) -> None:
    student = student_setup["student"]
    client = login(student.user)
    outcomes = [make_outcome(world.math, student, status=OutcomeStatus.CERTIFIED) for _ in range(7)]
    for outcome in outcomes[:6]:
        assert "tick-error" not in tick(client, "outcome", outcome.code).content.decode()
    response = tick(client, "outcome", outcomes[6].code)
    assert "114 學年度已勾選 6 件課程學習成果，已達每學年 6 件上限。" in response.content.decode()
    assert TickSlot.objects.filter(student=student).count() == 6
    assert "(6/6)" in response.content.decode()


def test_eleventh_performance_tick_refused_r3(
    student_setup: dict[str, Any], login: Any, world: SchoolWorld
) -> None:
    student = student_setup["student"]
    client = login(student.user)
    performances = [
        Performance.objects.create(
            student=student,
            record_type="other",
            school_year=114,
            term=world.term,
            title=f"活動{i}",
            description="參加活動",
        )
        for i in range(11)
    ]
    for performance in performances[:10]:
        tick(client, "performance", performance.code)
    response = tick(client, "performance", performances[10].code)
    assert "114 學年度已勾選 10 件多元表現，已達每學年 10 件上限。" in response.content.decode()
    assert TickSlot.objects.filter(student=student, kind="performance").count() == 10


def test_tick_caps_are_data_per_school_year_r3(
    student_setup: dict[str, Any], login: Any, world: SchoolWorld
) -> None:
    RuleSet.objects.create(school_year=114, outcome_tick_cap=2, performance_tick_cap=10)
    student = student_setup["student"]
    client = login(student.user)
    outcomes = [make_outcome(world.math, student, status=OutcomeStatus.CERTIFIED) for _ in range(3)]
    for outcome in outcomes[:2]:
        tick(client, "outcome", outcome.code)
    assert "已達每學年 2 件上限" in tick(client, "outcome", outcomes[2].code).content.decode()


def test_untick_frees_the_slot(
    student_setup: dict[str, Any], login: Any, world: SchoolWorld
) -> None:
    student = student_setup["student"]
    client = login(student.user)
    outcome = make_outcome(world.math, student, status=OutcomeStatus.CERTIFIED)
    tick(client, "outcome", outcome.code)
    tick(client, "outcome", outcome.code, "untick")
    assert TickSlot.objects.count() == 0


def test_locked_tick_cannot_be_released_or_edited(
    student_setup: dict[str, Any], login: Any, world: SchoolWorld
) -> None:
    student = student_setup["student"]
    client = login(student.user)
    outcome = make_outcome(world.math, student, status=OutcomeStatus.CERTIFIED)
    tick(client, "outcome", outcome.code)
    TickSlot.objects.update(locked_at=timezone.now())
    assert (
        "學校已提交這個勾選，不能取消。"
        in tick(client, "outcome", outcome.code, "untick").content.decode()
    )
    response = client.post(reverse("portfolios:outcome_delete", args=[outcome.code]), follow=True)
    assert "已由學校提交至中央資料庫" in response.content.decode()
    assert CourseOutcome.objects.filter(pk=outcome.pk).exists()


def test_tick_outside_tick_window_refused_r3(world: SchoolWorld, login: Any) -> None:
    student = world.students[0]
    outcome = make_outcome(world.math, student, status=OutcomeStatus.CERTIFIED)
    response = tick(login(student.user), "outcome", outcome.code)
    assert "本學期尚未設定學生勾選期間。" in response.content.decode()
    assert TickSlot.objects.count() == 0


def test_cabinet_shows_tick_counters_and_uncertified(
    student_setup: dict[str, Any], login: Any, world: SchoolWorld
) -> None:
    student = student_setup["student"]
    client = login(student.user)
    certified = make_outcome(world.math, student, status=OutcomeStatus.CERTIFIED)
    make_outcome(world.math, student, status=OutcomeStatus.PENDING)
    tick(client, "outcome", certified.code)
    page = client.get(reverse("portfolios:cabinet")).content.decode()
    assert "(1/6)" in page
    assert "(0/10)" in page
    assert "未認證學習成果：1 筆" in page


def test_upload_past_the_absolute_ceiling_is_cut_off_with_a_clear_message_r10(
    student_setup: dict[str, Any], login: Any, settings: Any
) -> None:
    settings.LICHENG_MAX_UPLOAD_BYTES = 50_000
    big = samples.pdf() + b"%" + b"0" * 200_000
    client = login(student_setup["student"].user)
    response = post_outcome(
        client, student_setup["record"], files={"document": pdf_upload(data=big)}
    )
    assert "文件：檔案大於" in form_errors(response)
    assert "超過 4 MB 上限" in form_errors(response)
    assert_nothing_stored(student_setup["root"])


def test_deleting_needs_confirmation_and_a_ticked_outcome_must_be_unticked_first(
    student_setup: dict[str, Any], login: Any, world: SchoolWorld
) -> None:
    student = student_setup["student"]
    client = login(student.user)
    outcome = make_outcome(world.math, student, status=OutcomeStatus.CERTIFIED)
    url = reverse("portfolios:outcome_delete", args=[outcome.code])

    page = client.post(url, follow=True).content.decode()
    assert "請勾選「確定刪除」後再按刪除。" in page
    assert CourseOutcome.objects.filter(pk=outcome.pk).exists()

    tick(client, "outcome", outcome.code)
    page = client.post(url, {"confirm": "yes"}, follow=True).content.decode()
    assert "這件學習成果已勾選，請先取消勾選再刪除。" in page
    assert CourseOutcome.objects.filter(pk=outcome.pk).exists()

    tick(client, "outcome", outcome.code, "untick")
    client.post(url, {"confirm": "yes"})
    assert not CourseOutcome.objects.filter(pk=outcome.pk).exists()
