"""Referrals: an advocate introduces a peer in the portal, sales owns and moves it on, the advocate
follows it and hears about a win. Pages and API, two organisations and an outsider."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from rest_framework.test import APIClient

from advocacy.models import AuditEvent, OutboundMessage
from advocacy.roles import Role
from advocates.models import Advocate
from requests_mgmt.models import Referral, ReferralStatus
from tests.factories import AdvocateFactory, CustomerAccountFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def advocate(org: Any, members: Any) -> Advocate:
    """The alpha advocate signed in to the portal; their profile address differs from their login."""
    return AdvocateFactory(
        organization=org, user=members[Role.ADVOCATE], email="ada@customer.example", full_name="Ada Lovelace"
    )


@pytest.fixture
def other_advocate(org: Any) -> Advocate:
    user = UserFactory(email="grace@alpha-customer.test")
    MembershipFactory(organization=org, user=user, role=Role.ADVOCATE)
    return AdvocateFactory(organization=org, user=user, email="grace@customer.example", full_name="Grace Hopper")


@pytest.fixture
def beta_advocate(other_org: Any) -> Advocate:
    user = UserFactory(email="advocate@beta.test")
    MembershipFactory(organization=other_org, user=user, role=Role.ADVOCATE)
    return AdvocateFactory(organization=other_org, user=user, email="bob@beta-customer.example")


def peer(**overrides: Any) -> dict[str, Any]:
    data = {
        "peer_name": "Linus Peer",
        "peer_email": "linus@prospect.example",
        "peer_company": "Prospect Ltd",
        "peer_title": "CTO",
        "context": "Evaluating analytics tools; we met at a user group.",
        "peer_agreed": "on",
    }
    data.update(overrides)
    return data


def make_referral(advocate: Advocate, **values: Any) -> Referral:
    fields: dict[str, Any] = {
        "peer_name": "Existing Peer",
        "peer_email": "existing@prospect.example",
        "peer_company": "Existing Co",
        "context": "Context",
        "peer_agreed": True,
    }
    fields.update(values)
    return Referral.objects.create(organization=advocate.organization, advocate=advocate, **fields)


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def portal_url(org: Any, suffix: str = "") -> str:
    return f"/o/{org.slug}/portal/referrals/{suffix}"


def staff_url(org: Any, suffix: str = "") -> str:
    return f"/o/{org.slug}/referrals/{suffix}"


def api_url(org: Any, suffix: str = "") -> str:
    return f"/api/v1/orgs/{org.slug}/referrals/{suffix}"


# Submitting ---------------------------------------------------------------------------------------


def test_advocate_refers_a_peer_and_is_acknowledged_at_once(
    org: Any, members: Any, advocate: Advocate, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(members[Role.ADVOCATE])
    assert client.get(portal_url(org, "new/")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(portal_url(org, "new/"), peer(peer_email=" Linus@Prospect.example "))
    referral = Referral.objects.get(organization=org)
    assert response.status_code == 302
    assert response["Location"] == portal_url(org, f"{referral.public_id}/")
    assert referral.advocate == advocate and referral.status == ReferralStatus.SUBMITTED
    assert referral.peer_email == "linus@prospect.example" and referral.owner is None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ada@customer.example"] and "Linus Peer" in mail.outbox[0].subject
    assert "our sales team will get in touch" in mail.outbox[0].body
    referral.refresh_from_db()
    assert referral.acknowledged_at is not None
    assert OutboundMessage.objects.get(organization=org).purpose == OutboundMessage.Purpose.REFERRAL
    event = AuditEvent.objects.get(organization=org, verb="referral.submitted")
    assert event.actor == members[Role.ADVOCATE] and event.object_id == str(referral.public_id)
    assert event.data["on_behalf"] is False
    page = client.get(response["Location"]).content.decode()
    assert "Linus Peer" in page and "Received" in page


def test_the_peer_must_have_agreed_to_be_contacted(org: Any, members: Any, advocate: Advocate, client_for: Any) -> None:
    data = peer()
    del data["peer_agreed"]
    response = client_for(members[Role.ADVOCATE]).post(portal_url(org, "new/"), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Please confirm they agreed to be contacted" in body
    assert "Evaluating analytics tools" in body  # nothing typed is lost
    refused = api(members[Role.PROGRAM_MANAGER]).post(
        api_url(org), {**peer(), "advocate": str(advocate.public_id), "peer_agreed": False}, format="json"
    )
    assert refused.status_code == 400 and "peer_agreed" in refused.json()["error"]["fields"]
    assert not Referral.objects.exists() and not mail.outbox


def test_self_referral_is_refused_on_both_addresses(
    org: Any, members: Any, advocate: Advocate, client_for: Any
) -> None:
    client = client_for(members[Role.ADVOCATE])
    for own in ("ADA@customer.example", members[Role.ADVOCATE].email):
        response = client.post(portal_url(org, "new/"), peer(peer_email=own))
        assert response.status_code == 400
        assert "This is your own email address" in response.content.decode()
    on_behalf = api(members[Role.PROGRAM_MANAGER]).post(
        api_url(org), {**peer(peer_agreed=True), "peer_email": advocate.email, "advocate": str(advocate.public_id)}
    )
    assert on_behalf.status_code == 400
    assert on_behalf.json()["error"]["fields"]["peer_email"] == [
        "This is the advocate's own email address: a referral introduces someone else."
    ]
    assert not Referral.objects.exists()


def test_a_peer_already_with_sales_is_refused_without_naming_the_referrer(
    org: Any, members: Any, advocate: Advocate, other_advocate: Advocate, client_for: Any
) -> None:
    make_referral(other_advocate, peer_email="linus@prospect.example", status=ReferralStatus.OPPORTUNITY)
    response = client_for(members[Role.ADVOCATE]).post(
        portal_url(org, "new/"), peer(peer_email="LINUS@prospect.example")
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "already been referred and is with our sales team" in body
    assert "Grace" not in body
    assert Referral.objects.filter(advocate=advocate).count() == 0


def test_an_earlier_closed_referral_and_a_known_contact_are_flagged_to_sales(
    org: Any, members: Any, advocate: Advocate, other_advocate: Advocate, client_for: Any
) -> None:
    lost = make_referral(other_advocate, peer_email="linus@prospect.example", status=ReferralStatus.LOST)
    account = CustomerAccountFactory(organization=org, name="Umbrella Corp")
    AdvocateFactory(organization=org, account=account, email="linus@prospect.example")
    client_for(members[Role.ADVOCATE]).post(portal_url(org, "new/"), peer())
    referral = Referral.objects.get(advocate=advocate)
    assert referral.duplicate_of == lost
    sales = client_for(members[Role.SALES])
    detail = sales.get(staff_url(org, f"{referral.public_id}/")).content.decode()
    assert "already an advocate or contact at Umbrella Corp" in detail
    assert "This person was referred before" in detail
    listing = sales.get(staff_url(org)).content.decode()
    assert "Already a contact" in listing and "Referred before" in listing


def test_program_team_enters_a_referral_for_an_advocate(
    org: Any, members: Any, advocate: Advocate, beta_advocate: Advocate, django_capture_on_commit_callbacks: Any
) -> None:
    client = api(members[Role.PROGRAM_MANAGER])
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(api_url(org), {**peer(peer_agreed=True), "advocate": str(advocate.public_id)})
    assert created.status_code == 201
    body = created.json()
    assert body["status"] == "submitted" and body["advocate"] == str(advocate.public_id)
    assert body["owner"] is None and body["known_contact"] is False
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [advocate.email]
    assert AuditEvent.objects.get(verb="referral.submitted").data["on_behalf"] is True
    foreign = client.post(api_url(org), {**peer(peer_agreed=True), "advocate": str(beta_advocate.public_id)})
    assert foreign.status_code == 400 and "advocate" in foreign.json()["error"]["fields"]
    assert (
        api(members[Role.SALES])
        .post(api_url(org), {**peer(peer_agreed=True), "advocate": str(advocate.public_id)})
        .status_code
        == 403
    )


# Owner and workflow -------------------------------------------------------------------------------


def test_owner_assignment_is_limited_to_members_who_work_with_requests(
    org: Any, members: Any, advocate: Advocate, other_manager: Any, outsider: Any, client_for: Any
) -> None:
    referral = make_referral(advocate)
    url = staff_url(org, f"{referral.public_id}/assign/")
    manager = client_for(members[Role.PROGRAM_MANAGER])
    response = manager.post(url, {"owner": str(members[Role.SALES].public_id)})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.owner == members[Role.SALES]
    for stranger in (other_manager, outsider, members[Role.EXECUTIVE], members[Role.ADVOCATE]):
        assert manager.post(url, {"owner": str(stranger.public_id)}).status_code == 400
        refused = api(members[Role.PROGRAM_MANAGER]).post(
            api_url(org, f"{referral.public_id}/assign/"), {"owner": str(stranger.public_id)}, format="json"
        )
        assert refused.status_code == 400 and "owner" in refused.json()["error"]["fields"]
    referral.refresh_from_db()
    assert referral.owner == members[Role.SALES]
    back = api(members[Role.SALES]).post(api_url(org, f"{referral.public_id}/assign/"), {"owner": None}, format="json")
    assert back.status_code == 200 and back.json()["owner"] is None
    assert client_for(members[Role.CSM]).post(url, {"owner": ""}).status_code == 404  # not theirs to see
    events = AuditEvent.objects.filter(organization=org, verb="referral.assigned").order_by("id")
    assert [(event.data["from"], event.data["to"]) for event in events] == [
        (None, members[Role.SALES].email),
        (members[Role.SALES].email, None),
    ]


def test_the_workflow_moves_legally_and_refuses_the_rest_with_409(
    org: Any, members: Any, advocate: Advocate, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    referral = make_referral(advocate)
    sales = client_for(members[Role.SALES])
    url = staff_url(org, f"{referral.public_id}/status/")
    skipped = sales.post(url, {"status": "won", "opportunity_value": "1000"})
    assert skipped.status_code == 409
    assert "A referral that is “Submitted” cannot become “Won”." in skipped.content.decode()
    assert sales.post(url, {"status": "accepted"}).status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED and referral.owner == members[Role.SALES]  # claimed
    no_crm = sales.post(url, {"status": "opportunity"})
    assert no_crm.status_code == 400 and "CRM opportunity ID" in no_crm.content.decode()
    assert sales.post(url, {"status": "opportunity", "crm_opportunity_id": "OPP-42"}).status_code == 302
    client = api(members[Role.SALES])
    status_url = api_url(org, f"{referral.public_id}/status/")
    no_value = client.post(status_url, {"status": "won"}, format="json")
    assert no_value.status_code == 400 and "opportunity_value" in no_value.json()["error"]["fields"]
    with django_capture_on_commit_callbacks(execute=True):
        won = client.post(status_url, {"status": "won", "opportunity_value": "25000.00", "note": "Signed"})
    assert won.status_code == 200 and won.json()["status"] == "won"
    assert won.json()["crm_opportunity_id"] == "OPP-42" and won.json()["opportunity_value"] == "25000.00"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [advocate.email]
    assert "Prospect" not in mail.outbox[0].subject and "Existing Co" in mail.outbox[0].subject
    again = client.post(status_url, {"status": "lost", "note": "x"}, format="json")
    assert again.status_code == 409 and "cannot become" in again.json()["error"]["message"]
    page_again = sales.post(url, {"status": "lost", "note": "x"})
    assert (
        page_again.status_code == 409
        and "A referral that is “Won” cannot become “Lost”." in page_again.content.decode()
    )
    events = AuditEvent.objects.filter(organization=org, verb="referral.status_changed").order_by("id")
    assert [(event.data["from"], event.data["to"]) for event in events] == [
        ("submitted", "accepted"),
        ("accepted", "opportunity"),
        ("opportunity", "won"),
    ]
    assert all(event.actor == members[Role.SALES] for event in events)
    assert events.last().data["opportunity_value"] == "25000.00"  # type: ignore[union-attr]
    history = client.get(api_url(org, f"{referral.public_id}/history/")).json()
    assert [entry["verb"] for entry in history] == ["referral.status_changed"] * 3
    page = sales.get(staff_url(org, f"{referral.public_id}/")).content.decode()
    assert "Referral moved on" in page and "Signed" in page


def test_losing_needs_a_note_and_only_the_owner_or_program_team_move_it(
    org: Any, members: Any, advocate: Advocate, client_for: Any
) -> None:
    other_sales = MembershipFactory(organization=org, role=Role.SALES, user=UserFactory(email="sam@alpha.test")).user
    referral = make_referral(advocate, status=ReferralStatus.ACCEPTED, owner=other_sales)
    url = staff_url(org, f"{referral.public_id}/status/")
    assert client_for(members[Role.SALES]).post(url, {"status": "lost", "note": "x"}).status_code == 403
    assert (
        api(members[Role.SALES])
        .post(api_url(org, f"{referral.public_id}/status/"), {"status": "lost", "note": "x"}, format="json")
        .status_code
        == 403
    )
    owner = client_for(other_sales)
    assert owner.post(url, {"status": "lost"}).status_code == 400
    assert (
        client_for(members[Role.PROGRAM_MANAGER]).post(url, {"status": "lost", "note": "No budget"}).status_code == 302
    )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.LOST and referral.status_note == "No budget"
    closed = client_for(members[Role.PROGRAM_MANAGER]).post(
        staff_url(org, f"{referral.public_id}/assign/"), {"owner": str(members[Role.SALES].public_id)}
    )
    assert closed.status_code == 409 and "keeps its owner" in closed.content.decode()


# The advocate's view ------------------------------------------------------------------------------


def test_portal_shows_only_the_advocates_own_referrals_without_internal_details(
    org: Any, members: Any, advocate: Advocate, other_advocate: Advocate, client_for: Any
) -> None:
    mine = make_referral(
        advocate,
        peer_name="Mine Peer",
        status=ReferralStatus.OPPORTUNITY,
        status_note="Internal: pricing pushback",
        crm_opportunity_id="OPP-SECRET",
        opportunity_value=Decimal("987654"),
        owner=members[Role.SALES],
    )
    theirs = make_referral(other_advocate, peer_name="Their Peer", peer_email="their@prospect.example")
    client = client_for(members[Role.ADVOCATE])
    listing = client.get(portal_url(org)).content.decode()
    assert "Mine Peer" in listing and "Their Peer" not in listing and "In conversation" in listing
    detail = client.get(portal_url(org, f"{mine.public_id}/")).content.decode()
    for internal in ("pricing pushback", "OPP-SECRET", "987", members[Role.SALES].email):
        assert internal not in detail
    assert client.get(portal_url(org, f"{theirs.public_id}/")).status_code == 404


# Access -------------------------------------------------------------------------------------------


def test_staff_pages_by_role_tenant_and_outsider(
    org: Any,
    members: Any,
    advocate: Advocate,
    other_org: Any,
    other_manager: Any,
    beta_advocate: Advocate,
    outsider: Any,
    client_for: Any,
) -> None:
    referral = make_referral(advocate)
    beta_referral = make_referral(beta_advocate)
    detail = staff_url(org, f"{referral.public_id}/")
    for role in (Role.ADMIN, Role.PROGRAM_MANAGER, Role.SALES):
        client = client_for(members[role])
        assert client.get(staff_url(org)).status_code == 200
        assert client.get(detail).status_code == 200
    csm = client_for(members[Role.CSM])
    assert "Existing Peer" not in csm.get(staff_url(org)).content.decode()  # sees only what they own
    assert csm.get(detail).status_code == 404
    for role in (Role.EXECUTIVE, Role.ADVOCATE):
        assert client_for(members[role]).get(staff_url(org)).status_code == 403
        assert client_for(members[role]).get(detail).status_code == 403
    assert client_for(other_manager).get(detail).status_code == 404
    assert client_for(other_manager).get(staff_url(other_org, f"{referral.public_id}/")).status_code == 404
    assert (
        client_for(members[Role.PROGRAM_MANAGER]).get(staff_url(org, f"{beta_referral.public_id}/")).status_code == 404
    )
    assert client_for(outsider).get(staff_url(org)).status_code == 404
    assert client_for(None).get(staff_url(org)).status_code == 302
    foreign_move = client_for(members[Role.PROGRAM_MANAGER]).post(
        staff_url(org, f"{beta_referral.public_id}/status/"), {"status": "accepted"}
    )
    assert foreign_move.status_code == 404
    beta_referral.refresh_from_db()
    assert beta_referral.status == ReferralStatus.SUBMITTED


def test_portal_pages_by_role_tenant_and_outsider(
    org: Any,
    members: Any,
    advocate: Advocate,
    other_org: Any,
    beta_advocate: Advocate,
    outsider: Any,
    client_for: Any,
) -> None:
    referral = make_referral(advocate)
    for suffix in ("", "new/", f"{referral.public_id}/"):
        assert client_for(members[Role.ADVOCATE]).get(portal_url(org, suffix)).status_code == 200
        assert client_for(members[Role.PROGRAM_MANAGER]).get(portal_url(org, suffix)).status_code == 403
        assert client_for(beta_advocate.user).get(portal_url(org, suffix)).status_code == 404
        assert client_for(outsider).get(portal_url(org, suffix)).status_code == 404
    assert client_for(beta_advocate.user).get(portal_url(other_org, f"{referral.public_id}/")).status_code == 404


def test_api_by_role_tenant_and_outsider(
    org: Any,
    members: Any,
    advocate: Advocate,
    other_org: Any,
    other_manager: Any,
    beta_advocate: Advocate,
    outsider: Any,
) -> None:
    referral = make_referral(advocate)
    beta_referral = make_referral(beta_advocate)
    listed = api(members[Role.SALES]).get(api_url(org)).json()["results"]
    assert [row["id"] for row in listed] == [str(referral.public_id)]
    assert api(members[Role.SALES]).get(api_url(org, f"{referral.public_id}/")).status_code == 200
    assert api(members[Role.CSM]).get(api_url(org, f"{referral.public_id}/")).status_code == 404
    assert api(members[Role.ADVOCATE]).get(api_url(org)).status_code == 403
    assert api(members[Role.EXECUTIVE]).get(api_url(org)).status_code == 403
    assert api(other_manager).get(api_url(org)).status_code == 404
    assert api(other_manager).get(api_url(other_org, f"{referral.public_id}/")).status_code == 404
    assert api(outsider).get(api_url(org)).status_code == 404
    assert APIClient().get(api_url(org)).status_code in (401, 403)
    foreign = api(members[Role.PROGRAM_MANAGER]).post(
        api_url(org, f"{beta_referral.public_id}/status/"), {"status": "accepted"}, format="json"
    )
    assert foreign.status_code == 404
    assert (
        api(members[Role.CSM])
        .post(api_url(org, f"{referral.public_id}/assign/"), {"owner": None}, format="json")
        .status_code
        == 404
    )
    csm_owned = make_referral(advocate, peer_email="csm-owned@prospect.example", owner=members[Role.CSM])
    assert (
        api(members[Role.CSM])
        .post(api_url(org, f"{csm_owned.public_id}/assign/"), {"owner": None}, format="json")
        .status_code
        == 403
    )


def test_api_list_filters(org: Any, members: Any, advocate: Advocate) -> None:
    unassigned = make_referral(advocate, peer_email="a@prospect.example")
    mine = make_referral(advocate, peer_email="b@prospect.example", owner=members[Role.SALES])
    closed = make_referral(advocate, peer_email="c@prospect.example", status=ReferralStatus.DECLINED)
    client = api(members[Role.SALES])

    def ids(query: str) -> set[str]:
        return {row["id"] for row in client.get(api_url(org) + query).json()["results"]}

    assert ids("") == {str(unassigned.public_id), str(mine.public_id), str(closed.public_id)}
    assert ids("?status=open") == {str(unassigned.public_id), str(mine.public_id)}
    assert ids("?owner=unassigned&status=open") == {str(unassigned.public_id)}
    assert ids("?mine=true") == {str(mine.public_id)}
    assert ids(f"?owner={members[Role.SALES].public_id}") == {str(mine.public_id)}
    assert client.get(api_url(org) + "?owner=nobody").status_code == 400


def test_staff_list_filters_and_unassigned_queue(org: Any, members: Any, advocate: Advocate, client_for: Any) -> None:
    make_referral(advocate, peer_name="Nobody Owns", peer_email="a@prospect.example")
    make_referral(advocate, peer_name="Sales Owns", peer_email="b@prospect.example", owner=members[Role.SALES])
    make_referral(advocate, peer_name="Long Gone", peer_email="c@prospect.example", status=ReferralStatus.LOST)
    client = client_for(members[Role.SALES])
    default = client.get(staff_url(org)).content.decode()
    assert "Nobody Owns" in default and "Sales Owns" in default and "Long Gone" not in default
    assert "1 unassigned" in default
    queue = client.get(staff_url(org) + "?owner=unassigned").content.decode()
    assert "Nobody Owns" in queue and "Sales Owns" not in queue
    mine = client.get(staff_url(org) + "?mine=on").content.decode()
    assert "Sales Owns" in mine and "Nobody Owns" not in mine
    everything = client.get(staff_url(org) + "?status=").content.decode()
    assert "Long Gone" in everything


# Query counts -------------------------------------------------------------------------------------


def test_list_pages_use_a_bounded_number_of_queries(
    org: Any,
    members: Any,
    advocate: Advocate,
    client_for: Any,
    django_assert_max_num_queries: Any,
) -> None:
    for number in range(20):
        account = CustomerAccountFactory(organization=org)
        referrer = AdvocateFactory(organization=org, account=account)
        make_referral(referrer, peer_email=f"peer{number}@prospect.example", owner=members[Role.SALES])
        make_referral(advocate, peer_email=f"own{number}@prospect.example")
    staff = client_for(members[Role.PROGRAM_MANAGER])
    with django_assert_max_num_queries(10):
        assert staff.get(staff_url(org)).status_code == 200
    portal = client_for(members[Role.ADVOCATE])
    with django_assert_max_num_queries(8):
        assert portal.get(portal_url(org)).status_code == 200
    client = api(members[Role.PROGRAM_MANAGER])
    with django_assert_max_num_queries(5):
        response = client.get(api_url(org))
    assert response.status_code == 200 and response.json()["count"] == 40
