"""Filters shared by the report selectors: the rollups and raw tables narrowed to a report filter."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet

from advocacy.models import Organization

from ..filters import ReportFilter
from ..models import ActivityRollup, AppreciationRollup, RequestRollup


def _rollups(model: Any, organization: Organization, report_filter: ReportFilter, *, by_type: bool) -> QuerySet[Any]:
    """A rollup's rows in the filter's days and segment (and activity type, when the rollup has one)."""
    rows = model.objects.filter(organization=organization, day__gte=report_filter.start, day__lte=report_filter.end)
    if report_filter.segment_value is not None:
        rows = rows.filter(segment=report_filter.segment_value)
    if by_type and report_filter.activity_type is not None:
        rows = rows.filter(activity_type=report_filter.activity_type)
    return rows


def activity_rollups(organization: Organization, report_filter: ReportFilter) -> QuerySet[ActivityRollup]:
    return _rollups(ActivityRollup, organization, report_filter, by_type=True)


def request_rollups(organization: Organization, report_filter: ReportFilter) -> QuerySet[RequestRollup]:
    """Requests have a request type, not an activity type: the activity-type filter does not apply."""
    return _rollups(RequestRollup, organization, report_filter, by_type=False)


def appreciation_rollups(organization: Organization, report_filter: ReportFilter) -> QuerySet[AppreciationRollup]:
    """Settled thank-yous per UTC day of completion, narrowed by the filter."""
    return _rollups(AppreciationRollup, organization, report_filter, by_type=True)


def account_segment_filter(report_filter: ReportFilter, path: str = "account__segment") -> dict[str, str]:
    """Keyword filter for a raw queryset whose account segment is reached through ``path``."""
    if report_filter.segment_value is None:
        return {}
    return {path: report_filter.segment_value}


def months_between(start: date, end: date) -> list[date]:
    """The first day of every month the range touches, in order."""
    months, current = [], start.replace(day=1)
    while current <= end:
        months.append(current)
        current = (current + timedelta(days=32)).replace(day=1)
    return months


def month_label(month: date) -> str:
    return month.strftime("%Y-%m")
