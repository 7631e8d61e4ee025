from __future__ import annotations

from advocacy.api.base import TenantViewSet
from advocacy.roles import Capability

from ..models import ProgramCost


class ReportSettingsViewSet(TenantViewSet):
    model = ProgramCost
    required_capability = Capability.DASHBOARD
    write_capability = Capability.REPORTS_MANAGE
