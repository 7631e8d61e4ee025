"""Completion and feedback: marking an ask done (the activity goes into the ledger at once, so the
advocate's capacity reflects it), the requester's outcome (which closes the request), how the
contribution was used (which the advocate is told), and the advocate's own rating.

A campaign ask stands on its own: completing it records the advocate's activity, but the campaign's
request does not move, since many advocates answer the same campaign.
"""

from __future__ import annotations

import hashlib
import zoneinfo
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from advocacy.audit import audit_log
from advocacy.errors import ConflictError, ValidationFailed
from advocacy.models import Membership, User
from advocacy.roles import Capability
from advocacy.tasks import enqueue_on_commit
from advocates.models import Activity, ActivityType
from advocates.services.activities import activity_record

from ..matching import activity_type_for
from ..models import TRANSITIONS, AdvocacyRequest, Ask, DealResult, RequestOutcome, RequestStatus
from .requests import lock_request_of, request_transition

# Request statuses in which the work an ask stands for can be marked done. "completed" covers a
# second advocate finishing after the first already completed the request.
COMPLETABLE_REQUEST_STATUSES = frozenset({RequestStatus.ACCEPTED, RequestStatus.SCHEDULED, RequestStatus.COMPLETED})
# The outcome is recorded once the work is done; it can still be corrected after the request closed.
OUTCOME_REQUEST_STATUSES = frozenset({RequestStatus.COMPLETED, RequestStatus.CLOSED})


def is_campaign_request(advocacy_request: AdvocacyRequest) -> bool:
    return hasattr(advocacy_request, "campaign")


def can_record_outcome(membership: Membership, advocacy_request: AdvocacyRequest) -> bool:
    """The requester reports what came of their request; the program team may do it for them."""
    return membership.can(Capability.REQUESTS_TRIAGE) or (
        membership.can(Capability.REQUESTS) and advocacy_request.requester_id == membership.user_id
    )


def _lock_ask(ask: Ask) -> Ask:
    lock_request_of(ask)
    return (
        Ask.objects.select_for_update(of=("self",))
        .select_related("request", "request__organization", "advocate")
        .get(organization=ask.organization_id, pk=ask.pk)
    )


def default_occurred_on(ask: Ask) -> date:
    """The scheduled day in the organisation's time zone, unless it is still ahead; else today."""
    today = timezone.localdate()
    if ask.scheduled_start is None:
        return today
    try:
        zone = zoneinfo.ZoneInfo(ask.organization.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    scheduled_day = timezone.localtime(ask.scheduled_start, zone).date()
    return scheduled_day if scheduled_day <= today else today


def _complete_request(advocacy_request: AdvocacyRequest, *, actor: User | None, request: HttpRequest | None) -> None:
    """Moves the request to "completed". Work without a meeting (a testimonial, a review) may be
    done straight from "accepted": where the workflow has no direct step, it passes through
    "scheduled" first, so the history stays a valid path."""
    if advocacy_request.status == RequestStatus.COMPLETED:
        return
    if advocacy_request.status == RequestStatus.ACCEPTED and RequestStatus.COMPLETED not in TRANSITIONS.get(
        RequestStatus.ACCEPTED, frozenset()
    ):
        advocacy_request = request_transition(
            advocacy_request=advocacy_request,
            to_status=RequestStatus.SCHEDULED,
            actor=actor,
            request=request,
        )
    request_transition(
        advocacy_request=advocacy_request, to_status=RequestStatus.COMPLETED, actor=actor, request=request
    )


@transaction.atomic
def ask_complete(
    *,
    ask: Ask,
    actor: User | None,
    occurred_on: date | None = None,
    minutes: int | None = None,
    note: str = "",
    request: HttpRequest | None = None,
) -> Ask:
    """Records that the advocate did what they were asked: one completed activity in the ledger,
    linked to the request, and the ask marked completed (it stops holding capacity as an open ask
    in the same transaction, so the advocate is never counted twice). The request moves to
    "completed", except for a campaign's request.

    ``occurred_on`` defaults to the scheduled day, or today; ``minutes`` to the scheduled length."""
    locked = _lock_ask(ask)
    advocacy_request = AdvocacyRequest.objects.select_for_update(of=("self",)).get(
        organization=locked.organization_id, pk=locked.request_id
    )
    campaign = is_campaign_request(advocacy_request)
    if locked.status == Ask.Status.COMPLETED:
        raise ConflictError(_("This has already been marked as done."))
    # A campaign ask may be answered by doing it (posting the review is the yes).
    allowed = (Ask.Status.ACCEPTED, Ask.Status.PENDING) if campaign else (Ask.Status.ACCEPTED,)
    if locked.status not in allowed:
        raise ConflictError(
            _("Only an accepted ask can be marked as done; this one is “%(status)s”.")
            % {"status": locked.get_status_display()}
        )
    if not campaign and advocacy_request.status not in COMPLETABLE_REQUEST_STATUSES:
        raise ConflictError(
            _("A request that is “%(status)s” cannot be marked as done.")
            % {"status": advocacy_request.get_status_display()}
        )
    if minutes is not None and not 1 <= minutes <= 24 * 60:
        raise ValidationFailed({"minutes": [_("Enter the time it took, in minutes (1 to 1440).")]})
    try:
        activity_type = activity_type_for(advocacy_request)
    except ActivityType.DoesNotExist:
        raise ConflictError(
            _("This organisation has no activity type for “%(type)s”; add it in the program settings first.")
            % {"type": advocacy_request.get_request_type_display()}
        ) from None
    if minutes is None and locked.scheduled_start is not None:
        minutes = locked.scheduled_minutes
    activity = activity_record(
        organization=advocacy_request.organization,
        actor=actor,
        data={
            "advocate": locked.advocate,
            "activity_type": activity_type,
            "occurred_on": occurred_on or default_occurred_on(locked),
            "minutes": minutes,
            "status": Activity.Status.COMPLETED,
            "outcome": note.strip()[:2000],
            "request": advocacy_request,
            "crm_opportunity_id": advocacy_request.crm_opportunity_id,
        },
        request=request,
    )
    now = timezone.now()
    locked.activity = activity
    locked.completed_at = now
    if locked.status == Ask.Status.PENDING:
        locked.responded_at = now
    locked.status = Ask.Status.COMPLETED
    locked.save(update_fields=["activity", "completed_at", "responded_at", "status"])
    audit_log(
        organization=advocacy_request.organization,
        actor=actor,
        verb="ask.completed",
        target=advocacy_request,
        data={
            "ask": str(locked.public_id),
            "advocate": str(locked.advocate.public_id),
            "activity": str(activity.public_id),
            "occurred_on": activity.occurred_on.isoformat(),
        },
        request=request,
    )
    if not campaign:
        _complete_request(advocacy_request, actor=actor, request=request)
    return locked


# Outcome -------------------------------------------------------------------------------------------

OUTCOME_FIELDS = ("call_held", "deal_result", "deal_value", "usage")


def usage_digest(usage: str) -> str:
    """Names one version of the usage text, so a notice queued for an older text is not sent."""
    return hashlib.sha256(usage.encode()).hexdigest()[:16]


@transaction.atomic
def outcome_record(
    *, advocacy_request: AdvocacyRequest, actor: User, data: dict[str, Any], request: HttpRequest | None = None
) -> RequestOutcome:
    """Records (or corrects) what came of a request. On a completed request this closes it: the
    requester then sees it closed with its outcome. A new or changed "how the contribution was
    used" is sent to every advocate who completed the work, once per change."""
    organization = advocacy_request.organization
    locked = AdvocacyRequest.objects.select_for_update(of=("self",)).get(
        organization=organization, pk=advocacy_request.pk
    )
    if locked.status not in OUTCOME_REQUEST_STATUSES:
        raise ConflictError(
            _("The outcome is recorded once the work is done; this request is “%(status)s”.")
            % {"status": locked.get_status_display()}
        )
    errors: dict[str, list[str]] = {}
    deal_result = data.get("deal_result", "") or ""
    if deal_result and deal_result not in DealResult.values:
        errors["deal_result"] = [_("Choose won, lost or still open.")]
    deal_value = data.get("deal_value")
    if deal_value is not None and Decimal(deal_value) < 0:
        errors["deal_value"] = [_("The deal value cannot be negative.")]
    usage = (data.get("usage") or "").strip()
    if len(usage) > 4000:
        errors["usage"] = [_("Keep it under 4,000 characters.")]
    if errors:
        raise ValidationFailed(errors)
    outcome = RequestOutcome.objects.select_for_update().filter(organization=organization, request=locked).first()
    created = outcome is None
    if outcome is None:
        outcome = RequestOutcome(organization=organization, request=locked)
    previous_usage = outcome.usage
    values = {"call_held": data.get("call_held"), "deal_result": deal_result, "deal_value": deal_value, "usage": usage}
    changed = [field for field, value in values.items() if created or getattr(outcome, field) != value]
    for field, value in values.items():
        setattr(outcome, field, value)
    outcome.recorded_by = actor
    usage_changed = bool(usage) and usage != previous_usage
    if usage_changed:
        outcome.usage_shared_at = None
    outcome.save()
    if changed:
        audit_log(
            organization=organization,
            actor=actor,
            verb="request.outcome_recorded",
            target=locked,
            data={
                "call_held": outcome.call_held,
                "deal_result": outcome.deal_result,
                "deal_value": str(outcome.deal_value) if outcome.deal_value is not None else None,
                "usage_changed": usage_changed,
            },
            request=request,
        )
    if locked.status == RequestStatus.COMPLETED:
        request_transition(
            advocacy_request=locked,
            to_status=RequestStatus.CLOSED,
            actor=actor,
            request=request,
        )
    if usage_changed:
        from ..engagement_tasks import send_contribution_used_task

        enqueue_on_commit(
            send_contribution_used_task,
            organization.pk,
            outcome.pk,
            usage_digest(usage),
            outcome.updated_at.isoformat(),
        )
    return outcome


# Rating --------------------------------------------------------------------------------------------


@transaction.atomic
def ask_rate(
    *, ask: Ask, actor: User | None, rating: int, comment: str = "", request: HttpRequest | None = None
) -> Ask:
    """The advocate says how it went for them (1 to 5, with an optional comment), once the work is
    done. They may change their answer; the program team sees it on the request."""
    locked = _lock_ask(ask)
    if locked.status != Ask.Status.COMPLETED:
        raise ConflictError(_("You can rate this once it is done."))
    errors: dict[str, list[str]] = {}
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        errors["rating"] = [_("Choose from 1 to 5.")]
    comment = comment.strip()
    if len(comment) > 2000:
        errors["comment"] = [_("Keep it under 2,000 characters.")]
    if errors:
        raise ValidationFailed(errors)
    first = locked.rated_at is None
    locked.advocate_rating = rating
    locked.advocate_comment = comment
    locked.rated_at = timezone.now()
    locked.save(update_fields=["advocate_rating", "advocate_comment", "rated_at"])
    audit_log(
        organization=locked.request.organization,
        actor=actor,
        verb="ask.rated" if first else "ask.rating_changed",
        target=locked.request,
        data={"ask": str(locked.public_id), "rating": rating},
        request=request,
    )
    return locked
