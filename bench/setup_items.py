"""Benchmark data set, part 2: 20 portfolio items with 4 MiB PDFs per student (BENCHMARKS.md).

Run after ``bench.setup_data`` (same database, ``config.settings.bench``)::

    python -m bench.setup_items --setup setup.json --out items.json [--items 20]

For the students of ``setup.json`` it

* removes the demo's items of those students (so each has exactly ``--items``), keeping the rest
  of the demo data;
* writes one distinct, valid PDF of exactly 4 MiB per item (random padding) as a
  content-addressed blob, straight into the blob storage and the replica when configured (one
  ``sync`` at the end instead of an fsync per file: this is set-up, not the measured path),
  and bulk-creates the Blob rows and the course outcomes (states cycling through 已認證, 待認證,
  已退回, 未送出認證) on the student's course records;
* prepares uploads (W4): raises the school's storage quota to 1 TB, raises the document limit
  of the current school year's rule set to 10,000,000 bytes (a 4 MiB file is 4,194,304 bytes,
  more than the national 4 MB = 4,000,000-byte limit; and the RSS test uploads 9.9 MB PDFs),
  and makes sure the current term's upload window is open with no upload cap;
* fetches the upload form once per session for its CSRF token, and measures the W1 and W3
  pages (size, SQL statements).
"""

import argparse
import datetime as dt
import hashlib
import json
import os
import re
import sys
from pathlib import Path

import django

from .pdf import MIB, PaddedPdf

W1_PATH = "/cabinet/outcomes/"
W3_PATH = "/cabinet/files/"
UPLOAD_PATH = "/cabinet/outcomes/new/"
DESCRIPTION = "基準測試課程學習成果"  # W1 marker: every item's description starts with it
FILE_PREFIX = "基準測試檔案"  # W3 marker: every item's document name starts with it


def _write_blob(storage: object, name: str, data: bytes) -> None:
    path = Path(storage.path(name))  # type: ignore[attr-defined]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".bench")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--setup", required=True, help="JSON written by bench.setup_data")
    parser.add_argument("--out", required=True)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--size", type=int, default=4 * MIB)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")
    django.setup()
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from files.models import Blob
    from files.storage import blob_name, blob_storage, replica_storage
    from portfolios.models import (
        CourseOutcome,
        OutcomeStatus,
        Performance,
        RuleSet,
        Window,
        WindowKind,
    )
    from portfolios.selectors import current_term_of
    from schools.models import CourseRecord, School, Student

    setup = json.loads(Path(args.setup).read_text(encoding="utf-8"))
    usernames: list[str] = setup["students"]
    students = {
        s.user.username: s  # type: ignore[union-attr]
        for s in Student.objects.filter(user__username__in=usernames).select_related(
            "user", "school"
        )
    }
    students_list = [students[u] for u in usernames]

    # --- upload prerequisites -----------------------------------------------------------
    School.objects.filter(pk__in={s.school_id for s in students_list}).update(
        storage_quota_bytes=10**12
    )
    terms = {current_term_of(s) for s in students_list}
    if None in terms:
        sys.exit("setup_items: a student's school has no current term")
    now = timezone.now()
    for term in terms:
        Window.objects.update_or_create(
            term=term,
            kind=WindowKind.UPLOAD,
            defaults={
                "opens_at": min(now - dt.timedelta(days=1), now),
                "closes_at": now + dt.timedelta(days=60),
                "upload_cap": None,
            },
        )
        assert term is not None
        rule = RuleSet.for_year(term.school_year)
        if rule.pk is None:
            rule.save()
        RuleSet.objects.filter(pk=rule.pk).update(document_max_bytes=10_000_000)

    # --- items and their blobs ----------------------------------------------------------
    sid = [s.pk for s in students_list]
    CourseOutcome.objects.filter(student_id__in=sid).delete()
    Performance.objects.filter(student_id__in=sid).delete()
    pdf = PaddedPdf(args.size)
    primary, replica = blob_storage(), replica_storage()
    states = [
        OutcomeStatus.CERTIFIED,
        OutcomeStatus.PENDING,
        OutcomeStatus.RETURNED,
        OutcomeStatus.DRAFT,
    ]
    blobs: list[Blob] = []
    outcome_specs = []
    upload_records: dict[str, str] = {}
    for n, student in enumerate(students_list):
        records = list(
            CourseRecord.objects.filter(student=student)
            .select_related("offering__term", "offering__teacher")
            .order_by("-offering__term__school_year", "-offering__term__semester", "pk")
        )
        current = [r for r in records if r.offering.term in terms]
        username = usernames[n]
        if not records or not current:
            sys.exit(f"setup_items: {username} has no course record this term")
        upload_records[username] = str(current[0].code)
        for i in range(args.items):
            data = pdf.build(b"seed-%04d-%04d" % (n, i))
            sha, md5 = hashlib.sha256(data).hexdigest(), hashlib.md5(data).hexdigest()
            name = blob_name(sha)
            for storage in (primary, replica):
                if storage is not None:
                    _write_blob(storage, name, data)
            blobs.append(Blob(sha256=sha, md5=md5, size=len(data), content_type="application/pdf"))
            outcome_specs.append((student, records[i % len(records)], i, sha))
    os.sync()
    with transaction.atomic():
        Blob.objects.bulk_create(blobs, ignore_conflicts=True)
        by_sha = dict(
            Blob.objects.filter(sha256__in=[b.sha256 for b in blobs]).values_list("sha256", "pk")
        )
        outcomes = []
        for student, record, i, sha in outcome_specs:
            state = states[i % len(states)]
            term = record.offering.term
            teacher = record.offering.teacher
            teacher_user = getattr(teacher, "user_id", None) if teacher else None
            outcomes.append(
                CourseOutcome(
                    student=student,
                    course_record=record,
                    school_year=term.school_year,
                    semester=term.semester,
                    description=f"{DESCRIPTION} {i + 1:02d}：報告與心得",
                    document_blob_id=by_sha[sha],
                    document_name=f"{FILE_PREFIX}-{i + 1:02d}.pdf",
                    status=state,
                    sent_at=now if state != OutcomeStatus.DRAFT else None,
                    certified_by_id=teacher_user if state == OutcomeStatus.CERTIFIED else None,
                    certified_at=now if state == OutcomeStatus.CERTIFIED else None,
                    certified_document_sha256=sha if state == OutcomeStatus.CERTIFIED else "",
                    returned_by_id=teacher_user if state == OutcomeStatus.RETURNED else None,
                    returned_at=now if state == OutcomeStatus.RETURNED else None,
                    return_reason="請補上反思心得" if state == OutcomeStatus.RETURNED else "",
                )
            )
        CourseOutcome.objects.bulk_create(outcomes, batch_size=500)

    # --- sessions: the upload form's CSRF token; page sizes and queries -----------------
    csrf_cookie = setup["csrftoken"]
    pages: dict[str, dict] = {W1_PATH: {"bytes": []}, W3_PATH: {"bytes": []}}
    markers = {W1_PATH: DESCRIPTION, W3_PATH: FILE_PREFIX}
    form_tokens: list[str] = []
    for i, session in enumerate(setup["sessions"]):
        client = Client()
        client.cookies["sessionid"] = session
        client.cookies["csrftoken"] = csrf_cookie
        response = client.get(UPLOAD_PATH)
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text)
        if response.status_code != 200 or not match:
            sys.exit(f"setup_items: {UPLOAD_PATH} gave {response.status_code} or no CSRF token")
        if upload_records[usernames[i]] not in response.text:
            sys.exit(f"setup_items: the upload form does not offer {upload_records[usernames[i]]}")
        form_tokens.append(match.group(1))
        for path, info in pages.items():
            response = client.get(path)
            count = response.text.count(markers[path])
            if response.status_code != 200 or count < args.items:
                sys.exit(f"setup_items: {path} gave {response.status_code}, {count} items")
            info["bytes"].append(len(response.content))
            if i == 0:
                with CaptureQueriesContext(connection) as ctx:
                    client.get(path)
                info["queries"] = [q["sql"] for q in ctx.captured_queries]
    result = {
        "items_per_student": args.items,
        "file_bytes": args.size,
        "blobs": len(blobs),
        "replica": replica is not None,
        "upload_path": UPLOAD_PATH,
        "upload_records": [upload_records[u] for u in usernames],
        "form_tokens": form_tokens,
        "pages": {
            path: {
                "marker": markers[path],
                "bytes_min": min(info["bytes"]),
                "bytes_max": max(info["bytes"]),
                "bytes_median": sorted(info["bytes"])[len(info["bytes"]) // 2],
                "query_count": len(info["queries"]),
                "queries": info["queries"],
            }
            for path, info in pages.items()
        },
    }
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
