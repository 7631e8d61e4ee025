"""The program every organisation starts with: DOMAIN.md's ten activity types and four tiers.

Each value is a default the organisation can change afterwards in its settings.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from advocacy.models import Organization

from .models import ActivityType, Tier, TierPolicy

P, C = ActivityType.Priority, ActivityType.Commitment

DEFAULT_ACTIVITY_TYPES: list[dict[str, Any]] = [
    dict(key="reference_call", name=_("Reference call"), min_minutes=30, max_minutes=45, priority=P.ESSENTIAL,
         commitment=C.LOW, limit_per_year=None, min_interval_days=None, needs_named=True,
         description=_("A call with a prospect who is evaluating the product.")),
    dict(key="testimonial", name=_("Testimonial"), min_minutes=15, max_minutes=30, priority=P.ESSENTIAL,
         commitment=C.LOW, limit_per_year=3, min_interval_days=60, needs_named=True, needs_quoted=True,
         description=_("A short quote on a topic, two or three a year at most, each on a different topic.")),
    dict(key="review", name=_("Review-site review"), min_minutes=20, max_minutes=30, priority=P.ESSENTIAL,
         commitment=C.LOW, limit_per_year=1, min_interval_days=300, is_review=True, rewards_allowed=False,
         description=_("A review on G2, Capterra or TrustRadius; updated after major releases.")),
    dict(key="case_study", name=_("Case study"), min_minutes=120, max_minutes=240, priority=P.IMPORTANT,
         commitment=C.HIGH, limit_per_year=1, min_interval_days=365, needs_named=True, needs_quoted=True,
         needs_logo=True, description=_("A written or video story of the customer's results.")),
    dict(key="referral", name=_("Referral"), min_minutes=15, max_minutes=30, priority=P.IMPORTANT,
         commitment=C.LOW, limit_per_year=None, min_interval_days=None, counts_toward_cap=False,
         description=_("An introduction to a peer who could use the product.")),
    dict(key="speaking", name=_("Speaking"), min_minutes=120, max_minutes=480, priority=P.IMPORTANT,
         commitment=C.HIGH, limit_per_year=4, min_interval_days=30, needs_named=True, needs_speak_publicly=True,
         needs_recorded=True, description=_("A conference talk, webinar, panel or podcast.")),
    dict(key="event", name=_("Event"), min_minutes=240, max_minutes=1440, priority=P.NICE_TO_HAVE,
         commitment=C.HIGH, limit_per_year=None, min_interval_days=None,
         description=_("A customer advisory board, user conference, roundtable or VIP event.")),
    dict(key="advisory_board", name=_("Advisory board"), min_minutes=120, max_minutes=180,
         priority=P.NICE_TO_HAVE, commitment=C.HIGH, limit_per_year=4, min_interval_days=60,
         description=_("Quarterly meetings over a twelve-month term.")),
    dict(key="beta", name=_("Beta testing"), min_minutes=60, max_minutes=600, priority=P.NICE_TO_HAVE,
         commitment=C.MEDIUM, limit_per_year=None, min_interval_days=None,
         description=_("Trying new features early and telling the product team what works.")),
    dict(key="community_leadership", name=_("Community leadership"), min_minutes=60, max_minutes=240,
         priority=P.NICE_TO_HAVE, commitment=C.MEDIUM, limit_per_year=None, min_interval_days=None,
         counts_toward_cap=False, description=_("Leading a user group or answering peers in the community.")),
]  # fmt: skip

DEFAULT_TIER_POLICIES: list[dict[str, Any]] = [
    dict(tier=Tier.PLATINUM, expected_min=4, expected_max=6, share_min=3, share_max=5,
         touch_model=_("High-touch, executive outreach"),
         benefits=_("Executive relationships, advisory board seat, premium experiences."),
         advocate_wording=_("You are one of our closest partners. Expect personal invitations from our leadership, "
                            "a seat at the table on the roadmap and our warmest thanks.")),
    dict(tier=Tier.GOLD, expected_min=2, expected_max=4, share_min=15, share_max=20,
         touch_model=_("Standard, structured"),
         benefits=_("Early access, speaking opportunities, quality gifts."),
         advocate_wording=_("You regularly share your experience with peers. We will invite you to reference calls, "
                            "testimonials and the occasional stage, always at your pace.")),
    dict(tier=Tier.SILVER, expected_min=1, expected_max=2, share_min=30, share_max=40,
         touch_model=_("Automated"),
         benefits=_("Recognition in the community, invitations to events."),
         advocate_wording=_("You help now and then with a quick quote or review. Every contribution counts, "
                            "and you choose what suits you.")),
    dict(tier=Tier.COMMUNITY, expected_min=0, expected_max=1, share_min=None, share_max=None,
         touch_model=_("Self-service"),
         benefits=_("The customer community, newsletters, events."),
         advocate_wording=_("You are part of our customer community. Join in whenever you like: events, betas "
                            "and conversations with peers.")),
]  # fmt: skip


@transaction.atomic
def ensure_program_defaults(organization: Organization) -> None:
    """Creates what is missing of the default program; never changes what the organisation edited.
    Names are stored in the organisation's language."""
    with translation.override(organization.default_language):
        existing_types = set(ActivityType.objects.filter(organization=organization).values_list("key", flat=True))
        ActivityType.objects.bulk_create(
            [
                ActivityType(
                    organization=organization,
                    sort_order=index,
                    **{key: str(value) if key in ("name", "description") else value for key, value in spec.items()},
                )
                for index, spec in enumerate(DEFAULT_ACTIVITY_TYPES)
                if spec["key"] not in existing_types
            ]
        )
        existing_tiers = set(TierPolicy.objects.filter(organization=organization).values_list("tier", flat=True))
        text_fields = ("touch_model", "benefits", "advocate_wording")
        TierPolicy.objects.bulk_create(
            [
                TierPolicy(
                    organization=organization,
                    **{key: str(value) if key in text_fields else value for key, value in spec.items()},
                )
                for spec in DEFAULT_TIER_POLICIES
                if spec["tier"] not in existing_tiers
            ]
        )
