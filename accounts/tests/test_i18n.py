"""The English catalogue (locale/en/LC_MESSAGES/django.po): complete, not fuzzy, placeholders
kept, up to date with the code, and used once a visitor switches the language to English.

When one of these fails after you added or changed a translatable string, regenerate the
catalogue and translate the new entries (no `#, fuzzy` left, placeholders kept):

    .venv/bin/python manage.py makemessages -l en --ignore=.venv --ignore=var \
        --ignore=bench --ignore=test-results --no-obsolete
"""

import ast
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

PO_PATH = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
MAKEMESSAGES = [
    "makemessages",
    "-l",
    "en",
    "--ignore=.venv",
    "--ignore=var",
    "--ignore=bench",
    "--ignore=test-results",
    "--no-obsolete",
]
HOW_TO_FIX = "regenerate and translate: " + " ".join(["manage.py", *MAKEMESSAGES])

#: %(name)s with any conversion flags (%(used).1f, %(count)d), a positional %s/%d, or {name}.
PLACEHOLDER = re.compile(
    r"%\([^)]*\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]|%[-#0 +]*\d*(?:\.\d+)?[sdifr]|\{\w*\}"
)


@dataclass
class Entry:
    line: int
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    def __str__(self) -> str:
        return f"django.po:{self.line} {self.msgid!r}"


def parse_po(text: str) -> list[Entry]:
    """The entries of a .po file (header included, obsolete `#~` entries left out)."""
    entries: list[Entry] = []
    current: Entry | None = None
    flags: set[str] = set()
    target: tuple[str, int] = ("", 0)
    keyword = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(".*")$')

    def append(value: str) -> None:
        assert current is not None
        name, index = target
        if name == "msgstr":
            current.msgstr[index] = current.msgstr.get(index, "") + value
        else:
            setattr(current, name, (getattr(current, name) or "") + value)

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#,"):
            flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            append(ast.literal_eval(line))
        else:
            match = keyword.match(line)
            assert match, f"django.po:{number}: cannot parse {raw!r}"
            name, index, value = match.groups()
            if name == "msgctxt" or (name == "msgid" and (current is None or current.msgstr)):
                current = Entry(line=number, flags=flags)
                entries.append(current)
                flags = set()
            assert current is not None, f"django.po:{number}: {name} before any msgid"
            target = (name, int(index or 0))
            if name == "msgstr":
                current.msgstr[target[1]] = ""
            else:
                setattr(current, name, "")
            append(ast.literal_eval(value))
    return entries


def catalogue() -> list[Entry]:
    assert PO_PATH.exists(), f"{PO_PATH} is missing; {HOW_TO_FIX}"
    return parse_po(PO_PATH.read_text(encoding="utf-8"))


def messages() -> list[Entry]:
    return [entry for entry in catalogue() if entry.msgid]


def test_parser_reads_plurals_contexts_and_continuations() -> None:
    text = (
        '#, fuzzy\nmsgid ""\nmsgstr ""\n"Language: en\\n"\n\n'
        '#: a.py:1\n#, python-format\nmsgctxt "c"\nmsgid "甲 %(n)s"\nmsgstr ""\n"A "\n"%(n)s"\n\n'
        'msgid "%(n)s 件"\nmsgid_plural "%(n)s 件"\n'
        'msgstr[0] "%(n)s item"\nmsgstr[1] "%(n)s items"\n'
    )
    header, first, plural = parse_po(text)
    assert header.flags == {"fuzzy"}
    assert header.msgstr == {0: "Language: en\n"}
    assert (first.msgctxt, first.msgid, first.msgstr, first.flags) == (
        "c",
        "甲 %(n)s",
        {0: "A %(n)s"},
        {"python-format"},
    )
    assert plural.msgid_plural == "%(n)s 件"
    assert plural.msgstr == {0: "%(n)s item", 1: "%(n)s items"}


def test_catalogue_is_english_with_two_plural_forms() -> None:
    header = catalogue()[0]
    assert header.msgid == "", "the catalogue must start with its header"
    assert "Language: en\n" in header.msgstr[0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header.msgstr[0]
    assert "fuzzy" not in header.flags


def test_every_entry_is_translated_and_not_fuzzy() -> None:
    entries = messages()
    assert len(entries) > 500
    fuzzy = [str(e) for e in entries if "fuzzy" in e.flags]
    untranslated = [
        str(e)
        for e in entries
        if not e.msgstr
        or any(not text.strip() for text in e.msgstr.values())
        or (e.msgid_plural is not None and sorted(e.msgstr) != [0, 1])
    ]
    assert not fuzzy, f"fuzzy entries (check each translation, then drop the flag): {fuzzy}"
    assert not untranslated, f"untranslated entries ({HOW_TO_FIX}): {untranslated}"


def test_placeholders_match_between_msgid_and_msgstr() -> None:
    wrong = []
    for e in messages():
        for index, text in e.msgstr.items():
            source = e.msgid_plural if index > 0 and e.msgid_plural is not None else e.msgid
            expected, got = set(PLACEHOLDER.findall(source)), set(PLACEHOLDER.findall(text))
            if expected != got:
                wrong.append(f"{e} msgstr[{index}]: expected {sorted(expected)}, got {sorted(got)}")
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


def test_no_translation_is_left_in_chinese() -> None:
    han = re.compile(r"[\u3400-\u9fff\uff01-\uff5e\u3000-\u303f]")
    left = [str(e) for e in messages() if any(han.search(t) for t in e.msgstr.values())]
    assert not left, f"msgstr with Chinese characters or full-width punctuation: {left}"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext")
def test_catalogue_has_every_msgid_of_the_code(tmp_path: Path) -> None:
    """makemessages on a copy of the sources finds no msgid the catalogue lacks or no longer
    needs; the work tree itself is not touched."""
    root = Path(settings.BASE_DIR)
    skip_dirs = {".venv", "var", "bench", "test-results", ".git", "node_modules", "__pycache__"}
    keep = {".py", ".html", ".txt", ".po"}

    def ignore(directory: str, names: list[str]) -> set[str]:
        return {
            name
            for name in names
            if name in skip_dirs
            or (Path(directory, name).is_file() and Path(name).suffix not in keep)
        }

    copy = tmp_path / "src"
    shutil.copytree(root, copy, ignore=ignore)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    subprocess.run(
        [sys.executable, "manage.py", *MAKEMESSAGES, "-v0"],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    fresh = {e.key for e in parse_po((copy / PO_PATH.relative_to(root)).read_text("utf-8"))}
    committed = {e.key for e in catalogue()}
    missing = sorted(k[1] for k in fresh - committed)
    stale = sorted(k[1] for k in committed - fresh)
    assert not missing, f"msgids in the code but not in django.po ({HOW_TO_FIX}): {missing}"
    assert not stale, f"msgids in django.po no longer in the code ({HOW_TO_FIX}): {stale}"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="needs GNU gettext")
@pytest.mark.django_db
def test_switching_to_english_shows_the_login_page_in_english(
    tmp_path: Path, client: Client
) -> None:
    """The committed .po, compiled here (msgfmt --check-format) into a scratch LOCALE_PATHS,
    is what the login page shows after the header's language switch."""
    out = tmp_path / "locale" / "en" / "LC_MESSAGES"
    out.mkdir(parents=True)
    subprocess.run(
        ["msgfmt", "--check-format", "-o", str(out / "django.mo"), str(PO_PATH)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    login = "/accounts/login/"
    assert reverse("account_login") == login
    with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
        chinese = client.get(login)
        assert "登入學習歷程檔案平臺" in chinese.content.decode()

        response = client.post(
            reverse("set_language"), {"language": "en", "next": login}, follow=True
        )
        assert response.redirect_chain[-1][0] == login
        page = response.content.decode()
        assert '<html lang="en">' in page
        assert "<h1>Sign in to the learning portfolio platform</h1>" in page
        assert ">Password</label>" in page
        assert ">Username</label>" in page
        assert "登入學習歷程檔案平臺" not in page
        assert "密碼" not in page
        # The switch offers the way back, in Chinese.
        assert 'value="zh-hant"' in page
        assert "繁體中文" in page
