"""CRM opportunities: the list with whether each had advocacy, and the CSV import.

The import keeps the uploaded file only for the request that reads it: "Check the file" shows every
row's problems and writes nothing; "Import" reads the file again (the same file is chosen again),
checks it again and writes it only when every row is valid, or the valid rows alone when that box
is ticked. Nothing of the file is stored between the two, so a file that was never imported leaves
no trace, and the check always runs against the opportunities as they are at the moment of writing."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from advocacy.errors import ConflictError
from advocacy.roles import Capability
from advocacy.tenancy import TenantRequest, organization_view

from ..filters import parse_filter
from ..forms import OpportunityImportForm, OpportunityListForm
from ..opportunities import existing_crm_ids, opportunities_import
from ..opportunity_import import COLUMNS, MAX_ROWS, OpportunityFileError, ParsedFile, parse_opportunity_csv
from ..panels import csv_response
from ..selectors import opportunities as selectors
from .base import REPORT_PAGES, report_page

PAGE_SIZE = 25
# Errors listed on the page after a check; the count of the rest is shown.
ERRORS_SHOWN = 200
PREVIEW_ROWS = 20


@organization_view(Capability.DASHBOARD)
def page(request: TenantRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    report_filter, _form = parse_filter(request.GET, organization)
    list_form = OpportunityListForm(request.GET or None)
    filters = list_form.filters()
    opportunities = selectors.opportunity_list(
        organization, report_filter, result=filters.get("result", ""), search=filters.get("q", "")
    )
    if request.GET.get("export") == selectors.LIST_TABLE_KEY:
        filename = f"{organization.slug}-opportunities-{report_filter.start}-{report_filter.end}.csv"
        return csv_response(selectors.list_table(opportunities.iterator(chunk_size=2000)), filename)
    listing = Paginator(opportunities, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    for name in ("page", "export"):
        query.pop(name, None)
    return report_page(
        request,
        page="opportunities",
        title=gettext_lazy("Opportunities"),
        build=selectors.build,
        template="reporting/opportunities.html",
        context={
            "list_form": list_form,
            "listing": listing,
            "list_rows": selectors.list_rows(listing.object_list),
            "list_columns": selectors.LIST_COLUMNS,
            "list_query": query.urlencode(),
            "list_table_key": selectors.LIST_TABLE_KEY,
        },
    )


@organization_view(Capability.REPORTS_MANAGE)
def opportunity_import(request: TenantRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    context: dict[str, Any] = {
        "page": "opportunities",
        "report_pages": REPORT_PAGES,
        "columns": COLUMNS,
        "max_rows": MAX_ROWS,
    }
    if request.method != "POST":
        context["form"] = OpportunityImportForm()
        return render(request, "reporting/opportunity_import.html", context)
    form = OpportunityImportForm(request.POST, request.FILES)
    context["form"] = form
    if not form.is_valid():
        return render(request, "reporting/opportunity_import.html", context, status=400)
    upload = form.cleaned_data["file"]
    try:
        parsed = parse_opportunity_csv(upload.file, size=upload.size)
    except OpportunityFileError as error:
        form.add_error("file", str(error))
        return render(request, "reporting/opportunity_import.html", context, status=400)
    finally:
        upload.close()
    importing = request.POST.get("action") == "import"
    valid_rows_only = form.cleaned_data["valid_rows_only"]
    if importing and (parsed.clean or (valid_rows_only and parsed.rows)):
        try:
            result = opportunities_import(
                organization=organization,
                actor=request.user,
                rows=parsed.rows,
                skipped=parsed.invalid_rows,
                file_name=upload.name or "",
                request=request,
            )
        except ConflictError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _(
                    "Opportunities imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
                    "%(skipped)d rows with errors skipped."
                )
                % {
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                    "skipped": result.skipped,
                },
            )
            return redirect("reporting:opportunities", org_slug=org_slug)
    elif importing:
        messages.error(
            request,
            _("Nothing was imported: fix the rows below, or tick “Import the valid rows only”.")
            if parsed.rows
            else _("Nothing was imported: no row is valid."),
        )
    context.update(_preview(organization, parsed))
    context["form"] = OpportunityImportForm(initial={"valid_rows_only": valid_rows_only})
    return render(request, "reporting/opportunity_import.html", context)


def _preview(organization: Any, parsed: ParsedFile) -> dict[str, Any]:
    existing = existing_crm_ids(organization=organization, crm_ids=[row.crm_id for row in parsed.rows])
    return {
        "checked": True,
        "parsed": parsed,
        "errors_shown": parsed.errors[:ERRORS_SHOWN],
        "errors_hidden": max(len(parsed.errors) - ERRORS_SHOWN, 0),
        "would_update": len(existing),
        "would_create": len(parsed.rows) - len(existing),
        "preview_rows": [
            [row.row, *(row.values[column] for column in COLUMNS), row.crm_id in existing]
            for row in parsed.rows[:PREVIEW_ROWS]
        ],
    }
