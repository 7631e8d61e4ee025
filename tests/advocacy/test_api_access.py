"""Access to every API endpoint: each role, another organisation, an outsider, anonymous."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from advocacy.models import Invitation, Membership
from advocacy.roles import Capability, Role, role_can
from advocates.models import ActivityType
from tests.factories import ActivityFactory, AdvocacyRequestFactory, AdvocateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoints(org: Any, members: Any) -> list[tuple[str, str]]:
    """(path, capability) for every read endpoint under /api/v1/orgs/alpha/."""
    advocate = AdvocateFactory(organization=org, account__csm=members[Role.CSM])
    activity_type = ActivityType.objects.filter(organization=org).first()
    activity = ActivityFactory(organization=org, advocate=advocate, activity_type=activity_type)
    advocacy_request = AdvocacyRequestFactory(organization=org, requester=members[Role.SALES])
    invitation = Invitation.objects.create(organization=org, email="x@example.test", role=Role.SALES, token="t" * 40)
    membership = Membership.objects.get(organization=org, user=members[Role.SALES])
    base = f"/api/v1/orgs/{org.slug}"
    return [
        (f"{base}/me/", ""),
        (f"{base}/advocates/", Capability.ADVOCATES),
        (f"{base}/advocates/{advocate.public_id}/", Capability.ADVOCATES),
        *[
            (f"{base}/advocates/{advocate.public_id}/{action}/", Capability.ADVOCATES)
            for action in ("capacity", "eligibility", "consent", "preferences", "blackouts", "history")
        ],
        (f"{base}/accounts/", Capability.ADVOCATES),
        (f"{base}/accounts/{advocate.account.public_id}/", Capability.ADVOCATES),
        (f"{base}/accounts/{advocate.account.public_id}/health/", Capability.ADVOCATES),
        (f"{base}/activity-types/", Capability.ADVOCATES),
        (f"{base}/activity-types/{activity_type.public_id}/", Capability.ADVOCATES),
        (f"{base}/activities/", Capability.ADVOCATES),
        (f"{base}/activities/{activity.public_id}/", Capability.ADVOCATES),
        (f"{base}/requests/", Capability.REQUESTS),
        (f"{base}/requests/{advocacy_request.public_id}/", Capability.REQUESTS_TRIAGE),
        (f"{base}/requests/{advocacy_request.public_id}/history/", Capability.REQUESTS_TRIAGE),
        (f"{base}/members/", Capability.SETTINGS),
        (f"{base}/members/{membership.public_id}/", Capability.SETTINGS),
        (f"{base}/invitations/", Capability.SETTINGS),
        (f"{base}/invitations/{invitation.public_id}/", Capability.SETTINGS),
        (f"{base}/audit-events/", Capability.SETTINGS),
    ]


def _expected(role: str, capability: str) -> int:
    if not capability:
        return 200
    if capability == Capability.REQUESTS_TRIAGE:
        if role_can(role, Capability.REQUESTS_TRIAGE) or role == Role.SALES:
            return 200  # the program team, and the requester of this request
        return 404 if role_can(role, Capability.REQUESTS) else 403
    return 200 if role_can(role, capability) else 403


@pytest.mark.parametrize("role", [role.value for role in Role])
def test_each_role_gets_exactly_its_endpoints(role: str, endpoints: Any, members: Any) -> None:
    client = APIClient()
    client.force_authenticate(members[role])
    for path, capability in endpoints:
        response = client.get(path)
        assert response.status_code == _expected(role, capability), (role, path)
        if response.status_code >= 400:
            assert set(response.json()["error"]) == {"status", "code", "message", "fields"}


def test_other_organisation_and_outsider_get_404(endpoints: Any, other_manager: Any, outsider: Any) -> None:
    for user in (other_manager, outsider):
        client = APIClient()
        client.force_authenticate(user)
        for path, _capability in endpoints:
            assert client.get(path).status_code == 404, (user.email, path)


def test_anonymous_gets_401(endpoints: Any) -> None:
    client = APIClient()
    for path, _capability in endpoints:
        assert client.get(path).status_code == 401, path
