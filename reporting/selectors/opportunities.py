"""The CRM opportunities of a report range: the list (open at any time in the range, with whether
each had advocacy) and its summary by result."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from advocacy.models import Organization
from advocates.models import Segment

from ..charts import Chart, Series
from ..filters import ReportFilter
from ..models import Opportunity, OpportunityResult
from ..panels import Figure, Panel, Table, share
from .impact_figures import opportunity_segment_filter, with_advocacy_flag

LIST_TABLE_KEY = "opportunities"


def opportunities_in_range(organization: Organization, report_filter: ReportFilter) -> QuerySet[Any]:
    """Opportunities open at any time in the range: opened by its end and not closed before its start."""
    return with_advocacy_flag(
        organization,
        Opportunity.objects.filter(
            Q(closed_on__isnull=True) | Q(closed_on__gte=report_filter.start),
            organization=organization,
            opened_on__lte=report_filter.end,
            **opportunity_segment_filter(report_filter),
        ),
    )


def opportunity_list(
    organization: Organization, report_filter: ReportFilter, *, result: str = "", search: str = ""
) -> QuerySet[Any]:
    opportunities = opportunities_in_range(organization, report_filter)
    if result:
        opportunities = opportunities.filter(result=result)
    if search:
        opportunities = opportunities.filter(Q(crm_id__icontains=search) | Q(name__icontains=search))
    return opportunities.order_by("-opened_on", "crm_id", "pk")


LIST_COLUMNS = (
    _("CRM ID"),
    _("Name"),
    _("Segment"),
    _("Amount"),
    _("Opened on"),
    _("Closed on"),
    _("Result"),
    _("Had advocacy"),
)


def segment_label(value: str) -> str:
    if not value:
        return ""
    try:
        return str(Segment(value).label)
    except ValueError:
        return value


def list_rows(opportunities: Iterable[Opportunity]) -> list[list[object]]:
    """The list's rows as the page and its CSV show them."""
    return [
        [
            opportunity.crm_id,
            opportunity.name,
            segment_label(opportunity.segment),
            opportunity.amount,
            opportunity.opened_on,
            opportunity.closed_on,
            opportunity.get_result_display(),
            bool(getattr(opportunity, "had_advocacy", False)),
        ]
        for opportunity in opportunities
    ]


def list_table(opportunities: Iterable[Opportunity]) -> Table:
    return Table(
        key=LIST_TABLE_KEY,
        title=_("Opportunities"),
        columns=LIST_COLUMNS,
        rows=list_rows(opportunities),
        numeric=(3,),
    )


def summary_panel(organization: Organization, report_filter: ReportFilter) -> Panel:
    """Opportunities open at any time in the range by result, with and without advocacy (one query)."""
    rows = (
        opportunities_in_range(organization, report_filter)
        .values("result", "had_advocacy")
        .annotate(n=Count("pk"), amount=Sum("amount"))
        .order_by()
    )
    counts: dict[tuple[str, bool], int] = {}
    amounts: dict[str, Decimal] = {}
    for row in rows:
        counts[(row["result"], bool(row["had_advocacy"]))] = row["n"]
        if row["amount"] is not None:
            amounts[row["result"]] = amounts.get(row["result"], Decimal(0)) + row["amount"]
    total = sum(counts.values())
    supported = sum(n for (_result, advocacy), n in counts.items() if advocacy)
    results = list(OpportunityResult)
    labels = [str(result.label) for result in results]
    with_advocacy = [counts.get((result.value, True), 0) for result in results]
    without_advocacy = [counts.get((result.value, False), 0) for result in results]
    return Panel(
        key="opportunities",
        title=_("Opportunities in the range"),
        figures=[
            Figure(_("Opportunities"), total, hint=_("open at any time in the range")),
            *(
                Figure(result.label, counts.get((result.value, True), 0) + counts.get((result.value, False), 0))
                for result in results
            ),
            Figure(_("Had advocacy"), share(supported, total), kind="percent"),
        ],
        charts=[
            Chart(
                key="opportunities-by-result",
                title=_("Opportunities by result"),
                labels=labels,
                series=[
                    Series(_("With advocacy"), list(with_advocacy)),
                    Series(_("Without advocacy"), list(without_advocacy)),
                ],
            )
        ],
        tables=[
            Table(
                key="opportunity-summary",
                title=_("Opportunities by result"),
                columns=[_("Result"), _("With advocacy"), _("Without advocacy"), _("Amount")],
                rows=[
                    [label, with_count, without_count, amounts.get(result.value)]
                    for label, result, with_count, without_count in zip(
                        labels, results, with_advocacy, without_advocacy, strict=True
                    )
                ]
                if total
                else [],
                numeric=(1, 2, 3),
            )
        ],
        note=_("Had advocacy: the CRM ID is named by a fulfilled request or a completed activity of the program."),
    )


def build(organization: Organization, report_filter: ReportFilter) -> list[Panel]:
    return [summary_panel(organization, report_filter)]
