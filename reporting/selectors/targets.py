"""Progress against the organisation's yearly targets.

Targets are yearly, so this page reads the calendar year of the filter's end date, from 1 January
to that date (never past today): counts are compared with the share of the year gone by ("on pace"),
rates and averages with the target itself. The segment filter applies; the range's start does not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from advocacy.models import Organization

from ..charts import Chart, Series
from ..filters import ReportFilter
from ..panels import Figure, Panel, Table
from ..policy import TARGET_LABELS, ReportingPolicy
from . import impact_figures, satisfaction

# Targets counted over the year, compared with the pace; the others are rates or averages.
COUNT_TARGETS = ("references", "case_studies", "testimonials")
# Each target, the figure that measures it, and its kind for display.
MEASURES: tuple[tuple[str, str], ...] = (
    ("references", "count"),
    ("case_studies", "count"),
    ("testimonials", "count"),
    ("review_average", "rating"),
    ("reference_close_rate", "percent"),
    ("opportunities_supported", "percent"),
    ("referral_pipeline_share", "percent"),
    ("win_rate_lift", "percent"),
    ("cycle_reduction", "percent"),
    ("retention", "percent"),
)


@dataclass(frozen=True)
class Progress:
    key: str
    label: Any
    kind: str
    target: Decimal | int
    actual: float | int | Decimal | None
    expected: float | None  # counts only: where the pace puts the year so far

    @property
    def done_share(self) -> float | None:
        """How far along the target the figure is, in percent (counts and rates alike)."""
        if self.actual is None or not self.target:
            return None
        return round(100 * float(self.actual) / float(self.target), 1)

    @property
    def status(self) -> str:
        if self.actual is None:
            return "no_data"
        if self.expected is not None:
            return "on_pace" if float(self.actual) >= self.expected else "behind"
        return "met" if float(self.actual) >= float(self.target) else "below"


STATUS_LABELS = {
    "no_data": _("no data yet"),
    "on_pace": _("on pace"),
    "behind": _("behind pace"),
    "met": _("met"),
    "below": _("below target"),
}


def year_to_date(report_filter: ReportFilter, today: date | None = None) -> ReportFilter:
    today = today or timezone.localdate()
    end = min(report_filter.end, today)
    return ReportFilter(start=date(end.year, 1, 1), end=end, segment=report_filter.segment)


def progress(organization: Organization, report_filter: ReportFilter, today: date | None = None) -> list[Progress]:
    window = year_to_date(report_filter, today)
    targets = ReportingPolicy.for_organization(organization).targets
    figures = dict(impact_figures.headline(organization, window))
    figures["retention"] = satisfaction.retention_rate(organization, window)
    year_days = (date(window.end.year, 12, 31) - date(window.end.year, 1, 1)).days + 1
    elapsed = window.days / year_days
    rows = []
    for key, kind in MEASURES:
        target = getattr(targets, key)
        expected = round(float(target) * elapsed, 1) if key in COUNT_TARGETS else None
        rows.append(Progress(key, TARGET_LABELS[key], kind, target, figures.get(key), expected))
    return rows


def targets_panel(organization: Organization, report_filter: ReportFilter) -> Panel:
    window = year_to_date(report_filter)
    rows = progress(organization, report_filter)
    figures = [
        Figure(row.label, row.actual, kind=row.kind, target=row.target, hint=_status_hint(row))
        for row in rows
        if row.key in ("references", "case_studies", "reference_close_rate", "review_average", "retention")
    ]
    table_rows = [
        [
            str(row.label),
            _plain(row.target),
            _plain(row.actual),
            row.expected,
            row.done_share,
            str(STATUS_LABELS[row.status]),
        ]
        for row in rows
    ]
    return Panel(
        key="targets",
        title=_("Targets for %(year)s") % {"year": window.end.year},
        figures=figures,
        charts=[
            Chart(
                key="targets-progress",
                title=_("Progress toward each target (%)"),
                labels=[str(row.label) for row in rows],
                series=[
                    Series(_("Done"), [None if row.done_share is None else min(row.done_share, 150) for row in rows])
                ],
                unit="%",
            )
        ],
        tables=[
            Table(
                "targets",
                _("Targets and progress"),
                [_("Target"), _("Goal"), _("So far"), _("Expected by now"), _("Done (%)"), _("State")],
                table_rows,
                numeric=(1, 2, 3, 4),
            )
        ],
        note=_(
            "From 1 January to %(end)s (%(days)s days of the year). Counts are on pace when they reach the goal × "
            "the share of the year gone by; rates and averages are compared with the goal itself. Win-rate lift and "
            "cycle reduction compare deals with and without advocacy."
        )
        % {"end": window.end.isoformat(), "days": window.days},
    )


def _status_hint(row: Progress) -> Any:
    if row.expected is not None and row.actual is not None:
        return _("%(state)s: %(expected)s expected by now") % {
            "state": STATUS_LABELS[row.status],
            "expected": row.expected,
        }
    return STATUS_LABELS[row.status]


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return value


def build(organization: Organization, report_filter: ReportFilter) -> list[Panel]:
    return [targets_panel(organization, report_filter)]
