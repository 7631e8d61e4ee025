"""Reads over advocates, accounts and the activity ledger, always through the organisation."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When

from advocacy.models import Membership, Organization
from advocacy.roles import Role

from .capacity import annotate_capacity_used
from .eligibility import annotate_eligibility
from .models import AccountProduct, Activity, Advocate, CustomerAccount, ProgramPolicy, Tier

ADVOCATE_SORTS = {
    "name": ("full_name",),
    "-name": ("-full_name",),
    "account": ("account__name", "full_name"),
    "tier": ("tier_rank", "full_name"),
    "last_activity": ("-last_activity_at", "full_name"),
    "joined": ("-joined_at", "full_name"),
    "eligibility": ("-eligibility_score", "full_name"),
    "capacity": ("capacity_used", "full_name"),
}


def visible_advocates(*, organization: Organization, membership: Membership) -> QuerySet[Advocate]:
    """Advocates this member may see: CSMs see the advocates of the accounts they own."""
    advocates = Advocate.objects.filter(organization=organization)
    if membership.role == Role.CSM:
        advocates = advocates.filter(account__csm=membership.user)
    return advocates


def with_advocate_scores(
    advocates: QuerySet[Advocate], *, organization: Organization, today: date | None = None
) -> QuerySet[Advocate]:
    """Adds ``capacity_used`` and the eligibility annotations (``eligibility_score``,
    ``is_eligible``, each part's points) unless the queryset already has them."""
    annotations = advocates.query.annotations
    if "capacity_used" not in annotations:
        advocates = annotate_capacity_used(advocates, today=today)
    if "eligibility_score" not in annotations:
        advocates = annotate_eligibility(advocates, policy=ProgramPolicy.for_organization(organization), today=today)
    return advocates


def _uses_product(name: str, *, account: str) -> Exists:
    """True where the account (``account`` names it from the outer row) uses the product."""
    return Exists(
        AccountProduct.objects.filter(
            organization=OuterRef("organization"), account=OuterRef(account), product__name__iexact=name
        )
    )


def advocate_directory(
    *, organization: Organization, membership: Membership, filters: dict[str, Any]
) -> QuerySet[Advocate]:
    """The advocates a member may see, filtered and sorted. Every filter is optional:
    ``q``, ``tier``, ``status``, ``segment``, ``region``, ``industry``, ``product`` (a product the
    account uses, by name), ``min_capacity_remaining`` (asks left under the yearly cap),
    ``last_activity_before`` / ``last_activity_after`` (dates), ``eligible`` (True / False) and
    ``sort`` (a key of ``ADVOCATE_SORTS``)."""
    advocates = visible_advocates(organization=organization, membership=membership).select_related("account")
    query = (filters.get("q") or "").strip()
    if query:
        advocates = advocates.filter(
            Q(full_name__icontains=query) | Q(email__icontains=query) | Q(account__name__icontains=query)
        )
    for field in ("tier", "status"):
        if filters.get(field):
            advocates = advocates.filter(**{field: filters[field]})
    for field in ("segment", "region", "industry"):
        if filters.get(field):
            advocates = advocates.filter(**{f"account__{field}": filters[field]})
    if filters.get("product"):
        advocates = advocates.filter(_uses_product(filters["product"], account="account"))
    if filters.get("last_activity_before"):
        advocates = advocates.filter(last_activity_at__lt=filters["last_activity_before"])
    if filters.get("last_activity_after"):
        advocates = advocates.filter(last_activity_at__gt=filters["last_activity_after"])
    sort = filters.get("sort") or "name"
    needs_scores = filters.get("min_capacity_remaining") or filters.get("eligible") is not None
    if needs_scores or sort in ("eligibility", "capacity"):
        advocates = with_advocate_scores(advocates, organization=organization)
    if filters.get("min_capacity_remaining"):
        cap = ProgramPolicy.for_organization(organization).yearly_cap
        advocates = advocates.filter(**{"capacity_used__lte": cap - int(filters["min_capacity_remaining"])})
    if filters.get("eligible") is not None:
        advocates = advocates.filter(**{"is_eligible": bool(filters["eligible"])})
    advocates = advocates.annotate(
        tier_rank=Case(
            *[When(tier=tier, then=Value(rank)) for rank, tier in enumerate(Tier.values)],
            output_field=IntegerField(),
        )
    )
    return advocates.order_by(*ADVOCATE_SORTS.get(sort, ADVOCATE_SORTS["name"]), "pk")


def account_directory(
    *,
    organization: Organization,
    membership: Membership,
    query: str = "",
    filters: dict[str, Any] | None = None,
) -> QuerySet[CustomerAccount]:
    """The accounts a member may see (CSMs: the accounts they own), with ``advocate_count``.
    Optional ``filters``: ``industry``, ``segment``, ``region``, ``product`` (by name),
    ``health_below`` (a score; accounts without one are left out) and ``csm`` (an email)."""
    filters = filters or {}
    accounts = CustomerAccount.objects.filter(organization=organization).select_related("csm")
    if membership.role == Role.CSM:
        accounts = accounts.filter(csm=membership.user)
    query = (query or filters.get("q") or "").strip()
    if query:
        accounts = accounts.filter(Q(name__icontains=query) | Q(crm_id__iexact=query))
    for field in ("industry", "segment", "region"):
        if filters.get(field):
            accounts = accounts.filter(**{field: filters[field]})
    if filters.get("product"):
        accounts = accounts.filter(_uses_product(filters["product"], account="pk"))
    if filters.get("health_below") is not None:
        accounts = accounts.filter(health_score__lt=filters["health_below"])
    if filters.get("csm"):
        accounts = accounts.filter(csm__email__iexact=filters["csm"])
    return accounts.annotate(advocate_count=Count("advocates")).order_by("name", "pk")


def visible_activities(*, organization: Organization, membership: Membership) -> QuerySet[Activity]:
    """The activity ledger a member may see: CSMs see their accounts' advocacy history."""
    activities = Activity.objects.filter(organization=organization)
    if membership.role == Role.CSM:
        activities = activities.filter(advocate__account__csm=membership.user)
    return activities


def industries(*, organization: Organization) -> list[str]:
    return list(
        CustomerAccount.objects.filter(organization=organization)
        .exclude(industry="")
        .values_list("industry", flat=True)
        .distinct()
        .order_by("industry")
    )
