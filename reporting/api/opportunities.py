from __future__ import annotations

from advocacy.api.base import TenantViewSet
from advocacy.roles import Capability

from ..models import Opportunity


class OpportunityViewSet(TenantViewSet):
    model = Opportunity
    required_capability = Capability.DASHBOARD
    write_capability = Capability.REPORTS_MANAGE
