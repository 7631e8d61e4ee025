"""Budgets: what the program may spend on rewards each quarter (at cost), for everyone or one tier.

A reward counts against the quarter in which it was approved, from approval until it is cancelled or
declined: that is when the program commits the money, whatever happens to the parcel afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction
from django.db.models import DecimalField, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils.translation import gettext as _

from advocacy.audit import audit_log
from advocacy.errors import ValidationFailed
from advocacy.models import Organization, User
from advocates.models import Tier

from ..models import BenefitKind, Budget, Reward, RewardStatus

# Rewards whose cost the program has committed to.
SPENDING_STATUSES = (RewardStatus.APPROVED, RewardStatus.ORDERED, RewardStatus.SHIPPED, RewardStatus.DELIVERED)
ZERO = Decimal("0.00")
# Budgets are kept for these years: anything outside is a typing mistake, and the far ends of the
# calendar would overflow the quarter arithmetic below (a 500 instead of a message).
FIRST_YEAR, LAST_YEAR = 1970, 2999


def quarter_date_errors(day: date) -> list[str]:
    """The message for a day outside the years budgets are kept for, or none."""
    if FIRST_YEAR <= day.year <= LAST_YEAR:
        return []
    return [_("Give a date between %(first)s and %(last)s.") % {"first": FIRST_YEAR, "last": LAST_YEAR}]


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def next_quarter_start(start: date) -> date:
    return date(start.year + 1, 1, 1) if start.month == 10 else date(start.year, start.month + 3, 1)


def quarter_label(start: date) -> str:
    return f"{start.year} Q{(start.month - 1) // 3 + 1}"


def organization_zone(organization: Organization) -> tzinfo:
    try:
        return ZoneInfo(organization.time_zone or "UTC")
    except (ValueError, ZoneInfoNotFoundError):
        return UTC


def organization_today(organization: Organization) -> date:
    """Today in the organisation's time zone: the day budgets and quarters are counted in."""
    return datetime.now(organization_zone(organization)).date()


def _quarter_bounds(organization: Organization, start: date) -> tuple[datetime, datetime]:
    """The quarter in the organisation's time zone, as aware datetimes."""
    zone = organization_zone(organization)
    begin = datetime.combine(start, time.min, tzinfo=zone)
    end = datetime.combine(next_quarter_start(start), time.min, tzinfo=zone)
    return begin, end


def quarter_rewards(*, organization: Organization, start: date, tier: str = "") -> QuerySet[Reward]:
    """Rewards counting against the quarter starting ``start`` (for one tier when given)."""
    begin, end = _quarter_bounds(organization, start)
    rewards = Reward.objects.filter(
        organization=organization,
        status__in=SPENDING_STATUSES,
        status_changes__to_status=RewardStatus.APPROVED,
        status_changes__created_at__gte=begin,
        status_changes__created_at__lt=end,
    )
    if tier:
        rewards = rewards.filter(advocate__tier=tier)
    return rewards


def quarter_spend(*, organization: Organization, start: date, tier: str = "") -> Decimal:
    total = quarter_rewards(organization=organization, start=start, tier=tier).aggregate(
        total=Coalesce(Sum("cost"), Value(ZERO), output_field=DecimalField())
    )["total"]
    return Decimal(total)


@dataclass(frozen=True)
class SpendLine:
    key: str
    label: str
    spend: Decimal
    count: int


@dataclass(frozen=True)
class SpendReport:
    start: date
    total: Decimal
    by_kind: list[SpendLine]
    by_tier: list[SpendLine]
    budgets: list[tuple[Budget, Decimal]]


def spend_report(*, organization: Organization, start: date) -> SpendReport:
    """The quarter's spend by benefit kind and by tier, with each budget next to what it covers."""
    rewards = quarter_rewards(organization=organization, start=start)
    total = ZERO
    by_kind = []
    for row in rewards.values("benefit__kind").annotate(spend=Sum("cost"), count=Sum(Value(1))).order_by("-spend"):
        kind = row["benefit__kind"] or ""
        label = str(BenefitKind(kind).label) if kind in BenefitKind.values else _("Other")
        by_kind.append(SpendLine(key=kind, label=label, spend=row["spend"], count=row["count"]))
        total += row["spend"]
    tier_rows = {
        row["advocate__tier"]: row
        for row in rewards.values("advocate__tier").annotate(spend=Sum("cost"), count=Sum(Value(1)))
    }
    by_tier = [
        SpendLine(key=tier.value, label=str(tier.label), spend=tier_rows[tier]["spend"], count=tier_rows[tier]["count"])
        for tier in Tier
        if tier in tier_rows
    ]
    tier_spend = {line.key: line.spend for line in by_tier}
    budgets = [
        (budget, tier_spend.get(budget.tier, ZERO) if budget.tier else total)
        for budget in Budget.objects.filter(organization=organization, quarter_start=start).order_by("tier")
    ]
    return SpendReport(start=start, total=total, by_kind=by_kind, by_tier=by_tier, budgets=budgets)


@dataclass(frozen=True)
class BudgetBreach:
    budget: Budget
    spend: Decimal
    message: str


def budget_breaches(*, reward: Reward, when: date, lock: bool = False) -> list[BudgetBreach]:
    """The budgets approving ``reward`` would exceed: the program's and its advocate's tier's for the
    quarter of ``when``. With ``lock`` the budget rows are locked first, so two approvals racing for
    the last of an enforced budget cannot both pass."""
    organization = reward.organization
    start = quarter_start(when)
    budgets = Budget.objects.filter(organization=organization, quarter_start=start, tier__in=("", reward.advocate.tier))
    if lock:
        budgets = budgets.select_for_update(of=("self",)).order_by("pk")
    breaches = []
    for budget in budgets:
        spend = quarter_spend(organization=organization, start=start, tier=budget.tier)
        if spend + reward.cost > budget.amount:
            scope_label = Tier(budget.tier).label if budget.tier in Tier.values else _("the whole program")
            message = _(
                "This reward (%(cost)s) would take the %(quarter)s budget for %(scope)s over its limit: "
                "%(spend)s of %(amount)s is already committed."
            ) % {
                "cost": reward.cost,
                "quarter": quarter_label(start),
                "scope": scope_label,
                "spend": spend,
                "amount": budget.amount,
            }
            breaches.append(BudgetBreach(budget=budget, spend=spend, message=message))
    return breaches


@transaction.atomic
def budget_set(
    *, organization: Organization, actor: User, data: dict[str, Any], request: HttpRequest | None = None
) -> tuple[Budget, bool]:
    """Sets the budget of a quarter (for one tier or the whole program): creates it or changes it.
    Returns the budget and whether it was created."""
    start = data["quarter_start"]
    if quarter_date_errors(start):
        raise ValidationFailed({"quarter_start": quarter_date_errors(start)})
    if start != quarter_start(start):
        raise ValidationFailed({"quarter_start": [_("Give the first day of a quarter (1 January, 1 April, …).")]})
    tier = data.get("tier") or ""
    if tier and tier not in Tier.values:
        raise ValidationFailed({"tier": [_("Unknown tier.")]})
    budget, created = Budget.objects.select_for_update().get_or_create(
        organization=organization,
        quarter_start=start,
        tier=tier,
        defaults={"amount": data["amount"], "enforced": bool(data.get("enforced"))},
    )
    before = {"amount": str(budget.amount), "enforced": budget.enforced}
    if not created:
        budget.amount = data["amount"]
        budget.enforced = bool(data.get("enforced"))
        budget.save(update_fields=["amount", "enforced"])
    audit_log(
        organization=organization,
        actor=actor,
        verb="budget.created" if created else "budget.updated",
        target=budget,
        data={
            "quarter": start.isoformat(),
            "tier": tier,
            "amount": str(budget.amount),
            "enforced": budget.enforced,
            **({} if created else {"before": before}),
        },
        request=request,
    )
    return budget, created
