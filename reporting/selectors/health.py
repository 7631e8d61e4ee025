"""Program-health figures for the dashboard, each computed by a single aggregate query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import Count, F, Q
from django.utils import timezone

from advocacy.models import Organization
from advocates.models import Advocate, Tier, TierPolicy
from benefits.models import ThankYou
from requests_mgmt.models import DUE_SOON, OPEN_STATUSES, AdvocacyRequest, RequestStatus


@dataclass(frozen=True)
class TierRow:
    tier: str
    label: str
    count: int
    share: float
    target: tuple[int, int] | None

    @property
    def within_target(self) -> bool | None:
        if self.target is None:
            return None
        low, high = self.target
        return low <= self.share <= high


def tier_target_shares(organization: Organization) -> dict[str, tuple[int, int]]:
    """Target share ranges (percent) from the organisation's tier policy; tiers without one are
    "the rest"."""
    return {
        policy.tier: (policy.share_min, policy.share_max)
        for policy in TierPolicy.objects.filter(organization=organization)
        if policy.share_min is not None and policy.share_max is not None
    }


def tier_distribution(organization: Organization) -> list[TierRow]:
    """Active advocates per tier against the target shares."""
    counts = dict(
        Advocate.objects.filter(organization=organization, status=Advocate.Status.ACTIVE)
        .values_list("tier")
        .annotate(n=Count("id"))
        .values_list("tier", "n")
    )
    total = sum(counts.values())
    targets = tier_target_shares(organization)
    return [
        TierRow(
            tier=tier.value,
            label=str(tier.label),
            count=counts.get(tier.value, 0),
            share=round(100 * counts.get(tier.value, 0) / total, 1) if total else 0.0,
            target=targets.get(tier.value),
        )
        for tier in Tier
    ]


def advocate_status_counts(organization: Organization) -> list[tuple[str, int]]:
    counts = dict(
        Advocate.objects.filter(organization=organization)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return [(str(status.label), counts.get(status.value, 0)) for status in Advocate.Status]


def request_summary(organization: Organization) -> dict[str, Any]:
    today = timezone.localdate()
    soon = (timezone.now() + DUE_SOON).date()
    year_ago = timezone.now() - timedelta(days=365)
    # Campaigns are followed on their own page; their requests would swamp the queue figures.
    return AdvocacyRequest.objects.filter(organization=organization, campaign__isnull=True).aggregate(
        open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
        awaiting_triage=Count("id", filter=Q(status=RequestStatus.SUBMITTED)),
        overdue=Count("id", filter=Q(status__in=OPEN_STATUSES, needed_by__lt=today)),
        due_soon=Count("id", filter=Q(status__in=OPEN_STATUSES, needed_by__gte=today, needed_by__lte=soon)),
        completed_last_year=Count(
            "id",
            filter=Q(status__in=[RequestStatus.COMPLETED, RequestStatus.CLOSED], created_at__gte=year_ago),
        ),
    )


def upcoming_requests(organization: Organization, limit: int = 8) -> list[AdvocacyRequest]:
    return list(
        AdvocacyRequest.objects.filter(organization=organization, status__in=OPEN_STATUSES, campaign__isnull=True)
        .select_related("requester")
        .order_by("needed_by", "created_at")[:limit]
    )


def thanked_within_24h(organization: Organization, *, days: int = 90) -> dict[str, Any]:
    """Of the activities completed in the last ``days`` days and owed a thank-you whose 24 hours
    are up (or that is already settled), how many were thanked in time: the automatic thank-you sent
    and, where high-commitment work earned one, the personal note written, both by the deadline.
    ``share`` is a percentage, or None when nothing was owed yet."""
    now = timezone.now()
    no_note = Q(activity__personal_note__isnull=True)
    on_time = Q(sent_at__lte=F("due_at")) & (no_note | Q(activity__personal_note__written_at__lte=F("due_at")))
    settled = Q(sent_at__isnull=False) & (no_note | Q(activity__personal_note__written_at__isnull=False))
    figures = ThankYou.objects.filter(
        Q(due_at__lte=now) | settled,
        organization=organization,
        completed_at__gte=now - timedelta(days=days),
    ).aggregate(owed=Count("id"), on_time=Count("id", filter=on_time))
    owed, thanked = figures["owed"], figures["on_time"]
    return {"owed": owed, "on_time": thanked, "share": round(100 * thanked / owed, 1) if owed else None}


def pending_tier_suggestions(organization: Organization) -> int:
    return (
        Advocate.objects.filter(organization=organization)
        .in_program()
        .exclude(suggested_tier="")
        .exclude(suggested_tier=F("tier"))
        .count()
    )
