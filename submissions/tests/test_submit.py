"""Submit (提交): refused while the pre-check has errors; creates a new version with immutable
snapshots and enqueues the build and delivery; the registrar sees the delivery status.
Course-consultation records never leave the school (RULES.md §5, §12 items 5–6)."""

from __future__ import annotations

import datetime
import json
from unittest import mock

import pytest

from accounts.models import RoleAssignment, User
from audit.models import AuditEvent
from central.actions import register_school
from portfolios.models import ConsultationKind, ConsultationRecord
from schools.models import School, Student, Term
from submissions.actions import SubmissionError, submit_rosters
from submissions.models import Snapshot, Submission, SubmissionStatus

from .precheck_world import SCHOOL_CODE, World, build_world, make_user, stored_blob

TOKEN = "test-central-token"  # config/settings/test.py


@pytest.fixture
def w(db: object) -> World:
    world = build_world()
    register_school(code=SCHOOL_CODE, name="歷程高中", token=TOKEN)
    return world


SEMESTER_FORM = {"school_year": 114, "semester": 1, "rosters": ["basic", "course_records"]}
YEARLY_FORM = {"school_year": 114, "semester": 0, "rosters": ["outcomes", "performances"]}


def test_submit_is_refused_while_the_precheck_has_errors(w: World, client) -> None:
    Student.objects.filter(pk=w.students[0].pk).update(name="")
    Student.objects.filter(pk=w.students[1].pk).update(name="")
    client.force_login(w.registrar)
    resp = client.post("/registrar/submissions/submit/", SEMESTER_FORM, follow=True)
    assert "預檢仍有 2 項錯誤，請修正後再提交。" in resp.content.decode()
    assert resp.redirect_chain[-1][0].startswith("/registrar/submissions/precheck/?")
    assert Submission.objects.count() == 0
    assert Snapshot.objects.count() == 0


def test_submit_creates_snapshots_and_enqueues_on_commit(
    w: World, client, django_capture_on_commit_callbacks
) -> None:
    client.force_login(w.registrar)
    with (
        mock.patch("submissions.tasks.build_and_deliver") as task,
        django_capture_on_commit_callbacks(execute=True),
    ):
        resp = client.post("/registrar/submissions/submit/", YEARLY_FORM)
    assert resp.status_code == 302
    assert resp["Location"] == "/registrar/submissions/"
    submission = Submission.objects.get()
    task.enqueue.assert_called_once_with(submission.pk)
    assert (submission.school_year, submission.semester, submission.version) == (114, 0, 1)
    assert submission.rosters == ["outcomes", "performances"]
    assert submission.student_count == 2
    assert submission.supersedes is None
    snapshots = Snapshot.objects.filter(submission=submission)
    assert snapshots.count() == 4  # 2 students × 2 rosters
    blob = w.outcome_of(w.students[0]).document_blob
    assert blob is not None
    snap = snapshots.get(student=w.students[0], roster="outcomes")
    assert [f["sha256"] for f in snap.files] == [blob.sha256]
    assert [f["md5"] for f in snap.files] == [blob.md5]
    event = AuditEvent.objects.get(action="submission.created")
    assert event.actor == w.registrar
    assert event.detail["version"] == 1


def test_snapshots_are_immutable(w: World, django_capture_on_commit_callbacks) -> None:
    with mock.patch("submissions.tasks.build_and_deliver"):
        submission = submit_rosters(
            actor=w.registrar, school=w.school, school_year=114, semester=0,
            rosters=["outcomes"],
        )  # fmt: skip
    snap = Snapshot.objects.filter(submission=submission).first()
    assert snap is not None
    snap.records = []
    with pytest.raises(RuntimeError):
        snap.save()
    with pytest.raises(RuntimeError):
        snap.delete()


def test_a_second_submission_is_the_next_version_and_supersedes_the_first(w: World) -> None:
    with mock.patch("submissions.tasks.build_and_deliver"):
        first = submit_rosters(
            actor=w.registrar, school=w.school, school_year=114, semester=1,
            rosters=["course_records", "basic"],
        )  # fmt: skip
        other = submit_rosters(
            actor=w.registrar, school=w.school, school_year=114, semester=1, rosters=["basic"]
        )
        second = submit_rosters(
            actor=w.registrar, school=w.school, school_year=114, semester=1,
            rosters=["basic", "course_records"],
        )  # fmt: skip
    assert (first.version, other.version, second.version) == (1, 1, 2)
    assert second.supersedes == first
    assert second.rosters == ["basic", "course_records"]


def test_submit_runs_the_real_build_and_delivery(
    w: World, client, django_capture_on_commit_callbacks
) -> None:
    """ImmediateBackend: the build and the delivery to the in-process central API run at
    commit; the receipt comes back."""
    client.force_login(w.registrar)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/registrar/submissions/submit/", YEARLY_FORM)
    submission = Submission.objects.get()
    assert submission.status == SubmissionStatus.ACCEPTED, submission.error
    assert submission.progress == 100
    assert submission.receipt["package_id"] == str(submission.code)
    html = client.get("/registrar/submissions/").content.decode()
    assert "中央資料庫已收訖" in html
    assert "2 位學生・" in html
    assert 'hx-trigger="every 2s"' not in html  # nothing to poll any more


def test_consultation_records_never_appear_in_snapshots_r12_5(
    w: World, django_capture_on_commit_callbacks
) -> None:
    student = w.students[0]
    attachment = stored_blob(b"%PDF-1.4 consultation secret", "application/pdf")
    ConsultationRecord.objects.create(
        student=student,
        teacher=w.teacher,
        term=w.term,
        date=datetime.date(2025, 10, 1),
        kind=ConsultationKind.INDIVIDUAL,
        description="諮詢秘密內容：選組猶豫",
        attachment_blob=attachment,
        attachment_name="諮詢紀錄.pdf",
    )
    with mock.patch("submissions.tasks.build_and_deliver"):
        for semester, rosters in (
            (1, ["basic", "course_records"]),
            (0, ["outcomes", "performances"]),
        ):
            submit_rosters(
                actor=w.registrar, school=w.school, school_year=114, semester=semester,
                rosters=rosters,
            )  # fmt: skip
    dumped = json.dumps([(s.records, s.files) for s in Snapshot.objects.all()], ensure_ascii=False)
    assert Snapshot.objects.count() == 8
    assert "諮詢秘密內容" not in dumped
    assert "諮詢紀錄.pdf" not in dumped
    assert attachment.sha256 not in dumped


def test_non_registrar_cannot_submit_via_the_action(w: World) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        submit_rosters(
            actor=w.teacher.user, school=w.school, school_year=114, semester=1, rosters=["basic"]
        )
    assert Submission.objects.count() == 0


def test_mixed_rosters_are_refused(w: World) -> None:
    with pytest.raises(SubmissionError) as exc:
        submit_rosters(
            actor=w.registrar, school=w.school, school_year=114, semester=1,
            rosters=["basic", "outcomes"],
        )  # fmt: skip
    assert exc.value.code == "rosters"


# --- status page ------------------------------------------------------------------------------


def test_list_polls_while_building_and_shows_delivery_details(w: World, client) -> None:
    building = Submission.objects.create(
        school=w.school, school_year=114, semester=1, rosters=["basic"], created_by=w.registrar,
        status=SubmissionStatus.DELIVERING, progress=100, delivery_attempts=2,
        next_attempt_at=datetime.datetime(2026, 12, 1, 3, 4, tzinfo=datetime.UTC),
        error="CentralUnavailable: connection reset",
    )  # fmt: skip
    client.force_login(w.registrar)
    html = client.get("/registrar/submissions/").content.decode()
    assert 'hx-trigger="every 2s"' in html
    assert "傳送中" in html
    assert "CentralUnavailable: connection reset" in html
    assert "2026-12-01 11:04" in html  # Asia/Taipei
    partial = client.get("/registrar/submissions/", headers={"HX-Request": "true"})
    assert partial.templates[0].name == "submissions/partials/submission_table.html"
    detail = client.get(f"/registrar/submissions/{building.code}/").content.decode()
    assert 'hx-trigger="every 2s"' in detail
    partial = client.get(f"/registrar/submissions/{building.code}/", headers={"HX-Request": "true"})
    assert partial.templates[0].name == "submissions/partials/submission_status.html"


def test_list_page_queries_do_not_grow_with_submissions(
    w: World, client, django_assert_max_num_queries
) -> None:
    for n in range(5):
        Submission.objects.create(
            school=w.school, school_year=114, semester=1, rosters=["basic"],
            created_by=w.registrar, version=n + 1,
        )  # fmt: skip
    client.force_login(w.registrar)
    with django_assert_max_num_queries(12):
        assert client.get("/registrar/submissions/").status_code == 200


STAFF_PAGES = [
    ("get", "/registrar/submissions/"),
    ("get", "/registrar/submissions/precheck/"),
    ("post", "/registrar/submissions/submit/"),
    ("get", "/registrar/submissions/{code}/"),
    ("post", "/registrar/submissions/{code}/check-period/"),
    ("post", "/registrar/submissions/{code}/resubmit/"),
]


@pytest.mark.parametrize(("method", "url"), STAFF_PAGES)
@pytest.mark.parametrize("who", ["teacher", "student", "nobody", "other_registrar"])
def test_staff_pages_are_404_for_everyone_but_the_schools_registrars(
    w: World, client, method: str, url: str, who: str
) -> None:
    submission = Submission.objects.create(
        school=w.school, school_year=114, semester=1, rosters=["basic"], created_by=w.registrar
    )
    user: User | None
    if who == "other_registrar":
        other = School.objects.create(code="999999", name="別的高中")
        Term.objects.create(
            school=other, school_year=114, semester=1, start_date=datetime.date(2025, 8, 1),
            end_date=datetime.date(2026, 1, 20), is_current=True,
        )  # fmt: skip
        user = make_user("r")
        RoleAssignment.objects.create(user=user, role="registrar", school=other, school_year=114)
    else:
        user = {"teacher": w.teacher.user, "student": w.students[0].user, "nobody": make_user("x")}[
            who
        ]
    assert user is not None
    client.force_login(user)
    resp = getattr(client, method)(url.format(code=submission.code), SEMESTER_FORM)
    if who == "other_registrar" and "{code}" not in url:
        # Their own school's pages work; they just never see this school's submission.
        assert resp.status_code in (200, 302)
        assert str(submission.code) not in resp.content.decode()
    else:
        assert resp.status_code == 404
    assert Submission.objects.count() == 1


def test_registrar_home_links_to_precheck_and_submissions(w: World, client) -> None:
    client.force_login(w.registrar)
    html = client.get("/registrar/").content.decode()
    assert 'href="/registrar/submissions/precheck/"' in html
    assert 'href="/registrar/submissions/"' in html


def test_refused_submit_returns_to_the_precheck_without_the_csrf_token(w: World, client) -> None:
    Student.objects.filter(pk=w.students[0].pk).update(name="")
    client.force_login(w.registrar)
    resp = client.post("/registrar/submissions/submit/", SEMESTER_FORM)
    assert resp["Location"] == (
        "/registrar/submissions/precheck/?school_year=114&semester=1"
        "&rosters=basic&rosters=course_records"
    )


def test_a_second_tab_cannot_submit_the_same_rosters_again(w: World, client) -> None:
    """Two tabs show the same clean pre-check ("第 1 版"); the first submits, the second is
    refused by name instead of sending a second, identical version."""
    client.force_login(w.registrar)
    page = client.get("/registrar/submissions/precheck/", YEARLY_FORM).content.decode()
    assert 'name="expected_version" value="0"' in page
    form = {**YEARLY_FORM, "expected_version": 0}
    with mock.patch("submissions.tasks.build_and_deliver"):
        first = client.post("/registrar/submissions/submit/", form)
        second = client.post("/registrar/submissions/submit/", form, follow=True)
    assert first.status_code == 302
    assert Submission.objects.count() == 1
    html = second.content.decode()
    assert "這組名冊在您預檢之後已提交第 1 版；請重新預檢，確認後再提交。" in html
    assert second.redirect_chain[-1][0].startswith("/registrar/submissions/precheck/?")
    # A fresh pre-check shows version 1, and submitting from it makes version 2.
    page = client.get("/registrar/submissions/precheck/", YEARLY_FORM).content.decode()
    assert 'name="expected_version" value="1"' in page
    with mock.patch("submissions.tasks.build_and_deliver"):
        client.post("/registrar/submissions/submit/", {**YEARLY_FORM, "expected_version": 1})
    assert sorted(Submission.objects.values_list("version", flat=True)) == [1, 2]


def test_stale_expected_version_is_refused_by_the_action(w: World) -> None:
    with mock.patch("submissions.tasks.build_and_deliver"):
        submit_rosters(
            actor=w.registrar, school=w.school, school_year=114, semester=0,
            rosters=["outcomes"], expected_version=0,
        )  # fmt: skip
        with pytest.raises(SubmissionError) as excinfo:
            submit_rosters(
                actor=w.registrar, school=w.school, school_year=114, semester=0,
                rosters=["outcomes"], expected_version=0,
            )  # fmt: skip
    assert excinfo.value.code == "stale_precheck"
    assert Submission.objects.count() == 1
