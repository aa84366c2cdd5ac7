"""Benchmark PDFs: a valid one-page PDF padded to an exact size with incompressible bytes.

BENCHMARKS.md's data set uses PDFs of exactly 4 MiB. The padding is an unreferenced stream
object of random bytes, so the file still opens strictly (``files.checks.check_pdf``) and
libmagic calls it ``application/pdf``. :class:`PaddedPdf` builds many distinct files of one
size cheaply: the random padding is made once and a per-file tag is written at its start.
"""

import os

MIB = 1024 * 1024
TAG_BYTES = 32


class PaddedPdf:
    """Distinct valid PDFs of exactly ``size`` bytes: ``pdf.build(tag)``."""

    def __init__(self, size: int, title: str = "licheng bench") -> None:
        content = f"BT /F1 12 Tf 72 720 Td ({title}) Tj ET".encode()
        objs = [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 "
            b"/BaseFont /Helvetica >> >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        ]
        self._head, self._objs = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", objs
        # The /Length and startxref digits depend on the padding length: iterate to the fixed
        # point (two or three rounds).
        n = size
        for _ in range(10):
            prefix, suffix = self._parts(n)
            m = size - len(prefix) - len(suffix)
            if m == n:
                break
            n = m
        if n <= TAG_BYTES or len(prefix) + n + len(suffix) != size:
            raise ValueError(f"cannot pad a PDF to {size} bytes")
        self.size = size
        self.pad_len = n
        self._prefix, self._suffix = prefix, suffix
        self._pad = bytearray(os.urandom(n))

    def _parts(self, n: int) -> tuple[bytes, bytes]:
        out = bytearray(self._head)
        offsets = []
        for i, o in enumerate(self._objs):
            offsets.append(len(out))
            out += b"%d 0 obj\n" % (i + 1) + o + b"\nendobj\n"
        offsets.append(len(out))
        out += b"5 0 obj\n<< /Length %d >>\nstream\n" % n
        prefix = bytes(out)
        tail = bytearray(b"\nendstream\nendobj\n")
        xref_at = len(prefix) + n + len(tail)
        tail += b"xref\n0 6\n0000000000 65535 f \n"
        for off in offsets:
            tail += b"%010d 00000 n \n" % off
        tail += b"trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref_at
        return prefix, bytes(tail)

    def parts(self, tag: bytes) -> tuple[bytes, bytes, bytes]:
        """(prefix, padding, suffix) of the file for ``tag`` (≤ 32 bytes, made unique by the
        caller). The padding is a fresh copy; the three parts join to ``size`` bytes."""
        pad = bytearray(self._pad)
        tag = tag[:TAG_BYTES].ljust(TAG_BYTES, b"\0")
        pad[:TAG_BYTES] = tag
        return self._prefix, bytes(pad), self._suffix

    def build(self, tag: bytes) -> bytes:
        prefix, pad, suffix = self.parts(tag)
        return prefix + pad + suffix
