"""What every report page does: read the filter, build its panels, and either render them or hand
one of their tables over as CSV (``?export=<table key>``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import render

from advocacy.roles import Capability
from advocacy.tenancy import TenantRequest

from ..filters import ReportFilter, parse_filter
from ..pages import PAGE_TITLES
from ..panels import Panel, csv_response, find_table

PanelBuilder = Callable[[Any, ReportFilter], list[Panel]]

# The report pages after "Program health" (the dashboard), in the order of the sub-navigation.
REPORT_PAGES = tuple((key, title) for key, title in PAGE_TITLES.items() if key != "health")


def report_page(
    request: TenantRequest,
    *,
    page: str,
    title: Any,
    build: PanelBuilder,
    template: str = "reporting/report_page.html",
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    """Renders a report page, or downloads one of its tables when ``?export=`` names it.

    ``build(organization, report_filter)`` returns the panels; the same panels feed the page and
    the download, so a CSV always holds the figures the page shows."""
    organization = request.organization
    report_filter, form = parse_filter(request.GET, organization)
    panels = build(organization, report_filter)
    export = request.GET.get("export")
    if export:
        table = find_table(panels, export)
        if table is None:
            raise Http404
        filename = f"{organization.slug}-{page}-{table.key}-{report_filter.start}-{report_filter.end}.csv"
        return csv_response(table, filename)
    for notice in form.not_found:
        messages.warning(request, notice)
    return render(
        request,
        template,
        {
            "page": page,
            "title": title,
            "panels": panels,
            "report_filter": report_filter,
            "filter_form": form,
            "filter_query": report_filter.querystring(),
            "can_manage_reports": request.membership.can(Capability.REPORTS_MANAGE),
            "report_pages": REPORT_PAGES,
            **(context or {}),
        },
    )
