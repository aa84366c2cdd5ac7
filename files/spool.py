"""Per-file bookkeeping kept on disk, so packages of any size are built in constant memory.

A central-database package (RULES.md §5, docs/package-format.md) has one ZIP member per file —
48,000 for a 3,000-student school — and every member needs a little metadata until the end: the
manifest's part list, the set of distinct files, and the ZIP central directory. Kept in Python
objects that is ~2 KiB per file; here it goes to a private temporary SQLite database instead,
whose page cache is bounded (``CACHE_KIB``) and which spills to a temporary file beyond it.

* :class:`DiskIndex` — a private, temporary SQLite database (``sqlite3.connect("")``: deleted
  when closed) for tables the caller creates.
* :class:`DiskBackedZipFile` — ``zipfile.ZipFile`` for *writing* whose central directory
  (``filelist``/``NameToInfo``) is a table in such a database. The archive it writes is
  byte-for-byte what ``zipfile.ZipFile`` writes (``files/tests/test_spool.py`` compares them).
"""

from __future__ import annotations

import pickle
import sqlite3
import zipfile
from collections.abc import Iterator
from typing import IO, Any, Literal, Self

#: Page cache of each temporary database, KiB (SQLite spills to its temporary file beyond it).
CACHE_KIB = 2048


class DiskIndex:
    """A private temporary SQLite database: constant memory, deleted on :meth:`close`.

    Use as a context manager. ``execute``/``executemany`` are sqlite3's; everything runs in
    one implicit transaction that is never committed (nothing here outlives the process).
    """

    def __init__(self) -> None:
        self.db = sqlite3.connect("", check_same_thread=False)
        self.db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        self.db.execute("PRAGMA temp_store=FILE")

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        return self.db.execute(sql, params)

    def executemany(self, sql: str, rows: Any) -> sqlite3.Cursor:
        return self.db.executemany(sql, rows)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Entries:
    """``ZipFile.filelist`` and ``ZipFile.NameToInfo`` in one on-disk table.

    Supports what zipfile's writing path uses: ``append``/``len``/iteration in order (the
    central directory) and ``in``/item assignment/``get`` by name (the duplicate-name warning).
    ZipInfo objects are pickled into and out of a database only this process writes.
    """

    def __init__(self, index: DiskIndex) -> None:
        self._index = index
        index.execute("CREATE TABLE zip_entries (seq INTEGER PRIMARY KEY, name TEXT, info BLOB)")
        index.execute("CREATE INDEX zip_entries_name ON zip_entries (name)")
        self._count = 0
        self._last: zipfile.ZipInfo | None = None

    # filelist
    def append(self, info: zipfile.ZipInfo) -> None:
        if info is self._last:  # NameToInfo[name] = the ZipInfo just appended
            return
        self._index.execute(
            "INSERT INTO zip_entries (name, info) VALUES (?, ?)",
            (info.filename, pickle.dumps(info, protocol=pickle.HIGHEST_PROTOCOL)),
        )
        self._count += 1
        self._last = info

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[zipfile.ZipInfo]:
        cursor = self._index.execute("SELECT info FROM zip_entries ORDER BY seq")
        for (blob,) in cursor:
            yield pickle.loads(blob)  # noqa: S301 (written by this process, see class doc)

    # NameToInfo
    def __contains__(self, name: object) -> bool:
        row = self._index.execute(
            "SELECT 1 FROM zip_entries WHERE name = ? LIMIT 1", (name,)
        ).fetchone()
        return row is not None

    def __setitem__(self, name: str, info: zipfile.ZipInfo) -> None:
        self.append(info)

    def get(self, name: str, default: Any = None) -> Any:
        row = self._index.execute(
            "SELECT info FROM zip_entries WHERE name = ? ORDER BY seq DESC LIMIT 1", (name,)
        ).fetchone()
        return pickle.loads(row[0]) if row else default  # noqa: S301 (see class doc)


class DiskBackedZipFile(zipfile.ZipFile):
    """``zipfile.ZipFile(file, "w" | "x", ...)`` keeping its central directory on disk.

    Memory stays constant however many members are written (``zipfile`` itself keeps one
    ZipInfo, ~400 bytes, per member until ``close``). Write-only: reading mode raises
    ValueError. ``namelist()``/``infolist()`` are not supported while writing (zipfile does not
    use them). Raises what ``zipfile.ZipFile`` raises.
    """

    def __init__(
        self,
        file: str | IO[bytes],
        mode: Literal["w", "x"] = "w",
        compression: int = zipfile.ZIP_STORED,
        allowZip64: bool = True,
        compresslevel: int | None = None,
    ) -> None:
        if mode not in ("w", "x"):
            raise ValueError("DiskBackedZipFile writes only (mode 'w' or 'x')")
        self._spool_index = DiskIndex()
        self._entries = _Entries(self._spool_index)
        try:
            super().__init__(
                file, mode, compression, allowZip64=allowZip64, compresslevel=compresslevel
            )
        except BaseException:
            self._spool_index.close()
            raise

    # zipfile.ZipFile.__init__ assigns ``self.filelist = []`` and ``self.NameToInfo = {}``;
    # these properties keep the on-disk table in their place.
    @property  # type: ignore[override]
    def filelist(self) -> _Entries:
        return self._entries

    @filelist.setter
    def filelist(self, value: object) -> None:
        if value:
            raise ValueError("DiskBackedZipFile starts empty")

    @property  # type: ignore[override]
    def NameToInfo(self) -> _Entries:
        return self._entries

    @NameToInfo.setter
    def NameToInfo(self, value: object) -> None:
        if value:
            raise ValueError("DiskBackedZipFile starts empty")

    def namelist(self) -> list[str]:
        raise NotImplementedError("DiskBackedZipFile does not list its members")

    def infolist(self) -> list[zipfile.ZipInfo]:
        raise NotImplementedError("DiskBackedZipFile does not list its members")

    def close(self) -> None:
        try:
            if hasattr(self, "fp"):  # __init__ got far enough to open the file
                super().close()
        finally:
            index = getattr(self, "_spool_index", None)
            if index is not None:
                index.close()
