"""Outreach: asking an advocate to help with a request.

The rules are checked again at the moment of asking, under a lock on the advocate's row, so two
program managers inviting the same person for two requests at the same moment cannot both spend
their last free slot. A program manager may override a soft rule (the cooldown since the last
ask, the advocate's own limits, their blackout dates) with a written reason, which is logged; the
yearly cap, the activity's own limits, consent, account health and status are never overridden.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from advocacy.audit import audit_log
from advocacy.errors import ConflictError, ValidationFailed
from advocacy.models import User
from advocates.models import Advocate

from ..matching import why_not
from ..models import AdvocacyRequest, Ask, RequestStatus

SOFT_RULES = frozenset({"cooldown", "own_interval", "willing", "blackout"})
ASK_ANSWER_DAYS = 7


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
    ask = Ask.objects.create(
        organization=organization,
        request=locked_request,
        advocate=advocate,
        message=message.strip(),
        override_reason=override_reason if soft else "",
        asked_by=actor,
        asked_at=now,
        expires_at=now + timedelta(days=ASK_ANSWER_DAYS),
    )
    audit_log(
        organization=organization,
        actor=actor,
        verb="request.advocate_asked",
        target=locked_request,
        data={
            "advocate": str(advocate.public_id),
            "overridden": [reason.key for reason in soft],
            "override_reason": ask.override_reason,
        },
        request=request,
    )
    if locked_request.status == RequestStatus.MATCHING:
        from .requests import request_transition

        request_transition(
            advocacy_request=locked_request, to_status=RequestStatus.OUTREACH, actor=actor, request=request
        )
    return ask
