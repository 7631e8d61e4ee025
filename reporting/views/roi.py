from __future__ import annotations

from django.http import Http404, HttpResponse
from django.utils.translation import gettext_lazy as _

from advocacy.roles import Capability
from advocacy.tenancy import TenantRequest, organization_view

from .base import report_page


@organization_view(Capability.DASHBOARD)
def page(request: TenantRequest, org_slug: str) -> HttpResponse:
    return report_page(request, page="roi", title=_("Return on investment"), build=lambda organization, report_filter: [])


@organization_view(Capability.REPORTS_MANAGE)
def costs(request: TenantRequest, org_slug: str) -> HttpResponse:
    raise Http404
