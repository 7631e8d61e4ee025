"""Access to every page: own organisation by role, another organisation, an outsider, anonymous.

Each page is listed with the capability it needs; a member whose role has it gets 200, one whose
role lacks it gets 403; a member of another organisation and an outsider get 404, exactly as for
an organisation that does not exist; an anonymous visitor is sent to sign in.
"""

from __future__ import annotations

from typing import Any

import pytest

from advocacy.roles import Capability, Role, role_can
from tests.factories import AdvocacyRequestFactory, AdvocateFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(org: Any, members: Any) -> list[tuple[str, str]]:
    """(path, capability) for every page under /o/alpha/, object pages included."""
    # The CSM looks after this account, so the matrix shows role rules, not account ownership.
    advocate = AdvocateFactory(organization=org, account__csm=members[Role.CSM], user=members[Role.ADVOCATE])
    advocacy_request = AdvocacyRequestFactory(organization=org, requester=members[Role.SALES])
    membership = MembershipFactory(organization=org, role=Role.CSM)
    base = f"/o/{org.slug}"
    return [
        (f"{base}/", Capability.DASHBOARD),
        (f"{base}/advocates/", Capability.ADVOCATES),
        (f"{base}/advocates/{advocate.public_id}/", Capability.ADVOCATES),
        (f"{base}/advocates/candidates/", Capability.ADVOCATES_NOMINATE),
        (f"{base}/advocates/tiers/", Capability.ADVOCATES_MANAGE),
        (f"{base}/advocates/new/", Capability.ADVOCATES_MANAGE),
        (f"{base}/advocates/{advocate.public_id}/edit/", Capability.ADVOCATES_MANAGE),
        (f"{base}/advocates/imports/", Capability.ADVOCATES_MANAGE),
        (f"{base}/advocates/imports/new/", Capability.ADVOCATES_MANAGE),
        (f"{base}/advocates/imports/export/advocates.csv", Capability.ADVOCATES),
        (f"{base}/advocates/imports/export/accounts.csv", Capability.ADVOCATES),
        (f"{base}/advocates/privacy/", Capability.ADVOCATES_MANAGE),
        (f"{base}/portal/preferences/", Capability.PORTAL),
        (f"{base}/portal/consent/", Capability.PORTAL),
        (f"{base}/portal/data/", Capability.PORTAL),
        (f"{base}/portal/data/download/", Capability.PORTAL),
        (f"{base}/accounts/", Capability.ADVOCATES),
        (f"{base}/accounts/{advocate.account.public_id}/", Capability.ADVOCATES),
        (f"{base}/requests/", Capability.REQUESTS),
        (f"{base}/requests/new/", Capability.REQUESTS),
        (f"{base}/requests/{advocacy_request.public_id}/", Capability.REQUESTS_TRIAGE),
        (f"{base}/portal/", Capability.PORTAL),
        (f"{base}/settings/", Capability.SETTINGS),
        (f"{base}/settings/members/", Capability.SETTINGS),
        (f"{base}/settings/members/{membership.public_id}/", Capability.SETTINGS),
        (f"{base}/settings/invitations/", Capability.SETTINGS),
        (f"{base}/settings/api-tokens/", Capability.SETTINGS),
        (f"{base}/settings/audit/", Capability.SETTINGS),
        (f"{base}/settings/program/", Capability.SETTINGS),
        (f"{base}/settings/program/tiers/gold/", Capability.SETTINGS),
        (f"{base}/settings/program/activity-types/", Capability.SETTINGS),
        (f"{base}/settings/program/activity-types/new/", Capability.SETTINGS),
    ]


@pytest.mark.parametrize("role", [role.value for role in Role])
def test_each_role_gets_exactly_its_pages(role: str, pages: Any, members: Any, client_for: Any) -> None:
    client = client_for(members[role])
    for path, capability in pages:
        if capability == Capability.REQUESTS_TRIAGE:
            # A request's status page: the program team and its requester (sales here) see it;
            # other requesters cannot tell it exists; roles without requests are refused.
            if role_can(role, Capability.REQUESTS_TRIAGE) or role == Role.SALES:
                expected = 200
            else:
                expected = 404 if role_can(role, Capability.REQUESTS) else 403
        else:
            expected = 200 if role_can(role, capability) else 403
        assert client.get(path).status_code == expected, (role, path)


def test_forbidden_page_explains_which_area_and_role(org: Any, members: Any, client_for: Any) -> None:
    response = client_for(members[Role.SALES]).get(f"/o/{org.slug}/settings/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "Settings" in body and "Sales" in body
    assert f"/o/{org.slug}/requests/" in body  # a way back to the role's own start page


def test_another_organisations_pages_are_404(pages: Any, other_manager: Any, client_for: Any) -> None:
    client = client_for(other_manager)
    for path, _capability in pages:
        assert client.get(path).status_code == 404, path


def test_outsider_gets_404_everywhere(pages: Any, outsider: Any, client_for: Any) -> None:
    client = client_for(outsider)
    for path, _capability in pages:
        assert client.get(path).status_code == 404, path


def test_unknown_organisation_is_the_same_404(members: Any, client_for: Any) -> None:
    response = client_for(members[Role.ADMIN]).get("/o/no-such-org/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(pages: Any, client_for: Any) -> None:
    client = client_for(None)
    for path, _capability in pages:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/login/?next="), path


def test_anonymous_cannot_tell_existing_from_missing_organisations(org: Any, client_for: Any) -> None:
    client = client_for(None)
    existing = client.get(f"/o/{org.slug}/")
    missing = client.get("/o/no-such-org/")
    assert existing.status_code == missing.status_code == 302


def test_csm_sees_only_the_advocates_of_accounts_they_own(org: Any, members: Any, client_for: Any) -> None:
    theirs = AdvocateFactory(organization=org, account__csm=members[Role.CSM])
    not_theirs = AdvocateFactory(organization=org)
    client = client_for(members[Role.CSM])
    listing = client.get(f"/o/{org.slug}/advocates/").content.decode()
    assert theirs.full_name in listing and not_theirs.full_name not in listing
    assert client.get(f"/o/{org.slug}/advocates/{not_theirs.public_id}/").status_code == 404
    assert client.get(f"/o/{org.slug}/accounts/{not_theirs.account.public_id}/").status_code == 404


def test_requester_sees_only_their_own_requests(org: Any, members: Any, client_for: Any) -> None:
    theirs = AdvocacyRequestFactory(organization=org, requester=members[Role.MARKETING])
    client = client_for(members[Role.SALES])
    assert client.get(f"/o/{org.slug}/requests/{theirs.public_id}/").status_code == 404
    assert theirs.prospect_company not in client.get(f"/o/{org.slug}/requests/").content.decode()


@pytest.mark.parametrize(
    ("role", "face"),
    [
        (Role.ADMIN, "/o/alpha/"),
        (Role.PROGRAM_MANAGER, "/o/alpha/"),
        (Role.EXECUTIVE, "/o/alpha/reports/executive/"),
        (Role.CSM, "/o/alpha/advocates/"),
        (Role.MARKETING, "/o/alpha/requests/"),
        (Role.SALES, "/o/alpha/requests/"),
        (Role.ADVOCATE, "/o/alpha/portal/"),
    ],
)
def test_each_role_lands_on_its_own_face(role: str, face: str, members: Any, client_for: Any) -> None:
    response = client_for(members[role]).get("/")
    assert response.status_code == 302
    assert response["Location"] == face


def test_person_in_two_organisations_chooses_and_can_switch(
    org: Any, other_org: Any, members: Any, client_for: Any
) -> None:
    person = members[Role.PROGRAM_MANAGER]
    MembershipFactory(organization=other_org, user=person, role=Role.SALES)
    client = client_for(person)
    landing = client.get("/")
    assert landing.status_code == 200
    body = landing.content.decode()
    assert "Alpha Analytics" in body and "Beta Systems" in body
    dashboard = client.get(f"/o/{org.slug}/").content.decode()
    assert f'href="/o/{other_org.slug}/requests/"' in dashboard  # the switcher in the header
    assert client.get(f"/o/{other_org.slug}/requests/").status_code == 200
    assert client.get(f"/o/{other_org.slug}/").status_code == 403  # a sales role there


def test_navigation_lists_only_what_the_role_may_use(org: Any, members: Any, client_for: Any) -> None:
    body = client_for(members[Role.SALES]).get(f"/o/{org.slug}/requests/").content.decode()
    assert f'href="/o/{org.slug}/requests/"' in body
    for hidden in ("advocates/", "settings/", "portal/", "accounts/"):
        assert f'href="/o/{org.slug}/{hidden}"' not in body
