"""A fault-injecting blob storage (RELIABILITY.md F2), in the style of SQLite's I/O tests."""

import errno
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from django.core.files import File

from files.storage import DurableFileSystemStorage

T = TypeVar("T")


class FaultyStorage(DurableFileSystemStorage):
    """Counts every storage step (OS calls and API calls) and fails step ``fail_at``."""

    ops: ClassVar[list[str]] = []
    fail_at: ClassVar[int | None] = None
    error: ClassVar[int] = errno.ENOSPC

    @classmethod
    def reset(cls, fail_at: int | None, error: int = errno.ENOSPC) -> None:
        cls.ops, cls.fail_at, cls.error = [], fail_at, error

    def _step(self, op: str) -> None:
        type(self).ops.append(op)
        if len(type(self).ops) == type(self).fail_at:
            raise OSError(type(self).error, f"injected fault at {op}")

    def _io(self, op: str, func: Callable[..., T], *args: Any) -> T:
        self._step(op)
        return func(*args)

    def exists(self, name: str) -> bool:
        self._step("exists")
        return super().exists(name)

    def _open(self, name: str, mode: str = "rb") -> File:
        self._step("open_read")
        return super()._open(name, mode)  # type: ignore[misc]
