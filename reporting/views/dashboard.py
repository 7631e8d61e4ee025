"""The program dashboard: the program team's home. Today's queue first (open, awaiting triage,
overdue), then the program-health report panels for the chosen range and segment."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from advocacy.models import AuditEvent
from advocacy.roles import Capability
from advocacy.tenancy import TenantRequest, organization_view

from ..models import RollupCheck
from ..selectors import health, queue
from .base import report_page


@organization_view(Capability.DASHBOARD)
def dashboard(request: TenantRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    membership = request.membership
    context = {
        "requests": queue.request_summary(organization),
        "upcoming": queue.upcoming_requests(organization),
        "can_triage": membership.can(Capability.REQUESTS_TRIAGE),
        "recent_events": [],
        "pending_tier_suggestions": queue.pending_tier_suggestions(organization)
        if membership.can(Capability.ADVOCATES_MANAGE)
        else None,
        "last_check": RollupCheck.objects.filter(organization=organization).first(),
    }
    if membership.can(Capability.SETTINGS):
        context["recent_events"] = AuditEvent.objects.filter(organization=organization).select_related("actor")[:8]
    return report_page(
        request,
        page="health",
        title=_("Program dashboard"),
        build=health.build,
        template="reporting/dashboard.html",
        context=context,
    )
