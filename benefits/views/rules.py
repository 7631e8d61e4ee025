"""The appreciation rules page (program team)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from advocacy.roles import Capability
from advocacy.tenancy import TenantRequest, organization_view
from requests_mgmt.views.form_submission import submit_form

from ..forms.rules import AppreciationRulesForm
from ..services.rules import appreciation_rules, appreciation_rules_set


@organization_view(Capability.APPRECIATION_MANAGE)
@require_http_methods(["GET", "POST"])
def rules(request: TenantRequest, org_slug: str) -> HttpResponse:
    form = AppreciationRulesForm(request.POST or None, initial=appreciation_rules(request.organization))
    status = 200
    if request.method == "POST":

        def save() -> HttpResponse:
            appreciation_rules_set(
                organization=request.organization, actor=request.user, data=form.cleaned_data, request=request
            )
            messages.success(request, _("Appreciation rules saved."))
            return redirect("rules:rules", org_slug=org_slug)

        outcome = submit_form(form, save)
        if isinstance(outcome, HttpResponse):
            return outcome
        status = outcome
    return render(request, "benefits/rules.html", {"form": form}, status=status)
