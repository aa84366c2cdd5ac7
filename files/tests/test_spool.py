"""DiskBackedZipFile writes exactly what zipfile writes, with its central directory on disk."""

from __future__ import annotations

import hashlib
import io
import warnings
import zipfile

import pytest

from files.spool import DiskBackedZipFile, DiskIndex

DATE = (2026, 1, 10, 9, 0, 0)


def _write(cls: type[zipfile.ZipFile], count: int) -> bytes:
    buffer = io.BytesIO()
    with cls(buffer, "w", allowZip64=True) as zf:
        for i in range(count):
            name = f"files/{hashlib.sha256(str(i).encode()).hexdigest()}"
            info = zipfile.ZipInfo(name, date_time=DATE)
            info.compress_type = zipfile.ZIP_DEFLATED if i % 3 == 0 else zipfile.ZIP_STORED
            with zf.open(info, "w", force_zip64=i % 7 == 0) as out:
                out.write(f"content {i} ".encode() * (i % 50))
        zf.writestr(zipfile.ZipInfo("manifest.json", date_time=DATE), b'{"parts": []}')
    return buffer.getvalue()


@pytest.mark.parametrize("count", [0, 1, 250])
def test_same_bytes_as_zipfile(count: int) -> None:
    ours = _write(DiskBackedZipFile, count)
    assert ours == _write(zipfile.ZipFile, count)
    with zipfile.ZipFile(io.BytesIO(ours)) as zf:
        assert zf.testzip() is None
        assert len(zf.namelist()) == count + 1


def test_more_members_than_the_zip_count_field_holds() -> None:
    """Past 65,535 members the end record needs Zip64; the count comes from the disk table."""
    count = 65_540
    ours = _write(DiskBackedZipFile, count)
    assert hashlib.sha256(ours).digest() == hashlib.sha256(_write(zipfile.ZipFile, count)).digest()
    with zipfile.ZipFile(io.BytesIO(ours)) as zf:
        assert len(zf.infolist()) == count + 1
        assert zf.read("manifest.json") == b'{"parts": []}'


def test_duplicate_name_warns_like_zipfile() -> None:
    with DiskBackedZipFile(io.BytesIO(), "w") as zf:
        zf.writestr("a.txt", b"1")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            zf.writestr("a.txt", b"2")
        assert any("Duplicate name" in str(w.message) for w in caught)
        assert zf.NameToInfo.get("a.txt").file_size == 1
        assert "b.txt" not in zf.NameToInfo


def test_reading_is_refused() -> None:
    buffer = io.BytesIO(_write(zipfile.ZipFile, 1))
    with pytest.raises(ValueError, match="writes only"):
        DiskBackedZipFile(buffer, "r")  # type: ignore[arg-type]
    with DiskBackedZipFile(io.BytesIO(), "w") as zf, pytest.raises(NotImplementedError):
        zf.namelist()


def test_disk_index_is_private_and_temporary() -> None:
    with DiskIndex() as index:
        index.execute("CREATE TABLE t (x TEXT PRIMARY KEY)")
        index.executemany("INSERT OR IGNORE INTO t VALUES (?)", [("b",), ("a",), ("b",)])
        assert [x for (x,) in index.execute("SELECT x FROM t ORDER BY x")] == ["a", "b"]
    with DiskIndex() as other, pytest.raises(Exception, match="no such table"):
        other.execute("SELECT * FROM t")
