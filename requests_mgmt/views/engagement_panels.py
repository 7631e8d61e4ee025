"""The schedule, outcome and portal engagement panels, and what the staff and portal engagement
pages share.

The panels are built for pages of other views (the request page, the portal ask page) through the
tags in ``templatetags/engagement.py``: each builds its own context from the request or the ask
the including page already has.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from advocacy.tenancy import TenantRequest
from advocates.models import Advocate

from ..calendar import Method
from ..engagement_tasks import meeting_ics
from ..forms.engagement import (
    BriefingForm,
    CancelMeetingForm,
    CompleteForm,
    OutcomeForm,
    ProposeTimesForm,
    RatingForm,
    slot_value,
)
from ..models import AdvocacyRequest, Ask, RequestOutcome, TimeSlot
from ..services import completion, scheduling

ENGAGED = (Ask.Status.ACCEPTED, Ask.Status.COMPLETED)


def future_slots(ask: Ask) -> list[TimeSlot]:
    return list(TimeSlot.objects.filter(organization=ask.organization_id, ask=ask, starts_at__gt=timezone.now()))


@dataclass
class SlotView:
    slot: TimeSlot
    value: str
    chosen: bool
    past: bool


@dataclass
class EngagementRow:
    ask: Ask
    slots: list[SlotView]
    advocate_zone: str
    requester_zone: str
    forms: dict[str, forms.BaseForm] = field(default_factory=dict)


def _slot_views(ask: Ask, slots: list[TimeSlot]) -> list[SlotView]:
    now = timezone.now()
    return [
        SlotView(
            slot=slot, value=slot_value(slot.starts_at), chosen=slot.chosen_at is not None, past=slot.starts_at <= now
        )
        for slot in slots
    ]


def request_schedule(request: TenantRequest, advocacy_request: AdvocacyRequest) -> dict[str, Any]:
    """The schedule panel of a request page: the accepted and completed asks with their proposed
    times (in the viewer's zone and each party's), briefings, and the forms this member may use."""
    membership = request.membership
    organization = request.organization
    program_team = scheduling.is_program_team(membership)
    can_propose = scheduling.can_propose_times(membership, advocacy_request)
    asks = list(
        Ask.objects.filter(organization=organization, request=advocacy_request, status__in=ENGAGED)
        .select_related("advocate", "advocate__user", "activity")
        .prefetch_related("slots")
        .order_by("asked_at", "pk")
    )
    requester_zone = scheduling.member_time_zone(advocacy_request.requester, organization)
    rows = []
    for ask in asks:
        ask.organization = organization
        ask.advocate.organization = organization
        row = EngagementRow(
            ask=ask,
            slots=_slot_views(ask, list(ask.slots.all())),
            advocate_zone=scheduling.advocate_time_zone(ask.advocate),
            requester_zone=requester_zone,
        )
        if ask.status == Ask.Status.ACCEPTED:
            if can_propose:
                row.forms["propose"] = ProposeTimesForm(
                    prefix=f"p{ask.pk}", initial={"meeting_location": ask.meeting_location}
                )
            if program_team:
                row.forms["briefing"] = BriefingForm(instance=ask, prefix=f"b{ask.pk}")
                row.forms["complete"] = CompleteForm(prefix=f"c{ask.pk}")
                if ask.scheduled_start is not None:
                    row.forms["cancel"] = CancelMeetingForm(prefix=f"x{ask.pk}")
        rows.append(row)
    return {
        "rows": rows,
        "program_team": program_team,
        "is_requester": advocacy_request.requester_id == request.user.pk,
        "viewer_zone": timezone.get_current_timezone_name(),
    }


def request_outcome(request: TenantRequest, advocacy_request: AdvocacyRequest) -> dict[str, Any]:
    """The outcome panel: what came of the request, and the form for the requester (or the
    program team) once the work is done."""
    outcome = (
        RequestOutcome.objects.filter(organization=request.organization, request=advocacy_request)
        .select_related("recorded_by")
        .first()
    )
    form = None
    if advocacy_request.status in completion.OUTCOME_REQUEST_STATUSES and completion.can_record_outcome(
        request.membership, advocacy_request
    ):
        form = OutcomeForm(initial=OutcomeForm.initial_for(outcome))
    return {"outcome": outcome, "form": form}


def ask_engagement(request: TenantRequest, ask: Ask, advocate: Advocate, **forms_given: Any) -> dict[str, Any]:
    """The advocate's side of an ask in the portal: the times to pick from and the time chosen (in
    their zone), their briefing, and once it is done, the rating form and how it was used. Never
    the deal value, the prospect, or notes meant for the team."""
    ask.advocate = advocate
    slots = future_slots(ask) if ask.status == Ask.Status.ACCEPTED else []
    if ask.scheduled_start is not None:  # once a time is set, the others are offered as alternatives
        slots = [slot for slot in slots if slot.starts_at != ask.scheduled_start]
    usage = ""
    if ask.status == Ask.Status.COMPLETED:
        usage = (
            RequestOutcome.objects.filter(organization=ask.organization_id, request_id=ask.request_id)
            .values_list("usage", flat=True)
            .first()
            or ""
        )
    rating_form = forms_given.get("rating_form")
    if rating_form is None and ask.status == Ask.Status.COMPLETED:
        initial = {"rating": ask.advocate_rating, "comment": ask.advocate_comment} if ask.rated_at else {}
        rating_form = RatingForm(initial=initial)
    return {
        "ask": ask,
        "slots": _slot_views(ask, slots),
        "zone": scheduling.advocate_time_zone(advocate),
        "show_meeting": ask.status == Ask.Status.ACCEPTED
        and bool(ask.scheduled_start or slots or ask.advocate_briefing),
        "usage": usage,
        "rating_form": rating_form,
        "pick_error": forms_given.get("pick_error", ""),
        "next": request.get_full_path(),
    }


def meeting_invitation(ask: Ask, *, for_advocate: bool, language: str) -> HttpResponse:
    """The ask's meeting invitation as an .ics download, for adding it to a calendar by hand (409
    while no meeting is scheduled). Each side gets its own copy of the invitation."""
    if ask.status != Ask.Status.ACCEPTED or ask.scheduled_start is None:
        return HttpResponse(_("No meeting is scheduled."), status=409, content_type="text/plain; charset=utf-8")
    ics = meeting_ics(
        ask=ask, for_advocate=for_advocate, method=Method.REQUEST, sequence=ask.calendar_sequence,
        start=ask.scheduled_start, minutes=ask.scheduled_minutes, language=language,
    )  # fmt: skip
    response = HttpResponse(ics, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meeting-{ask.public_id}.ics"'
    return response
