"""Celery tasks for enrollment messages: the program invitation and the welcome sequence.

``welcome_sequence_sweep_task`` runs on the beat schedule (``advocacy/celery.py``) and fans out one
task per organisation, which fans out one task per message due. Every send carries a dedupe key,
so a task that runs twice, or two sweeps that overlap, still send each message once.
"""

from __future__ import annotations

import smtplib

from celery import Task, shared_task
from django.utils import timezone

from advocacy.models import Organization, OutboundMessage
from advocacy.tasks import TenantTask

from .enrollment import (
    portal_url,
    program_invitation_dedupe_key,
    send_program_invitation_email,
    send_welcome_message,
    welcome_step,
    welcome_step_is_due,
    welcome_steps_due,
)
from .models import Advocate

TRANSIENT_ERRORS = (OSError, smtplib.SMTPException)


@shared_task(base=TenantTask, bind=True, max_retries=3, soft_time_limit=60, time_limit=90)
def send_program_invitation_task(self: Task, organization: Organization, advocate_id: int) -> bool:
    """The program invitation for an advocate who already has portal access (the link opens the
    portal). Sent once per invitation round; nothing if the invitation was answered meanwhile."""
    advocate = (
        Advocate.objects.select_related("organization", "invited_by", "user")
        .filter(organization=organization, pk=advocate_id)
        .first()
    )
    if advocate is None or advocate.status != Advocate.Status.INVITED or advocate.enrolled_at is not None:
        return False
    try:
        message = send_program_invitation_email(
            advocate=advocate, url=portal_url(organization), dedupe_key=program_invitation_dedupe_key(advocate)
        )
    except TRANSIENT_ERRORS as exc:  # mail server down or refusing: the failed message is claimed again
        raise self.retry(exc=exc, countdown=60) from exc
    return message.status == OutboundMessage.Status.SENT


@shared_task(base=TenantTask, bind=True, max_retries=3, soft_time_limit=60, time_limit=90)
def send_welcome_message_task(self: Task, organization: Organization, advocate_id: int, step: int) -> bool:
    """One welcome message, if it is due and the advocate is still in the sequence."""
    sequence_step = welcome_step(step)
    advocate = (
        Advocate.objects.select_related("organization", "user")
        .filter(organization=organization, pk=advocate_id)
        .first()
    )
    if (
        sequence_step is None
        or advocate is None
        or not welcome_step_is_due(advocate, sequence_step, now=timezone.now())
    ):
        return False
    try:
        message = send_welcome_message(advocate=advocate, step=sequence_step)
    except TRANSIENT_ERRORS as exc:
        raise self.retry(exc=exc, countdown=60) from exc
    return message.status == OutboundMessage.Status.SENT


@shared_task(base=TenantTask, soft_time_limit=60, time_limit=90)
def welcome_sequence_organization_task(organization: Organization) -> int:
    """Queues the welcome messages now due in one organisation. Returns how many."""
    due = welcome_steps_due(organization=organization)
    for advocate_id, step in due:
        send_welcome_message_task.delay(organization.pk, advocate_id, step)
    return len(due)


@shared_task(soft_time_limit=60, time_limit=90)
def welcome_sequence_sweep_task() -> int:
    """Every organisation's welcome sweep, each in its own task and tenant scope."""
    count = 0
    for organization_id in Organization.objects.order_by("pk").values_list("pk", flat=True).iterator():
        welcome_sequence_organization_task.delay(organization_id)
        count += 1
    return count
