"""Budgets per quarter, with the quarter's spend by benefit kind and by tier."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from advocacy.roles import Capability
from advocacy.tenancy import TenantRequest, organization_view
from requests_mgmt.views.form_submission import submit_form

from ..forms import BudgetForm, SpendQuarterForm
from ..services import budgets


@organization_view(Capability.APPRECIATION)
@require_safe
def budget_overview(request: TenantRequest, org_slug: str) -> HttpResponse:
    form = SpendQuarterForm(request.GET or None)
    day = form.cleaned_data.get("quarter") if form.is_valid() else None
    start = budgets.quarter_start(day or timezone.localdate())
    report = budgets.spend_report(organization=request.organization, start=start)
    previous = budgets.quarter_start(start.replace(day=1) - timedelta(days=1))
    return render(
        request,
        "benefits/budget_overview.html",
        {
            "report": report,
            "quarter": budgets.quarter_label(start),
            "previous_quarter": previous,
            "next_quarter": budgets.next_quarter_start(start),
            "can_manage": request.membership.can(Capability.APPRECIATION_MANAGE),
        },
    )


@organization_view(Capability.APPRECIATION_MANAGE)
@require_http_methods(["GET", "POST"])
def budget_set(request: TenantRequest, org_slug: str) -> HttpResponse:
    initial = {"quarter_start": budgets.quarter_start(timezone.localdate())}
    form = BudgetForm(request.POST or None, initial=initial)

    def save() -> HttpResponse:
        budgets.budget_set(
            organization=request.organization, actor=request.user, data=form.cleaned_data, request=request
        )
        messages.success(request, _("The budget was saved."))
        return redirect("rewards:budget-overview", org_slug=org_slug)

    outcome = submit_form(form, save) if form.is_bound else 200
    if isinstance(outcome, HttpResponse):
        return outcome
    return render(request, "benefits/budget_form.html", {"form": form}, status=outcome)
