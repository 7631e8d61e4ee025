from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from advocacy.roles import Capability
from advocacy.tenancy import TenantRequest, organization_view
from advocates.models import ActivityType
from requests_mgmt.views.form_submission import submit_form

from ..policy import ReportingPolicy
from ..selectors import targets
from ..services import report_settings_set
from ..settings_forms import ReportSettingsForm
from .base import REPORT_PAGES, report_page


@organization_view(Capability.DASHBOARD)
def page(request: TenantRequest, org_slug: str) -> HttpResponse:
    """Progress toward the year's targets; the program team changes them from here."""
    return report_page(
        request, page="targets", title=_("Targets"), build=targets.build, template="reporting/targets.html"
    )


@organization_view(Capability.REPORTS_MANAGE)
@require_http_methods(["GET", "POST"])
def edit(request: TenantRequest, org_slug: str) -> HttpResponse:
    """The targets and values form: yearly targets, attribution, activity values, survey rhythm."""
    organization = request.organization
    activity_types = list(
        ActivityType.objects.filter(organization=organization, active=True).order_by("sort_order", "name")
    )
    policy = ReportingPolicy.for_organization(organization)
    form = ReportSettingsForm(
        request.POST if request.method == "POST" else None,
        activity_types=activity_types,
        initial=ReportSettingsForm.initial_for(policy, activity_types),
    )

    def save() -> HttpResponse:
        report_settings_set(organization=organization, actor=request.user, data=form.settings_data(), request=request)
        messages.success(request, gettext("Targets and values saved."))
        return redirect("reporting:targets", org_slug=org_slug)

    outcome = submit_form(form, save) if form.is_bound else 200
    if isinstance(outcome, HttpResponse):
        return outcome
    return render(
        request,
        "reporting/targets_edit.html",
        {"form": form, "page": "targets", "report_pages": REPORT_PAGES},
        status=outcome,
    )
