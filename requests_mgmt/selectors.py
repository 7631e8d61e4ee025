from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from advocacy.models import Membership, Organization
from advocacy.roles import Capability, Role

from .models import MARKETING_TYPES, OPEN_STATUSES, SALES_TYPES, AdvocacyRequest, RequestType


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
    return requests.order_by("needed_by", "created_at")


def request_types_for(membership: Membership) -> tuple[str, ...]:
    if membership.role == Role.SALES:
        return tuple(SALES_TYPES)
    if membership.role == Role.MARKETING:
        return tuple(MARKETING_TYPES)
    return tuple(RequestType.values)
