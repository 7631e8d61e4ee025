"""The benefit catalogue: everyone in appreciation sees it; the program team keeps it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from advocacy.roles import Capability
from advocacy.tenancy import TenantRequest, organization_view
from requests_mgmt.views.form_submission import submit_form

from ..forms import BenefitForm
from ..models import Benefit
from ..services import catalogue


@organization_view(Capability.APPRECIATION)
@require_safe
def benefit_list(request: TenantRequest, org_slug: str) -> HttpResponse:
    benefits = Benefit.objects.filter(organization=request.organization).order_by("-active", "name")
    return render(
        request,
        "benefits/benefit_list.html",
        {"benefits": benefits, "can_manage": request.membership.can(Capability.APPRECIATION_MANAGE)},
    )


@organization_view(Capability.APPRECIATION_MANAGE)
@require_http_methods(["GET", "POST"])
def benefit_create(request: TenantRequest, org_slug: str) -> HttpResponse:
    form = BenefitForm(request.POST or None)

    def save() -> HttpResponse:
        catalogue.benefit_create(
            organization=request.organization, actor=request.user, data=form.cleaned_data, request=request
        )
        messages.success(request, _("The benefit was added to the catalogue."))
        return redirect("rewards:benefit-list", org_slug=org_slug)

    outcome = submit_form(form, save) if form.is_bound else 200
    if isinstance(outcome, HttpResponse):
        return outcome
    return render(request, "benefits/benefit_form.html", {"form": form, "benefit": None}, status=outcome)


@organization_view(Capability.APPRECIATION_MANAGE)
@require_http_methods(["GET", "POST"])
def benefit_edit(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    benefit: Benefit = get_object_or_404(Benefit.objects.filter(organization=request.organization), public_id=public_id)
    form = BenefitForm(request.POST or None, instance=benefit)

    def save() -> HttpResponse:
        catalogue.benefit_update(benefit=benefit, actor=request.user, data=form.cleaned_data, request=request)
        messages.success(request, _("The benefit was saved."))
        return redirect("rewards:benefit-list", org_slug=org_slug)

    outcome = submit_form(form, save) if form.is_bound else 200
    if isinstance(outcome, HttpResponse):
        return outcome
    return render(request, "benefits/benefit_form.html", {"form": form, "benefit": benefit}, status=outcome)
