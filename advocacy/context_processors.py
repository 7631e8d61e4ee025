"""Navigation for the signed-in person: the areas their role may use, and their organisations."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .roles import Capability
from .tenancy import memberships_of

# (capability, URL name, label, the URL prefix (or prefixes) that mark the item as current; "" is the
# organisation's home page alone)
NAVIGATION = (
    (Capability.DASHBOARD, "dashboard", _("Dashboard"), ("", "reports/")),
    (Capability.ADVOCATES, "advocates:advocate-list", _("Advocates"), "advocates/"),
    (Capability.ADVOCATES, "accounts:account-list", _("Accounts"), "accounts/"),
    (Capability.REQUESTS, "requests_mgmt:request-list", _("Requests"), "requests/"),
    (Capability.REQUESTS_TRIAGE, "content:content-list", _("Content"), "content/"),
    (Capability.REFERRALS, "referrals:referral-list", _("Referrals"), "referrals/"),
    (Capability.CAMPAIGNS, "campaigns:campaign-list", _("Campaigns"), "campaigns/"),
    (Capability.APPRECIATION, "benefits:queue", _("Appreciation"), "appreciation/"),
    (Capability.PORTAL, "portal:home", _("My advocacy"), "portal/"),
    (Capability.SETTINGS, "settings:organization", _("Settings"), "settings/"),
)


def navigation(request: HttpRequest) -> dict[str, Any]:
    membership = getattr(request, "membership", None)
    context: dict[str, Any] = {"membership": membership, "organization": None, "nav_items": []}
    if getattr(request, "user", None) is None or not request.user.is_authenticated:
        return context
    if membership is not None:
        organization = membership.organization
        base = f"/o/{organization.slug}/"
        rest = request.path[len(base) :] if request.path.startswith(base) else None
        items = []
        for capability, url_name, label, prefix in NAVIGATION:
            if not membership.can(capability):
                continue
            prefixes = prefix if isinstance(prefix, tuple) else (prefix,)
            current = rest is not None and any(rest.startswith(p) if p else rest == "" for p in prefixes)
            items.append(
                {
                    "url": reverse(url_name, kwargs={"org_slug": organization.slug}),
                    "label": label,
                    "current": current,
                }
            )
        context.update(organization=organization, nav_items=items)
    context["user_memberships"] = memberships_of(request.user)
    return context
