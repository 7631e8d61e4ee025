"""Today's queue on the dashboard: open requests, those waiting for triage, overdue and due soon,
the requests due next, and the tier suggestions waiting for a decision."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count, F, Q
from django.utils import timezone

from advocacy.models import Organization
from advocates.models import Advocate
from requests_mgmt.models import DUE_SOON, OPEN_STATUSES, AdvocacyRequest, RequestStatus


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


def pending_tier_suggestions(organization: Organization) -> int:
    return (
        Advocate.objects.filter(organization=organization)
        .in_program()
        .exclude(suggested_tier="")
        .exclude(suggested_tier=F("tier"))
        .count()
    )
