"""Streaming hashes of file content (SHA-256 for identity, MD5 for the exchange)."""

import hashlib
from dataclasses import dataclass
from typing import IO

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Digest:
    sha256: str
    md5: str
    size: int


class Hasher:
    """SHA-256 + MD5 + byte count, fed chunk by chunk."""

    def __init__(self) -> None:
        self._sha256 = hashlib.sha256()
        self._md5 = hashlib.md5(usedforsecurity=False)
        self.size = 0

    def update(self, data: bytes) -> None:
        self._sha256.update(data)
        self._md5.update(data)
        self.size += len(data)

    def digest(self) -> Digest:
        return Digest(self._sha256.hexdigest(), self._md5.hexdigest(), self.size)


def digest_stream(stream: IO[bytes]) -> Digest:
    """Hash a binary stream from its current position to the end, one chunk at a time."""
    hasher = Hasher()
    while chunk := stream.read(CHUNK):
        hasher.update(chunk)
    return hasher.digest()
