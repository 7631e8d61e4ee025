"""CSV import and export of customer accounts and advocates.

An import is a short workflow around an ``ImportJob``:

1. ``import_upload`` keeps the file and reads its header row; the file must be UTF-8 text.
2. ``import_set_mapping`` records which column holds which field and queues the dry run.
3. ``import_validate`` (the dry run, in a worker) reads every row once and records the counts and the
   first row-level errors. Nothing but the job itself is written.
4. ``import_confirm`` queues ``import_run``, which reads the file again, checks each row again (the data
   may have changed since the dry run) and upserts the valid rows in batches: advocates by email,
   accounts by CRM ID, else by name. Importing the same file twice changes nothing the second time.

Memory stays bounded whatever the file size: rows are read one at a time and handled ``BATCH_SIZE`` at
a time, and the keys already seen in the file (to report duplicates) are kept on disk.
Empty cells never erase what is already recorded, so a partial file is safe to import.
"""

from __future__ import annotations

import contextlib
import csv
import itertools
import re
import sqlite3
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.db.models.functions import Lower
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scope

from advocacy.audit import audit_log
from advocacy.errors import ConflictError, ValidationFailed
from advocacy.models import Membership, Organization, User
from advocacy.roles import Role
from advocacy.tasks import enqueue_on_commit

from .models import (
    AccountProduct,
    Advocate,
    AdvocateStatusChange,
    CustomerAccount,
    HealthScoreChange,
    ImportJob,
    NpsResponse,
    Product,
    Region,
    Segment,
    Seniority,
)
from .models.choices import LANGUAGE_CHOICES
from .selectors import industries as organization_industries
from .selectors import visible_advocates

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise, StrPromise

# Rows handled per database round: one lookup and one bulk write per model, in one short transaction.
BATCH_SIZE = 1000
# Enough to fix a file by; the counts always cover every row.
MAX_STORED_ERRORS = 500
MAX_UPLOAD_BYTES = 100 * 1024 * 1024
# A longer "line" is not a spreadsheet row: refusing it keeps memory bounded on a binary or broken file.
MAX_LINE_BYTES = 1024 * 1024
IMPORT_SOURCE = "import"
EXPORT_CHUNK_SIZE = 2000

# Accepted industries besides those the organisation's accounts already use.
INDUSTRIES = (
    "Software",
    "Financial services",
    "Healthcare",
    "Retail",
    "Manufacturing",
    "Education",
    "Logistics",
    "Media",
    "Telecommunications",
    "Energy",
    "Public sector",
    "Other",
)

# Spreadsheets run a cell that starts with one of these as a formula: exports defuse them with a leading
# apostrophe, and imports remove it again so an export re-imports unchanged.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_AMBIGUOUS = object()


def import_root() -> Path:
    return Path(settings.IMPORT_ROOT)


# --- What can be imported ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportField:
    name: str
    label: StrOrPromise
    required: bool = False
    aliases: tuple[str, ...] = ()
    help_text: StrOrPromise = ""


ACCOUNT_FIELDS = (
    ImportField("name", gettext_lazy("Account name"), True, ("account", "account name", "company", "customer")),
    ImportField("industry", gettext_lazy("Industry"), False, ("sector", "vertical")),
    ImportField(
        "segment",
        gettext_lazy("Segment"),
        False,
        ("size", "company size"),
        gettext_lazy("enterprise, mid-market or SMB"),
    ),
    ImportField("employee_count", gettext_lazy("Employees"), False, ("employees", "headcount", "number of employees")),
    ImportField(
        "region",
        gettext_lazy("Region"),
        False,
        ("geo", "geography"),
        gettext_lazy("North America, Latin America, EMEA or APAC"),
    ),
    ImportField("country", gettext_lazy("Country"), False, ("country code",), gettext_lazy("Two letters, e.g. PT")),
    ImportField("arr", gettext_lazy("Annual recurring revenue"), False, ("annual recurring revenue", "revenue")),
    ImportField("health_score", gettext_lazy("Health score"), False, ("health",), gettext_lazy("0 to 100")),
    ImportField(
        "customer_since",
        gettext_lazy("Customer since"),
        False,
        ("customer since", "start date"),
        gettext_lazy("A date: YYYY-MM-DD"),
    ),
    ImportField(
        "csm_email",
        gettext_lazy("CSM email"),
        False,
        ("csm", "customer success manager"),
        gettext_lazy("A member of this organisation"),
    ),
    ImportField("crm_id", gettext_lazy("CRM ID"), False, ("crm", "account id", "salesforce id")),
    ImportField(
        "products", gettext_lazy("Products"), False, ("product",), gettext_lazy("Names separated by semicolons")
    ),
)

ADVOCATE_FIELDS = (
    ImportField("email", gettext_lazy("Email"), True, ("e-mail", "email address", "mail")),
    ImportField("full_name", gettext_lazy("Full name"), True, ("name", "contact name", "contact")),
    ImportField(
        "account",
        gettext_lazy("Account"),
        True,
        ("account name", "account crm id", "company", "customer"),
        gettext_lazy("The account's CRM ID or name; the account must exist"),
    ),
    ImportField("title", gettext_lazy("Job title"), False, ("job title", "position", "role")),
    ImportField(
        "seniority",
        gettext_lazy("Seniority"),
        False,
        ("level",),
        gettext_lazy("executive, manager or practitioner"),
    ),
    ImportField("languages", gettext_lazy("Languages"), False, ("language",), gettext_lazy("Codes such as “en pt”")),
    ImportField("time_zone", gettext_lazy("Time zone"), False, ("timezone", "tz"), gettext_lazy("e.g. Europe/Lisbon")),
    ImportField("nps_score", gettext_lazy("NPS"), False, ("nps", "nps score"), gettext_lazy("0 to 10")),
    ImportField("tags", gettext_lazy("Tags"), False, ("tag",), gettext_lazy("Separated by commas")),
    ImportField("use_cases", gettext_lazy("Use cases"), False, ("use case",)),
    ImportField("outcomes", gettext_lazy("Outcomes"), False, ("outcome", "results")),
)

FIELDS_BY_KIND: dict[str, tuple[ImportField, ...]] = {
    ImportJob.Kind.ACCOUNTS: ACCOUNT_FIELDS,
    ImportJob.Kind.ADVOCATES: ADVOCATE_FIELDS,
}

# Row-level problems are stored as codes with parameters and worded when shown, in the reader's language.
ERROR_MESSAGES: dict[str, StrPromise] = {
    "required": gettext_lazy("A value is required."),
    "encoding": gettext_lazy("This row is not UTF-8 text: save the file as “CSV UTF-8” and upload it again."),
    "unreadable": gettext_lazy("This row cannot be read as CSV: check its quotation marks."),
    "extra_cells": gettext_lazy("This row has more cells than the header has columns: check for unquoted commas."),
    "invalid_email": gettext_lazy("“%(value)s” is not a valid email address."),
    "duplicate_email": gettext_lazy("The email address %(value)s is also on row %(row)s of this file."),
    "duplicate_crm_id": gettext_lazy("The CRM ID %(value)s is also on row %(row)s of this file."),
    "duplicate_name": gettext_lazy("The account “%(value)s” is also on row %(row)s of this file."),
    "unknown_industry": gettext_lazy("Unknown industry “%(value)s”."),
    "unknown_account": gettext_lazy("No account with the CRM ID or name “%(value)s” in this organisation."),
    "ambiguous_account": gettext_lazy("Several accounts are called “%(value)s”: use the account's CRM ID."),
    "ambiguous_name": gettext_lazy("Several accounts are called “%(value)s”: add a CRM ID to say which one."),
    "unknown_member": gettext_lazy("%(value)s is not a member of this organisation."),
    "invalid_choice": gettext_lazy("“%(value)s” is not one of: %(choices)s."),
    "not_integer": gettext_lazy("“%(value)s” is not a whole number."),
    "not_number": gettext_lazy("“%(value)s” is not a number: use digits and a dot for decimals, e.g. 125000.50."),
    "out_of_range": gettext_lazy("%(value)s is out of range: use a whole number from %(low)s to %(high)s."),
    "invalid_date": gettext_lazy("“%(value)s” is not a date: use YYYY-MM-DD."),
    "invalid_country": gettext_lazy("“%(value)s” is not a two-letter country code such as PT, US or JP."),
    "too_long": gettext_lazy("Too long: at most %(limit)s characters."),
    "unknown_time_zone": gettext_lazy("“%(value)s” is not a time zone such as Europe/Lisbon."),
    "invalid_language": gettext_lazy("“%(value)s” is not a language code such as en, pt or ja."),
}


def fields_for(kind: str) -> tuple[ImportField, ...]:
    return FIELDS_BY_KIND[kind]


def _key(text: str) -> str:
    """Compares names ignoring case, spaces and punctuation: “E-mail” and “email” are one key."""
    return re.sub(r"[\W_]+", "", text.casefold())


def guess_mapping(*, kind: str, headers: list[str]) -> dict[str, str]:
    """Proposes a column for each field by name. A column that is exactly a field's name wins over
    one that is only a known alias, and no column is proposed twice."""
    available = {_key(header): header for header in reversed(headers) if header.strip()}
    used: set[str] = set()
    mapping: dict[str, str] = {}
    rounds: list[Callable[[ImportField], list[str]]] = [
        lambda f: [f.name],
        lambda f: [str(f.label), *f.aliases],
    ]
    for candidates_of in rounds:
        for import_field in fields_for(kind):
            if import_field.name in mapping:
                continue
            for candidate in candidates_of(import_field):
                header = available.get(_key(candidate))
                if header is not None and header not in used:
                    mapping[import_field.name] = header
                    used.add(header)
                    break
    return mapping


def describe_error(entry: dict[str, Any]) -> str:
    message = ERROR_MESSAGES.get(entry.get("code", ""))
    if message is None:
        return str(entry.get("code", ""))
    try:
        return str(message) % entry.get("params", {})
    except (KeyError, TypeError, ValueError):
        return str(message)


def errors_for_display(job: ImportJob) -> list[dict[str, Any]]:
    return [
        {"row": entry.get("row"), "column": entry.get("column", ""), "message": describe_error(entry)}
        for entry in job.errors
    ]


# --- Reading the file -------------------------------------------------------------------------------


class ImportFileError(Exception):
    """The file as a whole cannot be read (as opposed to one of its rows)."""


@dataclass
class _Record:
    number: int  # as a spreadsheet shows it: the header is row 1
    cells: list[str]
    problem: str = ""  # an error code that concerns the whole row


class _CsvReader:
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

    def __iter__(self) -> Iterator[_Record]:
        number = 1
        while True:
            self._undecodable = False
            try:
                cells = next(self._reader)
            except StopIteration:
                return
            except csv.Error:
                number += 1
                yield _Record(number, [], "unreadable")
                continue
            number += 1
            if self._undecodable:
                yield _Record(number, cells, "encoding")
            elif any(cell.strip() for cell in cells):
                yield _Record(number, cells)


def _job_path(job: ImportJob) -> Path:
    return import_root() / job.file_path


def _delete_file_on_commit(job: ImportJob) -> None:
    path = _job_path(job)
    transaction.on_commit(lambda: path.unlink(missing_ok=True))


def _read_header(path: Path) -> tuple[list[str], str]:
    with path.open("rb") as handle:
        encoding = "utf-8-sig" if handle.read(3) == b"\xef\xbb\xbf" else "utf-8"
        handle.seek(0)
        header = _CsvReader(handle).header
    names = [name for name in header if name]
    seen: set[str] = set()
    for name in names:
        if name.casefold() in seen:
            raise ImportFileError(
                _("Two columns are called “%(name)s”: give each column its own name.") % {"name": name}
            )
        seen.add(name.casefold())
    return header, encoding


# --- Upload, mapping, confirmation, cancellation -----------------------------------------------------


def import_upload(*, organization: Organization, actor: User | None, kind: str, upload: UploadedFile) -> ImportJob:
    """Keeps the uploaded file and reads its header. Refuses what is not a UTF-8 CSV file."""
    if kind not in FIELDS_BY_KIND:
        raise ValidationFailed({"kind": [_("Choose what the file holds.")]})
    if (upload.size or 0) > MAX_UPLOAD_BYTES:
        raise ValidationFailed({"file": [_("The file is larger than 100 MB: split it into several files.")]})
    job = ImportJob(
        organization=organization,
        kind=kind,
        file_name=Path(upload.name or "import.csv").name[:255],
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    job.file_path = f"{organization.pk}/{job.public_id}.csv"
    path = _job_path(job)
    path.parent.mkdir(parents=True, exist_ok=True)
    newlines, last = 0, b"\n"
    with path.open("wb") as destination:
        for chunk in upload.chunks():
            destination.write(chunk)
            newlines += chunk.count(b"\n")
            last = chunk[-1:] or last
    try:
        job.headers, job.encoding = _read_header(path)
    except ImportFileError as error:
        path.unlink(missing_ok=True)
        raise ValidationFailed({"file": [str(error)]}) from None
    # An estimate for the progress bar until the dry run has counted the rows.
    job.total_rows = max(newlines - (1 if last == b"\n" else 0), 0)
    try:
        job.save()
    except Exception:
        path.unlink(missing_ok=True)
        raise
    return job


@transaction.atomic
def import_set_mapping(*, job: ImportJob, mapping: dict[str, str]) -> ImportJob:
    """Records which column holds which field, and queues the dry run."""
    from .import_tasks import validate_import_task

    chosen: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for import_field in fields_for(job.kind):
        column = mapping.get(import_field.name) or ""
        if not column:
            if import_field.required:
                errors[import_field.name] = [_("Choose the column that holds this field.")]
        elif column not in job.headers:
            errors[import_field.name] = [_("The file has no such column.")]
        elif column in chosen.values():
            errors[import_field.name] = [_("This column is already used for another field.")]
        else:
            chosen[import_field.name] = column
    if errors:
        raise ValidationFailed(errors)
    changed = ImportJob.objects.filter(
        organization=job.organization,
        pk=job.pk,
        status__in=(ImportJob.Status.UPLOADED, ImportJob.Status.VALIDATED),
    ).update(
        mapping=chosen,
        status=ImportJob.Status.UPLOADED,
        processed_rows=0,
        valid_rows=0,
        error_rows=0,
        created_count=0,
        updated_count=0,
        errors=[],
    )
    if not changed:
        raise ConflictError(_("This import has moved on: its columns can no longer be changed."))
    enqueue_on_commit(validate_import_task, job.organization_id, job.pk)
    job.refresh_from_db()
    return job


def import_confirm(*, job: ImportJob, actor: User | None) -> None:
    """Queues the import of a checked file. Nothing is written before this."""
    from .import_tasks import run_import_task

    if job.status != ImportJob.Status.VALIDATED:
        raise ConflictError(_("Only a checked file can be imported."))
    if not job.valid_rows:
        raise ConflictError(_("No row can be imported: correct the file and upload it again."))
    enqueue_on_commit(run_import_task, job.organization_id, job.pk, actor.pk if actor is not None else None)


@transaction.atomic
def import_cancel(*, job: ImportJob) -> None:
    cancelled = ImportJob.objects.filter(
        organization=job.organization,
        pk=job.pk,
        status__in=(ImportJob.Status.UPLOADED, ImportJob.Status.VALIDATING, ImportJob.Status.VALIDATED),
    ).update(status=ImportJob.Status.CANCELLED, finished_at=timezone.now())
    if not cancelled:
        raise ConflictError(_("An import that has started or ended cannot be cancelled."))
    _delete_file_on_commit(job)


@transaction.atomic
def import_mark_failed(*, job: ImportJob, message: str) -> None:
    """Ends a job that could not be checked or imported, with a message for the person who runs it."""
    ImportJob.objects.filter(
        organization=job.organization,
        pk=job.pk,
        status__in=(ImportJob.Status.VALIDATING, ImportJob.Status.IMPORTING),
    ).update(status=ImportJob.Status.FAILED, failure=message, finished_at=timezone.now())
    _delete_file_on_commit(job)


# --- The dry run and the import -----------------------------------------------------------------------


class _Stopped(Exception):
    """The job left its working state (cancelled) while rows were being read."""


def import_validate(*, job: ImportJob) -> ImportJob:
    """The dry run, for a job already claimed (status VALIDATING): checks every row and records the
    counts, what would be created or updated, and the first row-level errors. Writes only the job."""
    return _execute(job=job, actor=None, write=False)


def import_run(*, job: ImportJob, actor: User | None) -> ImportJob:
    """The import, for a job already claimed (status IMPORTING): upserts the valid rows in batches and
    records one audit event for the whole file."""
    return _execute(job=job, actor=actor, write=True)


def _execute(*, job: ImportJob, actor: User | None, write: bool) -> ImportJob:
    working = ImportJob.Status.IMPORTING if write else ImportJob.Status.VALIDATING
    importer_class = _AccountImporter if job.kind == ImportJob.Kind.ACCOUNTS else _AdvocateImporter
    importer = importer_class(job=job, actor=actor, write=write)

    def report_progress(progress: _Importer) -> None:
        still_working = ImportJob.objects.filter(organization=job.organization, pk=job.pk, status=working).update(
            processed_rows=progress.total_rows, error_rows=progress.error_rows
        )
        if not still_working:
            raise _Stopped

    try:
        importer.run(report_progress)
    except _Stopped:
        job.refresh_from_db()
        return job
    except ImportFileError as error:
        import_mark_failed(job=job, message=str(error))
        job.refresh_from_db()
        return job
    except Exception:
        if importer.created or importer.updated:
            # The batches written before the failure stay: the log says what they changed.
            audit_log(
                organization=job.organization,
                actor=actor,
                verb="import.failed",
                target=job,
                data={"kind": job.kind, "file": job.file_name, **importer.summary()},
            )
        raise
    results: dict[str, Any] = {
        "total_rows": importer.total_rows,
        "processed_rows": importer.total_rows,
        "valid_rows": importer.valid_rows,
        "error_rows": importer.error_rows,
        "created_count": importer.created,
        "updated_count": importer.updated,
        "errors": importer.errors,
    }
    with transaction.atomic():
        if write:
            results |= {"status": ImportJob.Status.DONE, "finished_at": timezone.now()}
        else:
            results["status"] = ImportJob.Status.VALIDATED
        finished = ImportJob.objects.filter(organization=job.organization, pk=job.pk, status=working).update(**results)
        if finished and write:
            audit_log(
                organization=job.organization,
                actor=actor,
                verb="import.completed",
                target=job,
                data={"kind": job.kind, "file": job.file_name, **importer.summary()},
            )
            _delete_file_on_commit(job)
    job.refresh_from_db()
    return job


@dataclass
class _Row:
    number: int
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)


class _CellError(Exception):
    def __init__(self, code: str, **params: Any):
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass
class _Plan:
    """What one batch would change; ``errors`` are those found against the database, by row number."""

    errors: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    created: int = 0
    updated: int = 0


class _Importer:
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

    def run(self, report_progress: Callable[[_Importer], None]) -> None:
        try:
            handle = _job_path(self.job).open("rb")
        except FileNotFoundError:
            raise ImportFileError(_("The uploaded file is no longer available: upload it again.")) from None
        with handle, contextlib.closing(_SeenKeys()) as self.seen:
            reader = _CsvReader(handle)
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

    def _error(self, row: _Row, field_name: str, code: str, /, **params: Any) -> None:
        column = self.job.mapping.get(field_name, "") if field_name else ""
        params = {name: (value[:80] if isinstance(value, str) else value) for name, value in params.items()}
        row.errors.append({"row": row.number, "column": column, "code": code, "params": params})

    def _parse(self, record: _Record) -> _Row:
        self.total_rows += 1
        row = _Row(record.number)
        if record.problem:
            self._error(row, "", record.problem)
            return row
        if any(cell.strip() for cell in record.cells[self.width :]):
            self._error(row, "", "extra_cells")
        for import_field in self.fields:
            index = self.columns.get(import_field.name)
            if index is None:
                continue
            raw = _unescape(record.cells[index].strip() if index < len(record.cells) else "")
            if not raw:
                if import_field.required:
                    self._error(row, import_field.name, "required")
                continue
            try:
                row.values[import_field.name] = self.parsers[import_field.name](raw)
            except _CellError as error:
                self._error(row, import_field.name, error.code, **error.params)
        self.check_within_file(row)
        return row

    def _handle_batch(self, rows: list[_Row]) -> None:
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

    def _write_batch(self, rows: list[_Row]) -> _Plan:
        """Plans and writes one batch in its own short transaction. When someone else created the same
        advocate or account meanwhile (a unique constraint fails), the batch is planned again, once."""
        try:
            return self._plan_and_apply(rows)
        except IntegrityError:
            self.after_rollback()
            return self._plan_and_apply(rows)

    @transaction.atomic
    def _plan_and_apply(self, rows: list[_Row]) -> _Plan:
        plan = self.plan(rows)
        self.apply(plan)
        return plan

    def _plan_error(self, plan: _Plan, row: _Row, field_name: str, code: str, /, **params: Any) -> None:
        """An error found against the database: kept in the plan, since a retried batch plans again."""
        found = _Row(row.number)
        self._error(found, field_name, code, **params)
        plan.errors.setdefault(row.number, []).extend(found.errors)

    def check_within_file(self, row: _Row) -> None:
        raise NotImplementedError

    def plan(self, rows: list[_Row]) -> _Plan:
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


# --- Accounts ---------------------------------------------------------------------------------------


@dataclass
class _AccountPlan(_Plan):
    creates: list[tuple[CustomerAccount, list[str]]] = field(default_factory=list)
    updates: list[tuple[CustomerAccount, list[str]]] = field(default_factory=list)
    update_fields: set[str] = field(default_factory=set)
    health: list[tuple[CustomerAccount, int | None, int]] = field(default_factory=list)


ACCOUNT_UPDATABLE = (
    "name",
    "industry",
    "segment",
    "employee_count",
    "region",
    "country",
    "arr",
    "customer_since",
)


class _AccountImporter(_Importer):
    fields = ACCOUNT_FIELDS

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        members = Membership.objects.filter(organization=self.organization).values_list("user__email", "user_id")
        self.members = {email.lower(): user_id for email, user_id in members}
        self.industries = {name.casefold(): name for name in INDUSTRIES}
        # The spelling the organisation already uses wins, so the directory's filters stay consistent.
        self.industries |= {name.casefold(): name for name in organization_industries(organization=self.organization)}
        self.products: dict[str, int] = {}
        self._load_products()
        segments, regions = _choice_lookup(Segment), _choice_lookup(Region)
        regions[_key("LATAM")] = Region.LATIN_AMERICA
        self.parsers = {
            "name": _text(200),
            "industry": self._industry,
            "segment": _choice(segments, Segment.values),
            "employee_count": _integer(0, 10_000_000),
            "region": _choice(regions, Region.values),
            "country": _country,
            "arr": _amount,
            "health_score": _integer(0, 100),
            "customer_since": _date,
            "csm_email": self._member,
            "crm_id": _text(64),
            "products": _products,
        }

    def after_rollback(self) -> None:
        self._load_products()

    def _load_products(self) -> None:
        self.products = {
            name.lower(): pk
            for pk, name in Product.objects.filter(organization=self.organization).values_list("pk", "name")
        }

    def _industry(self, value: str) -> str:
        try:
            return self.industries[value.casefold()]
        except KeyError:
            raise _CellError("unknown_industry", value=value) from None

    def _member(self, value: str) -> int:
        try:
            return self.members[value.lower()]
        except KeyError:
            raise _CellError("unknown_member", value=value) from None

    def check_within_file(self, row: _Row) -> None:
        crm_id, name = row.values.get("crm_id"), row.values.get("name")
        if crm_id:
            first = self.seen.first_row(f"crm:{crm_id}", row.number)
            if first is not None:
                self._error(row, "crm_id", "duplicate_crm_id", value=crm_id, row=first)
        elif name:
            first = self.seen.first_row(f"name:{name.lower()}", row.number)
            if first is not None:
                self._error(row, "name", "duplicate_name", value=name, row=first)

    def plan(self, rows: list[_Row]) -> _AccountPlan:
        plan = _AccountPlan()
        organization = self.organization
        crm_ids = {row.values["crm_id"] for row in rows if row.values.get("crm_id")}
        names = {row.values["name"].lower() for row in rows if row.values.get("name") and not row.values.get("crm_id")}
        by_crm_id: dict[str, CustomerAccount] = {}
        if crm_ids:
            by_crm_id = {
                a.crm_id: a for a in CustomerAccount.objects.filter(organization=organization, crm_id__in=crm_ids)
            }
        by_name: dict[str, Any] = {}
        if names:
            matches = (
                CustomerAccount.objects.filter(organization=organization)
                .annotate(name_key=Lower("name"))
                .filter(name_key__in=names)
            )
            for match in matches:
                key = match.name.lower()
                by_name[key] = _AMBIGUOUS if key in by_name else match
        links: set[tuple[int, int]] = set()
        if "products" in self.columns:
            matched_ids = [a.pk for a in by_crm_id.values()] + [a.pk for a in by_name.values() if a is not _AMBIGUOUS]
            links = set(
                AccountProduct.objects.filter(organization=organization, account_id__in=matched_ids).values_list(
                    "account_id", "product_id"
                )
            )
        for row in rows:
            if row.errors:
                continue
            values = row.values
            if values.get("crm_id"):
                existing = by_crm_id.get(values["crm_id"])
            else:
                existing = by_name.get(values["name"].lower())
                if existing is _AMBIGUOUS:
                    self._plan_error(plan, row, "name", "ambiguous_name", value=values["name"])
                    continue
            products = values.get("products", [])
            if existing is None:
                account = CustomerAccount(organization=organization, csm_id=values.get("csm_email"))
                for name in (*ACCOUNT_UPDATABLE, "crm_id"):
                    if name in values:
                        setattr(account, name, values[name])
                if "health_score" in values:
                    account.health_score, account.health_updated_at = values["health_score"], self.now
                    plan.health.append((account, None, values["health_score"]))
                plan.creates.append((account, products))
                plan.created += 1
                continue
            changed = [name for name in ACCOUNT_UPDATABLE if name in values and getattr(existing, name) != values[name]]
            for name in changed:
                setattr(existing, name, values[name])
            if "csm_email" in values and existing.csm_id != values["csm_email"]:
                existing.csm_id = values["csm_email"]
                changed.append("csm")
            if "health_score" in values and existing.health_score != values["health_score"]:
                plan.health.append((existing, existing.health_score, values["health_score"]))
                existing.health_score, existing.health_updated_at = values["health_score"], self.now
                changed += ["health_score", "health_updated_at"]
            new_products = [name for name in products if (existing.pk, self.products.get(name.lower(), 0)) not in links]
            if changed or new_products:
                plan.update_fields.update(changed)
                plan.updates.append((existing, new_products))
                plan.updated += 1
        return plan

    def apply(self, plan: _AccountPlan) -> None:
        self._ensure_products([name for _, names in plan.creates + plan.updates for name in names])
        CustomerAccount.objects.bulk_create([account for account, _ in plan.creates])
        if plan.update_fields:
            accounts = sorted((account for account, _ in plan.updates), key=lambda account: account.pk)
            for account in accounts:
                account.updated_at = self.now
            CustomerAccount.objects.bulk_update(accounts, [*sorted(plan.update_fields), "updated_at"])
        HealthScoreChange.objects.bulk_create(
            HealthScoreChange(
                organization=self.organization,
                account=account,
                score=score,
                previous=previous,
                source=IMPORT_SOURCE,
                recorded_by=self.actor,
                recorded_at=self.now,
            )
            for account, previous, score in plan.health
        )
        AccountProduct.objects.bulk_create(
            (
                AccountProduct(organization=self.organization, account=account, product_id=self.products[name.lower()])
                for account, names in plan.creates + plan.updates
                for name in names
            ),
            ignore_conflicts=True,
        )

    def _ensure_products(self, names: Iterable[str]) -> None:
        missing = {name.lower(): name for name in names if name.lower() not in self.products}
        if not missing:
            return
        Product.objects.bulk_create(
            [Product(organization=self.organization, name=name) for name in missing.values()], ignore_conflicts=True
        )
        created = (
            Product.objects.filter(organization=self.organization)
            .annotate(name_key=Lower("name"))
            .filter(name_key__in=list(missing))
            .values_list("pk", "name")
        )
        self.products |= {name.lower(): pk for pk, name in created}


# --- Advocates --------------------------------------------------------------------------------------


@dataclass
class _AdvocatePlan(_Plan):
    creates: list[Advocate] = field(default_factory=list)
    updates: list[Advocate] = field(default_factory=list)
    update_fields: set[str] = field(default_factory=set)
    nps: list[tuple[Advocate, int]] = field(default_factory=list)


ADVOCATE_UPDATABLE = ("full_name", "title", "seniority", "languages", "time_zone", "tags", "use_cases", "outcomes")


class _AdvocateImporter(_Importer):
    fields = ADVOCATE_FIELDS

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.parsers = {
            "email": _email,
            "full_name": _text(200),
            "account": _text(200),
            "title": _text(200),
            "seniority": _choice(_choice_lookup(Seniority), Seniority.values),
            "languages": _languages(),
            "time_zone": _time_zone,
            "nps_score": _integer(0, 10),
            "tags": _tags,
            "use_cases": _text(300),
            "outcomes": _text(2000),
        }

    def check_within_file(self, row: _Row) -> None:
        email = row.values.get("email")
        if email:
            first = self.seen.first_row(email, row.number)
            if first is not None:
                self._error(row, "email", "duplicate_email", value=email, row=first)

    def _accounts_by_reference(self, references: set[str]) -> dict[str, Any]:
        """Each reference to its account: a CRM ID first, else a name (case-insensitive)."""
        if not references:
            return {}
        lowered = {reference.lower() for reference in references}
        candidates = (
            CustomerAccount.objects.filter(organization=self.organization)
            .annotate(name_key=Lower("name"))
            .filter(models.Q(crm_id__in=references) | models.Q(name_key__in=lowered))
            .only("pk", "name", "crm_id")
        )
        by_crm_id: dict[str, CustomerAccount] = {}
        by_name: dict[str, Any] = {}
        for account in candidates:
            if account.crm_id in references:
                by_crm_id[account.crm_id] = account
            key = account.name.lower()
            if key in lowered:
                by_name[key] = _AMBIGUOUS if key in by_name else account
        return {reference: by_crm_id.get(reference) or by_name.get(reference.lower()) for reference in references}

    def plan(self, rows: list[_Row]) -> _AdvocatePlan:
        plan = _AdvocatePlan()
        organization = self.organization
        accounts = self._accounts_by_reference({row.values["account"] for row in rows if "account" in row.values})
        emails = [row.values["email"] for row in rows if "email" in row.values and not row.errors]
        existing_by_email: dict[str, Advocate] = {}
        if emails:
            existing = (
                Advocate.objects.filter(organization=organization)
                .annotate(email_key=Lower("email"))
                .filter(email_key__in=emails)
                .only("pk", "email", "account", "nps_score", "nps_recorded_on", *ADVOCATE_UPDATABLE)
            )
            existing_by_email = {advocate.email.lower(): advocate for advocate in existing}
        for row in rows:
            values = row.values
            account = accounts.get(values.get("account", ""))
            if "account" in values and account is None:
                self._plan_error(plan, row, "account", "unknown_account", value=values["account"])
            elif account is _AMBIGUOUS:
                self._plan_error(plan, row, "account", "ambiguous_account", value=values["account"])
            if row.errors or not isinstance(account, CustomerAccount):
                continue
            advocate = existing_by_email.get(values["email"])
            if advocate is None:
                advocate = Advocate(organization=organization, email=values["email"], account=account)
                for name in ADVOCATE_UPDATABLE:
                    if name in values:
                        setattr(advocate, name, values[name])
                if "nps_score" in values:
                    advocate.nps_score, advocate.nps_recorded_on = values["nps_score"], self.today
                    plan.nps.append((advocate, values["nps_score"]))
                plan.creates.append(advocate)
                plan.created += 1
                continue
            changed = [
                name for name in ADVOCATE_UPDATABLE if name in values and getattr(advocate, name) != values[name]
            ]
            for name in changed:
                setattr(advocate, name, values[name])
            if advocate.email != values["email"]:
                advocate.email = values["email"]
                changed.append("email")
            if advocate.account_id != account.pk:
                advocate.account = account
                changed.append("account")
            if "nps_score" in values and advocate.nps_score != values["nps_score"]:
                advocate.nps_score, advocate.nps_recorded_on = values["nps_score"], self.today
                changed += ["nps_score", "nps_recorded_on"]
                plan.nps.append((advocate, values["nps_score"]))
            if changed:
                plan.update_fields.update(changed)
                plan.updates.append(advocate)
                plan.updated += 1
        return plan

    def apply(self, plan: _AdvocatePlan) -> None:
        Advocate.objects.bulk_create(plan.creates)
        AdvocateStatusChange.objects.bulk_create(
            AdvocateStatusChange(
                organization=self.organization,
                advocate=advocate,
                to_status=advocate.status,
                actor=self.actor,
                reason=_("Imported from %(file)s.") % {"file": self.job.file_name},
                created_at=self.now,
            )
            for advocate in plan.creates
        )
        if plan.update_fields:
            advocates = sorted(plan.updates, key=lambda advocate: advocate.pk)
            for advocate in advocates:
                advocate.updated_at = self.now
            Advocate.objects.bulk_update(advocates, [*sorted(plan.update_fields), "updated_at"])
        NpsResponse.objects.bulk_create(
            NpsResponse(
                organization=self.organization,
                advocate=advocate,
                score=score,
                responded_on=self.today,
                source=IMPORT_SOURCE,
            )
            for advocate, score in plan.nps
        )


# --- Cell parsers -----------------------------------------------------------------------------------


def _unescape(value: str) -> str:
    if len(value) > 1 and value[0] == "'" and value[1] in _FORMULA_STARTS:
        return value[1:]
    return value


def _text(limit: int) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if len(value) > limit:
            raise _CellError("too_long", limit=limit)
        return value

    return parse


def _email(value: str) -> str:
    value = value.lower()
    try:
        validate_email(value)
    except ValidationError:
        raise _CellError("invalid_email", value=value) from None
    if len(value) > 254:
        raise _CellError("too_long", limit=254)
    return value


def _integer(low: int, high: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise _CellError("not_integer", value=value) from None
        if not number.is_finite() or number != number.to_integral_value():
            raise _CellError("not_integer", value=value)
        if not low <= number <= high:
            raise _CellError("out_of_range", value=value, low=low, high=high)
        return int(number)

    return parse


def _amount(value: str) -> Decimal:
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise _CellError("not_number", value=value) from None
    if not amount.is_finite():
        raise _CellError("not_number", value=value)
    if amount < 0 or amount >= Decimal("1e12"):
        raise _CellError("out_of_range", value=value, low=0, high="999999999999.99")
    return amount.quantize(Decimal("0.01"))


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _CellError("invalid_date", value=value) from None


def _country(value: str) -> str:
    if len(value) != 2 or not value.isascii() or not value.isalpha():
        raise _CellError("invalid_country", value=value)
    return value.upper()


def _choice_lookup(choices: type[models.TextChoices]) -> dict[str, str]:
    """Values and labels (in English and in the active language) to the stored value."""
    lookup: dict[str, str] = {}
    with translation.override("en"):
        lookup |= {_key(str(label)): value for value, label in choices.choices}
    lookup |= {_key(str(label)): value for value, label in choices.choices}
    lookup |= {_key(value): value for value in choices.values}
    return lookup


def _choice(lookup: dict[str, str], values: list[str]) -> Callable[[str], str]:
    def parse(value: str) -> str:
        try:
            return lookup[_key(value)]
        except KeyError:
            raise _CellError("invalid_choice", value=value, choices=", ".join(values)) from None

    return parse


def _products(value: str) -> list[str]:
    names: dict[str, str] = {}
    for name in (part.strip() for part in value.split(";")):
        if len(name) > 100:
            raise _CellError("too_long", limit=100)
        if name:
            names.setdefault(name.lower(), name)
    return list(names.values())


def _tags(value: str) -> str:
    tags = list(dict.fromkeys(tag.strip() for tag in re.split(r"[,;]", value) if tag.strip()))
    joined = ", ".join(tags)
    if len(joined) > 300:
        raise _CellError("too_long", limit=300)
    return joined


@lru_cache(maxsize=1)
def _time_zones() -> dict[str, str]:
    return {name.casefold(): name for name in zoneinfo.available_timezones()}


def _time_zone(value: str) -> str:
    try:
        return _time_zones()[value.casefold()]
    except KeyError:
        raise _CellError("unknown_time_zone", value=value) from None


_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(-[a-z0-9]{2,8})?")


def _languages() -> Callable[[str], str]:
    """Language codes separated by spaces; names such as “Portuguese” are accepted too."""
    with translation.override("en"):
        names = {str(label).casefold(): code for code, label in LANGUAGE_CHOICES}
    names |= {str(label).casefold(): code for code, label in LANGUAGE_CHOICES}

    def parse(value: str) -> str:
        codes: dict[str, None] = {}
        for token in re.split(r"[\s,;/]+", value):
            code = names.get(token.casefold(), token.lower())
            if not _LANGUAGE_CODE.fullmatch(code):
                raise _CellError("invalid_language", value=token)
            codes[code] = None
        joined = " ".join(codes)
        if len(joined) > 100:
            raise _CellError("too_long", limit=100)
        return joined

    return parse


# --- Export -------------------------------------------------------------------------------------------


class _Echo:
    """A file-like object for csv.writer that hands each line back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def _safe_cell(value: Any) -> str:
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, date) else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _csv_stream(
    organization: Organization, header: list[str], rows: Callable[[], Iterator[list[Any]]]
) -> Iterator[str]:
    """CSV text in chunks of about 64 KB, with a byte order mark so spreadsheets read it as UTF-8.
    The organisation's scope is active while rows are read, which happens after the view returned."""
    writer = csv.writer(_Echo())
    buffer = ["\ufeff", writer.writerow(header)]
    size = 0
    with scope(organization=organization):
        for row in rows():
            line = writer.writerow([_safe_cell(value) for value in row])
            buffer.append(line)
            size += len(line)
            if size >= 65536:
                yield "".join(buffer)
                buffer, size = [], 0
    yield "".join(buffer)


def export_advocates_csv(*, organization: Organization, membership: Membership) -> Iterator[str]:
    """The advocates this member may see, in the columns the advocate import reads."""

    def rows() -> Iterator[list[Any]]:
        advocates = (
            visible_advocates(organization=organization, membership=membership)
            .select_related("account")
            .only(*ADVOCATE_UPDATABLE, "email", "nps_score", "account__name", "account__crm_id")
            .order_by("full_name", "pk")
        )
        for advocate in advocates.iterator(chunk_size=EXPORT_CHUNK_SIZE):
            values = {name: getattr(advocate, name) for name in (*ADVOCATE_UPDATABLE, "email", "nps_score")}
            values["account"] = advocate.account.crm_id or advocate.account.name
            yield [values[import_field.name] for import_field in ADVOCATE_FIELDS]

    return _csv_stream(organization, [import_field.name for import_field in ADVOCATE_FIELDS], rows)


def export_accounts_csv(*, organization: Organization, membership: Membership) -> Iterator[str]:
    """The accounts this member may see (a CSM: the accounts they look after), in the columns the
    account import reads."""

    def rows() -> Iterator[list[Any]]:
        accounts = CustomerAccount.objects.filter(organization=organization)
        if membership.role == Role.CSM:
            accounts = accounts.filter(csm=membership.user)
        accounts = (
            accounts.select_related("csm")
            .prefetch_related(
                models.Prefetch("products", queryset=Product.objects.filter(organization=organization).order_by("name"))
            )
            .order_by("name", "pk")
        )
        for account in accounts.iterator(chunk_size=EXPORT_CHUNK_SIZE):
            values = {name: getattr(account, name) for name in (*ACCOUNT_UPDATABLE, "health_score", "crm_id")}
            values["csm_email"] = account.csm.email if account.csm else ""
            values["products"] = "; ".join(product.name for product in account.products.all())
            yield [values[import_field.name] for import_field in ACCOUNT_FIELDS]

    return _csv_stream(organization, [import_field.name for import_field in ACCOUNT_FIELDS], rows)
