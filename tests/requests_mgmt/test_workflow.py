"""The request workflow: guarded transitions, reasons, history, audit and the requester told."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.core import mail
from rest_framework.test import APIClient

from advocacy.errors import ConflictError, ValidationFailed
from advocacy.models import AuditEvent, OutboundMessage
from advocacy.roles import Role
from requests_mgmt import services
from requests_mgmt.models import TRANSITIONS, AdvocacyRequest, RequestStatus
from tests.factories import AdvocacyRequestFactory

pytestmark = pytest.mark.django_db

ALL_MOVES = list(itertools.product(RequestStatus.values, RequestStatus.values))


@pytest.mark.parametrize(("current", "target"), ALL_MOVES)
def test_every_move_is_either_allowed_or_refused_with_the_reason(
    current: str, target: str, org: Any, members: Any
) -> None:
    advocacy_request = AdvocacyRequestFactory(organization=org, status=current, requester=members[Role.SALES])
    allowed = target in TRANSITIONS[current]
    try:
        services.request_transition(
            advocacy_request=advocacy_request, to_status=target, actor=members[Role.PROGRAM_MANAGER], reason="why"
        )
    except ConflictError as error:
        assert not allowed
        assert str(RequestStatus(current).label) in error.message and str(RequestStatus(target).label) in error.message
        advocacy_request.refresh_from_db()
        assert advocacy_request.status == current
    else:
        assert allowed
        advocacy_request.refresh_from_db()
        assert advocacy_request.status == target


def test_every_open_status_can_be_cancelled_or_given_up_and_exits_are_final() -> None:
    open_statuses = {
        RequestStatus.SUBMITTED,
        RequestStatus.TRIAGED,
        RequestStatus.MATCHING,
        RequestStatus.OUTREACH,
        RequestStatus.ACCEPTED,
        RequestStatus.SCHEDULED,
    }
    for status in open_statuses:
        assert {RequestStatus.CANCELLED, RequestStatus.UNFULFILLED} <= TRANSITIONS[status]
    for status in (RequestStatus.CLOSED, RequestStatus.CANCELLED, RequestStatus.UNFULFILLED):
        assert TRANSITIONS[status] == frozenset()


def test_giving_up_needs_a_reason(org: Any, members: Any) -> None:
    advocacy_request = AdvocacyRequestFactory(organization=org, requester=members[Role.SALES])
    with pytest.raises(ValidationFailed):
        services.request_transition(
            advocacy_request=advocacy_request,
            to_status=RequestStatus.UNFULFILLED,
            actor=members[Role.PROGRAM_MANAGER],
            reason="  ",
        )


def test_triage_is_recorded_and_the_requester_is_emailed(
    org: Any, members: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    advocacy_request = AdvocacyRequestFactory(
        organization=org, requester=members[Role.SALES], prospect_company="Initech"
    )
    manager = client_for(members[Role.PROGRAM_MANAGER])
    url = f"/o/{org.slug}/requests/{advocacy_request.public_id}/status/"
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(url, {"status": "triaged", "reason": "Looking for a banking CFO."})
    assert response.status_code == 302
    advocacy_request.refresh_from_db()
    assert advocacy_request.status == RequestStatus.TRIAGED
    change = advocacy_request.status_changes.get()
    assert (change.from_status, change.to_status, change.note) == ("submitted", "triaged", "Looking for a banking CFO.")
    event = AuditEvent.objects.get(organization=org, verb="request.status_changed")
    assert event.actor == members[Role.PROGRAM_MANAGER] and event.data["to"] == "triaged"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [members[Role.SALES].email]
    assert "Initech" in mail.outbox[0].subject and "Looking for a banking CFO." in mail.outbox[0].body
    message = OutboundMessage.objects.get(organization=org)
    assert message.purpose == OutboundMessage.Purpose.REQUEST_UPDATE and message.status == "sent"
    page = client_for(members[Role.SALES]).get(f"/o/{org.slug}/requests/{advocacy_request.public_id}/")
    assert "Looking for a banking CFO." in page.content.decode()


def test_the_page_offers_only_allowed_moves_and_refuses_the_rest(org: Any, members: Any, client_for: Any) -> None:
    advocacy_request = AdvocacyRequestFactory(organization=org, requester=members[Role.SALES])
    manager = client_for(members[Role.PROGRAM_MANAGER])
    page = manager.get(f"/o/{org.slug}/requests/{advocacy_request.public_id}/").content.decode()
    assert 'value="triaged"' in page and 'value="closed"' not in page
    url = f"/o/{org.slug}/requests/{advocacy_request.public_id}/status/"
    assert manager.post(url, {"status": "closed"}).status_code == 400  # not offered from "submitted"
    no_reason = manager.post(url, {"status": "unfulfilled", "reason": ""})
    assert no_reason.status_code == 400 and "Say why" in no_reason.content.decode()
    assert client_for(members[Role.SALES]).post(url, {"status": "triaged"}).status_code == 403
    advocacy_request.refresh_from_db()
    assert advocacy_request.status == RequestStatus.SUBMITTED


def test_api_moves_and_answers_409_for_a_forbidden_move(
    org: Any, other_org: Any, members: Any, other_manager: Any
) -> None:
    advocacy_request = AdvocacyRequestFactory(organization=org, requester=members[Role.SALES])
    client = APIClient()
    client.force_authenticate(members[Role.PROGRAM_MANAGER])
    url = f"/api/v1/orgs/{org.slug}/requests/{advocacy_request.public_id}/status/"
    moved = client.post(url, {"status": "triaged"}, format="json")
    assert moved.status_code == 200 and moved.json()["status"] == "triaged"
    refused = client.post(url, {"status": "completed"}, format="json")
    assert refused.status_code == 409
    assert refused.json()["error"]["message"] == "A request that is “Triaged” cannot become “Completed”."
    sales = APIClient()
    sales.force_authenticate(members[Role.SALES])
    assert sales.post(url, {"status": "matching"}, format="json").status_code == 403
    outsider = APIClient()
    outsider.force_authenticate(other_manager)
    assert (
        outsider.post(
            f"/api/v1/orgs/{other_org.slug}/requests/{advocacy_request.public_id}/status/", {"status": "matching"}
        ).status_code
        == 404
    )
    assert AdvocacyRequest.objects.get(pk=advocacy_request.pk).status == RequestStatus.TRIAGED


def test_the_requester_is_not_emailed_about_their_own_cancellation(
    org: Any, members: Any, django_capture_on_commit_callbacks: Any
) -> None:
    advocacy_request = AdvocacyRequestFactory(organization=org, requester=members[Role.SALES])
    with django_capture_on_commit_callbacks(execute=True):
        services.request_cancel(advocacy_request=advocacy_request, actor=members[Role.SALES], reason="Deal lost")
    assert mail.outbox == []
