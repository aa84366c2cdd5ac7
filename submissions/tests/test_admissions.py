# ruff: noqa: F811  (the imported ``world`` fixture is used as a test argument)
"""What admissions will see (RULES.md §3 semester visibility, §5): rules as data, and the
student's / bound parent's page over a faked central database client."""

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEvent
from guardians.models import Guardianship
from portfolios.tests.conftest import SchoolWorld, assign_role, make_user, world  # noqa: F401
from submissions import central_client
from submissions.admissions import CHANNEL_RULES, semester_index, visible_records
from submissions.central_client import CentralUnavailable

ENTRY = 112  # entered 112學年度: 112-1 is semester 1, 114-2 is semester 6


def central(roster, school_year, semester, rows, version=1):
    return {
        "school_code": "123456",
        "national_id": "A123456789",
        "roster": roster,
        "school_year": school_year,
        "semester": semester,
        "version": version,
        "package_id": "00000000-0000-0000-0000-000000000000",
        "received_at": "2026-06-01T00:00:00+00:00",
        "records": rows,
        "files": [],
    }


def course_row(name):
    return {"national_id": "A123456789", "subject_name": name, "score": "80", "credits": "2"}


def three_years():
    """Course records for semesters 1–6, one outcome per year (placed by its course's term),
    one performance per year."""
    records = []
    for year in (112, 113, 114):
        for sem in (1, 2):
            index = semester_index(year, sem, entry_year=ENTRY)
            records.append(central("course_records", year, sem, [course_row(f"課程{index}")]))
        records.append(
            central(
                "outcomes",
                year,
                0,
                [
                    {
                        "title": "",
                        "subject_name": f"成果{year}",
                        "course_school_year": year,
                        "course_semester": 2,
                        "description": "報告",
                    }
                ],
            )
        )
        records.append(central("performances", year, 0, [{"title": f"表現{year}"}]))
    return records


def shown(result, roster):
    return sorted(r.index for r in result.shown if r.roster == roster)


def test_semester_index_counts_from_the_entry_year_r3():
    assert semester_index(112, 1, entry_year=112) == 1
    assert semester_index(113, 2, entry_year=112) == 4
    assert semester_index(114, 2, entry_year=112) == 6
    assert semester_index(114, 0, entry_year=112) == 6  # a yearly roster: the year's 2nd term


def test_university_stage2_current_graduate_sees_courses_1_to_5_items_1_to_6_r3():
    result = visible_records(
        three_years(), channel="university_stage2", graduating=True, entry_year=ENTRY
    )

    assert shown(result, "course_records") == [1, 2, 3, 4, 5]
    assert shown(result, "outcomes") == [2, 4, 6]
    assert shown(result, "performances") == [2, 4, 6]
    assert [(r.roster, r.index) for r in result.hidden] == [("course_records", 6)]
    assert "第 1–5 學期" in result.hidden[0].reason


def test_university_stage2_earlier_graduate_sees_1_to_6_r3():
    result = visible_records(
        three_years(), channel="university_stage2", graduating=False, entry_year=ENTRY
    )

    assert shown(result, "course_records") == [1, 2, 3, 4, 5, 6]
    assert result.hidden == []


@pytest.mark.parametrize("channel", ["vocational_track_university", "vocational_preview"])
def test_vocational_channels_show_current_graduates_semesters_1_to_4_r3(channel):
    result = visible_records(three_years(), channel=channel, graduating=True, entry_year=ENTRY)

    assert shown(result, "course_records") == [1, 2, 3, 4]
    assert shown(result, "outcomes") == [2, 4]
    assert shown(result, "performances") == [2, 4]
    assert {r.index for r in result.hidden} == {5, 6}


def test_rows_outside_senior_high_semesters_are_surfaced_not_dropped_r3():
    records = [central("course_records", 115, 1, [course_row("延修")])]

    result = visible_records(
        records, channel="university_stage2", graduating=False, entry_year=ENTRY
    )

    assert result.shown == []
    assert result.hidden[0].index == 7
    assert "無法對應" in result.hidden[0].reason


def test_national_id_is_masked_in_every_row():
    result = visible_records(
        three_years(), channel="university_stage2", graduating=False, entry_year=ENTRY
    )

    assert {r.row["national_id"] for r in result.shown if "national_id" in r.row} == {"A123****89"}


def test_the_visibility_table_is_data_for_every_roster():
    for rule in CHANNEL_RULES.values():
        assert (
            set(rule.current)
            == set(rule.earlier)
            == {
                "basic",
                "course_records",
                "outcomes",
                "performances",
            }
        )
        assert rule.source.startswith("RULES.md §3")


# --- pages ----------------------------------------------------------------------------------


@pytest.fixture
def fake_central(monkeypatch):
    """Replace the central database client's read; returns the list it answers with and the
    calls it saw."""
    state: dict[str, Any] = {"records": [], "calls": [], "fail": False}

    def fetch(self, school_code, national_id):
        state["calls"].append((school_code, national_id))
        if state["fail"]:
            raise CentralUnavailable("down")
        return state["records"]

    monkeypatch.setattr(central_client.CentralClient, "fetch_student_records", fetch)
    return state


OWN = reverse("submissions_extra:central_record")


def student_url(student):
    return reverse("submissions_extra:student_central_record", args=[student.code])


def test_student_without_central_data_sees_not_submitted(world: SchoolWorld, client, fake_central):
    student = world.students[0]
    client.force_login(student.user)

    response = client.get(OWN)

    page = response.content.decode()
    assert response.status_code == 200
    assert "尚未提交" in page
    assert student.masked_id in page and student.national_id not in page
    assert fake_central["calls"] == [(world.school.code, student.national_id)]


def test_student_sees_channel_view_of_central_record(world: SchoolWorld, client, fake_central):
    student = world.students[0]
    student.entry_year = ENTRY
    student.save()
    fake_central["records"] = three_years()
    client.force_login(student.user)

    stage2 = client.get(OWN).content.decode()
    preview = client.get(OWN, {"channel": "vocational_preview"}).content.decode()

    assert "課程5" in stage2 and "課程6" not in stage2.split("此管道看不到的資料")[0]
    assert "課程5" not in preview.split("此管道看不到的資料")[0]
    assert "此管道只看得到第 1–4 學期" in preview
    assert student.national_id not in stage2
    for page in (stage2, preview):  # internal document references stay out of the page
        assert "RULES.md" not in page and "[NEWS]" not in page and "S-CAC2024" not in page
        assert "實際可見範圍以各招生管道當年度的簡章為準。" in page
    assert not AuditEvent.objects.filter(action="central_record.view").exists()  # own reads


def test_bound_parent_views_child_record_and_the_read_is_audited(
    world: SchoolWorld, client, fake_central
):
    student = world.students[0]
    parent = make_user("parent1")
    Guardianship.objects.create(
        parent=parent, student=student, relationship="mother", approved_at=timezone.now()
    )
    client.force_login(parent)

    response = client.get(student_url(student))

    assert response.status_code == 200
    assert "尚未提交" in response.content.decode()
    event = AuditEvent.objects.get(action="central_record.view")
    assert event.actor == parent and event.student == student


@pytest.mark.parametrize("who", ["ended_parent", "other_student", "stranger", "other_registrar"])
def test_others_get_404(world: SchoolWorld, client, fake_central, who):
    student = world.students[0]
    if who == "ended_parent":
        user = make_user("parent2")
        Guardianship.objects.create(
            parent=user,
            student=student,
            relationship="father",
            approved_at=timezone.now() - datetime.timedelta(days=10),
            ended_at=timezone.now(),
        )
    elif who == "other_student":
        user = world.students[1].user  # type: ignore[assignment]
    elif who == "other_registrar":
        from schools.models import School

        other = School.objects.create(code="654321", name="他校")
        user = make_user("reg2")
        assign_role(user, Role.REGISTRAR, other)
    else:
        user = make_user("stranger")
    client.force_login(user)

    assert client.get(student_url(student)).status_code == 404
    assert fake_central["calls"] == []


def test_registrar_and_homeroom_teacher_may_view(world: SchoolWorld, client, fake_central):
    student = world.students[0]
    for user in (world.registrar, world.homeroom.user):
        client.force_login(user)
        assert client.get(student_url(student)).status_code == 200


def test_unreachable_central_database_says_so(world: SchoolWorld, client, fake_central):
    fake_central["fail"] = True
    client.force_login(world.students[0].user)

    page = client.get(OWN).content.decode()

    assert "目前無法連線到學習歷程中央資料庫" in page
    assert "尚未提交" not in page


def test_unknown_channel_falls_back_to_university_stage2(world: SchoolWorld, client, fake_central):
    client.force_login(world.students[0].user)

    page = client.get(OWN, {"channel": "nope"}).content.decode()

    assert 'value="university_stage2" selected' in page


def test_cabinet_links_to_the_admissions_view(world: SchoolWorld, client):
    student = world.students[0]
    client.force_login(student.user)

    assert OWN in client.get(reverse("portfolios:cabinet")).content.decode()
    client.force_login(world.registrar)
    other = client.get(reverse("portfolios:student_cabinet", args=[student.code]))
    assert student_url(student) in other.content.decode()


def test_transferred_student_record_is_fetched_from_the_earlier_school_too(
    world: SchoolWorld, client, fake_central
):
    from submissions.models import TransferImport

    student = world.students[0]
    TransferImport.objects.create(
        school=world.school,
        student=student,
        source_school_code="654321",
        source_school_name="原校",
        package_id="11111111-1111-1111-1111-111111111111",
        package_sha256="0" * 64,
        imported_by=world.registrar,
    )
    client.force_login(student.user)

    client.get(OWN)

    assert fake_central["calls"] == [
        (world.school.code, student.national_id),
        ("654321", student.national_id),
    ]
