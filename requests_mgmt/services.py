"""Request workflows: submitting a need and withdrawing it. Every status change is recorded on the
request's history (shown to the requester) and in the audit log."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from advocacy.audit import audit_log
from advocacy.errors import ConflictError, ValidationFailed
from advocacy.models import Organization, User

from .models import AdvocacyRequest, RequestStatus, RequestStatusChange

REQUEST_INPUT_FIELDS = (
    "request_type",
    "prospect_company",
    "prospect_industry",
    "prospect_segment",
    "prospect_region",
    "products",
    "use_case",
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
def request_cancel(
    *, advocacy_request: AdvocacyRequest, actor: User, reason: str, request: HttpRequest | None = None
) -> AdvocacyRequest:
    locked = AdvocacyRequest.objects.select_for_update(of=("self",)).get(
        organization=advocacy_request.organization, pk=advocacy_request.pk
    )
    if not locked.can_be_cancelled():
        raise ConflictError(
            _("This request can no longer be cancelled: its status is “%(status)s”.")
            % {"status": locked.get_status_display()}
        )
    previous = locked.status
    locked.status = RequestStatus.CANCELLED
    locked.save(update_fields=["status", "updated_at"])
    RequestStatusChange.objects.create(
        organization=locked.organization,
        request=locked,
        from_status=previous,
        to_status=RequestStatus.CANCELLED,
        actor=actor,
        note=reason,
    )
    audit_log(
        organization=locked.organization,
        actor=actor,
        verb="request.cancelled",
        target=locked,
        data={"from": previous, "reason": reason},
        request=request,
    )
    return locked
