"""Reading and verifying an uploaded transfer package; staging it between preview and import."""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.files import File

from schools.identity import mask_id, normalize_id

from .common import (
    _CHUNK,
    DATA,
    FILE_MEMBER,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    MAX_DATA_BYTES,
    MAX_FILE_BYTES,
    MAX_MEMBERS,
    MAX_TOTAL_BYTES,
    TransferRefused,
    _counts,
    _staging_dir,
)

# --- Reading and verifying a package --------------------------------------------------------

TAMPERED = "資料包已損毀或遭竄改：{what}，未匯入任何資料。請向原就讀學校重新索取資料包。"


def _refuse_tampered(what: str) -> TransferRefused:
    return TransferRefused(TAMPERED.format(what=what), code="tampered")


@dataclass
class TransferPackage:
    """A verified transfer package: every part matched the manifest."""

    path: Path
    sha256: str  # of the whole ZIP
    manifest: dict[str, Any]
    data: dict[str, Any]

    @property
    def package_id(self) -> uuid.UUID:
        return uuid.UUID(str(self.manifest["package_id"]))

    @property
    def source_school(self) -> dict[str, str]:
        return dict(self.manifest["school"])

    @property
    def national_id(self) -> str:
        return normalize_id(str(self.data["student"]["national_id"]))

    @property
    def masked_id(self) -> str:
        return mask_id(self.national_id)

    @property
    def student_name(self) -> str:
        return str(self.data["student"]["name"])

    @property
    def counts(self) -> dict[str, int]:
        return {**_counts(self.data), "files": len(self.file_parts)}

    @property
    def file_parts(self) -> dict[str, dict[str, Any]]:
        return {
            p["path"].removeprefix("files/"): p
            for p in self.manifest["parts"]
            if p["path"].startswith("files/")
        }


def _hash_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> tuple[str, int]:
    sha = hashlib.sha256()
    size = 0
    with archive.open(info) as member:
        while chunk := member.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise _refuse_tampered(f"{info.filename} 超過大小上限")
            sha.update(chunk)
    return sha.hexdigest(), size


def _check_schema(data: Any) -> None:
    if not isinstance(data, dict) or not isinstance(data.get("student"), dict):
        raise TransferRefused("資料包內容格式不符（缺少學生基本資料），未匯入。", code="schema")
    for key in ("national_id", "name", "date_of_birth"):
        if not data["student"].get(key):
            raise TransferRefused(f"資料包內容格式不符（缺少 {key}），未匯入。", code="schema")
    for key in ("course_records", "cadre_records", "outcomes", "performances", "ticks"):
        if not isinstance(data.get(key, []), list):
            raise TransferRefused(f"資料包內容格式不符（{key}），未匯入。", code="schema")


def read_package(path: Path) -> TransferPackage:
    """Open and verify a transfer package; raises :class:`TransferRefused` (``not_a_package``,
    ``version``, ``tampered``, ``schema``) when anything does not match. Reads each member in
    1 MiB chunks; memory does not grow with the files."""
    if not zipfile.is_zipfile(path):
        raise TransferRefused("上傳的檔案不是轉學生歷程資料包（ZIP）。", code="not_a_package")
    whole = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            whole.update(chunk)
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            names = [i.filename for i in infos]
            if len(names) != len(set(names)) or len(names) > MAX_MEMBERS:
                raise _refuse_tampered("成員重複或過多")
            if MANIFEST not in names:
                raise TransferRefused("資料包缺少 manifest.json，未匯入。", code="not_a_package")
            manifest_info = archive.getinfo(MANIFEST)
            if manifest_info.file_size > MAX_DATA_BYTES:
                raise _refuse_tampered("manifest.json 過大")
            try:
                manifest = json.loads(archive.read(MANIFEST).decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
                raise _refuse_tampered("manifest.json 無法解讀") from None
            if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
                raise TransferRefused(
                    "這不是轉學生歷程資料包（格式不符），未匯入。", code="not_a_package"
                )
            if manifest.get("format_version") != FORMAT_VERSION:
                raise TransferRefused(
                    f"資料包格式版本 {manifest.get('format_version')} 不支援"
                    f"（支援第 {FORMAT_VERSION} 版），未匯入。",
                    code="version",
                )
            try:
                parts = {str(p["path"]): p for p in manifest["parts"]}
                uuid.UUID(str(manifest["package_id"]))
                str(manifest["school"]["code"])
            except (KeyError, TypeError, ValueError):
                raise _refuse_tampered("manifest.json 欄位不全") from None
            members = set(names) - {MANIFEST}
            if set(parts) != members:
                missing = sorted(set(parts) - members)
                extra = sorted(members - set(parts))
                what = f"缺少 {missing[0]}" if missing else f"多出未列於清單的 {extra[0]}"
                raise _refuse_tampered(what)
            if DATA not in parts:
                raise _refuse_tampered("缺少 student.json")
            total = 0
            for name in sorted(members):
                if name != DATA and not FILE_MEMBER.match(name):
                    raise _refuse_tampered(f"不明成員 {name}")
                limit = MAX_DATA_BYTES if name == DATA else MAX_FILE_BYTES
                digest, size = _hash_member(archive, archive.getinfo(name), limit)
                total += size
                if total > MAX_TOTAL_BYTES:
                    raise _refuse_tampered("總大小超過上限")
                expected = parts[name]
                if digest != expected.get("sha256") or size != expected.get("size"):
                    raise _refuse_tampered(f"{name} 的檢查碼不符")
                if name != DATA and name.removeprefix("files/") != digest:
                    raise _refuse_tampered(f"{name} 的內容與檔名不符")
            try:
                data = json.loads(archive.read(DATA).decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
                raise _refuse_tampered("student.json 無法解讀") from None
    except zipfile.BadZipFile:  # includes a CRC error in a member
        raise _refuse_tampered("ZIP 結構錯誤") from None
    _check_schema(data)
    package = TransferPackage(path=path, sha256=whole.hexdigest(), manifest=manifest, data=data)
    files = package.file_parts
    for kind in ("outcomes", "performances"):
        for item in data.get(kind, []):
            for role in ("document", "media"):
                ref = item.get(role)
                if ref and ref.get("sha256") not in files:
                    raise _refuse_tampered(f"缺少 {ref.get('name', '')} 的檔案")
    return package


# --- Staging between the preview and the import --------------------------------------------


def stage_upload(uploaded: File) -> tuple[str, TransferPackage]:
    """Keep an uploaded package for its preview, verified. Returns a token naming it and the
    package; raises :class:`TransferRefused` (the copy is removed then)."""
    token = uuid.uuid4().hex
    path = _staging_dir() / f"upload-{token}.zip"
    with path.open("wb") as out:
        for chunk in uploaded.chunks(_CHUNK):
            out.write(chunk)
    try:
        return token, read_package(path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def staged_path(token: str) -> Path:
    """The staged package of ``token``; ``TransferRefused("expired")`` when it is gone."""
    if not re.fullmatch(r"[0-9a-f]{32}", token or ""):
        raise TransferRefused("找不到上傳的資料包，請重新上傳。", code="expired")
    path = _staging_dir() / f"upload-{token}.zip"
    if not path.exists():
        raise TransferRefused("找不到上傳的資料包，請重新上傳。", code="expired")
    return path


def discard_staged(token: str) -> None:
    with contextlib.suppress(TransferRefused):
        staged_path(token).unlink(missing_ok=True)
