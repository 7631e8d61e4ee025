"""Reading a CSV of CRM opportunities and checking every row before anything is written.

The file has a header naming its columns (``crm_id,name,segment,amount,opened_on,closed_on,result``,
in any order; ``crm_id`` and ``opened_on`` are required, the others may be left out), is UTF-8 with
or without a byte-order mark, at most 5 MB and 20,000 rows. Each problem is reported with its row
(as a spreadsheet numbers it: the header is row 1), its column and what is wrong, so the whole file
can be corrected in one go. The same rules check opportunities entered through the API."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.utils.translation import gettext as _

from advocates.imports.cells import unescape
from advocates.imports.files import CsvReader, ImportFileError
from advocates.models import Segment

from .models import OpportunityResult

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
COLUMNS = ("crm_id", "name", "segment", "amount", "opened_on", "closed_on", "result")
REQUIRED_COLUMNS = ("crm_id", "opened_on")
MAX_AMOUNT = Decimal("999999999999.99")  # the column holds 14 digits, 2 after the point
CRM_ID_LENGTH = 64
NAME_LENGTH = 200


class OpportunityFileError(Exception):
    """The file as a whole cannot be read: nothing in it is imported."""


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass(frozen=True)
class ParsedRow:
    row: int
    values: dict[str, Any]
    # The columns the file has: an opportunity already stored keeps what the file leaves out.
    columns: frozenset[str] = frozenset(COLUMNS)

    @property
    def crm_id(self) -> str:
        return self.values["crm_id"]


@dataclass
class ParsedFile:
    """Every row read: the valid ones with their values, and every problem found."""

    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    total: int = 0

    @property
    def invalid_rows(self) -> int:
        return len({error.row for error in self.errors})

    @property
    def clean(self) -> bool:
        return not self.errors


# The rules an opportunity follows, wherever it comes from -------------------------------------------


def opportunity_errors(values: Mapping[str, Any]) -> dict[str, list[str]]:
    """Problems between fields of one opportunity (parsed values): the closing date against the
    opening date and the result."""
    errors: dict[str, list[str]] = {}
    opened_on, closed_on = values.get("opened_on"), values.get("closed_on")
    result = values.get("result") or OpportunityResult.OPEN
    if opened_on is not None and closed_on is not None and closed_on < opened_on:
        errors["closed_on"] = [
            _("Closed on %(closed)s, before it was opened (%(opened)s).")
            % {"closed": closed_on.isoformat(), "opened": opened_on.isoformat()}
        ]
    elif result in (OpportunityResult.WON, OpportunityResult.LOST) and closed_on is None:
        errors["closed_on"] = [_("A won or lost opportunity needs the date it closed.")]
    elif result == OpportunityResult.OPEN and closed_on is not None:
        errors["closed_on"] = [
            _("An open opportunity has no closing date: leave it empty, or set the result to won or lost.")
        ]
    return errors


# Cells ------------------------------------------------------------------------------------------------


class CellProblem(ValueError):
    pass


def _choice(lookup: dict[str, str], value: str, message: str) -> str:
    try:
        return lookup[value.casefold()]
    except KeyError:
        raise CellProblem(message) from None


def _lookup(choices: Any) -> dict[str, str]:
    """Stored values and English labels, case-insensitive, to the stored value."""
    table = {str(value).casefold(): str(value) for value in choices.values}
    table |= {str(label).casefold(): str(value) for value, label in choices.choices}
    return table


SEGMENTS = _lookup(Segment)
RESULTS = _lookup(OpportunityResult)


def parse_crm_id(value: str) -> str:
    if not value:
        raise CellProblem(_("The CRM opportunity ID is required."))
    if len(value) > CRM_ID_LENGTH:
        raise CellProblem(_("At most %(limit)d characters.") % {"limit": CRM_ID_LENGTH})
    return value


def parse_name(value: str) -> str:
    if len(value) > NAME_LENGTH:
        raise CellProblem(_("At most %(limit)d characters.") % {"limit": NAME_LENGTH})
    return value


def parse_segment(value: str) -> str:
    if not value:
        return ""
    return _choice(
        SEGMENTS,
        value,
        _("Unknown segment “%(value)s”: use %(choices)s, or leave it empty.")
        % {"value": value, "choices": ", ".join(Segment.values)},
    )


def parse_amount(value: str) -> Decimal | None:
    if not value:
        return None
    try:
        amount = Decimal(value.replace(" ", ""))
    except InvalidOperation:
        raise CellProblem(_("“%(value)s” is not a number (write it like 12500.00).") % {"value": value}) from None
    if not amount.is_finite():
        raise CellProblem(_("“%(value)s” is not a number (write it like 12500.00).") % {"value": value})
    if amount < 0:
        raise CellProblem(_("The amount cannot be negative."))
    if amount > MAX_AMOUNT:
        raise CellProblem(_("The amount is too large (at most %(limit)s).") % {"limit": MAX_AMOUNT})
    return amount.quantize(Decimal("0.01"))


def parse_date(value: str, *, required: bool) -> date | None:
    if not value:
        if required:
            raise CellProblem(_("The date is required."))
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CellProblem(_("“%(value)s” is not a date: write it as YYYY-MM-DD.") % {"value": value}) from None


def parse_result(value: str) -> str:
    if not value:
        return OpportunityResult.OPEN
    return _choice(
        RESULTS,
        value,
        _("Unknown result “%(value)s”: use %(choices)s.")
        % {"value": value, "choices": ", ".join(OpportunityResult.values)},
    )


PARSERS: dict[str, Any] = {
    "crm_id": parse_crm_id,
    "name": parse_name,
    "segment": parse_segment,
    "amount": parse_amount,
    "opened_on": lambda value: parse_date(value, required=True),
    "closed_on": lambda value: parse_date(value, required=False),
    "result": parse_result,
}


# The file ---------------------------------------------------------------------------------------------


def _header_positions(header: list[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    unknown = []
    for index, raw in enumerate(header):
        name = raw.strip().casefold()
        if not name:
            continue
        if name not in COLUMNS:
            unknown.append(raw.strip())
        elif name in positions:
            raise OpportunityFileError(_("Two columns are called “%(name)s”.") % {"name": name})
        else:
            positions[name] = index
    if unknown:
        raise OpportunityFileError(
            _("Unknown columns: %(unknown)s. The columns are %(columns)s.")
            % {"unknown": ", ".join(unknown), "columns": ",".join(COLUMNS)}
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in positions]
    if missing:
        raise OpportunityFileError(
            _("The first row must name the columns; missing: %(missing)s. The columns are %(columns)s.")
            % {"missing": ", ".join(missing), "columns": ",".join(COLUMNS)}
        )
    return positions


def parse_opportunity_csv(handle: IO[bytes], *, size: int | None = None) -> ParsedFile:
    """Reads and checks every row; raises ``OpportunityFileError`` when the file cannot be used at
    all (too large, not UTF-8 text, no usable header, too many rows)."""
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise OpportunityFileError(_("The file is larger than 5 MB: split it into several files."))
    try:
        reader = CsvReader(handle)
    except ImportFileError as error:
        raise OpportunityFileError(str(error)) from None
    positions = _header_positions(reader.header)
    parsed = ParsedFile()
    first_row: dict[str, int] = {}
    try:
        for record in reader:
            parsed.total += 1
            if parsed.total > MAX_ROWS:
                raise OpportunityFileError(
                    _("The file has more than %(limit)s rows: split it into several files.")
                    % {"limit": f"{MAX_ROWS:,}"}
                )
            row = _parse_record(record.number, record.cells, record.problem, positions, parsed.errors, first_row)
            if row is not None:
                parsed.rows.append(row)
    except ImportFileError as error:
        raise OpportunityFileError(str(error)) from None
    if parsed.total == 0:
        raise OpportunityFileError(_("The file has a header but no rows."))
    return parsed


def _parse_record(
    number: int,
    cells: list[str],
    problem: str,
    positions: dict[str, int],
    errors: list[RowError],
    first_row: dict[str, int],
) -> ParsedRow | None:
    """One row's values, or None with its problems added to ``errors``. ``first_row`` remembers the
    row each CRM id was first seen on, valid or not, so a repeated id is always reported."""
    if problem == "encoding":
        errors.append(RowError(number, "", _("This row is not UTF-8 text.")))
        return None
    if problem:
        errors.append(RowError(number, "", _("This row cannot be read as CSV.")))
        return None
    if any(cell.strip() for index, cell in enumerate(cells) if index not in positions.values()):
        errors.append(RowError(number, "", _("This row has more cells than the header has columns.")))
        return None
    values: dict[str, Any] = {}
    row_errors: list[RowError] = []
    for column in COLUMNS:
        index = positions.get(column)
        raw = unescape(cells[index].strip()) if index is not None and index < len(cells) else ""
        try:
            values[column] = PARSERS[column](raw)
        except CellProblem as problem_found:
            row_errors.append(RowError(number, column, str(problem_found)))
    crm_id = values.get("crm_id")
    if crm_id:
        earlier = first_row.setdefault(crm_id, number)
        if earlier != number:
            row_errors.append(
                RowError(
                    number,
                    "crm_id",
                    _("“%(crm_id)s” is already on row %(row)d of this file.") % {"crm_id": crm_id, "row": earlier},
                )
            )
    if not row_errors:
        for column, messages in opportunity_errors(values).items():
            row_errors.extend(RowError(number, column, message) for message in messages)
    if row_errors:
        errors.extend(row_errors)
        return None
    return ParsedRow(row=number, values=values, columns=frozenset(positions))
