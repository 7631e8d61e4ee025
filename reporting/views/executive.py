"""The executive summary page: read-only for everyone who may see the reports."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from advocacy.roles import Capability
from advocacy.tenancy import TenantRequest, organization_view

from ..selectors import executive
from .base import report_page


@organization_view(Capability.DASHBOARD)
def page(request: TenantRequest, org_slug: str) -> HttpResponse:
    return report_page(request, page="executive", title=_("Executive summary"), build=executive.build)
