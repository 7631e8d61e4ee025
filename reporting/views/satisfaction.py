"""The satisfaction report: program NPS, its trend, what advocates said, retention and participation;
and starting a survey round by hand."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from advocacy.errors import ConflictError
from advocacy.roles import Capability
from advocacy.tenancy import TenantRequest, organization_view

from ..policy import ReportingPolicy
from ..selectors import satisfaction
from ..surveys import survey_start as start_survey_round
from .base import report_page


@organization_view(Capability.DASHBOARD)
def page(request: TenantRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    latest = satisfaction.latest_round(organization)
    policy = ReportingPolicy.for_organization(organization)
    return report_page(
        request,
        page="satisfaction",
        title=gettext_lazy("Satisfaction"),
        build=satisfaction.build,
        template="reporting/satisfaction.html",
        context={
            "survey_round": latest,
            "survey_policy": policy,
            "next_round_at": latest.survey.opened_at + timedelta(days=policy.survey_interval_days) if latest else None,
        },
    )


@organization_view(Capability.REPORTS_MANAGE)
@require_POST
def survey_start(request: TenantRequest, org_slug: str) -> HttpResponse:
    """Opens a survey round now, unless one is open."""
    try:
        survey = start_survey_round(organization=request.organization, started_by=request.user, request=request)
    except ConflictError as error:
        messages.warning(request, error.message)
    else:
        assert survey is not None
        messages.success(
            request,
            _("The survey is on its way to %(count)s advocates. It is open until %(date)s.")
            % {
                "count": survey.recipients,
                "date": formats.date_format(timezone.localtime(survey.closes_at), "DATE_FORMAT"),
            },
        )
    return redirect("reporting:satisfaction", org_slug=org_slug)
