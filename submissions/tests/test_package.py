"""The package format (docs/package-format.md): built from snapshots, streamed, deterministic."""

from __future__ import annotations

import hashlib
import json
import zipfile

from central.tests.exchange import SCHOOL_CODE, YEAR, Exchange, exchange_fixture, stores_fixture  # noqa: F401
from submissions.models import Roster, Snapshot, SubmissionStatus
from submissions.package import FORMAT_VERSION, PACKAGE_FORMAT, build_package, package_path


def test_snapshot_submission_freezes_rows_with_file_hashes(exchange: Exchange) -> None:
    submission = exchange.submit([Roster.BASIC, Roster.OUTCOMES], semester=1)

    snapshots = Snapshot.objects.filter(submission=submission)
    assert snapshots.count() == 4  # 2 students × 2 rosters
    assert submission.student_count == 2
    outcome = snapshots.get(student=exchange.students[0], roster=Roster.OUTCOMES)
    assert outcome.semester == 0  # yearly roster
    blob = exchange.outcomes[0].document_blob
    assert blob is not None
    assert outcome.files == [
        {
            "role": "document",
            "name": "成果.pdf",
            "sha256": blob.sha256,
            "md5": blob.md5,
            "size": blob.size,
            "content_type": "application/pdf",
        }
    ]
    assert outcome.records[0]["item_code"] == str(exchange.outcomes[0].code)


def test_build_package_writes_manifest_tag_manifest_rosters_and_files(exchange: Exchange) -> None:
    submission = exchange.submit([Roster.BASIC, Roster.OUTCOMES], semester=1)

    path = build_package(submission)

    submission.refresh_from_db()
    assert path == package_path(submission)
    assert submission.status == SubmissionStatus.BUILT
    assert submission.progress == 100
    assert submission.package_size == path.stat().st_size
    assert submission.package_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        manifest_bytes = zf.read("manifest.json")
        manifest = json.loads(manifest_bytes)
        tag = zf.read("manifest.sha256").decode()
        assert tag == f"{hashlib.sha256(manifest_bytes).hexdigest()}  manifest.json\n"
        assert manifest["format"] == PACKAGE_FORMAT
        assert manifest["format_version"] == FORMAT_VERSION
        assert manifest["package_id"] == str(submission.code)
        assert manifest["school_code"] == SCHOOL_CODE
        assert (manifest["school_year"], manifest["semester"], manifest["version"]) == (YEAR, 1, 1)
        assert manifest["students"] == 2
        assert manifest["rosters"] == ["basic", "outcomes"]
        listed = {p["path"]: p for p in manifest["parts"]}
        assert names == set(listed) | {"manifest.json", "manifest.sha256"}
        for part_path, part in listed.items():
            data = zf.read(part_path)
            assert part["sha256"] == hashlib.sha256(data).hexdigest()
            assert part["md5"] == hashlib.md5(data, usedforsecurity=False).hexdigest()
            assert part["size"] == len(data)
        blobs = {o.document_blob.sha256 for o in exchange.outcomes if o.document_blob}
        assert {n for n in names if n.startswith("files/")} == {f"files/{s}" for s in blobs}
        for sha in blobs:
            assert zf.getinfo(f"files/{sha}").compress_type == zipfile.ZIP_STORED
        lines = [json.loads(x) for x in zf.read("rosters/outcomes.jsonl").splitlines()]
    assert [line["national_id"] for line in lines] == [s.national_id for s in exchange.students]
    assert set(lines[0]) == {"national_id", "roster", "school_year", "semester", "records", "files"}
    assert lines[0]["semester"] == 0


def test_build_package_is_deterministic_and_idempotent(exchange: Exchange) -> None:
    submission = exchange.submit()
    path = build_package(submission)
    first = path.read_bytes()
    # a damaged package on disk is rebuilt byte for byte from the snapshots
    path.write_bytes(first[:100])
    submission.refresh_from_db()
    assert build_package(submission).read_bytes() == first
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".tmp-")]


def test_one_file_shared_by_two_students_is_packed_once(exchange: Exchange) -> None:
    for student in exchange.students:
        exchange.add_outcome(student, pdf_text="the same bytes")
    submission = exchange.submit()

    with zipfile.ZipFile(build_package(submission)) as zf:
        files = [n for n in zf.namelist() if n.startswith("files/")]
    assert len(files) == 3  # 4 file references, 3 distinct contents
