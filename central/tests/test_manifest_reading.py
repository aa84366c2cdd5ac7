"""The manifest is read as a stream (ijson, central.ingest._read_manifest): every malformed
shape is still refused whole with a machine-readable reason, and a well-formed manifest in any
key order or layout is accepted."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from central.models import CentralRecord
from central.tests.exchange import (  # noqa: F401
    Exchange,
    exchange_fixture,
    rewrite_zip,
    stores_fixture,
)
from central.tests.test_api import assert_refused_whole, built, post
from submissions.package import MANIFEST


def resigned(source: Path, target: Path, edit: Callable[[dict[str, Any], bytes], bytes]) -> Path:
    """A copy of the package whose manifest.json is ``edit(manifest, raw)`` with a matching
    tag manifest, so only the manifest's own checks can catch the change."""
    with zipfile.ZipFile(source) as zf:
        raw = zf.read(MANIFEST)
    new = edit(json.loads(raw), raw)
    tag = f"{hashlib.sha256(new).hexdigest()}  {MANIFEST}\n".encode()
    return rewrite_zip(source, target, change={MANIFEST: new, "manifest.sha256": tag})


def _dump(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode()


def _part_twice(m: dict[str, Any], _raw: bytes) -> bytes:
    return _dump({**m, "parts": [*m["parts"], m["parts"][0]]})


def _key_twice(_m: dict[str, Any], raw: bytes) -> bytes:
    return raw.rstrip()[:-1] + b', "school_year": 113}'


def _parts_twice(m: dict[str, Any], raw: bytes) -> bytes:
    return raw.rstrip()[:-1] + b', "parts": []}'


def _bad_sha(m: dict[str, Any], _raw: bytes) -> bytes:
    parts = [dict(p) for p in m["parts"]]
    parts[1]["sha256"] = "XYZ"
    return _dump({**m, "parts": parts})


CASES: dict[str, tuple[Callable[[dict[str, Any], bytes], bytes], str, str]] = {
    "an array": (lambda m, raw: _dump([m]), "schema", "not a JSON object"),
    "a number": (lambda m, raw: b"42", "schema", "not a JSON object"),
    "cut short": (lambda m, raw: raw[: len(raw) // 2], "schema", "not JSON"),
    "trailing garbage": (lambda m, raw: raw + b" {}", "schema", "not JSON"),
    "parts missing": (
        lambda m, raw: _dump({k: v for k, v in m.items() if k != "parts"}),
        "schema",
        "parts: Field required",
    ),
    "parts of strings": (
        lambda m, raw: _dump({**m, "parts": ["rosters/outcomes.jsonl"]}),
        "schema",
        "parts must be a list of objects",
    ),
    "parts an object": (
        lambda m, raw: _dump({**m, "parts": {"a": 1}}),
        "schema",
        "parts must be a list of objects",
    ),
    "a part listed twice": (_part_twice, "schema", "listed twice"),
    "a key twice": (_key_twice, "schema", "appears twice"),
    "parts twice": (_parts_twice, "schema", "appears twice"),
    "a bad SHA-256": (_bad_sha, "schema", "parts.1.sha256"),
    "an unknown key": (lambda m, raw: _dump({**m, "extra": 1}), "schema", "extra"),
    "another format": (
        lambda m, raw: _dump({**m, "format": "zip"}),
        "unsupported_format",
        "format must be",
    ),
    "format version 9": (
        lambda m, raw: _dump({**m, "format_version": 9}),
        "unsupported_format",
        "format_version 9",
    ),
}


@pytest.mark.parametrize("depth", [12, 100_000])
def test_deeply_nested_roster_line_is_refused(
    exchange: Exchange, tmp_path: Path, depth: int
) -> None:
    """Past MAX_LINE_DEPTH a line is refused (json.loads would raise RecursionError at
    ~100,000 levels, and PostgreSQL's jsonb refuses deep documents): a schema refusal."""
    _submission, path = built(exchange)
    name = "rosters/outcomes.jsonl"
    with zipfile.ZipFile(path) as zf:
        lines = zf.read(name).splitlines()
    nested = b"[" * depth + b"]" * depth
    data = b"\n".join([b'{"extra":' + nested + b"," + lines[0][1:], *lines[1:]])

    def resign(m: dict[str, Any], _raw: bytes) -> bytes:
        for part in m["parts"]:
            if part["path"] == name:
                part.update(
                    sha256=hashlib.sha256(data).hexdigest(),
                    md5=hashlib.md5(data, usedforsecurity=False).hexdigest(),
                    size=len(data),
                )
        return _dump(m)

    changed = rewrite_zip(path, tmp_path / "deep-line-part.zip", change={name: data})
    response = post(resigned(changed, tmp_path / "deep-line.zip", resign))

    assert_refused_whole(response, "schema")
    assert "nested too deeply" in response.json()["detail"]


@pytest.mark.parametrize("case", list(CASES))
def test_malformed_manifest_is_refused_whole(exchange: Exchange, tmp_path: Path, case: str) -> None:
    edit, code, detail = CASES[case]
    _submission, path = built(exchange)

    response = post(resigned(path, tmp_path / "bad.zip", edit))

    assert_refused_whole(response, code)
    assert detail in response.json()["detail"]


def test_manifest_in_another_key_order_and_layout_is_accepted(
    exchange: Exchange, tmp_path: Path
) -> None:
    """The reader does not depend on how the school side lays the JSON out."""
    submission, path = built(exchange)

    def parts_first(m: dict[str, Any], _raw: bytes) -> bytes:
        reordered = {"parts": m["parts"], **{k: v for k, v in m.items() if k != "parts"}}
        return json.dumps(reordered, indent=4, ensure_ascii=True).encode()

    response = post(resigned(path, tmp_path / "reordered.zip", parts_first))

    assert response.status_code == 200, response.content
    assert response.json()["package_id"] == str(submission.code)
    assert CentralRecord.objects.count() == len(exchange.students)


def test_deeply_nested_manifest_is_refused_without_blowing_up(
    exchange: Exchange, tmp_path: Path
) -> None:
    """ijson's prefixed events cost memory quadratic in the depth (100,000 levels: gigabytes);
    the reader refuses past MAX_MANIFEST_DEPTH instead."""

    def nested(m: dict[str, Any], raw: bytes) -> bytes:
        depth = 100_000
        return raw.rstrip()[:-1] + b', "extra": ' + b"[" * depth + b"]" * depth + b"}"

    response = post(resigned(built(exchange)[1], tmp_path / "deep.zip", nested))

    assert_refused_whole(response, "schema")
    assert "nests deeper than 8 levels" in response.json()["detail"]
