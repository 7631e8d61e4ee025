"""Roles and what each may use.

A capability names an area of the product. Navigation shows only what a role may use, views answer
403 for the rest, and each role lands on its own face after signing in.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    PROGRAM_MANAGER = "program_manager", _("Program manager")
    CSM = "csm", _("Customer success manager")
    MARKETING = "marketing", _("Marketing")
    SALES = "sales", _("Sales")
    EXECUTIVE = "executive", _("Executive")
    ADVOCATE = "advocate", _("Advocate")


class Capability(models.TextChoices):
    DASHBOARD = "dashboard", _("Program dashboard")
    REPORTS_MANAGE = "reports_manage", _("Manage targets, costs and opportunities")
    ADVOCATES = "advocates", _("Advocates")
    ADVOCATES_MANAGE = "advocates_manage", _("Manage advocates")
    ADVOCATES_NOMINATE = "advocates_nominate", _("Nominate advocates")
    REQUESTS = "requests", _("Requests")
    REQUESTS_TRIAGE = "requests_triage", _("Triage requests")
    CAMPAIGNS = "campaigns", _("Campaigns")
    REFERRALS = "referrals", _("Referrals")
    APPRECIATION = "appreciation", _("Appreciation")
    APPRECIATION_MANAGE = "appreciation_manage", _("Manage appreciation")
    PORTAL = "portal", _("Advocate portal")
    SETTINGS = "settings", _("Settings")


ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset(
        {
            Capability.DASHBOARD,
            Capability.REPORTS_MANAGE,
            Capability.ADVOCATES,
            Capability.ADVOCATES_MANAGE,
            Capability.ADVOCATES_NOMINATE,
            Capability.REQUESTS,
            Capability.REQUESTS_TRIAGE,
            Capability.CAMPAIGNS,
            Capability.REFERRALS,
            Capability.APPRECIATION,
            Capability.APPRECIATION_MANAGE,
            Capability.SETTINGS,
        }
    ),
    Role.PROGRAM_MANAGER: frozenset(
        {
            Capability.DASHBOARD,
            Capability.REPORTS_MANAGE,
            Capability.ADVOCATES,
            Capability.ADVOCATES_MANAGE,
            Capability.ADVOCATES_NOMINATE,
            Capability.REQUESTS,
            Capability.REQUESTS_TRIAGE,
            Capability.CAMPAIGNS,
            Capability.REFERRALS,
            Capability.APPRECIATION,
            Capability.APPRECIATION_MANAGE,
        }
    ),
    Role.CSM: frozenset(
        {Capability.ADVOCATES, Capability.ADVOCATES_NOMINATE, Capability.REQUESTS, Capability.APPRECIATION}
    ),
    Role.MARKETING: frozenset({Capability.ADVOCATES, Capability.REQUESTS, Capability.CAMPAIGNS}),
    Role.SALES: frozenset({Capability.REQUESTS, Capability.REFERRALS}),
    Role.EXECUTIVE: frozenset({Capability.DASHBOARD, Capability.APPRECIATION}),
    Role.ADVOCATE: frozenset({Capability.PORTAL}),
}

# Where each role starts after signing in: URL names under the organisation.
ROLE_HOME: dict[str, str] = {
    Role.ADMIN: "dashboard",
    Role.PROGRAM_MANAGER: "dashboard",
    Role.EXECUTIVE: "reporting:executive",
    Role.CSM: "advocates:advocate-list",
    Role.MARKETING: "requests_mgmt:request-list",
    Role.SALES: "requests_mgmt:request-list",
    Role.ADVOCATE: "portal:home",
}

# Roles asked to set up two-factor authentication when the organisation requires it.
MFA_POLICY_ROLES = frozenset({Role.ADMIN, Role.PROGRAM_MANAGER})


def role_can(role: str, capability: str) -> bool:
    return capability in ROLE_CAPABILITIES.get(role, frozenset())
