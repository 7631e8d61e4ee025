"""Reads over advocates and accounts, always through the organisation."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from advocacy.models import Membership, Organization
from advocacy.roles import Role

from .models import Advocate, CustomerAccount

ADVOCATE_SORTS = {
    "name": ("full_name",),
    "-name": ("-full_name",),
    "account": ("account__name", "full_name"),
    "tier": ("tier_rank", "full_name"),
    "last_activity": ("-last_activity_at", "full_name"),
    "joined": ("-joined_at", "full_name"),
}


def visible_advocates(*, organization: Organization, membership: Membership) -> QuerySet[Advocate]:
    """Advocates this member may see: CSMs see the advocates of the accounts they own."""
    advocates = Advocate.objects.filter(organization=organization)
    if membership.role == Role.CSM:
        advocates = advocates.filter(account__csm=membership.user)
    return advocates


def advocate_directory(
    *, organization: Organization, membership: Membership, filters: dict[str, Any]
) -> QuerySet[Advocate]:
    from django.db.models import Case, IntegerField, Value, When

    from .models import Tier

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
    advocates = advocates.annotate(
        tier_rank=Case(
            *[When(tier=tier, then=Value(rank)) for rank, tier in enumerate(Tier.values)],
            output_field=IntegerField(),
        )
    )
    return advocates.order_by(*ADVOCATE_SORTS.get(filters.get("sort") or "name", ADVOCATE_SORTS["name"]))


def account_directory(
    *, organization: Organization, membership: Membership, query: str = ""
) -> QuerySet[CustomerAccount]:
    accounts = CustomerAccount.objects.filter(organization=organization).select_related("csm")
    if membership.role == Role.CSM:
        accounts = accounts.filter(csm=membership.user)
    if query.strip():
        accounts = accounts.filter(name__icontains=query.strip())
    return accounts.annotate(advocate_count=Count("advocates")).order_by("name")


def industries(*, organization: Organization) -> list[str]:
    return list(
        CustomerAccount.objects.filter(organization=organization)
        .exclude(industry="")
        .values_list("industry", flat=True)
        .distinct()
        .order_by("industry")
    )
