"""Durable blob storage (ARCHITECTURE.md "The life of an upload", RELIABILITY.md D2).

``DurableFileSystemStorage`` writes each file to a temporary name in the target directory,
fsyncs it, links it into place without ever replacing an existing file, and fsyncs the
directory, so a file either exists whole under its name or not at all, even across a crash
or power loss. Blob names are content-addressed (``ab/cd/<sha256>``) and never altered.
"""

import contextlib
import errno
import os
import secrets
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.files.storage.handler import InvalidStorageError

T = TypeVar("T")

TMP_PREFIX = ".tmp-"
_CHUNK = 1024 * 1024


def blob_name(sha256: str) -> str:
    """The storage name of a blob: ``ab/cd/<sha256>`` (hex, lower-case)."""
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


def is_blob_name(name: str) -> bool:
    """Whether a storage name has the content-addressed shape ``ab/cd/<64 hex>``."""
    parts = name.replace("\\", "/").split("/")
    if len(parts) != 3:
        return False
    a, b, digest = parts
    return (
        len(digest) == 64
        and all(c in "0123456789abcdef" for c in digest)
        and digest.startswith(a + b)
        and len(a) == 2
        and len(b) == 2
    )


def blob_storage() -> Storage:
    """The primary blob storage (``STORAGES["blobs"]``)."""
    return storages["blobs"]


def replica_storage() -> Storage | None:
    """The replica blob storage (``STORAGES["blobs_replica"]``), or None when not configured."""
    try:
        return storages["blobs_replica"]
    except InvalidStorageError:
        return None


def _fsync_dir(path: str | os.PathLike[str]) -> None:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _unlink(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


class DurableFileSystemStorage(FileSystemStorage):
    """File-system storage whose saves are atomic, fsynced and never overwrite.

    Every operating-system step goes through :meth:`_io` so tests can inject faults at any
    step (RELIABILITY.md F2).
    """

    def _io(self, op: str, func: Callable[..., T], *args: Any) -> T:
        """Run one OS-level step; ``op`` names it for fault injection in tests."""
        return func(*args)

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        # Content-addressed names must never be altered ("_abc123" suffixes would break them).
        return name

    # Paths here are plain strings, not pathlib.Path: CPython 3.12's pathlib interns every
    # path component (sys.intern) and interned strings never die, so one Path per blob name
    # would leak ~150 bytes per stored file for the life of the process.

    def _makedirs(self, directory: str) -> None:
        # Create missing parents one by one and fsync each parent, so the new directory
        # entries themselves survive a crash.
        missing: list[str] = []
        current = directory
        while not os.path.exists(current):
            missing.append(current)
            current = os.path.dirname(current)
        for path in reversed(missing):
            try:
                self._io("mkdir", os.mkdir, path, self.directory_permissions_mode or 0o750)
            except FileExistsError:
                continue
            self._io("fsync_dir", _fsync_dir, os.path.dirname(path))

    def _write_temp(self, directory: str, content: File) -> str:
        tmp = os.path.join(directory, f"{TMP_PREFIX}{secrets.token_hex(8)}")
        mode = self.file_permissions_mode or 0o640
        fd = self._io("open", os.open, tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        try:
            try:
                if hasattr(content, "seek"):
                    content.seek(0)
                for chunk in content.chunks(_CHUNK):
                    data = chunk.encode() if isinstance(chunk, str) else chunk
                    view = memoryview(data)
                    while view:
                        written = self._io("write", os.write, fd, view)
                        if written <= 0:
                            raise OSError(errno.EIO, "short write")
                        view = view[written:]
                self._io("fsync", os.fsync, fd)
            finally:
                self._io("close", os.close, fd)
        except BaseException:
            _unlink(tmp)
            raise
        return tmp

    def _save(self, name: str, content: File) -> str:
        """Write ``content`` under ``name`` atomically; FileExistsError if it exists."""
        full = self.path(name)
        directory = os.path.dirname(full)
        self._makedirs(directory)
        tmp = self._write_temp(directory, content)
        try:
            # link() refuses to replace an existing name, atomically: no overwrite, ever.
            self._io("link", os.link, tmp, full)
        finally:
            _unlink(tmp)
        self._io("fsync_dir", _fsync_dir, directory)
        return name

    def replace(self, name: str, content: File) -> str:
        """Atomically replace ``name`` with ``content`` (repair only; fsynced like a save)."""
        full = self.path(name)
        directory = os.path.dirname(full)
        self._makedirs(directory)
        tmp = self._write_temp(directory, content)
        try:
            self._io("rename", os.replace, tmp, full)
        except BaseException:
            _unlink(tmp)
            raise
        self._io("fsync_dir", _fsync_dir, directory)
        return name

    def touch(self, name: str) -> None:
        """Refresh a file's modification time (a reused blob restarts the sweep's grace)."""
        self._io("utime", os.utime, self.path(name))


def walk(storage: Storage, top: str = "") -> Iterator[str]:
    """Every file name under ``top`` in a storage, recursively (storage names, "/" joined)."""
    dirs, files = storage.listdir(top)
    for name in files:
        yield f"{top}/{name}" if top else name
    for name in dirs:
        yield from walk(storage, f"{top}/{name}" if top else name)
