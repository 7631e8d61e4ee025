"""Background work for campaigns: asking a large audience in batches, and the daily sweep that
closes campaigns past their closing day.

Both are idempotent: a batch asks only advocates the campaign has not asked yet and continues after
the last advocate it reached; closing a campaign that is already closed does nothing.
"""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task

from advocacy.errors import ConflictError
from advocacy.models import Organization, User
from advocacy.tasks import TenantTask

from .models import Campaign
from .selectors_campaigns import Audience
from .services.campaigns import TASK_BATCH, campaign_ask_batch, campaign_close, campaigns_due_to_close


@shared_task(base=TenantTask, bind=True, soft_time_limit=240, time_limit=300)
def send_campaign_asks_task(
    self: Task,
    organization: Organization,
    campaign_id: int,
    actor_id: int | None,
    audience: dict[str, Any],
    after_pk: int,
) -> int:
    """Asks the next batch of a campaign's audience, then queues the batch after it. Returns how many
    were asked in this batch."""
    campaign = (
        Campaign.objects.filter(organization=organization, pk=campaign_id, status=Campaign.Status.OPEN)
        .select_related("organization", "request", "request__requester")
        .first()
    )
    if campaign is None:
        return 0  # closed or gone meanwhile: nobody more is asked
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    result = campaign_ask_batch(
        campaign=campaign, actor=actor, audience=Audience.from_data(audience), after_pk=after_pk, limit=TASK_BATCH
    )
    if result.next_after is not None:
        send_campaign_asks_task.delay(organization.pk, campaign_id, actor_id, audience, result.next_after)
    return result.asked


@shared_task(base=TenantTask, soft_time_limit=240, time_limit=300)
def close_due_campaigns_task(organization: Organization) -> int:
    """Closes one organisation's campaigns past their closing day. Returns how many."""
    closed = 0
    due = campaigns_due_to_close(organization=organization)
    for campaign in Campaign.objects.filter(organization=organization, pk__in=due).select_related("request"):
        try:
            campaign_close(campaign=campaign, actor=None)
        except ConflictError:  # closed by someone else since the list was read
            continue
        closed += 1
    return closed


@shared_task(soft_time_limit=60, time_limit=90)
def close_due_campaigns_sweep_task() -> int:
    """Every organisation's campaign sweep, each in its own task and tenant scope."""
    count = 0
    for organization_id in Organization.objects.order_by("pk").values_list("pk", flat=True).iterator():
        close_due_campaigns_task.delay(organization_id)
        count += 1
    return count
