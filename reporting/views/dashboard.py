from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from advocacy.models import AuditEvent
from advocacy.roles import Capability
from advocacy.tenancy import TenantRequest, organization_view

from ..selectors import health as selectors


@organization_view(Capability.DASHBOARD)
def dashboard(request: TenantRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    tiers = selectors.tier_distribution(organization)
    context = {
        "tiers": tiers,
        "active_total": sum(row.count for row in tiers),
        "statuses": selectors.advocate_status_counts(organization),
        "requests": selectors.request_summary(organization),
        "upcoming": selectors.upcoming_requests(organization),
        "can_triage": request.membership.can(Capability.REQUESTS_TRIAGE),
        "recent_events": [],
        "pending_tier_suggestions": selectors.pending_tier_suggestions(organization)
        if request.membership.can(Capability.ADVOCATES_MANAGE)
        else None,
    }
    if request.membership.can(Capability.SETTINGS):
        context["recent_events"] = AuditEvent.objects.filter(organization=organization).select_related("actor")[:8]
    return render(request, "reporting/dashboard.html", context)
