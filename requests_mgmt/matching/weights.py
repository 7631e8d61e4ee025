"""Matching weights, the names of the score parts and hard rules, the reasons "why not?" gives, and
the arithmetic every path shares (past feedback, rotation), integer only so that SQL and Python agree."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta

from django.db.models import Q
from django.utils.translation import gettext as _

from advocacy.models import Organization
from advocates.models import CONSENT_FIELDS, ActivityType, Advocate, Consent, Tier

from ..models import AdvocacyRequest, Ask

NO_LIMIT = 10_000


CONSENT_NEEDS = {
    Consent.NAMED: "needs_named",
    Consent.QUOTED: "needs_quoted",
    Consent.LOGO: "needs_logo",
    Consent.RECORDED: "needs_recorded",
    Consent.SPEAK_PUBLICLY: "needs_speak_publicly",
}


@dataclass(frozen=True)
class MatchWeights:
    industry: int = 20
    segment: int = 15
    region: int = 15
    products: int = 10
    use_case: int = 10
    seniority: int = 10
    language: int = 5
    tier: int = 10
    rotation_load: int = 10
    rotation_recency: int = 10
    feedback: int = 10  # the advocate's own ratings of their completed asks; no rating yet: half of it
    big_deal_value: int = 250_000  # at or above it, the most committed tiers suit the deal best

    @classmethod
    def for_organization(cls, organization: Organization) -> MatchWeights:
        stored = (organization.settings or {}).get("matching_weights") or {}
        known = {item.name for item in fields(cls)}
        return cls(**{key: int(value) for key, value in stored.items() if key in known})


@dataclass
class Candidate:
    advocate: Advocate
    score: int
    parts: list[tuple[str, str, int, int]] = field(default_factory=list)


@dataclass(frozen=True)
class Reason:
    key: str
    message: str
    eligible_on: date | None = None


def _consent_columns(activity_type: ActivityType) -> list[str]:
    """The advocate's consent flags this activity needs."""
    return [CONSENT_FIELDS[consent] for consent, need in CONSENT_NEEDS.items() if getattr(activity_type, need)]


def consent_condition(activity_type: ActivityType) -> Q:
    """The consent flags an advocate must have granted for this activity."""
    return Q(**dict.fromkeys(_consent_columns(activity_type), True))


def activity_type_for(advocacy_request: AdvocacyRequest) -> ActivityType:
    return ActivityType.objects.get(organization=advocacy_request.organization, key=advocacy_request.request_type)


def _tier_points(advocacy_request: AdvocacyRequest, weights: MatchWeights) -> dict[str, int]:
    """Points per tier: the most committed tiers suit a big deal best, gold a usual one."""
    big_deal = (advocacy_request.deal_value or 0) >= weights.big_deal_value
    tier_share = (
        {Tier.PLATINUM: 10, Tier.GOLD: 7, Tier.SILVER: 3, Tier.COMMUNITY: 0}
        if big_deal
        else {Tier.GOLD: 10, Tier.SILVER: 7, Tier.PLATINUM: 4, Tier.COMMUNITY: 3}
    )
    return {tier: weights.tier * share // 10 for tier, share in tier_share.items()}


def _requested_products(advocacy_request: AdvocacyRequest) -> list[str]:
    return [name.strip() for name in advocacy_request.products.split(",") if name.strip()]


RATED = Q(status=Ask.Status.COMPLETED, advocate_rating__isnull=False)


def feedback_points(weight: int, *, rating_sum: int, rated: int) -> int:
    """Points for past feedback: ``weight * (mean rating - 1) / 4`` over the advocate's rated,
    completed asks, rounded half away from zero; half the weight (rounded the same way) for an
    advocate with no rating yet, so newcomers are not held back. Integer arithmetic only, so that
    PostgreSQL, SQLite and Python agree exactly: with ``x = |w| * (sum / n - 1) / 4`` the magnitude
    is ``floor(x + 1/2) = (2 * |w| * (sum - n) + 4 * n) // (8 * n)``, every operand non-negative."""
    size = abs(weight)
    magnitude = (2 * size * (rating_sum - rated) + 4 * rated) // (8 * rated) if rated else (size + 1) // 2
    return magnitude if weight >= 0 else -magnitude


def _rotation_parts(
    *, used_12m: int, last_ask_at: datetime | None, weights: MatchWeights, cap: int, now: datetime
) -> tuple[int, int]:
    """``rotation_load`` and ``rotation_recency`` exactly as ``_score_parts`` states them in SQL
    (PostgreSQL's integer division truncates toward zero)."""
    product = used_12m * weights.rotation_load
    quotient = abs(product) // cap if product >= 0 else -(abs(product) // cap)
    load = max(0, weights.rotation_load - quotient)
    if last_ask_at is None or last_ask_at <= now - timedelta(days=180):
        recency = weights.rotation_recency
    elif last_ask_at <= now - timedelta(days=90):
        recency = weights.rotation_recency * 7 // 10
    elif last_ask_at <= now - timedelta(days=60):
        recency = weights.rotation_recency * 4 // 10
    else:
        recency = weights.rotation_recency * 2 // 10
    return load, recency


SCORE_PARTS = (
    "fit_industry",
    "fit_segment",
    "fit_region",
    "fit_products",
    "fit_use_case",
    "fit_seniority",
    "fit_language",
    "fit_tier",
    "rotation_load",
    "rotation_recency",
    "feedback",
)


HARD_RULES = (
    "ok_active",
    "ok_healthy",
    "ok_consent",
    "ok_willing",
    "ok_cap",
    "ok_type_limit",
    "ok_interval",
    "ok_cooldown",
    "ok_blackout",
    "ok_not_pending",
)


def _part_labels(weights: MatchWeights) -> dict[str, tuple[str, int]]:
    return {
        "fit_industry": (_("Industry"), weights.industry),
        "fit_segment": (_("Segment"), weights.segment),
        "fit_region": (_("Region"), weights.region),
        "fit_products": (_("Products"), weights.products),
        "fit_use_case": (_("Use case"), weights.use_case),
        "fit_seniority": (_("Seniority"), weights.seniority),
        "fit_language": (_("Language"), weights.language),
        "fit_tier": (_("Tier for this deal"), weights.tier),
        "rotation_load": (_("Few recent asks"), weights.rotation_load),
        "rotation_recency": (_("Long since the last ask"), weights.rotation_recency),
        "feedback": (_("Past feedback"), weights.feedback),
    }


STATIC_PARTS = SCORE_PARTS[:8]  # fit and tier: read from the advocate and account rows alone
