"""What the account and advocate imports share: the parsed row, the plan of one batch, the pass over
the file (``Importer``) and the keys already seen in it."""

from __future__ import annotations

import contextlib
import itertools
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from advocacy.models import Organization, User

from ..models import ImportJob
from .cells import CellError, unescape
from .columns import ImportField
from .files import CsvReader, ImportFileError, Record, job_path
from .reports import MAX_STORED_ERRORS

# Rows handled per database round: one lookup and one bulk write per model, in one short transaction.
BATCH_SIZE = 1000

# The source recorded on the health scores and NPS responses an import brings in.
IMPORT_SOURCE = "import"

# Stands for a name that several accounts share, where one account was expected.
AMBIGUOUS = object()


@dataclass
class Row:
    number: int
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Plan:
    """What one batch would change; ``errors`` are those found against the database, by row number."""

    errors: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    created: int = 0
    updated: int = 0


class Importer:
    """One pass over the file: parses each row, checks it against the file so far and, a batch at a
    time, against the database; when ``write`` is set, applies each batch in its own transaction."""

    fields: tuple[ImportField, ...] = ()

    def __init__(self, *, job: ImportJob, actor: User | None, write: bool):
        self.job = job
        self.organization: Organization = job.organization
        self.actor = actor
        self.write = write
        self.columns = {name: job.headers.index(column) for name, column in job.mapping.items()}
        self.width = len(job.headers)
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.total_rows = self.valid_rows = self.error_rows = self.created = self.updated = 0
        self.errors: list[dict[str, Any]] = []
        self.parsers: dict[str, Callable[[str], Any]] = {}
        self.seen: _SeenKeys  # for the length of ``run``

    def run(self, report_progress: Callable[[Importer], None]) -> None:
        try:
            handle = job_path(self.job).open("rb")
        except FileNotFoundError:
            raise ImportFileError(_("The uploaded file is no longer available: upload it again.")) from None
        with handle, contextlib.closing(_SeenKeys()) as self.seen:
            reader = CsvReader(handle)
            for records in itertools.batched(reader, BATCH_SIZE):
                rows = [self._parse(record) for record in records]
                self._handle_batch(rows)
                report_progress(self)

    def summary(self) -> dict[str, int]:
        return {
            "rows": self.total_rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.valid_rows - self.created - self.updated,
            "errors": self.error_rows,
        }

    def _error(self, row: Row, field_name: str, code: str, /, **params: Any) -> None:
        column = self.job.mapping.get(field_name, "") if field_name else ""
        params = {name: (value[:80] if isinstance(value, str) else value) for name, value in params.items()}
        row.errors.append({"row": row.number, "column": column, "code": code, "params": params})

    def _parse(self, record: Record) -> Row:
        self.total_rows += 1
        row = Row(record.number)
        if record.problem:
            self._error(row, "", record.problem)
            return row
        if any(cell.strip() for cell in record.cells[self.width :]):
            self._error(row, "", "extra_cells")
        for import_field in self.fields:
            index = self.columns.get(import_field.name)
            if index is None:
                continue
            raw = unescape(record.cells[index].strip() if index < len(record.cells) else "")
            if not raw:
                if import_field.required:
                    self._error(row, import_field.name, "required")
                continue
            try:
                row.values[import_field.name] = self.parsers[import_field.name](raw)
            except CellError as error:
                self._error(row, import_field.name, error.code, **error.params)
        self.check_within_file(row)
        return row

    def _handle_batch(self, rows: list[Row]) -> None:
        plan = self._write_batch(rows) if self.write else self.plan(rows)
        for row in rows:
            errors = row.errors + plan.errors.get(row.number, [])
            if errors:
                self.error_rows += 1
                self.errors.extend(errors[: MAX_STORED_ERRORS - len(self.errors)])
            else:
                self.valid_rows += 1
        self.created += plan.created
        self.updated += plan.updated

    def _write_batch(self, rows: list[Row]) -> Plan:
        """Plans and writes one batch in its own short transaction. When someone else created the same
        advocate or account meanwhile (a unique constraint fails), the batch is planned again, once."""
        try:
            return self._plan_and_apply(rows)
        except IntegrityError:
            self.after_rollback()
            return self._plan_and_apply(rows)

    @transaction.atomic
    def _plan_and_apply(self, rows: list[Row]) -> Plan:
        plan = self.plan(rows)
        self.apply(plan)
        return plan

    def _plan_error(self, plan: Plan, row: Row, field_name: str, code: str, /, **params: Any) -> None:
        """An error found against the database: kept in the plan, since a retried batch plans again."""
        found = Row(row.number)
        self._error(found, field_name, code, **params)
        plan.errors.setdefault(row.number, []).extend(found.errors)

    def check_within_file(self, row: Row) -> None:
        raise NotImplementedError

    def plan(self, rows: list[Row]) -> Plan:
        raise NotImplementedError

    def apply(self, plan: Any) -> None:
        raise NotImplementedError

    def after_rollback(self) -> None:
        """Forgets anything cached from a transaction that was rolled back."""


class _SeenKeys:
    """The keys already met in the file (email addresses, CRM IDs), each with the row it was first on.

    They live in a private, temporary SQLite database rather than in a dict: a dict costs ~150 bytes
    per row and was the only memory that grew with the file. SQLite keeps a small page cache and
    spills the rest to a temporary file that disappears when the connection closes.
    """

    def __init__(self) -> None:
        self._db = sqlite3.connect("")  # "": a temporary database, deleted on close
        self._db.execute("CREATE TABLE seen (key TEXT PRIMARY KEY, row INTEGER NOT NULL) WITHOUT ROWID")

    def first_row(self, key: str, row_number: int) -> int | None:
        """The row ``key`` was first seen on, or None (and remembers this row) if it is new."""
        found = self._db.execute("SELECT row FROM seen WHERE key = ?", (key,)).fetchone()
        if found is not None:
            return int(found[0])
        self._db.execute("INSERT INTO seen (key, row) VALUES (?, ?)", (key, row_number))
        return None

    def close(self) -> None:
        self._db.close()
