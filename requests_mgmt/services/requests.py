"""Request workflows: submitting a need, moving it along its workflow, withdrawing it. Every
status change is recorded on the request's history (shown to the requester) and in the audit log."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from advocacy.audit import audit_log
from advocacy.errors import ConflictError, ValidationFailed
from advocacy.models import Organization, User
from advocacy.tasks import enqueue_on_commit

from ..models import NOTIFY_REQUESTER, REASON_REQUIRED, AdvocacyRequest, Ask, RequestStatus, RequestStatusChange

REQUEST_INPUT_FIELDS = (
    "request_type",
    "prospect_company",
    "prospect_industry",
    "prospect_segment",
    "prospect_region",
    "products",
    "use_case",
    "seniority_wanted",
    "language",
    "deal_value",
    "crm_opportunity_id",
    "needed_by",
    "notes",
)


@transaction.atomic
def request_submit(
    *, organization: Organization, requester: User, data: dict[str, Any], request: HttpRequest | None = None
) -> AdvocacyRequest:
    values = {field: data[field] for field in REQUEST_INPUT_FIELDS if field in data}
    if values["needed_by"] < timezone.localdate():
        raise ValidationFailed({"needed_by": [_("The needed-by date cannot be in the past.")]})
    advocacy_request = AdvocacyRequest.objects.create(organization=organization, requester=requester, **values)
    RequestStatusChange.objects.create(
        organization=organization,
        request=advocacy_request,
        to_status=RequestStatus.SUBMITTED,
        actor=requester,
    )
    audit_log(
        organization=organization,
        actor=requester,
        verb="request.submitted",
        target=advocacy_request,
        data={"type": advocacy_request.request_type, "needed_by": advocacy_request.needed_by.isoformat()},
        request=request,
    )
    return advocacy_request


@transaction.atomic
def request_transition(
    *,
    advocacy_request: AdvocacyRequest,
    to_status: str,
    actor: User | None,
    reason: str = "",
    request: HttpRequest | None = None,
) -> AdvocacyRequest:
    """Moves a request along its workflow. A move the workflow does not allow is refused with the
    reason; cancelling and giving up ("unfulfilled") need a written reason. Each move is kept in
    the request's history and the audit log, and the requester is told of the ones that matter."""
    locked = AdvocacyRequest.objects.select_for_update(of=("self",)).get(
        organization=advocacy_request.organization, pk=advocacy_request.pk
    )
    if to_status not in RequestStatus.values:
        raise ValidationFailed({"status": [_("Unknown status.")]})
    if not locked.can_transition_to(to_status):
        raise ConflictError(
            _("A request that is “%(current)s” cannot become “%(target)s”.")
            % {"current": locked.get_status_display(), "target": RequestStatus(to_status).label}
        )
    reason = reason.strip()
    if to_status in REASON_REQUIRED and not reason:
        raise ValidationFailed({"reason": [_("Say why; the requester reads it.")]})
    previous = locked.status
    locked.status = to_status
    locked.save(update_fields=["status", "updated_at"])
    change = RequestStatusChange.objects.create(
        organization=locked.organization,
        request=locked,
        from_status=previous,
        to_status=to_status,
        actor=actor,
        note=reason,
    )
    audit_log(
        organization=locked.organization,
        actor=actor,
        verb="request.status_changed",
        target=locked,
        data={"from": previous, "to": to_status, "reason": reason},
        request=request,
    )
    back_to_matching = to_status == RequestStatus.MATCHING and previous in (
        RequestStatus.ACCEPTED,
        RequestStatus.SCHEDULED,
    )
    if to_status in (RequestStatus.CANCELLED, RequestStatus.UNFULFILLED) or back_to_matching:
        # Back to matching after a yes: the advocate who accepted is no longer counted on.
        _release_asks(locked, actor=actor, reason=reason, request=request)
    if to_status in NOTIFY_REQUESTER and getattr(actor, "pk", None) != locked.requester_id:
        from ..tasks import send_request_update_task

        enqueue_on_commit(send_request_update_task, locked.organization_id, change.pk)
    return locked


def lock_request_of(ask: Ask) -> None:
    """Locks the ask's request. Every workflow that changes an ask and its request takes the
    request first, then the ask (cancelling a request does the same), so an advocate answering
    while the program team cancels, or the sweep expires, waits instead of deadlocking."""
    AdvocacyRequest.objects.select_for_update(of=("self",)).filter(
        organization=ask.organization_id, pk=ask.request_id
    ).first()


def _release_asks(
    advocacy_request: AdvocacyRequest, *, actor: User | None, reason: str, request: HttpRequest | None
) -> None:
    """A request given up or cancelled no longer holds anyone's capacity: asks still waiting or
    accepted are withdrawn, and a meeting already set is called off with a cancellation to both sides."""
    from .scheduling import meeting_cancel

    asks = Ask.objects.filter(
        organization=advocacy_request.organization, request=advocacy_request, status__in=Ask.COUNTING_STATUSES
    ).select_related("advocate", "request", "request__organization")
    for ask in asks.order_by("pk"):
        if ask.status == Ask.Status.ACCEPTED and ask.scheduled_start is not None and actor is not None:
            # The advocate reads the cancellation; the team's own reason (a lost deal, say) stays internal.
            meeting_cancel(
                ask=ask,
                actor=actor,
                reason=_("The meeting is no longer needed. Thank you for making time for it."),
                request=request,
            )
            ask.refresh_from_db(fields=["scheduled_start", "calendar_sequence"])
        ask.status = Ask.Status.WITHDRAWN
        ask.responded_at = ask.responded_at or timezone.now()
        ask.save(update_fields=["status", "responded_at"])
        audit_log(
            organization=advocacy_request.organization,
            actor=actor,
            verb="ask.withdrawn",
            target=advocacy_request,
            data={"ask": str(ask.public_id), "advocate": str(ask.advocate.public_id), "note": reason},
            request=request,
        )


def request_cancel(
    *, advocacy_request: AdvocacyRequest, actor: User, reason: str, request: HttpRequest | None = None
) -> AdvocacyRequest:
    if not advocacy_request.can_be_cancelled():
        raise ConflictError(
            _("This request can no longer be cancelled: its status is “%(status)s”.")
            % {"status": advocacy_request.get_status_display()}
        )
    return request_transition(
        advocacy_request=advocacy_request,
        to_status=RequestStatus.CANCELLED,
        actor=actor,
        reason=reason,
        request=request,
    )
