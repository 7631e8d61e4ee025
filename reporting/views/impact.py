"""The business impact page: references, influenced pipeline, win rate and cycle with versus
without advocacy, content produced and referrals."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from advocacy.roles import Capability
from advocacy.tenancy import TenantRequest, organization_view

from ..selectors import impact
from .base import report_page


@organization_view(Capability.DASHBOARD)
def page(request: TenantRequest, org_slug: str) -> HttpResponse:
    return report_page(request, page="impact", title=_("Business impact"), build=impact.build)
