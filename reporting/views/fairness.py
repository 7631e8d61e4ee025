from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from advocacy.roles import Capability
from advocacy.tenancy import TenantRequest, organization_view

from ..selectors import fairness
from .base import report_page


@organization_view(Capability.DASHBOARD)
def page(request: TenantRequest, org_slug: str) -> HttpResponse:
    """How fairly the asks are spread, who is near the yearly cap, and where the bench is thin."""
    return report_page(request, page="fairness", title=_("Fairness and bench strength"), build=fairness.build)
