from __future__ import annotations

from advocacy.api.base import TenantViewSet
from advocacy.roles import Capability

from ..models import RollupCheck


class ReportViewSet(TenantViewSet):
    model = RollupCheck
    required_capability = Capability.DASHBOARD
