"""The central service's intake (RULES.md §5, RELIABILITY.md §1.4, F6, D8, §6.4): verifies
every checksum itself, refuses a partial or tampered package whole with a machine-readable
reason, is idempotent on the package id, keeps every version."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from central.actions import register_school
from central.models import CentralFile, CentralRecord, CentralSchool, PackageStatus, ReceivedPackage
from central.tests.exchange import (  # noqa: F401
    SCHOOL_CODE,
    TOKEN,
    Exchange,
    exchange_fixture,
    rewrite_zip,
    stores_fixture,
)
from submissions.models import Submission
from submissions.package import build_package

URL = "/api/central/v1/packages"


def post(path: Path, token: str = TOKEN) -> Any:
    return Client().post(
        URL,
        path.read_bytes(),
        content_type="application/zip",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def built(exchange: Exchange, **kwargs: Any) -> tuple[Submission, Path]:
    submission = exchange.submit(**kwargs)
    return submission, build_package(submission)


def assert_refused_whole(response: Any, code: str, status: int = 400) -> None:
    assert response.status_code == status, response.content
    assert response.json()["error"] == code
    assert CentralRecord.objects.count() == 0
    assert CentralFile.objects.count() == 0
    assert ReceivedPackage.objects.filter(status=PackageStatus.ACCEPTED).count() == 0
    rejected = ReceivedPackage.objects.get(status=PackageStatus.REJECTED)
    assert rejected.reason_code == code
    assert rejected.receipt == {}


def central_files(stores: Path) -> list[Path]:
    root = stores / "media" / "central"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def repack(source: Path, target: Path, roster: str, edit: Any) -> Path:
    """Rewrite one roster's lines with ``edit(line)`` and re-sign the manifest consistently,
    so only the schema check can catch the change."""
    with zipfile.ZipFile(source) as zf:
        lines = [json.loads(x) for x in zf.read(f"rosters/{roster}.jsonl").splitlines()]
        manifest = json.loads(zf.read("manifest.json"))
    data = b"".join(json.dumps(edit(line), ensure_ascii=False).encode() + b"\n" for line in lines)
    for part in manifest["parts"]:
        if part["path"] == f"rosters/{roster}.jsonl":
            part.update(
                sha256=hashlib.sha256(data).hexdigest(),
                md5=hashlib.md5(data, usedforsecurity=False).hexdigest(),
                size=len(data),
            )
    raw = json.dumps(manifest).encode()
    tag = f"{hashlib.sha256(raw).hexdigest()}  manifest.json\n".encode()
    return rewrite_zip(
        source,
        target,
        change={f"rosters/{roster}.jsonl": data, "manifest.json": raw, "manifest.sha256": tag},
    )


def test_accepted_package_stores_files_records_and_returns_receipt(
    exchange: Exchange, stores: Path
) -> None:
    submission, path = built(exchange)

    response = post(path)

    assert response.status_code == 200, response.content
    receipt = response.json()
    assert receipt["package_id"] == str(submission.code)
    assert receipt["version"] == 1
    assert len(receipt["students"]) == 2
    assert receipt["manifest_sha256"]
    assert CentralRecord.objects.filter(is_current=True).count() == 2
    assert CentralFile.objects.count() == 2
    assert len(central_files(stores)) == 2
    package = ReceivedPackage.objects.get()
    assert (package.status, package.school_code, package.version) == ("accepted", SCHOOL_CODE, 1)


def test_duplicate_delivery_returns_same_receipt_and_changes_nothing_d8(
    exchange: Exchange,
) -> None:
    _submission, path = built(exchange)
    first = post(path).json()
    rows = list(CentralRecord.objects.values_list("pk", "version", "is_current", "received_at"))

    for _ in range(3):
        again = post(path)
        assert again.status_code == 200
        assert again.json() == first

    assert ReceivedPackage.objects.count() == 1
    assert (
        list(CentralRecord.objects.values_list("pk", "version", "is_current", "received_at"))
        == rows
    )


def test_truncated_package_is_refused_whole(
    exchange: Exchange, stores: Path, tmp_path: Path
) -> None:
    _submission, path = built(exchange)
    cut = tmp_path / "cut.zip"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])

    assert_refused_whole(post(cut), "truncated")
    assert central_files(stores) == []


def test_one_flipped_byte_in_one_file_is_refused_whole(
    exchange: Exchange, stores: Path, tmp_path: Path
) -> None:
    _submission, path = built(exchange)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = next(i for i in zf.infolist() if i.filename.startswith("files/"))
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.file_size // 2] ^= 0x01
    flipped = tmp_path / "flipped.zip"
    flipped.write_bytes(bytes(data))

    assert_refused_whole(post(flipped), "checksum_mismatch")
    assert central_files(stores) == []


def test_changed_file_with_a_valid_zip_crc_is_caught_by_the_manifest(
    exchange: Exchange, tmp_path: Path
) -> None:
    _submission, path = built(exchange)
    with zipfile.ZipFile(path) as zf:
        name = next(n for n in zf.namelist() if n.startswith("files/"))
        data = bytearray(zf.read(name))
    data[-10] ^= 0x01
    changed = rewrite_zip(path, tmp_path / "changed.zip", change={name: bytes(data)})

    assert_refused_whole(post(changed), "checksum_mismatch")


def test_tampered_manifest_is_refused_by_the_tag_manifest(
    exchange: Exchange, tmp_path: Path
) -> None:
    _submission, path = built(exchange)
    with zipfile.ZipFile(path) as zf:
        manifest = zf.read("manifest.json").replace(b'"version": 1', b'"version": 9')
    tampered = rewrite_zip(path, tmp_path / "t.zip", change={"manifest.json": manifest})

    assert_refused_whole(post(tampered), "checksum_mismatch")


def test_package_for_the_wrong_school_is_refused_403(exchange: Exchange) -> None:
    register_school(code="123456", name="別的高中", token="other-token")
    _submission, path = built(exchange)

    response = post(path, token="other-token")

    assert_refused_whole(response, "wrong_school", 403)
    assert ReceivedPackage.objects.get().school_code == "123456"


def test_unknown_token_is_401_and_nothing_recorded(exchange: Exchange) -> None:
    _submission, path = built(exchange)
    CentralSchool.objects.update(active=False)

    response = post(path)

    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert ReceivedPackage.objects.count() == 0


def test_replay_of_an_older_version_after_a_newer_one_is_refused(exchange: Exchange) -> None:
    old, old_path = built(exchange)
    _new, new_path = built(exchange, version=2)
    assert post(new_path).status_code == 200

    response = post(old_path)

    assert response.status_code == 409
    assert response.json()["error"] == "stale_version"
    assert ReceivedPackage.objects.get(package_id=old.code).status == PackageStatus.REJECTED
    assert set(CentralRecord.objects.values_list("version", "package__version")) == {(1, 2)}


def test_replay_of_an_accepted_old_package_returns_its_receipt_and_keeps_the_newer(
    exchange: Exchange,
) -> None:
    _old, old_path = built(exchange)
    first = post(old_path).json()
    _new, new_path = built(exchange, version=2)
    assert post(new_path).status_code == 200

    again = post(old_path)

    assert again.status_code == 200
    assert again.json() == first
    current = CentralRecord.objects.filter(is_current=True)
    assert {r.package.version for r in current} == {2}
    assert CentralRecord.objects.count() == 4  # every version kept


def test_same_package_id_with_other_content_is_refused(exchange: Exchange, tmp_path: Path) -> None:
    _submission, path = built(exchange)
    assert post(path).status_code == 200

    def edit(line: dict[str, Any]) -> dict[str, Any]:
        for record in line["records"]:
            record["description"] = "改過的內容"
        return line

    response = post(repack(path, tmp_path / "other.zip", "outcomes", edit))

    assert response.status_code == 409
    assert response.json()["error"] == "idempotency_conflict"
    assert ReceivedPackage.objects.get().status == PackageStatus.ACCEPTED


def test_unlisted_extra_part_is_refused(exchange: Exchange, tmp_path: Path) -> None:
    _submission, path = built(exchange)
    extra = rewrite_zip(path, tmp_path / "extra.zip", add={"files/notes.txt": b"hello"})

    assert_refused_whole(post(extra), "unexpected_part")


def test_missing_part_is_refused(exchange: Exchange, tmp_path: Path) -> None:
    _submission, path = built(exchange)
    with zipfile.ZipFile(path) as zf:
        name = next(n for n in zf.namelist() if n.startswith("files/"))
    missing = rewrite_zip(path, tmp_path / "missing.zip", drop={name})

    assert_refused_whole(post(missing), "missing_part")


@pytest.mark.parametrize(
    ("field", "value"),
    [("national_id", "not-an-id"), ("semester", 1), ("records", "x")],
)
def test_roster_line_schema_errors_are_refused(
    exchange: Exchange, tmp_path: Path, field: str, value: object
) -> None:
    _submission, path = built(exchange)

    def edit(line: dict[str, Any]) -> dict[str, Any]:
        return {**line, field: value}

    response = post(repack(path, tmp_path / "bad.zip", "outcomes", edit))

    assert_refused_whole(response, "schema")


def test_record_of_another_school_is_refused(exchange: Exchange, tmp_path: Path) -> None:
    _submission, path = built(exchange)

    def edit(line: dict[str, Any]) -> dict[str, Any]:
        line["records"][0]["school_code"] = "999999"
        return line

    response = post(repack(path, tmp_path / "bad.zip", "outcomes", edit))

    assert_refused_whole(response, "schema")
    assert "school_code" in response.json()["detail"]


def test_rejected_package_can_be_resent_intact_and_accepted(
    exchange: Exchange, tmp_path: Path
) -> None:
    submission, path = built(exchange)
    cut = tmp_path / "cut.zip"
    cut.write_bytes(path.read_bytes()[:-50])
    assert (
        Client()
        .post(
            f"{URL}?package_id={submission.code}",
            cut.read_bytes(),
            content_type="application/zip",
            HTTP_AUTHORIZATION=f"Bearer {TOKEN}",
        )
        .status_code
        == 400
    )
    assert ReceivedPackage.objects.get().package_id == submission.code

    assert post(path).status_code == 200
    assert ReceivedPackage.objects.get().status == PackageStatus.ACCEPTED


def test_multipart_upload_is_accepted(exchange: Exchange) -> None:
    _submission, path = built(exchange)
    with path.open("rb") as handle:
        response = Client().post(URL, {"package": handle}, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200, response.content


def test_package_status_and_student_records_are_narrowed_to_the_school(
    exchange: Exchange,
) -> None:
    submission, path = built(exchange)
    post(path)
    register_school(code="123456", name="別的高中", token="other-token")
    other = Client(HTTP_AUTHORIZATION="Bearer other-token")
    mine = Client(HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    nid = exchange.students[0].national_id

    assert mine.get(f"{URL}/{submission.code}").json()["status"] == "accepted"
    assert other.get(f"{URL}/{submission.code}").status_code == 404
    records = mine.get(f"/api/central/v1/students/{nid}/records", {"school_code": SCHOOL_CODE})
    assert records.status_code == 200
    assert [r["version"] for r in records.json()["records"]] == [1]
    denied = other.get(f"/api/central/v1/students/{nid}/records", {"school_code": SCHOOL_CODE})
    assert denied.status_code == 403
    assert denied.json()["error"] == "wrong_school"
    invalid = mine.get(f"/api/central/v1/students/{nid}/records")
    assert invalid.status_code == 422
    assert invalid.json()["error"] == "schema"


def test_openapi_schema_is_published_with_its_4xx_responses(db: Any) -> None:
    response = Client().get("/api/central/v1/openapi.json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    deliver = paths["/api/central/v1/packages"]["post"]
    assert {"200", "400", "401", "403", "409", "413", "422"} <= set(deliver["responses"])
    assert "application/zip" in deliver["requestBody"]["content"]
    assert {"200", "401", "404", "422"} <= set(
        paths["/api/central/v1/packages/{package_id}"]["get"]["responses"]
    )
    assert {"200", "401", "403", "422"} <= set(
        paths["/api/central/v1/students/{national_id}/records"]["get"]["responses"]
    )
    docs = Client().get("/api/central/v1/docs")
    assert docs.status_code == 200
    assert b"/static/ninja/swagger-ui-bundle.js" in docs.content  # our CSP allows no CDN
