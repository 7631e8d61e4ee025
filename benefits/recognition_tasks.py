"""The email telling an advocate their spotlight or award nomination was accepted. Sent once per
nomination (dedupe key), so a task run twice or retried sends one email."""

from __future__ import annotations

import smtplib

from celery import Task, shared_task
from django.conf import settings
from django.urls import reverse

from advocacy.messaging import send_message
from advocacy.models import Organization, OutboundMessage
from advocacy.tasks import TenantTask

from .models import Nomination


@shared_task(base=TenantTask, bind=True, max_retries=3, soft_time_limit=60, time_limit=90)
def send_recognition_task(self: Task, organization: Organization, nomination_id: int) -> bool:
    """Congratulates the advocate. Nothing is sent for a nomination that is not (or no longer)
    accepted, or to an advocate whose data was erased since."""
    nomination = (
        Nomination.objects.filter(
            organization=organization,
            pk=nomination_id,
            status=Nomination.Status.ACCEPTED,
            advocate__anonymised_at__isnull=True,
        )
        .select_related("advocate", "advocate__user", "advocate__organization")
        .first()
    )
    if nomination is None:
        return False
    advocate = nomination.advocate
    url = settings.SITE_URL + reverse("portal:home", kwargs={"org_slug": organization.slug})
    try:
        message = send_message(
            organization=organization,
            to_email=advocate.email,
            advocate=advocate,
            template="recognition_accepted",
            context={"advocate": advocate, "nomination": nomination, "organization": organization, "url": url},
            purpose=OutboundMessage.Purpose.THANK_YOU,
            related=nomination,
            dedupe_key=f"recognition-accepted:{nomination.pk}",
        )
    except (OSError, smtplib.SMTPException) as exc:
        raise self.retry(exc=exc, countdown=60) from exc
    return message.status == OutboundMessage.Status.SENT
