"""Defects found in review of the reporting app, each pinned by a test."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from advocacy.errors import ConflictError
from reporting.filters import ReportFilter
from reporting.models import Opportunity
from reporting.opportunities import ImportResult, opportunities_import
from reporting.opportunity_import import parse_opportunity_csv
from reporting.panels import csv_cell
from reporting.selectors import targets

pytestmark = pytest.mark.django_db


# The opportunity import: columns a file leaves out keep what is stored -----------------------------


def _import(org: Any, text: str) -> ImportResult:
    parsed = parse_opportunity_csv(io.BytesIO(text.encode()))
    assert parsed.clean, parsed.errors
    return opportunities_import(organization=org, actor=None, rows=parsed.rows, skipped=0)


def test_import_leaves_the_columns_a_file_omits_as_they_are(org: Any) -> None:
    header = "crm_id,name,segment,amount,opened_on,closed_on,result\n"
    _import(org, header + "OPP-1,Initech renewal,smb,5000,2026-01-05,2026-03-01,won\n")
    result = _import(org, "crm_id,opened_on,name\nOPP-1,2026-01-05,Initech renewal 2026\n")
    opportunity = Opportunity.objects.get(organization=org, crm_id="OPP-1")
    assert result.updated == 1
    assert opportunity.name == "Initech renewal 2026"
    assert (opportunity.segment, opportunity.amount, opportunity.result) == ("smb", Decimal("5000.00"), "won")
    assert opportunity.closed_on == date(2026, 3, 1)
    # Nothing the file names changed: unchanged.
    assert _import(org, "crm_id,opened_on\nOPP-1,2026-01-05\n").unchanged == 1


def test_import_refuses_an_update_that_would_close_before_opening(org: Any) -> None:
    _import(org, "crm_id,opened_on,closed_on,result\nOPP-2,2026-01-05,2026-02-01,lost\n")
    with pytest.raises(ConflictError, match="OPP-2"):
        _import(org, "crm_id,opened_on\nOPP-2,2026-03-01\n")
    assert Opportunity.objects.get(organization=org, crm_id="OPP-2").opened_on == date(2026, 1, 5)


def test_full_width_formula_signs_are_neutralised_in_csv() -> None:
    assert csv_cell("＝HYPERLINK(1)") == "'＝HYPERLINK(1)"
    assert csv_cell("-12") == "-12" and csv_cell("-x") == "'-x"


def test_a_target_at_zero_progress_is_drawn_as_zero_not_missing(org: Any) -> None:
    chart = targets.targets_panel(org, ReportFilter.default()).charts[0]
    values = dict(zip(chart.labels, chart.series[0].values, strict=True))
    assert values["References provided"] == 0
