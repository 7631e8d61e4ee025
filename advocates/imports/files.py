"""The uploaded file: where it is kept, and reading it as CSV one record at a time."""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import ImportJob

# A longer "line" is not a spreadsheet row: refusing it keeps memory bounded on a binary or broken file.
MAX_LINE_BYTES = 1024 * 1024


def import_root() -> Path:
    return Path(settings.IMPORT_ROOT)


class ImportFileError(Exception):
    """The file as a whole cannot be read (as opposed to one of its rows)."""


@dataclass
class Record:
    number: int  # as a spreadsheet shows it: the header is row 1
    cells: list[str]
    problem: str = ""  # an error code that concerns the whole row


class CsvReader:
    """Reads CSV records from a binary file, one at a time, remembering nothing but the header.

    Lines are decoded one by one so that a line that is not UTF-8 becomes an error on its row
    instead of stopping the whole file; the delimiter (comma, semicolon or tab, as spreadsheets in
    different locales write them) is taken from the header line.
    """

    def __init__(self, handle: IO[bytes]):
        self._handle = handle
        self._undecodable = False
        lines = self._lines()
        first = next(lines, None)
        if first is None:
            raise ImportFileError(_("The file is empty."))
        if self._undecodable or "\x00" in first:
            raise ImportFileError(_("The file is not UTF-8 text: save it as “CSV UTF-8” and upload it again."))
        self.delimiter = max((",", ";", "\t"), key=first.count) if any(d in first for d in ",;\t") else ","
        self._reader = csv.reader(itertools.chain([first], lines), delimiter=self.delimiter)
        self.header = [cell.strip() for cell in next(self._reader, [])]
        if not any(self.header):
            raise ImportFileError(_("The first row must name the columns."))

    def _lines(self) -> Iterator[str]:
        first = True
        while raw := self._handle.readline(MAX_LINE_BYTES + 1):
            if len(raw) > MAX_LINE_BYTES:
                raise ImportFileError(_("A line of the file is longer than 1 MB: is it really a CSV file?"))
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                self._undecodable = True
                text = raw.decode("utf-8", errors="replace")
            if first:
                text, first = text.removeprefix("\ufeff"), False
            yield text

    def __iter__(self) -> Iterator[Record]:
        number = 1
        while True:
            self._undecodable = False
            try:
                cells = next(self._reader)
            except StopIteration:
                return
            except csv.Error:
                number += 1
                yield Record(number, [], "unreadable")
                continue
            number += 1
            if self._undecodable:
                yield Record(number, cells, "encoding")
            elif any(cell.strip() for cell in cells):
                yield Record(number, cells)


def job_path(job: ImportJob) -> Path:
    return import_root() / job.file_path


def delete_file_on_commit(job: ImportJob) -> None:
    path = job_path(job)
    transaction.on_commit(lambda: path.unlink(missing_ok=True))


def read_header(path: Path) -> tuple[list[str], str]:
    with path.open("rb") as handle:
        encoding = "utf-8-sig" if handle.read(3) == b"\xef\xbb\xbf" else "utf-8"
        handle.seek(0)
        header = CsvReader(handle).header
    names = [name for name in header if name]
    seen: set[str] = set()
    for name in names:
        if name.casefold() in seen:
            raise ImportFileError(
                _("Two columns are called “%(name)s”: give each column its own name.") % {"name": name}
            )
        seen.add(name.casefold())
    return header, encoding
