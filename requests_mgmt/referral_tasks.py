"""Emails to the advocate about their referrals: the acknowledgement straight after submitting, and
the good news when the person they introduced became a customer. Both are sent once (dedupe key)."""

from __future__ import annotations

import smtplib

from celery import Task, shared_task
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from advocacy.messaging import send_message
from advocacy.models import Organization, OutboundMessage
from advocacy.tasks import TenantTask

from .models import Referral, ReferralStatus


def _referral(organization: Organization, referral_id: int) -> Referral | None:
    return (
        Referral.objects.filter(organization=organization, pk=referral_id, advocate__anonymised_at__isnull=True)
        .select_related("advocate", "advocate__user", "advocate__organization")
        .first()
    )


def _send(
    task: Task, organization: Organization, referral: Referral, *, template: str, dedupe_key: str
) -> OutboundMessage:
    """A mail server that is down or refusing is tried again a minute later (bounded retries)."""
    advocate = referral.advocate
    url = settings.SITE_URL + reverse(
        "referrals:portal-detail", kwargs={"org_slug": organization.slug, "public_id": referral.public_id}
    )
    try:
        return send_message(
            organization=organization,
            to_email=advocate.email,
            advocate=advocate,
            template=template,
            context={"advocate": advocate, "referral": referral, "url": url, "organization": organization},
            purpose=OutboundMessage.Purpose.REFERRAL,
            related=referral,
            dedupe_key=dedupe_key,
        )
    except (OSError, smtplib.SMTPException) as exc:
        raise task.retry(exc=exc, countdown=60) from exc


@shared_task(base=TenantTask, bind=True, max_retries=3, soft_time_limit=60, time_limit=90)
def send_referral_acknowledgement_task(self: Task, organization: Organization, referral_id: int) -> bool:
    """Thanks the advocate for the introduction and says what happens next."""
    referral = _referral(organization, referral_id)
    if referral is None:
        return False
    message = _send(
        self, organization, referral, template="referral_received", dedupe_key=f"referral-received:{referral.pk}"
    )
    if message.status != OutboundMessage.Status.SENT:
        return False
    Referral.objects.filter(organization=organization, pk=referral.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=timezone.now()
    )
    return True


@shared_task(base=TenantTask, bind=True, max_retries=3, soft_time_limit=60, time_limit=90)
def send_referral_won_task(self: Task, organization: Organization, referral_id: int) -> bool:
    """Tells the advocate that the person they introduced became a customer."""
    referral = _referral(organization, referral_id)
    if referral is None or referral.status != ReferralStatus.WON:
        return False
    message = _send(self, organization, referral, template="referral_won", dedupe_key=f"referral-won:{referral.pk}")
    return message.status == OutboundMessage.Status.SENT
