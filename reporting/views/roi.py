"""The ROI page, and the page where the program team enters a quarter's costs."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from advocacy.roles import Capability
from advocacy.tenancy import TenantRequest, organization_view
from benefits.services.budgets import next_quarter_start, organization_today, quarter_label, quarter_spend
from benefits.services.budgets import quarter_start as start_of_quarter
from requests_mgmt.views.form_submission import submit_form

from ..models import ProgramCost
from ..selectors import roi as selectors
from ..services import program_costs_set
from ..settings_forms import ProgramCostsForm, QuarterForm
from .base import REPORT_PAGES, report_page


@organization_view(Capability.DASHBOARD)
@require_safe
def page(request: TenantRequest, org_slug: str) -> HttpResponse:
    return report_page(
        request,
        page="roi",
        title=gettext_lazy("Return on investment"),
        build=selectors.build,
        template="reporting/roi.html",
    )


@organization_view(Capability.REPORTS_MANAGE)
@require_http_methods(["GET", "POST"])
def costs(request: TenantRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    picker = QuarterForm(request.GET or None)
    day = picker.cleaned_data.get("quarter") if picker.is_valid() else None
    if picker.is_bound and not picker.is_valid():
        for message in picker.errors.get("quarter", []):
            messages.error(request, str(message))
    quarter = start_of_quarter(day or organization_today(organization))
    if request.method == "POST":
        form = ProgramCostsForm(request.POST)
        # The page is about the quarter the form names, whenever that quarter is a valid one.
        form.is_valid()
        quarter = form.cleaned_data.get("quarter") or quarter
    else:
        rows = list(ProgramCost.objects.filter(organization=organization, quarter_start=quarter))
        form = ProgramCostsForm(initial=ProgramCostsForm.initial_for(quarter, rows))

    def save() -> HttpResponse:
        program_costs_set(
            organization=organization,
            actor=request.user,
            quarter=form.cleaned_data["quarter"],
            entries=form.entries(),
            request=request,
        )
        messages.success(
            request,
            _("The costs of %(quarter)s were saved.") % {"quarter": quarter_label(form.cleaned_data["quarter"])},
        )
        url = reverse("reporting:costs", kwargs={"org_slug": org_slug})
        return HttpResponseRedirect(f"{url}?{urlencode({'quarter': form.cleaned_data['quarter'].isoformat()})}")

    outcome = submit_form(form, save, field_aliases={"quarter_start": "quarter"}) if form.is_bound else 200
    if isinstance(outcome, HttpResponse):
        return outcome
    return render(
        request,
        "reporting/costs.html",
        {
            "form": form,
            "quarter": quarter,
            "quarter_name": quarter_label(quarter),
            "previous_quarter": start_of_quarter(quarter - timedelta(days=1)),
            "next_quarter": next_quarter_start(quarter),
            "reward_spend": quarter_spend(organization=organization, start=quarter),
            "page": "roi",
            "report_pages": REPORT_PAGES,
        },
        status=outcome,
    )
