from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from advocacy.models import Membership, Organization
from advocacy.roles import Capability, Role

from .models import MARKETING_TYPES, OPEN_STATUSES, SALES_TYPES, AdvocacyRequest, Ask, RequestType


def visible_requests(*, organization: Organization, membership: Membership) -> QuerySet[AdvocacyRequest]:
    """Program managers see every request; requesters see their own."""
    requests = AdvocacyRequest.objects.filter(organization=organization).select_related("requester")
    if not membership.can(Capability.REQUESTS_TRIAGE):
        requests = requests.filter(requester=membership.user)
    return requests


def filtered_requests(
    *, organization: Organization, membership: Membership, filters: dict[str, Any]
) -> QuerySet[AdvocacyRequest]:
    requests = visible_requests(organization=organization, membership=membership)
    status = filters.get("status", "open")
    if status == "open":
        requests = requests.filter(status__in=OPEN_STATUSES)
    elif status:
        requests = requests.filter(status=status)
    if filters.get("request_type"):
        requests = requests.filter(request_type=filters["request_type"])
    # A campaign's request only carries its asks; the campaign pages are where it is followed.
    requests = requests.filter(campaign__isnull=True)
    # For the queue: a request back in matching after its asks ended without a yes needs the
    # program team to pick the next candidate.
    requests = requests.annotate(
        open_asks=Count("asks", filter=Q(asks__status__in=Ask.COUNTING_STATUSES)),
        unanswered_asks=Count("asks", filter=Q(asks__status__in=(Ask.Status.DECLINED, Ask.Status.EXPIRED))),
    )
    return requests.order_by("needed_by", "created_at")


def request_types_for(membership: Membership) -> tuple[str, ...]:
    if membership.role == Role.SALES:
        return tuple(SALES_TYPES)
    if membership.role == Role.MARKETING:
        return tuple(MARKETING_TYPES)
    return tuple(RequestType.values)
