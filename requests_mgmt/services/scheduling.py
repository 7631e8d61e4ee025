"""Scheduling and briefing: proposing times for an accepted ask, choosing one, and what each side
should know before the meeting.

Times are stored in UTC and shown to each person in their own zone: the advocate's stated zone (else
their account's, else the organisation's), a member's own zone (else the organisation's). The chosen
time becomes the ask's scheduled start and is sent to the advocate and the requester as a calendar
invitation; every later change (a new time, a new place or briefing, a cancellation) raises the
invitation's sequence, so calendars update the meeting they already hold.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from advocacy.audit import audit_log
from advocacy.errors import ConflictError, ValidationFailed
from advocacy.models import Membership, Organization, User
from advocacy.roles import Capability
from advocacy.tasks import enqueue_on_commit
from advocates.models import Advocate

from ..models import AdvocacyRequest, Ask, RequestStatus, TimeSlot
from .completion import is_campaign_request
from .requests import lock_request_of, request_transition

MAX_SLOTS_PER_PROPOSAL = 10
# How far ahead a time may be proposed: beyond it a typo (year 9999) would break every page and
# calendar file that shows the meeting in another time zone.
MAX_DAYS_AHEAD = 5 * 365
MIN_MINUTES, MAX_MINUTES = 5, 480
# Requests in which an accepted ask can still be (re)scheduled.
SCHEDULABLE_REQUEST_STATUSES = frozenset({RequestStatus.ACCEPTED, RequestStatus.SCHEDULED})
BRIEFING_FIELDS = ("advocate_briefing", "requester_briefing", "meeting_location")


# Time zones ----------------------------------------------------------------------------------------


def valid_zone(*names: str) -> str:
    """The first name that is a known IANA zone, else UTC."""
    for name in names:
        if not name:
            continue
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            continue
        return name
    return "UTC"


def advocate_time_zone(advocate: Advocate) -> str:
    user_zone = advocate.user.time_zone if advocate.user_id and advocate.user else ""
    return valid_zone(advocate.time_zone, user_zone, advocate.organization.time_zone)


def member_time_zone(user: User, organization: Organization) -> str:
    return valid_zone(user.time_zone, organization.time_zone)


# Who may do what -----------------------------------------------------------------------------------


def is_program_team(membership: Membership) -> bool:
    return membership.can(Capability.REQUESTS_TRIAGE)


def can_propose_times(membership: Membership, advocacy_request: AdvocacyRequest) -> bool:
    """The program team, or the person who asked for the help."""
    return is_program_team(membership) or (
        membership.can(Capability.REQUESTS) and advocacy_request.requester_id == membership.user_id
    )


# Workflows -----------------------------------------------------------------------------------------


def _lock(ask: Ask) -> Ask:
    lock_request_of(ask)
    return (
        Ask.objects.select_for_update(of=("self",))
        .select_related("request", "request__organization", "request__requester", "advocate", "advocate__user")
        .get(organization=ask.organization_id, pk=ask.pk)
    )


def check_schedulable(ask: Ask) -> None:
    """Refuses (409) to arrange times for an ask that is not accepted or a request past scheduling."""
    if ask.status != Ask.Status.ACCEPTED:
        raise ConflictError(
            _("Times are arranged once the advocate has accepted; this ask is “%(status)s”.")
            % {"status": ask.get_status_display()}
        )
    if not is_campaign_request(ask.request) and ask.request.status not in SCHEDULABLE_REQUEST_STATUSES:
        raise ConflictError(
            _("A request that is “%(status)s” cannot be scheduled.") % {"status": ask.request.get_status_display()}
        )


@transaction.atomic
def slots_propose(
    *,
    ask: Ask,
    actor: User,
    starts: list[datetime],
    duration_minutes: int,
    meeting_location: str | None = None,
    request: HttpRequest | None = None,
) -> list[TimeSlot]:
    """Proposes one or more times for an accepted ask; the advocate is asked to pick one."""
    locked = _lock(ask)
    check_schedulable(locked)
    now = timezone.now()
    errors: dict[str, list[str]] = {}
    if not starts:
        errors["starts"] = [_("Propose at least one time.")]
    elif len(starts) > MAX_SLOTS_PER_PROPOSAL:
        errors["starts"] = [_("Propose at most %(count)d times at once.") % {"count": MAX_SLOTS_PER_PROPOSAL}]
    elif any(timezone.is_naive(start) for start in starts):
        errors["starts"] = [_("Give each time with its time zone.")]
    elif any(start <= now for start in starts):
        errors["starts"] = [_("Propose times in the future.")]
    elif any(start > now + timedelta(days=MAX_DAYS_AHEAD) for start in starts):
        errors["starts"] = [_("Propose times within the next five years.")]
    elif len(set(starts)) != len(starts):
        errors["starts"] = [_("The same time is proposed twice.")]
    if not MIN_MINUTES <= duration_minutes <= MAX_MINUTES:
        errors["duration_minutes"] = [
            _("A meeting lasts from %(min)d to %(max)d minutes.") % {"min": MIN_MINUTES, "max": MAX_MINUTES}
        ]
    if errors:
        raise ValidationFailed(errors)
    already = set(
        TimeSlot.objects.filter(organization=locked.organization_id, ask=locked).values_list("starts_at", flat=True)
    )
    if any(start in already for start in starts):
        raise ValidationFailed({"starts": [_("One of these times is already proposed.")]})
    try:
        with transaction.atomic():
            slots = [
                TimeSlot.objects.create(
                    organization_id=locked.organization_id,
                    ask=locked,
                    starts_at=start,
                    duration_minutes=duration_minutes,
                    proposed_by=actor,
                )
                for start in sorted(starts)
            ]
    except IntegrityError:
        raise ValidationFailed({"starts": [_("One of these times is already proposed.")]}) from None
    if meeting_location is not None and meeting_location.strip() != locked.meeting_location:
        locked.meeting_location = meeting_location.strip()[:500]
        locked.save(update_fields=["meeting_location"])
    audit_log(
        organization=locked.request.organization,
        actor=actor,
        verb="ask.times_proposed",
        target=locked.request,
        data={
            "ask": str(locked.public_id),
            "times": [slot.starts_at.isoformat() for slot in slots],
            "minutes": duration_minutes,
        },
        request=request,
    )
    from ..engagement_tasks import send_meeting_times_task

    enqueue_on_commit(send_meeting_times_task, locked.organization_id, locked.pk, slots[-1].pk)
    return slots


@transaction.atomic
def slot_choose(*, ask: Ask, starts_at: datetime, actor: User, request: HttpRequest | None = None) -> Ask:
    """Chooses one of the proposed times. The request becomes "scheduled" and both sides receive a
    calendar invitation; choosing another time later sends an update. The program team may choose
    for the advocate: that is logged as done on their behalf."""
    locked = _lock(ask)
    check_schedulable(locked)
    slot = TimeSlot.objects.filter(organization=locked.organization_id, ask=locked, starts_at=starts_at).first()
    if slot is None:
        raise ValidationFailed({"starts_at": [_("Choose one of the proposed times.")]})
    if slot.starts_at <= timezone.now():
        raise ValidationFailed({"starts_at": [_("This time has passed; choose another or propose new times.")]})
    if locked.scheduled_start == slot.starts_at and locked.scheduled_minutes == slot.duration_minutes:
        return locked
    rescheduled = locked.scheduled_start is not None
    if rescheduled or locked.calendar_sequence > 0:
        locked.calendar_sequence += 1
    now = timezone.now()
    TimeSlot.objects.filter(organization=locked.organization_id, ask=locked).exclude(pk=slot.pk).update(chosen_at=None)
    slot.chosen_at = now
    slot.save(update_fields=["chosen_at"])
    previous = locked.scheduled_start
    locked.scheduled_start = slot.starts_at
    locked.scheduled_minutes = slot.duration_minutes
    locked.save(update_fields=["scheduled_start", "scheduled_minutes", "calendar_sequence"])
    on_behalf = locked.advocate.user_id is None or locked.advocate.user_id != actor.pk
    audit_log(
        organization=locked.request.organization,
        actor=actor,
        verb="ask.rescheduled" if rescheduled else "ask.scheduled",
        target=locked.request,
        data={
            "ask": str(locked.public_id),
            "starts_at": slot.starts_at.isoformat(),
            "previous": previous.isoformat() if previous else None,
            "minutes": slot.duration_minutes,
            "on_behalf_of_advocate": on_behalf,
            "sequence": locked.calendar_sequence,
        },
        request=request,
    )
    if not is_campaign_request(locked.request) and locked.request.status == RequestStatus.ACCEPTED:
        request_transition(
            advocacy_request=locked.request,
            to_status=RequestStatus.SCHEDULED,
            actor=actor,
            request=request,
        )
    _send_invitations(locked)
    return locked


@transaction.atomic
def briefing_update(*, ask: Ask, actor: User, data: dict[str, Any], request: HttpRequest | None = None) -> Ask:
    """The program team's notes: one for the advocate (shown in the portal and their invitation),
    one for the requester (staff only), and where the meeting takes place. A change after the time
    was chosen is sent to both sides as an update of the invitation."""
    locked = _lock(ask)
    if locked.status != Ask.Status.ACCEPTED:
        raise ConflictError(
            _("Briefings are written for an accepted ask; this one is “%(status)s”.")
            % {"status": locked.get_status_display()}
        )
    limits = {"advocate_briefing": 4000, "requester_briefing": 4000, "meeting_location": 500}
    errors: dict[str, list[str]] = {}
    values: dict[str, str] = {}
    for name in BRIEFING_FIELDS:
        if name not in data:
            continue
        value = (data[name] or "").strip()
        if len(value) > limits[name]:
            errors[name] = [_("Keep it under %(count)d characters.") % {"count": limits[name]}]
        values[name] = value
    if errors:
        raise ValidationFailed(errors)
    changed = [name for name, value in values.items() if getattr(locked, name) != value]
    if not changed:
        return locked
    for name in changed:
        setattr(locked, name, values[name])
    update_fields = list(changed)
    if locked.scheduled_start is not None:
        locked.calendar_sequence += 1
        update_fields.append("calendar_sequence")
    locked.save(update_fields=update_fields)
    audit_log(
        organization=locked.request.organization,
        actor=actor,
        verb="ask.briefing_updated",
        target=locked.request,
        data={"ask": str(locked.public_id), "changed": changed},
        request=request,
    )
    if locked.scheduled_start is not None:
        _send_invitations(locked)
    return locked


@transaction.atomic
def meeting_cancel(*, ask: Ask, actor: User, reason: str, request: HttpRequest | None = None) -> Ask:
    """Calls off the chosen time (the advocate cannot make it after all): both sides receive a
    cancellation of the invitation, and new times can be proposed and chosen."""
    locked = _lock(ask)
    if locked.status != Ask.Status.ACCEPTED or locked.scheduled_start is None:
        raise ConflictError(_("There is no upcoming meeting to call off."))
    reason = reason.strip()
    if not reason:
        raise ValidationFailed({"reason": [_("Say why; both sides read it.")]})
    if len(reason) > 1000:
        raise ValidationFailed({"reason": [_("Keep it under %(count)d characters.") % {"count": 1000}]})
    start, minutes = locked.scheduled_start, locked.scheduled_minutes
    locked.calendar_sequence += 1
    locked.scheduled_start = None
    locked.save(update_fields=["scheduled_start", "calendar_sequence"])
    TimeSlot.objects.filter(organization=locked.organization_id, ask=locked).update(chosen_at=None)
    audit_log(
        organization=locked.request.organization,
        actor=actor,
        verb="ask.meeting_cancelled",
        target=locked.request,
        data={"ask": str(locked.public_id), "starts_at": start.isoformat(), "reason": reason},
        request=request,
    )
    from ..engagement_tasks import send_meeting_cancellation_task

    enqueue_on_commit(
        send_meeting_cancellation_task,
        locked.organization_id,
        locked.pk,
        locked.calendar_sequence,
        start.isoformat(),
        minutes,
        reason,
    )
    return locked


def _send_invitations(ask: Ask) -> None:
    from ..engagement_tasks import send_meeting_invitation_task

    enqueue_on_commit(send_meeting_invitation_task, ask.organization_id, ask.pk, ask.calendar_sequence)
