"""Outreach: asking an advocate to help with a request, and their answer.

The rules are checked again at the moment of asking, under a lock on the advocate's row, so two
program managers inviting the same person for two requests at the same moment cannot both spend
their last free slot. A program manager may override a soft rule (the cooldown since the last
ask, the advocate's own limits, their blackout dates) with a written reason, which is logged; the
yearly cap, the activity's own limits, consent, account health and status are never overridden.

An ask waits for an answer for the organisation's ``ask_answer_days``. A periodic sweep sends one
reminder halfway through and expires what is still unanswered at the end; every ask that ends
without a yes leaves the program team a note to pick the next candidate.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core import signing
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from advocacy.audit import audit_log
from advocacy.errors import ConflictError, ValidationFailed
from advocacy.models import Organization, User
from advocacy.tasks import enqueue_on_commit
from advocates.models import Advocate, ProgramPolicy

from ..matching import why_not
from ..models import AdvocacyRequest, Ask, RequestStatus
from .requests import lock_request_of, request_transition

SOFT_RULES = frozenset({"cooldown", "own_interval", "willing", "blackout"})
ANSWER_LINK_SALT = "requests_mgmt.ask.answer"
# An answer link outlives the ask's own deadline a little, so a late click gets a clear page
# ("this invitation has expired") rather than "this link is broken".
ANSWER_LINK_MAX_AGE = timedelta(days=90)


@transaction.atomic
def ask_create(
    *,
    advocacy_request: AdvocacyRequest,
    advocate: Advocate,
    actor: User,
    message: str,
    override_reason: str = "",
    request: HttpRequest | None = None,
) -> Ask:
    organization = advocacy_request.organization
    if advocate.organization_id != organization.pk:
        raise ValidationFailed({"advocate": [_("No such advocate in this organisation.")]})
    locked_request = AdvocacyRequest.objects.select_for_update(of=("self",)).get(
        organization=organization, pk=advocacy_request.pk
    )
    if locked_request.status not in (RequestStatus.MATCHING, RequestStatus.OUTREACH):
        raise ConflictError(_("Advocates are asked while a request is being matched or in outreach."))
    # The lock makes concurrent asks for this advocate wait for each other; the rules are then
    # evaluated on what the first one committed.
    Advocate.objects.select_for_update().filter(organization=organization, pk=advocate.pk).get()
    reasons = why_not(advocacy_request=locked_request, advocate=advocate)
    hard = [reason for reason in reasons if reason.key not in SOFT_RULES]
    if hard:
        raise ConflictError(" ".join(reason.message for reason in hard))
    soft = [reason for reason in reasons if reason.key in SOFT_RULES]
    override_reason = override_reason.strip()
    if soft and not override_reason:
        raise ValidationFailed(
            {
                "override_reason": [
                    _("%(rules)s Say why they should be asked anyway; the reason is logged.")
                    % {"rules": " ".join(reason.message for reason in soft)}
                ]
            }
        )
    if not message.strip():
        raise ValidationFailed({"message": [_("Write a personal message with the request's specifics.")]})
    now = timezone.now()
    policy = ProgramPolicy.for_organization(organization)
    ask = Ask.objects.create(
        organization=organization,
        request=locked_request,
        advocate=advocate,
        message=message.strip(),
        override_reason=override_reason if soft else "",
        asked_by=actor,
        asked_at=now,
        expires_at=now + timedelta(days=policy.ask_answer_days),
    )
    audit_log(
        organization=organization,
        actor=actor,
        verb="request.advocate_asked",
        target=locked_request,
        data={
            "advocate": str(advocate.public_id),
            "ask": str(ask.public_id),
            "overridden": [reason.key for reason in soft],
            "override_reason": ask.override_reason,
        },
        request=request,
    )
    if locked_request.status == RequestStatus.MATCHING:
        request_transition(
            advocacy_request=locked_request, to_status=RequestStatus.OUTREACH, actor=actor, request=request
        )
    from ..tasks import send_ask_invitation_task

    enqueue_on_commit(send_ask_invitation_task, organization.pk, ask.pk)
    return ask


def reminder_due_at(ask: Ask) -> datetime | None:
    """Halfway between the ask and its deadline."""
    if ask.expires_at is None:
        return None
    return ask.asked_at + (ask.expires_at - ask.asked_at) / 2


# Signed answer links ------------------------------------------------------------------------------


def answer_token(ask: Ask) -> str:
    """A signed token naming the organisation and the ask. It lets the advocate answer from the
    email without signing in; it is only good while the ask waits for an answer."""
    return signing.dumps({"o": ask.organization_id, "k": str(ask.public_id)}, salt=ANSWER_LINK_SALT)


def read_answer_token(token: str) -> tuple[int, str] | None:
    """(organisation id, ask public id), or None for a tampered, malformed or very old token."""
    try:
        payload = signing.loads(token, salt=ANSWER_LINK_SALT, max_age=ANSWER_LINK_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("o"), int) or not isinstance(payload.get("k"), str):
        return None
    return payload["o"], payload["k"]


# Answers -----------------------------------------------------------------------------------------


def _lock_pending(ask: Ask) -> Ask:
    lock_request_of(ask)
    locked = (
        Ask.objects.select_for_update(of=("self",))
        .select_related("request", "advocate")
        .get(organization=ask.organization_id, pk=ask.pk)
    )
    if locked.status == Ask.Status.PENDING and locked.expires_at is not None and locked.expires_at <= timezone.now():
        raise ConflictError(_("This invitation has expired; the program team has been told."))
    if locked.status != Ask.Status.PENDING:
        raise ConflictError(
            _("This invitation was already answered or closed: it is “%(status)s”.")
            % {"status": locked.get_status_display()}
        )
    return locked


def _is_campaign(advocacy_request: AdvocacyRequest) -> bool:
    return hasattr(advocacy_request, "campaign")


@transaction.atomic
def ask_accept(*, ask: Ask, actor: User | None, via: str, request: HttpRequest | None = None) -> Ask:
    """The advocate says yes. The request moves to "accepted" (the requester is told and can now see
    who will help); other advocates still waiting on the same request are released, since one
    yes covers it. Campaign asks stand on their own: each advocate's answer is tracked, nothing
    else moves."""
    locked = _lock_pending(ask)
    now = timezone.now()
    locked.status = Ask.Status.ACCEPTED
    locked.responded_at = now
    locked.save(update_fields=["status", "responded_at"])
    organization = locked.request.organization
    audit_log(
        organization=organization,
        actor=actor,
        verb="ask.accepted",
        target=locked.request,
        data={"ask": str(locked.public_id), "advocate": str(locked.advocate.public_id), "via": via},
        request=request,
    )
    if _is_campaign(locked.request):
        return locked
    advocacy_request = AdvocacyRequest.objects.select_for_update(of=("self",)).get(
        organization=organization, pk=locked.request_id
    )
    others = Ask.objects.filter(organization=organization, request=advocacy_request, status=Ask.Status.PENDING).exclude(
        pk=locked.pk
    )
    for other in others.select_related("advocate"):
        _withdraw(other, actor=None, note=_("Another advocate accepted."), request=request)
    if advocacy_request.status == RequestStatus.MATCHING:
        # Moved back to matching by hand while this ask was still waiting: the yes still counts,
        # and the request must reach "accepted" or it could never be scheduled.
        advocacy_request = request_transition(
            advocacy_request=advocacy_request, to_status=RequestStatus.OUTREACH, actor=actor, request=request
        )
    if advocacy_request.can_transition_to(RequestStatus.ACCEPTED):
        request_transition(
            advocacy_request=advocacy_request,
            to_status=RequestStatus.ACCEPTED,
            actor=actor,
            request=request,
        )
    return locked


@transaction.atomic
def ask_decline(*, ask: Ask, actor: User | None, reason: str = "", via: str, request: HttpRequest | None = None) -> Ask:
    """The advocate says no, with a reason if they want to give one. Declining never counts
    against them; the program team is told to pick the next candidate."""
    locked = _lock_pending(ask)
    locked.status = Ask.Status.DECLINED
    locked.responded_at = timezone.now()
    locked.decline_reason = reason.strip()[:500]
    locked.save(update_fields=["status", "responded_at", "decline_reason"])
    audit_log(
        organization=locked.request.organization,
        actor=actor,
        verb="ask.declined",
        target=locked.request,
        data={"ask": str(locked.public_id), "advocate": str(locked.advocate.public_id), "via": via},
        request=request,
    )
    _after_ask_ended(locked, actor=actor, request=request)
    return locked


@transaction.atomic
def ask_withdraw(*, ask: Ask, actor: User, reason: str, request: HttpRequest | None = None) -> Ask:
    """The program team takes back an ask still waiting for an answer (the need changed, the
    wrong person was asked). The advocate's capacity is free again at once."""
    if not reason.strip():
        raise ValidationFailed({"reason": [_("Say why the ask is withdrawn; it is logged.")]})
    locked = _lock_pending(ask)
    _withdraw(locked, actor=actor, note=reason.strip(), request=request)
    _after_ask_ended(locked, actor=actor, request=request)
    return locked


def _withdraw(ask: Ask, *, actor: User | None, note: str, request: HttpRequest | None) -> None:
    ask.status = Ask.Status.WITHDRAWN
    ask.responded_at = timezone.now()
    ask.save(update_fields=["status", "responded_at"])
    audit_log(
        organization=ask.request.organization,
        actor=actor,
        verb="ask.withdrawn",
        target=ask.request,
        data={"ask": str(ask.public_id), "advocate": str(ask.advocate.public_id), "note": note},
        request=request,
    )


def _after_ask_ended(ask: Ask, *, actor: User | None, request: HttpRequest | None) -> None:
    """An ask ended without a yes. When nobody else is waiting or has accepted, a request in
    outreach goes back to matching, and the person who asked is told to pick the next candidate."""
    if _is_campaign(ask.request):
        return
    organization = ask.request.organization
    advocacy_request = AdvocacyRequest.objects.select_for_update(of=("self",)).get(
        organization=organization, pk=ask.request_id
    )
    still_open = Ask.objects.filter(
        organization=organization, request=advocacy_request, status__in=Ask.COUNTING_STATUSES
    ).exists()
    if still_open or not advocacy_request.is_open:
        return
    if advocacy_request.status == RequestStatus.OUTREACH:
        request_transition(
            advocacy_request=advocacy_request,
            to_status=RequestStatus.MATCHING,
            actor=actor,
            request=request,
        )
    from ..tasks import send_next_candidate_prompt_task

    enqueue_on_commit(send_next_candidate_prompt_task, organization.pk, ask.pk)


# Sweeps ------------------------------------------------------------------------------------------


def asks_due_for_reminder(*, organization: Organization, now: datetime) -> list[int]:
    """Pending asks past the halfway point that have not been reminded yet."""
    candidates = Ask.objects.filter(
        organization=organization,
        status=Ask.Status.PENDING,
        reminded_at__isnull=True,
        expires_at__gt=now,
    ).values_list("pk", "asked_at", "expires_at")
    return [
        pk
        for pk, asked_at, expires_at in candidates
        if expires_at is not None and asked_at + (expires_at - asked_at) / 2 <= now
    ]


def ask_expire(*, organization: Organization, ask_id: int, now: datetime) -> bool:
    """Expires one unanswered ask whose deadline has passed. Claimed by a conditional update, so
    two sweeps running at once expire it once."""
    with transaction.atomic():
        ask_request = Ask.objects.filter(organization=organization, pk=ask_id).only("organization", "request").first()
        if ask_request is None:
            return False
        lock_request_of(ask_request)
        claimed = Ask.objects.filter(
            organization=organization, pk=ask_id, status=Ask.Status.PENDING, expires_at__lte=now
        ).update(status=Ask.Status.EXPIRED, responded_at=now)
        if not claimed:
            return False
        ask = Ask.objects.select_related("request", "advocate").get(organization=organization, pk=ask_id)
        audit_log(
            organization=organization,
            actor=None,
            verb="ask.expired",
            target=ask.request,
            data={"ask": str(ask.public_id), "advocate": str(ask.advocate.public_id)},
        )
        _after_ask_ended(ask, actor=None, request=None)
    return True
