"""Filters shared by the report selectors: the rollups and raw tables narrowed to a report filter."""

from __future__ import annotations

from django.db.models import QuerySet

from advocacy.models import Organization

from ..filters import ReportFilter
from ..models import ActivityRollup, AppreciationRollup, RequestRollup


def activity_rollups(organization: Organization, report_filter: ReportFilter) -> QuerySet[ActivityRollup]:
    rows = ActivityRollup.objects.filter(
        organization=organization, day__gte=report_filter.start, day__lte=report_filter.end
    )
    if report_filter.segment_value is not None:
        rows = rows.filter(segment=report_filter.segment_value)
    if report_filter.activity_type is not None:
        rows = rows.filter(activity_type=report_filter.activity_type)
    return rows


def request_rollups(organization: Organization, report_filter: ReportFilter) -> QuerySet[RequestRollup]:
    rows = RequestRollup.objects.filter(
        organization=organization, day__gte=report_filter.start, day__lte=report_filter.end
    )
    if report_filter.segment_value is not None:
        rows = rows.filter(segment=report_filter.segment_value)
    return rows


def appreciation_rollups(organization: Organization, report_filter: ReportFilter) -> QuerySet[AppreciationRollup]:
    """Settled thank-yous per UTC day of completion, narrowed by the filter."""
    rows = AppreciationRollup.objects.filter(
        organization=organization, day__gte=report_filter.start, day__lte=report_filter.end
    )
    if report_filter.segment_value is not None:
        rows = rows.filter(segment=report_filter.segment_value)
    if report_filter.activity_type is not None:
        rows = rows.filter(activity_type=report_filter.activity_type)
    return rows


def account_segment_filter(report_filter: ReportFilter, path: str = "account__segment") -> dict[str, str]:
    """Keyword filter for a raw queryset whose account segment is reached through ``path``."""
    if report_filter.segment_value is None:
        return {}
    return {path: report_filter.segment_value}
