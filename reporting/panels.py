"""What a report page is made of: panels holding headline figures, charts and tables.

Every table can be downloaded as CSV with exactly the values the page shows (``?export=<key>``);
a figure without data is ``None`` and shows "no data yet", never a division error."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from .charts import Chart


@dataclass
class Figure:
    """One headline number. ``kind`` tells how to show it: count, percent, money, hours, days,
    rating or ratio. ``target`` is the goal it is measured against, if any."""

    label: Any
    value: int | float | Decimal | None
    kind: str = "count"
    hint: Any = ""
    target: int | float | Decimal | None = None
    higher_is_better: bool = True

    @property
    def no_data(self) -> bool:
        return self.value is None

    @property
    def on_target(self) -> bool | None:
        if self.value is None or self.target is None:
            return None
        return self.value >= self.target if self.higher_is_better else self.value <= self.target


@dataclass
class Table:
    key: str
    title: Any
    columns: Sequence[Any]
    rows: list[list[Any]]
    # Columns holding numbers are right-aligned on the page.
    numeric: Sequence[int] = ()
    caption: Any = ""

    @property
    def empty(self) -> bool:
        return not self.rows


@dataclass
class Panel:
    key: str
    title: Any
    figures: list[Figure] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    # How the panel's figures are computed, shown beside them (formulas, definitions).
    note: Any = ""

    @property
    def empty(self) -> bool:
        return not self.figures and not self.tables and not self.charts


def share(part: int | float | Decimal, whole: int | float | Decimal, digits: int = 1) -> float | None:
    """``part`` as a percentage of ``whole``; None (no data) when the whole is zero."""
    if not whole:
        return None
    return round(100 * float(part) / float(whole), digits)


def ratio(numerator: int | float | Decimal | None, denominator: int | float | Decimal | None, digits: int = 2):
    if numerator is None or not denominator:
        return None
    return round(float(numerator) / float(denominator), digits)


def find_table(panels: Iterable[Panel], key: str) -> Table | None:
    for panel in panels:
        for table in panel.tables:
            if table.key == key:
                return table
    return None


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.10g}"
    text = str(value)
    # Spreadsheet formula injection: a cell starting with one of these (or its full-width form,
    # which some spreadsheets also accept) is read as a formula.
    if text[:1] in ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠") and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_response(table: Table, filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # spreadsheets open UTF-8 (Japanese, Portuguese) correctly with a BOM
    writer = csv.writer(response)
    writer.writerow([str(column) for column in table.columns])
    for row in table.rows:
        writer.writerow([csv_cell(cell) for cell in row])
    return response


NO_DATA = _("no data yet")
