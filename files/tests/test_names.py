"""safe_display_name: RELIABILITY.md §3 items 10–12."""

import pytest

from files.names import name_extension, safe_display_name


@pytest.mark.parametrize(
    ("raw", "extension", "expected"),
    [
        ("成果報告.pdf", "pdf", "成果報告.pdf"),
        ("../../etc/passwd", "pdf", "passwd.pdf"),
        ("..\\..\\windows\\win.ini", "pdf", "win.pdf"),
        ("C:\\Users\\me\\作品.JPG", "jpg", "作品.jpg"),
        ("/etc/passwd", "png", "passwd.png"),
        ("..%2F..%2Fsecret.pdf", "pdf", "secret.pdf"),
        ("..%252F..%252Fsecret.pdf", "pdf", "secret.pdf"),
        ("a\x00b.pdf", "pdf", "ab.pdf"),
        ("成果\u202efdp.exe", "pdf", "成果fdp.pdf"),
        ("zero\u200bwidth\ufeff.png", "png", "zerowidth.png"),
        ("line\r\nbreak\x1b[31m.pdf", "pdf", "linebreak[31m.pdf"),
        ("cafe\u0301.pdf", "pdf", "café.pdf"),  # NFD → NFC
        ('"><img src=x onerror=alert(1)>.png', "png", "___img src=x onerror=alert(1)_.png"),
        ("CON.pdf", "pdf", "_CON.pdf"),
        ("nul.tar.pdf", "pdf", "_nul.tar.pdf"),
        ("report.pdf.  ", "pdf", "report.pdf"),
        ("...", "pdf", "檔案.pdf"),
        ("", "mp4", "檔案.mp4"),
        (".bashrc", "pdf", "bashrc.pdf"),
        ("photo.png", "jpg", "photo.jpg"),  # the detected extension wins
    ],
)
def test_display_name_is_one_safe_basename(raw: str, extension: str, expected: str) -> None:
    assert safe_display_name(raw, extension=extension) == expected


def test_long_names_are_capped_in_characters_and_bytes() -> None:
    name = safe_display_name("學" * 300 + ".pdf", extension="pdf")
    assert name.endswith(".pdf")
    assert len(name) <= 80
    assert len(name.encode()) <= 200


@pytest.mark.parametrize(
    ("raw", "extension"),
    [
        ("a.PDF", "pdf"),
        ("成果．ｐｄｆ", "pdf"),  # full-width dot and letters
        ("a.pdf.", "pdf"),
        ("a.tar.gz", "gz"),
        ("noext", ""),
        ("dir.d/file", ""),
    ],
)
def test_name_extension(raw: str, extension: str) -> None:
    assert name_extension(raw) == extension
