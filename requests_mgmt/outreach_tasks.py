"""Outreach messages and the sweep that reminds and expires unanswered asks.

``outreach_sweep_task`` runs on the beat schedule (``advocacy/celery.py``) every 15 minutes and fans
out one task per organisation. Reminders are claimed by a conditional update and every email
carries a dedupe key, so overlapping sweeps or a task run twice still send each message once.
"""

from __future__ import annotations

import smtplib

from celery import Task, shared_task
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from advocacy.messaging import send_message
from advocacy.models import Organization, OutboundMessage
from advocacy.tasks import TenantTask
from advocates.models import ActivityType

from .matching import activity_type_for
from .models import Ask
from .services.outreach import answer_token, ask_expire, asks_due_for_reminder

TRANSIENT_ERRORS = (OSError, smtplib.SMTPException)


def answer_url(ask: Ask) -> str:
    return settings.SITE_URL + reverse("ask-answer", kwargs={"token": answer_token(ask)})


def portal_ask_url(ask: Ask) -> str:
    return settings.SITE_URL + reverse(
        "outreach:portal-ask", kwargs={"org_slug": ask.organization.slug, "public_id": ask.public_id}
    )


def send_ask_email(*, ask: Ask, reminder: bool) -> OutboundMessage:
    """The invitation (or its one reminder): the personal message, what the request is about
    (never the deal value or the prospect's name), the time it takes, the answer-by date, and
    links to answer at once or in the portal."""
    advocate = ask.advocate
    activity_type: ActivityType | None
    try:
        activity_type = activity_type_for(ask.request)
    except ActivityType.DoesNotExist:
        activity_type = None
    return send_message(
        organization=ask.organization,
        to_email=advocate.email,
        advocate=advocate,
        template="ask_invitation",
        context={
            "ask": ask,
            "advocate": advocate,
            "advocacy_request": ask.request,
            "activity_type": activity_type,
            "reminder": reminder,
            "answer_url": answer_url(ask),
            "portal_url": portal_ask_url(ask),
        },
        purpose=OutboundMessage.Purpose.OUTREACH,
        related=ask,
        sender=ask.asked_by,
        dedupe_key=f"ask:{ask.public_id}:{'reminder' if reminder else 'invitation'}",
    )


def _ask(organization: Organization, ask_id: int) -> Ask | None:
    return (
        Ask.objects.select_related("organization", "request", "advocate", "advocate__user", "asked_by")
        .filter(organization=organization, pk=ask_id)
        .first()
    )


@shared_task(base=TenantTask, bind=True, max_retries=3, soft_time_limit=60, time_limit=90)
def send_ask_invitation_task(self: Task, organization: Organization, ask_id: int) -> bool:
    ask = _ask(organization, ask_id)
    if ask is None or ask.status != Ask.Status.PENDING:
        return False
    try:
        message = send_ask_email(ask=ask, reminder=False)
    except TRANSIENT_ERRORS as exc:
        raise self.retry(exc=exc, countdown=60) from exc
    return message.status == OutboundMessage.Status.SENT


@shared_task(base=TenantTask, bind=True, max_retries=3, soft_time_limit=60, time_limit=90)
def send_ask_reminder_task(self: Task, organization: Organization, ask_id: int) -> bool:
    """The one reminder. The claim (``reminded_at``) is taken before sending and released if the
    send fails, so the reminder goes out once."""
    claimed = Ask.objects.filter(
        organization=organization, pk=ask_id, status=Ask.Status.PENDING, reminded_at__isnull=True
    ).update(reminded_at=timezone.now())
    if not claimed:
        return False
    ask = _ask(organization, ask_id)
    assert ask is not None
    try:
        message = send_ask_email(ask=ask, reminder=True)
    except Exception as exc:
        Ask.objects.filter(organization=organization, pk=ask_id).update(reminded_at=None)
        if isinstance(exc, TRANSIENT_ERRORS):
            raise self.retry(exc=exc, countdown=60) from exc
        raise
    return message.status == OutboundMessage.Status.SENT


@shared_task(base=TenantTask, bind=True, max_retries=3, soft_time_limit=60, time_limit=90)
def send_next_candidate_prompt_task(self: Task, organization: Organization, ask_id: int) -> bool:
    """Tells the person who asked that the ask ended without a yes, with a link to the matching
    screen to pick the next candidate."""
    ask = _ask(organization, ask_id)
    if ask is None or ask.asked_by is None or not ask.asked_by.is_active:
        return False
    url = settings.SITE_URL + reverse(
        "requests_mgmt:request-matching", kwargs={"org_slug": organization.slug, "public_id": ask.request.public_id}
    )
    try:
        message = send_message(
            organization=organization,
            to_email=ask.asked_by.email,
            user=ask.asked_by,
            template="ask_next_candidate",
            context={"ask": ask, "advocate": ask.advocate, "advocacy_request": ask.request, "url": url},
            purpose=OutboundMessage.Purpose.PROGRAM_TEAM,
            related=ask,
            dedupe_key=f"ask:{ask.public_id}:next-candidate",
        )
    except TRANSIENT_ERRORS as exc:
        raise self.retry(exc=exc, countdown=60) from exc
    return message.status == OutboundMessage.Status.SENT


@shared_task(base=TenantTask, soft_time_limit=120, time_limit=150)
def outreach_organization_task(organization: Organization) -> dict[str, int]:
    """Expires the asks past their deadline and queues the reminders now due, in one organisation."""
    now = timezone.now()
    expired = 0
    overdue = Ask.objects.filter(organization=organization, status=Ask.Status.PENDING, expires_at__lte=now)
    for ask_id in overdue.order_by("pk").values_list("pk", flat=True):
        expired += ask_expire(organization=organization, ask_id=ask_id, now=now)
    reminders = asks_due_for_reminder(organization=organization, now=now)
    for ask_id in reminders:
        send_ask_reminder_task.delay(organization.pk, ask_id)
    return {"expired": expired, "reminders": len(reminders)}


@shared_task(soft_time_limit=60, time_limit=90)
def outreach_sweep_task() -> int:
    """Every organisation's outreach sweep, each in its own task and tenant scope."""
    count = 0
    for organization_id in Organization.objects.order_by("pk").values_list("pk", flat=True).iterator():
        outreach_organization_task.delay(organization_id)
        count += 1
    return count
