"""Background work of the requests app. The worker registers every task imported here."""

from __future__ import annotations

from celery import Task, shared_task
from django.conf import settings
from django.urls import reverse

from advocacy.messaging import send_message
from advocacy.models import Organization, OutboundMessage
from advocacy.tasks import TenantTask

from .campaign_tasks import (  # noqa: F401  (registers the tasks with the worker)
    close_due_campaigns_sweep_task,
    close_due_campaigns_task,
    send_campaign_asks_task,
)
from .content_tasks import (  # noqa: F401  (registers the tasks with the worker)
    content_expiry_organization_task,
    content_expiry_sweep_task,
    send_approval_outcome_task,
    send_approval_step_task,
    send_publication_expiry_task,
)
from .engagement_tasks import (  # noqa: F401  (registers the tasks with the worker)
    send_contribution_used_task,
    send_meeting_cancellation_task,
    send_meeting_invitation_task,
    send_meeting_times_task,
)
from .models import RequestStatusChange
from .outreach_tasks import (  # noqa: F401  (registers the tasks with the worker)
    outreach_organization_task,
    outreach_sweep_task,
    send_ask_invitation_task,
    send_ask_reminder_task,
    send_next_candidate_prompt_task,
)
from .referral_tasks import (  # noqa: F401  (registers the tasks with the worker)
    send_referral_acknowledgement_task,
    send_referral_won_task,
)


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
