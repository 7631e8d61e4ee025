"""The pt_BR and ja catalogues are complete, keep every placeholder, and their committed .mo is current."""

from __future__ import annotations

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.utils import translation

LOCALE_DIR = Path(__file__).resolve().parents[2] / "locale"
LANGUAGES = ["pt_BR", "ja"]
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|\{\w*\}")
KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")$")


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def label(self) -> str:
        return repr(self.msgid[:60])


def parse_po(path: Path) -> tuple[Entry, list[Entry]]:
    """Returns (header, entries); obsolete (#~) entries are ignored."""
    entries: list[Entry] = []
    current = Entry()
    target: tuple[str, int] = ("msgid", 0)
    seen_keyword = False

    def flush() -> None:
        nonlocal current, seen_keyword
        if seen_keyword:
            entries.append(current)
        current, seen_keyword = Entry(), False

    def append(text: str) -> None:
        name, index = target
        if name == "msgstr":
            current.msgstr[index] = current.msgstr.get(index, "") + text
        else:
            setattr(current, name, (getattr(current, name) or "") + text)

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#~"):
            if not line:
                flush()
            continue
        if line.startswith("#,"):
            if seen_keyword:
                flush()
            current.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif match := KEYWORD.match(line):
            keyword, index, text = match.groups()
            if keyword in ("msgctxt", "msgid") and current.msgstr:
                flush()
            seen_keyword = True
            target = ("msgstr", int(index or 0)) if keyword.startswith("msgstr") else (keyword, 0)
            append(ast.literal_eval(text))
        elif line.startswith('"'):
            append(ast.literal_eval(line))
    flush()
    header = next(entry for entry in entries if entry.msgid == "" and entry.msgctxt is None)
    return header, [entry for entry in entries if entry is not header]


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


@pytest.fixture(params=LANGUAGES)
def language(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def catalogue(language: str) -> tuple[Entry, list[Entry]]:
    return parse_po(LOCALE_DIR / language / "LC_MESSAGES" / "django.po")


def test_catalogue_is_complete_and_not_fuzzy(catalogue: tuple[Entry, list[Entry]]) -> None:
    header, entries = catalogue
    assert "fuzzy" not in header.flags
    assert len(entries) > 100
    problems = [
        entry.label for entry in entries if "fuzzy" in entry.flags or not entry.msgstr or not all(entry.msgstr.values())
    ]
    assert problems == []


def test_header_declares_language_and_plurals(language: str, catalogue: tuple[Entry, list[Entry]]) -> None:
    header = catalogue[0].msgstr[0]
    assert f"Language: {language}\n" in header
    assert "charset=UTF-8" in header
    expected = "nplurals=1; plural=0;" if language == "ja" else "nplurals=2; plural=(n > 1);"
    assert f"Plural-Forms: {expected}" in header


def test_translations_keep_every_placeholder(catalogue: tuple[Entry, list[Entry]]) -> None:
    problems = []
    for entry in catalogue[1]:
        expected = placeholders(entry.msgid) | placeholders(entry.msgid_plural or "")
        problems += [
            f"{entry.label} [{index}]: {sorted(placeholders(text) ^ expected)}"
            for index, text in entry.msgstr.items()
            if placeholders(text) != expected
        ]
    assert problems == []


def test_compiled_catalogue_matches_po(language: str, catalogue: tuple[Entry, list[Entry]]) -> None:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    stale = []
    for entry in catalogue[1]:
        if entry.msgid_plural is None:
            if entry.msgctxt is None:
                found = compiled.gettext(entry.msgid)
            else:
                found = compiled.pgettext(entry.msgctxt, entry.msgid)
            if found != entry.msgstr[0]:
                stale.append(entry.label)
            continue
        for n in (0, 1, 2, 5, 21):
            if entry.msgctxt is None:
                found = compiled.ngettext(entry.msgid, entry.msgid_plural, n)
            else:
                found = compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
            if found != entry.msgstr[compiled.plural(n)]:
                stale.append(f"{entry.label} (n={n})")
    assert stale == [], "the .mo is stale: run compilemessages"


@pytest.mark.parametrize(("code", "folder"), [("pt-br", "pt_BR"), ("ja", "ja")])
@pytest.mark.parametrize("english", ["Dashboard", "Advocates", "Sign out", "Requests"])
def test_django_serves_the_translation(code: str, folder: str, english: str) -> None:
    _, entries = parse_po(LOCALE_DIR / folder / "LC_MESSAGES" / "django.po")
    expected = next(entry.msgstr[0] for entry in entries if entry.msgid == english and not entry.msgctxt)
    with translation.override(code):
        translated = translation.gettext(english)
    assert translated != english
    assert translated == expected
