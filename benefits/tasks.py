"""Sending thank-yous and personal notes, and the sweep that catches what was missed.

Celery finds this module through ``app.autodiscover_tasks()`` (every installed app's ``tasks``).
``appreciation_sweep_task`` runs on the beat schedule (``advocacy/celery.py``) every 15 minutes and
fans out one task per organisation.

Exactly-once: a thank-you is claimed by a conditional update of ``sent_at`` before sending, and
its email carries the dedupe key ``thank-you:<activity public id>``, so a task run twice, a sweep
racing the task, or a worker that died mid-send still give the advocate one email.
"""

from __future__ import annotations

import smtplib
from datetime import datetime, timedelta

from celery import Task, shared_task
from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from advocacy.audit import audit_log
from advocacy.messaging import STALE_CLAIM, send_message
from advocacy.models import Membership, Organization, OutboundMessage
from advocacy.roles import Role
from advocacy.tasks import TenantTask
from reporting.rollups import appreciation_change

from .models import PersonalNote, ThankYou
from .recognition_tasks import send_recognition_task  # noqa: F401  (registers the task with the worker)
from .reward_tasks import send_reward_message_task  # noqa: F401  (registers the task with the worker)

TRANSIENT_ERRORS = (OSError, smtplib.SMTPException)
# The sweep leaves the task enqueued at completion this long to run before sending in its place.
SWEEP_GRACE = timedelta(minutes=5)


def thank_you_dedupe_key(thank_you: ThankYou) -> str:
    return f"thank-you:{thank_you.activity.public_id}"


def personal_note_dedupe_key(note: PersonalNote) -> str:
    return f"personal-note:{note.activity.public_id}"


def claimable_thank_yous(now: datetime) -> Q:
    """Not sent yet, or claimed by a worker that died before recording the message."""
    return Q(sent_at__isnull=True) | Q(message__isnull=True, sent_at__lt=now - STALE_CLAIM)


def portal_url(organization: Organization) -> str:
    return settings.SITE_URL + reverse("portal:home", kwargs={"org_slug": organization.slug})


def queue_url(organization: Organization) -> str:
    return settings.SITE_URL + reverse("benefits:queue", kwargs={"org_slug": organization.slug})


def _thank_you(organization: Organization, thank_you_id: int) -> ThankYou | None:
    return (
        ThankYou.objects.select_related(
            "organization", "activity", "activity__activity_type", "activity__recorded_by", "advocate__user"
        )
        .filter(organization=organization, pk=thank_you_id)
        .first()
    )


@shared_task(base=TenantTask, bind=True, max_retries=3, soft_time_limit=60, time_limit=90)
def send_thank_you_task(self: Task, organization: Organization, thank_you_id: int) -> bool:
    """Sends the automatic thank-you once: warm, short, naming what the advocate did, in their
    language and in the name of whoever recorded the work. A second run is a no-op."""
    now = timezone.now()
    # The claim sends no signal: ``appreciation_change`` keeps the thank-you's rollup current.
    with appreciation_change(organization.pk, thank_you_id=thank_you_id):
        claimed = (
            ThankYou.objects.filter(organization=organization, pk=thank_you_id, advocate__anonymised_at__isnull=True)
            .filter(claimable_thank_yous(now))
            .update(sent_at=now)
        )
    if not claimed:
        return False
    thank_you = _thank_you(organization, thank_you_id)
    assert thank_you is not None
    activity, advocate = thank_you.activity, thank_you.advocate
    sender = activity.recorded_by if activity.recorded_by is not None and activity.recorded_by.is_active else None
    try:
        message = send_message(
            organization=organization,
            to_email=advocate.email,
            advocate=advocate,
            template="thank_you",
            context={
                "advocate": advocate,
                "activity": activity,
                "activity_type": activity.activity_type,
                "portal_url": portal_url(organization),
            },
            purpose=OutboundMessage.Purpose.THANK_YOU,
            related=activity,
            sender=sender,
            dedupe_key=thank_you_dedupe_key(thank_you),
        )
    except Exception as exc:
        # Release the claim, so a retry or the sweep sends it (the dedupe key keeps it to one email).
        with appreciation_change(organization.pk, thank_you_id=thank_you_id):
            ThankYou.objects.filter(organization=organization, pk=thank_you_id).update(sent_at=None)
        if isinstance(exc, TRANSIENT_ERRORS):
            raise self.retry(exc=exc, countdown=60) from exc
        raise
    ThankYou.objects.filter(organization=organization, pk=thank_you_id).update(message=message)
    audit_log(
        organization=organization,
        actor=None,
        verb="thank_you.sent",
        target=advocate,
        data={"activity": str(activity.public_id), "on_time": now <= thank_you.due_at},
    )
    return message.status == OutboundMessage.Status.SENT


@shared_task(base=TenantTask, bind=True, max_retries=3, soft_time_limit=60, time_limit=90)
def send_personal_note_task(self: Task, organization: Organization, note_id: int) -> bool:
    """Emails a written personal note to the advocate in the writer's name. The dedupe key makes it
    one email however often it runs; on the advocate's timeline it is that person's email."""
    note = (
        PersonalNote.objects.select_related("organization", "activity", "activity__activity_type", "written_by")
        .select_related("advocate__user")
        .filter(organization=organization, pk=note_id, written_at__isnull=False, advocate__anonymised_at__isnull=True)
        .first()
    )
    if note is None:
        return False
    try:
        message = send_message(
            organization=organization,
            to_email=note.advocate.email,
            advocate=note.advocate,
            template="personal_note",
            context={
                "advocate": note.advocate,
                "activity": note.activity,
                "activity_type": note.activity.activity_type,
                "note": note.note,
                "writer": note.written_by,
                "portal_url": portal_url(organization),
            },
            purpose=OutboundMessage.Purpose.THANK_YOU,
            related=note.activity,
            sender=note.written_by,
            dedupe_key=personal_note_dedupe_key(note),
        )
    except TRANSIENT_ERRORS as exc:
        raise self.retry(exc=exc, countdown=60) from exc
    return message.status == OutboundMessage.Status.SENT


@shared_task(base=TenantTask, bind=True, max_retries=3, soft_time_limit=60, time_limit=90)
def escalate_personal_note_task(self: Task, organization: Organization, note_id: int) -> int:
    """Tells the program managers (administrators if there are none) that a personal note is past
    its deadline. Claimed by ``escalated_at``, so it is sent once."""
    now = timezone.now()
    claimed = PersonalNote.objects.filter(
        organization=organization, pk=note_id, written_at__isnull=True, escalated_at__isnull=True, due_at__lt=now
    ).update(escalated_at=now)
    if not claimed:
        return 0
    note = (
        PersonalNote.objects.select_related("activity", "activity__activity_type", "advocate", "assignee")
        .filter(organization=organization, pk=note_id)
        .get()
    )
    recipients = [
        membership.user
        for membership in Membership.objects.filter(
            organization=organization, role=Role.PROGRAM_MANAGER, user__is_active=True
        ).select_related("user")
    ] or [
        membership.user
        for membership in Membership.objects.filter(
            organization=organization, role=Role.ADMIN, user__is_active=True
        ).select_related("user")
    ]
    sent = 0
    try:
        for person in recipients:
            message = send_message(
                organization=organization,
                to_email=person.email,
                user=person,
                template="note_overdue",
                context={
                    "note": note,
                    "advocate": note.advocate,
                    "activity": note.activity,
                    "activity_type": note.activity.activity_type,
                    "assignee": note.assignee,
                    "url": queue_url(organization),
                },
                purpose=OutboundMessage.Purpose.PROGRAM_TEAM,
                related=note.advocate,
                dedupe_key=f"note-overdue:{note.activity.public_id}:{person.pk}",
            )
            sent += message.status == OutboundMessage.Status.SENT
    except Exception as exc:
        # Release the claim: the retry (or the next sweep) sends what is left, the keys skip the rest.
        PersonalNote.objects.filter(organization=organization, pk=note_id).update(escalated_at=None)
        if isinstance(exc, TRANSIENT_ERRORS):
            raise self.retry(exc=exc, countdown=60) from exc
        raise
    audit_log(
        organization=organization,
        actor=None,
        verb="personal_note.escalated",
        target=note.advocate,
        data={"activity": str(note.activity.public_id), "assignee": note.assignee.email if note.assignee else ""},
    )
    return sent


@shared_task(base=TenantTask, soft_time_limit=120, time_limit=150)
def appreciation_organization_task(organization: Organization) -> dict[str, int]:
    """Sends the thank-yous whose task was lost (worker down, broker restarted) and escalates the
    personal notes past their deadline, in one organisation."""
    now = timezone.now()
    lost = (
        ThankYou.objects.filter(
            organization=organization, completed_at__lte=now - SWEEP_GRACE, advocate__anonymised_at__isnull=True
        )
        .filter(claimable_thank_yous(now))
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)[:500]
    )
    overdue = (
        PersonalNote.objects.filter(
            organization=organization, written_at__isnull=True, escalated_at__isnull=True, due_at__lt=now
        )
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)[:500]
    )
    lost_ids, overdue_ids = list(lost), list(overdue)
    for thank_you_id in lost_ids:
        send_thank_you_task.delay(organization.pk, thank_you_id)
    for note_id in overdue_ids:
        escalate_personal_note_task.delay(organization.pk, note_id)
    return {"thank_yous": len(lost_ids), "escalations": len(overdue_ids)}


@shared_task(soft_time_limit=60, time_limit=90)
def appreciation_sweep_task() -> int:
    """Every organisation's appreciation sweep, each in its own task and tenant scope."""
    count = 0
    for organization_id in Organization.objects.order_by("pk").values_list("pk", flat=True).iterator():
        appreciation_organization_task.delay(organization_id)
        count += 1
    return count
