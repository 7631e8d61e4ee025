"""The advocate's own space."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from advocacy.roles import Capability
from advocacy.tenancy import TenantRequest, organization_view

from ..models import Advocate, Tier

# How each tier is described to the advocate: recognition, never a bracket to fall out of.
TIER_WORDING: dict[str, Any] = {
    Tier.PLATINUM: _(
        "You are one of our closest partners. Expect personal invitations from our leadership, "
        "a seat at the table on the roadmap and our warmest thanks."
    ),
    Tier.GOLD: _(
        "You regularly share your experience with peers. We will invite you to reference calls, "
        "testimonials and the occasional stage, always at your pace."
    ),
    Tier.SILVER: _(
        "You help now and then with a quick quote or review. Every contribution counts, and you choose what suits you."
    ),
    Tier.COMMUNITY: _(
        "You are part of our customer community. Join in whenever you like: events, betas and conversations with peers."
    ),
}


@organization_view(Capability.PORTAL)
def portal_home(request: TenantRequest, org_slug: str) -> HttpResponse:
    advocate = (
        Advocate.objects.filter(organization=request.organization, user=request.user).select_related("account").first()
    )
    return render(
        request,
        "advocates/portal_home.html",
        {"advocate": advocate, "tier_wording": TIER_WORDING.get(advocate.tier) if advocate else None},
    )
