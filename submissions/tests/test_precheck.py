"""Pre-check (預檢): each kind of problem with its exact message (RULES.md §5 step 2, §12),
and the registrar's pre-check page."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import User
from audit.models import AuditEvent
from portfolios.models import OutcomeStatus
from schools.models import CadreRecord, Course, CourseRecord, Student
from submissions.models import Roster
from submissions.precheck import Severity, precheck

from .precheck_world import World, build_world, course_code, make_user, missing_blob

SEMESTER = [Roster.BASIC, Roster.COURSE_RECORDS]
YEARLY = [Roster.OUTCOMES, Roster.PERFORMANCES]


@pytest.fixture
def w(db: object) -> World:
    return build_world()


def _messages(problems: list, severity: Severity | None = None) -> list[str]:
    return [p.message for p in problems if severity is None or p.severity == severity]


def test_clean_school_has_no_problems(w: World) -> None:
    assert precheck(w.school, 114, 1, SEMESTER) == []
    assert precheck(w.school, 114, 0, YEARLY) == []


def test_national_id_checksum_is_an_error_r8(w: World) -> None:
    student = w.students[0]
    bad = student.national_id[:-1] + str((int(student.national_id[-1]) + 1) % 10)
    Student.objects.filter(pk=student.pk).update(national_id=bad)
    problems = precheck(w.school, 114, 1, [Roster.BASIC])
    assert [(p.student, p.field, p.message, p.severity) for p in problems] == [
        (student, "身分證統一編號", f"身分證號「{bad[:4]}****{bad[-2:]}」檢查碼錯誤。", "error")
    ]


def test_national_id_format_is_an_error_r8(w: World) -> None:
    Student.objects.filter(pk=w.students[0].pk).update(national_id="12345")
    assert _messages(precheck(w.school, 114, 1, [Roster.BASIC])) == [
        "身分證號「*****」格式錯誤：應為 1 個英文字母加 9 碼數字。"
    ]


def test_old_resident_number_is_a_warning_r8(w: World) -> None:
    Student.objects.filter(pk=w.students[0].pk).update(national_id="AB12345678")
    problems = precheck(w.school, 114, 1, [Roster.BASIC])
    assert _messages(problems, Severity.WARNING) == [
        "「AB12****78」為舊式居留證號，檢查碼無法確認，請核對證件。"
    ]
    assert _messages(problems, Severity.ERROR) == []


def test_missing_name_is_an_error(w: World) -> None:
    Student.objects.filter(pk=w.students[1].pk).update(name="")
    problems = precheck(w.school, 114, 1, [Roster.BASIC])
    assert [(p.student.pk, p.field, p.message) for p in problems] == [
        (w.students[1].pk, "中文姓名", "缺少中文姓名。")
    ]
    assert problems[0].fix_url == f"/admin/schools/student/{w.students[1].pk}/change/"


def test_cadre_record_without_end_date_in_an_ended_term_is_an_error(w: World) -> None:
    CadreRecord.objects.filter(student=w.students[0]).update(end_date=None)
    problems = precheck(w.school, 114, 1, [Roster.BASIC])
    assert [(p.field, p.message, p.severity) for p in problems] == [
        ("幹部經歷", "幹部經歷「學生會 會長」缺少結束日期。", "error")
    ]
    cadre = CadreRecord.objects.get(student=w.students[0])
    assert problems[0].fix_url == f"/admin/schools/cadrerecord/{cadre.pk}/change/"


def test_missing_score_of_a_past_term_is_an_error_r2_3(w: World) -> None:
    record = w.record_of(w.students[0], w.math)
    CourseRecord.objects.filter(pk=record.pk).update(score=None)
    problems = precheck(w.school, 114, 1, [Roster.COURSE_RECORDS])
    assert [(p.roster, p.field, p.message) for p in problems] == [
        ("course_records", "學期學業成績", f"「數學」（{course_code(subject='01')}）缺少學期成績。")
    ]
    assert problems[0].fix_url == f"/admin/schools/courserecord/{record.pk}/change/"


def test_invalid_course_code_is_an_error_and_other_records_still_checked(w: World) -> None:
    Course.objects.filter(code=course_code(subject="01")).update(code="BAD")
    CourseRecord.objects.filter(student=w.students[0], offering=w.chinese).update(score=None)
    problems = precheck(w.school, 114, 1, [Roster.COURSE_RECORDS])
    assert _messages([p for p in problems if p.student == w.students[0]]) == [
        "「數學」的課程代碼無效：課程代碼應為 23 碼英數字，收到 3 碼：「BAD」。",
        f"「國語文」（{course_code(subject='02')}）缺少學期成績。",
    ]


def test_category_8_and_9_rows_are_left_out_and_counted_as_info_r2_3(w: World) -> None:
    group = w.add_offering("班會", course_code(category="8", subject="11"))
    flexible = w.add_offering("自主學習", course_code(category="9", subject="12"))
    kept = w.add_offering("專題", course_code(category="9", attribute="D", subject="13"))
    for offering in (group, flexible, kept):
        CourseRecord.objects.create(offering=offering, student=w.students[0], score=None)
    problems = precheck(w.school, 114, 1, [Roster.COURSE_RECORDS])
    kept_code = course_code(category="9", attribute="D", subject="13")
    # The two left-out rows are info (their missing scores do not matter); the attribute-D
    # row is sent, so its missing score is an error.
    assert [(p.message, p.severity) for p in problems] == [
        (f"「專題」（{kept_code}）缺少學期成績。", "error"),
        ("2 筆團體活動時間或彈性學習時間（課程類別 8、9）的修課紀錄依規定不送出。", "info"),
    ]


def test_ticked_but_uncertified_outcome_is_an_error_r4_2(w: World) -> None:
    outcome = w.outcome_of(w.students[0])
    outcome.status = OutcomeStatus.PENDING
    outcome.save()
    problems = precheck(w.school, 114, 0, YEARLY)
    assert [(p.roster, p.field, p.message) for p in problems] == [
        ("outcomes", "認證狀態", f"「{outcome.description}」已勾選但尚未通過認證。")
    ]
    assert problems[0].fix_url == f"/students/{w.students[0].code}/cabinet/outcomes/"


def test_outcome_description_over_100_chars_is_an_error_r12_1(w: World) -> None:
    outcome = w.outcome_of(w.students[0])
    outcome.description = "長" * 101
    outcome.save()
    assert _messages(precheck(w.school, 114, 0, [Roster.OUTCOMES])) == [
        f"「{'長' * 20}…」的簡述有 101 字，超過 100 字上限。"
    ]


def test_outcome_file_missing_from_storage_is_an_error(w: World) -> None:
    outcome = w.outcome_of(w.students[0])
    outcome.document_blob = missing_blob()
    outcome.save()
    assert _messages(precheck(w.school, 114, 0, [Roster.OUTCOMES])) == [
        f"「{outcome.description}」的檔案「{outcome.document_name}」："
        "找不到檔案內容或大小不符，需要重新上傳。"
    ]


def test_outcome_file_with_wrong_size_is_an_error(w: World) -> None:
    outcome = w.outcome_of(w.students[0])
    blob = outcome.document_blob
    assert blob is not None
    blob.size += 1
    blob.save()
    assert _messages(precheck(w.school, 114, 0, [Roster.OUTCOMES])) == [
        f"「{outcome.description}」的檔案「{outcome.document_name}」："
        "找不到檔案內容或大小不符，需要重新上傳。"
    ]


def test_damaged_file_is_an_error(w: World) -> None:
    from django.utils import timezone

    performance = w.performance_of(w.students[1])
    blob = performance.document_blob
    assert blob is not None
    blob.damaged_at = timezone.now()
    blob.save()
    assert _messages(precheck(w.school, 114, 0, [Roster.PERFORMANCES])) == [
        f"「{performance.title}」的檔案「{performance.document_name}」：檔案已損毀，需要重新上傳。"
    ]


def test_performance_without_description_is_an_error(w: World) -> None:
    performance = w.performance_of(w.students[0])
    performance.description = "  "
    performance.save()
    problems = precheck(w.school, 114, 0, YEARLY)
    assert [(p.roster, p.field, p.message) for p in problems] == [
        ("performances", "內容簡述", f"「{performance.title}」缺少內容簡述。")
    ]


def test_ticks_over_the_yearly_cap_are_reported_r3(w: World) -> None:
    for _ in range(6):
        w.add_outcome(w.students[0])
    problems = precheck(w.school, 114, 0, YEARLY)
    assert [(p.roster, p.field, p.message) for p in problems] == [
        ("outcomes", "勾選件數", "114 學年度勾選課程學習成果 7 件，超過上限 6 件。")
    ]


def test_unticked_uncertified_outcomes_are_not_checked(w: World) -> None:
    w.add_outcome(w.students[0], status=OutcomeStatus.DRAFT, tick=False)
    assert precheck(w.school, 114, 0, YEARLY) == []


# --- the page -------------------------------------------------------------------------------


def test_registrar_runs_the_precheck_and_sees_problems_with_counts(w: World, client) -> None:
    Student.objects.filter(pk=w.students[0].pk).update(name="")
    CourseRecord.objects.filter(student=w.students[1], offering=w.math).update(score=None)
    client.force_login(w.registrar)
    resp = client.get(
        "/registrar/submissions/precheck/",
        {"school_year": 114, "semester": 1, "rosters": ["basic", "course_records"]},
    )
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "缺少中文姓名。" in html
    assert f"「數學」（{course_code(subject='01')}）缺少學期成績。" in html
    assert w.students[1].student_number in html
    assert resp.context["counts"]["errors"] == 2
    assert "尚有 2 項錯誤，修正後才能提交。" in html
    assert 'data-testid="submit-form"' not in html
    assert AuditEvent.objects.filter(action="precheck.run", actor=w.registrar).count() == 1


def test_clean_precheck_offers_the_submit_button(w: World, client) -> None:
    client.force_login(w.registrar)
    resp = client.get(
        "/registrar/submissions/precheck/",
        {"school_year": 114, "semester": 0, "rosters": ["outcomes", "performances"]},
    )
    html = resp.content.decode()
    assert "預檢沒有發現任何問題。" in html
    assert 'data-testid="submit-form"' in html


def test_mixed_semester_and_yearly_rosters_are_refused(w: World, client) -> None:
    client.force_login(w.registrar)
    resp = client.get(
        "/registrar/submissions/precheck/",
        {"school_year": 114, "semester": 1, "rosters": ["basic", "outcomes"]},
    )
    assert "學期名冊（基本資料、學期成績）與學年名冊（學習成果、多元表現）請分開提交。" in (
        resp.content.decode()
    )
    assert resp.context["ran"] is False


@pytest.mark.parametrize("who", ["teacher", "student", "nobody"])
def test_precheck_page_is_404_for_non_registrars(w: World, client, who: str) -> None:
    users: dict[str, User | None] = {
        "teacher": w.teacher.user,
        "student": w.students[0].user,
        "nobody": make_user("x"),
    }
    user = users[who]
    assert user is not None
    client.force_login(user)
    assert client.get("/registrar/submissions/precheck/").status_code == 404
    assert (
        client.get(
            "/registrar/submissions/precheck/",
            {"school_year": 114, "semester": 1, "rosters": ["basic"]},
        ).status_code
        == 404
    )


def test_score_fix_clears_the_problem(w: World) -> None:
    record = w.record_of(w.students[0], w.math)
    CourseRecord.objects.filter(pk=record.pk).update(score=None)
    assert len(precheck(w.school, 114, 1, SEMESTER)) == 1
    CourseRecord.objects.filter(pk=record.pk).update(score=Decimal("77.0"))
    assert precheck(w.school, 114, 1, SEMESTER) == []


def test_info_rows_are_folded_away_from_the_problems(w: World, client) -> None:
    """Notes that do not block submission (category 8/9 rows left out, one per student) sit in
    a collapsed section, so the problem table lists only what needs fixing."""
    group = w.add_offering("班會", course_code(category="8", subject="11"))
    for student in w.students:
        CourseRecord.objects.create(offering=group, student=student, score=None)
    client.force_login(w.registrar)
    resp = client.get(
        "/registrar/submissions/precheck/",
        {"school_year": 114, "semester": 1, "rosters": ["course_records"]},
    )
    html = resp.content.decode()
    assert resp.context["problems"] == []
    assert len(resp.context["infos"]) == len(w.students)
    assert "預檢沒有發現錯誤或警告。" in html
    assert f"{len(w.students)} 項說明（不影響提交，例如依規定不送出的資料）" in html
    assert 'data-testid="problems"' not in html
    assert 'data-testid="info-rows"' in html
    assert 'data-testid="submit-form"' in html
