"""Messages of scheduling and feedback: the times to pick from, the calendar invitation (and its
updates and cancellation) for the advocate and the requester, and the note telling an advocate how
their contribution was used.

Each message is rendered in its recipient's language and time zone and carries a dedupe key naming
the version it belongs to (the invitation's sequence, the usage text's change), so a task run twice
sends once, and a task overtaken by a newer change sends nothing.
"""

from __future__ import annotations

import smtplib
from datetime import datetime, timedelta
from typing import Any

from celery import Task, shared_task
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from advocacy.messaging import Attachment, recipient_language, send_message
from advocacy.models import Organization, OutboundMessage, User
from advocacy.tasks import TenantTask
from advocates.models import Advocate

from .calendar import Invitation, Method, Person, ask_uid, build_invitation, organizer_for
from .models import Ask, RequestOutcome, TimeSlot
from .services.completion import usage_digest
from .services.scheduling import advocate_time_zone, member_time_zone

TRANSIENT_ERRORS = (OSError, smtplib.SMTPException)


def portal_engagement_url(ask: Ask) -> str:
    """The ask's page in the advocate's portal, where times are picked and the experience rated."""
    return settings.SITE_URL + reverse(
        "outreach:portal-ask", kwargs={"org_slug": ask.organization.slug, "public_id": ask.public_id}
    )


def request_url(ask: Ask) -> str:
    return settings.SITE_URL + reverse(
        "requests_mgmt:request-detail", kwargs={"org_slug": ask.organization.slug, "public_id": ask.request.public_id}
    )


def _ask(organization: Organization, ask_id: int) -> Ask | None:
    return (
        Ask.objects.select_related(
            "organization", "request", "request__requester", "advocate", "advocate__user", "advocate__account"
        )
        .filter(organization=organization, pk=ask_id)
        .first()
    )


def _advocate_language(advocate: Advocate) -> str:
    codes = advocate.language_codes
    return codes[0] if codes else ""


def meeting_ics(
    *, ask: Ask, for_advocate: bool, method: str, sequence: int, start: datetime, minutes: int, language: str
) -> str:
    """The invitation as one side sees it: the same event (UID, sequence, time) for both, each with
    their own summary and briefing. The advocate's copy names neither the prospect nor the deal."""
    advocacy_request = ask.request
    requester = advocacy_request.requester
    with override(language):
        kind = advocacy_request.get_request_type_display()
        if for_advocate:
            summary = _("%(kind)s · %(organization)s") % {"kind": kind, "organization": ask.organization.name}
            briefing = ask.advocate_briefing
            url = portal_engagement_url(ask)
        else:
            summary = _("%(kind)s with %(name)s") % {"kind": kind, "name": ask.advocate.full_name}
            briefing = ask.requester_briefing
            url = request_url(ask)
    invitation = Invitation(
        uid=ask_uid(ask.public_id),
        sequence=sequence,
        method=method,
        start=start,
        end=start + timedelta(minutes=minutes),
        summary=str(summary),
        organizer=organizer_for(ask.organization.name),
        attendees=[
            Person(email=ask.advocate.email, name=ask.advocate.full_name),
            Person(email=requester.email, name=requester.display_name),
        ],
        description=briefing,
        location=ask.meeting_location,
        url=url,
    )
    return build_invitation(invitation)


def _send_meeting_message(
    *,
    ask: Ask,
    for_advocate: bool,
    method: str,
    sequence: int,
    start: datetime,
    minutes: int,
    reason: str = "",
) -> OutboundMessage:
    organization = ask.organization
    advocate = ask.advocate
    requester: User = ask.request.requester
    if for_advocate:
        user = advocate.user
        zone = advocate_time_zone(advocate)
        fallback_language = _advocate_language(advocate)
        to_email = advocate.email
    else:
        user = requester
        zone = member_time_zone(requester, organization)
        fallback_language = ""
        to_email = requester.email
    language = recipient_language(organization=organization, user=user, language=fallback_language)
    ics = meeting_ics(
        ask=ask, for_advocate=for_advocate, method=method, sequence=sequence, start=start, minutes=minutes,
        language=language,
    )  # fmt: skip
    cancelled = method == Method.CANCEL
    template = "meeting_cancelled" if cancelled else "meeting_invitation"
    return send_message(
        organization=organization,
        to_email=to_email,
        user=user,
        advocate=advocate if for_advocate else None,
        language=fallback_language or None,
        template=template,
        context={
            "ask": ask,
            "advocate": advocate,
            "advocacy_request": ask.request,
            "for_advocate": for_advocate,
            "starts_at": start,
            "ends_at": start + timedelta(minutes=minutes),
            "minutes": minutes,
            "time_zone": zone,
            "briefing": ask.advocate_briefing if for_advocate else ask.requester_briefing,
            "location": ask.meeting_location,
            "update": sequence > 0 and not cancelled,
            "reason": reason,
            "url": portal_engagement_url(ask) if for_advocate else request_url(ask),
        },
        purpose=OutboundMessage.Purpose.MEETING,
        related=ask,
        dedupe_key=f"meeting:{ask.public_id}:{sequence}:{'advocate' if for_advocate else 'requester'}",
        attachments=[Attachment("invite.ics", ics, "text/calendar")],
    )


def _send_both(task: Task, ask: Ask, **kwargs: Any) -> int:
    sent = 0
    try:
        for for_advocate in (True, False):
            message = _send_meeting_message(ask=ask, for_advocate=for_advocate, **kwargs)
            sent += message.status == OutboundMessage.Status.SENT
    except TRANSIENT_ERRORS as exc:
        raise task.retry(exc=exc, countdown=60) from exc
    return sent


@shared_task(base=TenantTask, bind=True, max_retries=3, soft_time_limit=60, time_limit=90)
def send_meeting_invitation_task(self: Task, organization: Organization, ask_id: int, sequence: int) -> int:
    """The calendar invitation (or its update) to the advocate and the requester. A task overtaken
    by a newer change sends nothing: the newer one carries the current details."""
    ask = _ask(organization, ask_id)
    if ask is None or ask.status != Ask.Status.ACCEPTED or ask.scheduled_start is None:
        return 0
    if ask.calendar_sequence != sequence:
        return 0
    return _send_both(
        self, ask, method=Method.REQUEST, sequence=sequence, start=ask.scheduled_start, minutes=ask.scheduled_minutes
    )


@shared_task(base=TenantTask, bind=True, max_retries=3, soft_time_limit=60, time_limit=90)
def send_meeting_cancellation_task(
    self: Task, organization: Organization, ask_id: int, sequence: int, start: str, minutes: int, reason: str
) -> int:
    """The cancellation of a chosen time, to both sides, with the reason given."""
    ask = _ask(organization, ask_id)
    if ask is None:
        return 0
    return _send_both(
        self,
        ask,
        method=Method.CANCEL,
        sequence=sequence,
        start=datetime.fromisoformat(start),
        minutes=minutes,
        reason=reason,
    )


@shared_task(base=TenantTask, bind=True, max_retries=3, soft_time_limit=60, time_limit=90)
def send_meeting_times_task(self: Task, organization: Organization, ask_id: int, last_slot_id: int) -> bool:
    """Asks the advocate to pick one of the proposed times, each shown in their own time zone."""
    ask = _ask(organization, ask_id)
    if ask is None or ask.status != Ask.Status.ACCEPTED:
        return False
    slots = list(
        TimeSlot.objects.filter(organization=organization, ask=ask, starts_at__gt=timezone.now()).order_by("starts_at")
    )
    if not slots:
        return False
    advocate = ask.advocate
    try:
        message = send_message(
            organization=organization,
            to_email=advocate.email,
            advocate=advocate,
            language=_advocate_language(advocate) or None,
            template="meeting_times",
            context={
                "ask": ask,
                "advocate": advocate,
                "advocacy_request": ask.request,
                "slots": slots,
                "time_zone": advocate_time_zone(advocate),
                "url": portal_engagement_url(ask),
            },
            purpose=OutboundMessage.Purpose.MEETING,
            related=ask,
            dedupe_key=f"meeting-times:{ask.public_id}:{last_slot_id}",
        )
    except TRANSIENT_ERRORS as exc:
        raise self.retry(exc=exc, countdown=60) from exc
    return message.status == OutboundMessage.Status.SENT


@shared_task(base=TenantTask, bind=True, max_retries=3, soft_time_limit=60, time_limit=90)
def send_contribution_used_task(
    self: Task, organization: Organization, outcome_id: int, digest: str, changed_at: str
) -> int:
    """Tells each advocate who did the work how their contribution was used: once per change of
    the text. A notice queued for a text that has changed since is not sent."""
    outcome = RequestOutcome.objects.select_related("request").filter(organization=organization, pk=outcome_id).first()
    if outcome is None or not outcome.usage or usage_digest(outcome.usage) != digest:
        return 0
    asks = (
        Ask.objects.filter(organization=organization, request=outcome.request, status=Ask.Status.COMPLETED)
        .select_related("organization", "request", "advocate", "advocate__user")
        .order_by("pk")
    )
    sent = 0
    try:
        for ask in asks:
            advocate = ask.advocate
            if advocate.anonymised_at is not None:
                continue
            message = send_message(
                organization=organization,
                to_email=advocate.email,
                advocate=advocate,
                language=_advocate_language(advocate) or None,
                template="contribution_used",
                context={
                    "ask": ask,
                    "advocate": advocate,
                    "advocacy_request": outcome.request,
                    "usage": outcome.usage,
                    "url": portal_engagement_url(ask),
                },
                purpose=OutboundMessage.Purpose.CONTRIBUTION_USED,
                related=ask,
                dedupe_key=f"contribution-used:{ask.public_id}:{changed_at}",
            )
            sent += message.status == OutboundMessage.Status.SENT
    except TRANSIENT_ERRORS as exc:
        raise self.retry(exc=exc, countdown=60) from exc
    RequestOutcome.objects.filter(organization=organization, pk=outcome.pk, usage_shared_at__isnull=True).update(
        usage_shared_at=timezone.now()
    )
    return sent
