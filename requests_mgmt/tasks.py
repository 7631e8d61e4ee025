"""Background work of the requests app. The worker registers every task imported here."""

from __future__ import annotations

from celery import Task, shared_task
from django.conf import settings
from django.urls import reverse

from advocacy.messaging import send_message
from advocacy.models import Organization, OutboundMessage
from advocacy.tasks import TenantTask

from .models import RequestStatusChange


@shared_task(base=TenantTask, bind=True, max_retries=3, soft_time_limit=60, time_limit=90)
def send_request_update_task(self: Task, organization: Organization, change_id: int) -> bool:
    """Tells the requester where their request stands now. Sent once per change (dedupe key)."""
    change = (
        RequestStatusChange.objects.filter(organization=organization, pk=change_id)
        .select_related("request", "request__requester")
        .first()
    )
    if change is None:
        return False
    advocacy_request = change.request
    requester = advocacy_request.requester
    url = settings.SITE_URL + reverse(
        "requests_mgmt:request-detail",
        kwargs={"org_slug": organization.slug, "public_id": advocacy_request.public_id},
    )
    message = send_message(
        organization=organization,
        to_email=requester.email,
        user=requester,
        template="request_update",
        context={
            "advocacy_request": advocacy_request,
            "status": change.get_to_status_display(),
            "note": change.note,
            "url": url,
            "organization": organization,
        },
        purpose=OutboundMessage.Purpose.REQUEST_UPDATE,
        related=advocacy_request,
        dedupe_key=f"request-update:{change.pk}",
    )
    return message.status == OutboundMessage.Status.SENT
