"""Emails about a reward: when the advocate has something to do (choose among options, give a
shipping address) and when it is on its way. Each goes once per reward and moment (dedupe key)."""

from __future__ import annotations

import smtplib

from celery import Task, shared_task
from django.conf import settings
from django.urls import reverse

from advocacy.messaging import send_message
from advocacy.models import Organization, OutboundMessage
from advocacy.tasks import TenantTask

from .models import Reward, RewardStatus

MOMENTS = frozenset({"choose", "address", "sent", "shipped"})
# What must still hold when the task runs for the message to make sense.
STILL_TRUE = {
    "choose": lambda reward: reward.status == RewardStatus.PROPOSED and reward.benefit_id is None,
    "address": lambda reward: reward.status == RewardStatus.APPROVED and not reward.shipping_address,
    "sent": lambda reward: reward.status == RewardStatus.DELIVERED,
    "shipped": lambda reward: reward.status in (RewardStatus.SHIPPED, RewardStatus.DELIVERED),
}


@shared_task(base=TenantTask, bind=True, max_retries=3, soft_time_limit=60, time_limit=90)
def send_reward_message_task(self: Task, organization: Organization, reward_id: int, moment: str) -> bool:
    reward = (
        Reward.objects.select_related("advocate", "advocate__user", "benefit", "activity__activity_type")
        .prefetch_related("options")
        .filter(organization=organization, pk=reward_id)
        .first()
    )
    if reward is None or moment not in MOMENTS or not STILL_TRUE[moment](reward):
        return False
    advocate = reward.advocate
    if advocate.anonymised_at is not None:
        return False
    url = settings.SITE_URL + reverse("portal_benefits:home", kwargs={"org_slug": organization.slug})
    try:
        message = send_message(
            organization=organization,
            to_email=advocate.email,
            advocate=advocate,
            template="reward_update",
            context={"reward": reward, "advocate": advocate, "moment": moment, "url": url},
            purpose=OutboundMessage.Purpose.THANK_YOU,
            related=reward,
            dedupe_key=f"reward:{reward.public_id}:{moment}",
        )
    except (OSError, smtplib.SMTPException) as exc:
        raise self.retry(exc=exc, countdown=60) from exc
    return message.status == OutboundMessage.Status.SENT
