"""Personal data rights: the advocate's download, the erasure request, the program manager's
confirmation and what erasure leaves behind."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from advocacy.audit import audit_log
from advocacy.errors import ConflictError
from advocacy.models import AuditEvent, Membership, OutboundMessage, User
from advocacy.roles import Role
from advocates import services
from advocates.models import (
    Activity,
    ActivityPreference,
    Advocate,
    AdvocateStatusChange,
    BlackoutPeriod,
    ConsentChange,
    ConsentSource,
    NpsResponse,
    Tier,
    TierChange,
)
from advocates.privacy import advocate_data_export, advocate_erase
from tests.factories import AdvocateFactory, MembershipFactory

pytestmark = pytest.mark.django_db

NAME, EMAIL = "Marta Quintela", "marta.quintela@harbor.example"


def privacy_url(org: Any, rest: str = "") -> str:
    return f"/o/{org.slug}/advocates/privacy/{rest}"


@pytest.fixture
def person(members: Any) -> User:
    user = members[Role.ADVOCATE]
    user.full_name = NAME
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def marta(org: Any, members: Any, person: User, activity_types: Any) -> Advocate:
    """An enrolled advocate with a full history: every kind of personal data the program holds."""
    manager = members[Role.PROGRAM_MANAGER]
    account = AdvocateFactory(organization=org).account
    advocate = services.advocate_create(
        organization=org,
        actor=manager,
        data={
            "account": account,
            "full_name": NAME,
            "email": EMAIL,
            "title": "VP Finance",
            "outcomes": "Closed the books in 3 days instead of 9.",
            "use_cases": "Month-end close",
            "tags": "finance, speaker",
            "languages": "pt en",
            "time_zone": "Europe/Lisbon",
            "nps_score": 10,
        },
    )
    services.advocate_update(advocate=advocate, actor=manager, data={"title": "CFO"})
    advocate.refresh_from_db()
    now = timezone.now()
    Advocate.objects.filter(pk=advocate.pk).update(
        user=person, status=Advocate.Status.ACTIVE, tier=Tier.GOLD, enrolled_at=now, onboarded_at=now
    )
    advocate.refresh_from_db()
    services.consent_set(
        advocate=advocate,
        consents={"named": True, "quoted": True, "logo": False},
        source=ConsentSource.PORTAL,
        actor=person,
        note="Happy to be quoted by Marta Quintela's team",
    )
    services.preferences_set(
        advocate=advocate,
        actor=person,
        willing={activity_types["reference_call"].pk: {"max_per_year": 4, "min_interval_days": 90}},
    )
    today = timezone.localdate()
    services.blackout_add(
        advocate=advocate,
        starts_on=today + timedelta(days=5),
        ends_on=today + timedelta(days=12),
        note="Marta's wedding",
        actor=person,
    )
    services.activity_record(
        organization=org,
        actor=manager,
        data={
            "advocate": advocate,
            "activity_type": activity_types["reference_call"],
            "occurred_on": today - timedelta(days=20),
            "outcome": "Marta convinced Globex's CFO.",
            "crm_opportunity_id": "OPP-4411",
        },
    )
    services.advocate_change_status(
        advocate=advocate, status=Advocate.Status.PAUSED, actor=manager, reason="Marta is on leave until May."
    )
    TierChange.objects.create(
        organization=org,
        advocate=advocate,
        kind=TierChange.Kind.OVERRIDDEN,
        from_tier=Tier.SILVER,
        to_tier=Tier.GOLD,
        reason="Marta did three case studies.",
        actor=manager,
    )
    OutboundMessage.objects.create(
        organization=org,
        recipient_email=EMAIL,
        recipient_user=person,
        advocate=advocate,
        purpose=OutboundMessage.Purpose.WELCOME,
        template="welcome_1",
        subject="Welcome aboard, Marta Quintela",
        status=OutboundMessage.Status.SENT,
    )
    OutboundMessage.objects.create(
        organization=org,
        recipient_email=EMAIL,
        purpose=OutboundMessage.Purpose.INVITATION,
        template="invitation",
        subject="Join Alpha Analytics",
        related_label=f"{EMAIL} → Alpha Analytics (Advocate)",
        status=OutboundMessage.Status.SENT,
    )
    # An event about something else that still names the person's address.
    audit_log(organization=org, actor=manager, verb="invitation.created", data={"email": EMAIL, "role": "advocate"})
    advocate.refresh_from_db()
    return advocate


@pytest.fixture
def bystanders(org: Any, other_org: Any, members: Any) -> list[Advocate]:
    """Another advocate of the same organisation and one of another organisation."""
    neighbour = services.advocate_create(
        organization=org,
        actor=members[Role.PROGRAM_MANAGER],
        data={
            "account": AdvocateFactory(organization=org).account,
            "full_name": "Nuno Vizinho",
            "email": "nuno@x.test",
        },
    )
    foreign = AdvocateFactory(organization=other_org, full_name="Olga Fremd", email="olga@beta.example")
    NpsResponse.objects.create(organization=other_org, advocate=foreign, score=3, responded_on=timezone.localdate())
    return [neighbour, foreign]


# The download -----------------------------------------------------------------------------------


def test_the_download_holds_the_persons_data_and_nobody_elses(
    org: Any, person: User, marta: Advocate, bystanders: list[Advocate], client_for: Any
) -> None:
    response = client_for(person).get(f"/o/{org.slug}/portal/data/download/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["organization"]["slug"] == org.slug
    assert data["advocate"]["full_name"] == NAME and data["advocate"]["email"] == EMAIL
    assert data["advocate"]["title"] == "CFO" and data["advocate"]["consents"]["named"] is True
    assert data["portal_account"]["email"] == person.email
    assert {(c["consent"], c["granted"], c["source"]) for c in data["consent_history"]} == {
        ("named", True, "portal"),
        ("quoted", True, "portal"),
    }
    assert data["activity_preferences"] == [
        {
            "activity_type": "reference_call",
            "activity_type_name": "Reference call",
            "max_per_12_months": 4,
            "min_days_apart": 90,
        }
    ]
    assert data["blackout_periods"][0]["note"] == "Marta's wedding"
    assert data["activities"][0]["outcome"] == "Marta convinced Globex's CFO."
    assert [response["score"] for response in data["nps_history"]] == [10]
    assert "Marta is on leave until May." in [change["reason"] for change in data["status_history"]]
    assert data["tier_history"][0]["reason"] == "Marta did three case studies."
    assert [(m["purpose"], m["subject"]) for m in data["messages"]] == [("welcome", "Welcome aboard, Marta Quintela")]
    text = response.content.decode()
    for other in bystanders:
        assert other.full_name not in text and other.email not in text
    assert "beta" not in text.lower()
    assert AuditEvent.objects.filter(organization=org, verb="advocate.data_exported").count() == 1


# The erasure ------------------------------------------------------------------------------------


def test_erasure_request_then_confirmation_anonymises_everywhere(
    org: Any, members: Any, person: User, marta: Advocate, bystanders: list[Advocate], client_for: Any
) -> None:
    portal_email = person.email
    mentions = [e for e in AuditEvent.objects.filter(organization=org) if NAME in e.object_label + json.dumps(e.data)]
    assert mentions and AuditEvent.objects.filter(organization=org, actor_label=portal_email).exists()
    advocate_client = client_for(person)
    refused = advocate_client.post(f"/o/{org.slug}/portal/data/erasure/", {})
    assert refused.status_code == 400 and "Tick the box" in refused.content.decode()
    response = advocate_client.post(f"/o/{org.slug}/portal/data/erasure/", {"confirm": "on"})
    assert response.status_code == 302
    marta.refresh_from_db()
    assert marta.erasure_requested_at is not None and marta.anonymised_at is None
    assert AuditEvent.objects.filter(organization=org, verb="advocate.erasure_requested").count() == 1
    assert "You asked on" in advocate_client.get(f"/o/{org.slug}/portal/data/").content.decode()

    manager = client_for(members[Role.PROGRAM_MANAGER])
    listing = manager.get(privacy_url(org)).content.decode()
    assert NAME in listing and str(marta.public_id) in listing
    confirm_url = privacy_url(org, f"{marta.public_id}/erase/")
    assert manager.get(confirm_url).status_code == 200
    assert manager.post(confirm_url, {}).status_code == 400
    assert manager.post(confirm_url, {"confirm": "on"}).status_code == 302

    marta.refresh_from_db()
    assert marta.anonymised_at is not None
    assert marta.full_name == "Erased advocate" and marta.email == f"erased-{marta.public_id}@invalid"
    for field in ("title", "outcomes", "use_cases", "tags", "languages", "time_zone", "invitation_message"):
        assert getattr(marta, field) == "", field
    assert marta.user is None and marta.nps_score is None
    assert not any(marta.consents().values())
    assert marta.status == Advocate.Status.ALUMNI and marta.tier == Tier.GOLD

    # Consent: one withdrawal per granted flag, from the erasure, carrying nothing else.
    erasure_changes = ConsentChange.objects.filter(advocate=marta, source=ConsentSource.ERASURE)
    assert sorted(change.consent for change in erasure_changes) == ["named", "quoted"]
    assert all(not c.granted and c.note == "" and c.actor is None for c in erasure_changes)
    assert not ConsentChange.objects.filter(advocate=marta).exclude(note="").exists()
    assert not BlackoutPeriod.objects.filter(advocate=marta).exists()
    assert not ActivityPreference.objects.filter(advocate=marta).exists()
    assert not NpsResponse.objects.filter(advocate=marta).exists()
    assert not AdvocateStatusChange.objects.filter(advocate=marta).exclude(reason="").exists()
    assert not TierChange.objects.filter(advocate=marta).exclude(reason="").exists()

    # Activities stay, as anonymous counts.
    activity = Activity.objects.get(advocate=marta)
    assert activity.outcome == "" and activity.crm_opportunity_id == ""
    assert Activity.objects.filter(organization=org).counting().count() == 1

    # The portal account had no other organisation: closed and anonymised too.
    person.refresh_from_db()
    assert not person.is_active and person.email == f"erased-{person.public_id}@invalid" and person.full_name == ""
    assert not person.has_usable_password()
    assert not EmailAddress.objects.filter(user=person).exists()
    assert not Membership.objects.filter(user=person).exists()

    # Messages: the record of what was sent stays, without the person.
    messages = OutboundMessage.objects.filter(organization=org)
    assert messages.count() == 2
    for message in messages:
        assert message.recipient_user is None and message.subject == ""
        assert message.recipient_email == f"erased-{message.public_id}@invalid"
        assert EMAIL not in message.related_label

    # The log: nothing left that names the person; one event records the erasure, without them.
    for event in AuditEvent.objects.filter(organization=org):
        text = json.dumps(event.data) + event.object_label + event.actor_label
        for needle in (NAME, EMAIL, "Marta", "VP Finance", "on leave", portal_email):
            assert needle.lower() not in text.lower(), (event.verb, needle, text)
    erased = AuditEvent.objects.filter(organization=org, verb="advocate.erased")
    assert erased.count() == 1
    assert erased.get().data == {"public_id": str(marta.public_id)}
    assert erased.get().actor == members[Role.PROGRAM_MANAGER]

    # Nobody else was touched.
    neighbour, foreign = bystanders
    neighbour.refresh_from_db()
    assert neighbour.full_name == "Nuno Vizinho"
    created = AuditEvent.objects.get(organization=org, verb="advocate.created", object_id=str(neighbour.public_id))
    assert created.data["email"] == "nuno@x.test" and created.object_label == "Nuno Vizinho"
    assert NpsResponse.objects.filter(advocate=foreign).count() == 1
    assert "No requests are waiting." in manager.get(privacy_url(org)).content.decode()


def test_erasing_twice_is_a_conflict(org: Any, members: Any, marta: Advocate, client_for: Any) -> None:
    manager = members[Role.PROGRAM_MANAGER]
    advocate_erase(advocate=marta, actor=manager)
    with pytest.raises(ConflictError, match="already been erased"):
        advocate_erase(advocate=marta, actor=manager)
    response = client_for(manager).post(privacy_url(org, f"{marta.public_id}/erase/"), {"confirm": "on"})
    assert response.status_code == 409 and "already been erased" in response.content.decode()
    assert AuditEvent.objects.filter(organization=org, verb="advocate.erased").count() == 1


def test_a_person_who_belongs_elsewhere_keeps_their_account(
    org: Any, other_org: Any, members: Any, person: User, marta: Advocate
) -> None:
    MembershipFactory(organization=other_org, user=person, role=Role.ADVOCATE)
    original_email = person.email
    advocate_erase(advocate=marta, actor=members[Role.PROGRAM_MANAGER])
    person.refresh_from_db()
    assert person.is_active and person.email == original_email and person.full_name == NAME
    assert EmailAddress.objects.filter(user=person).exists()
    assert list(Membership.objects.filter(user=person).values_list("organization", flat=True)) == [other_org.pk]
    marta.refresh_from_db()
    assert marta.user is None


def test_a_staff_member_linked_as_the_advocate_is_only_unlinked(org: Any, members: Any, marta: Advocate) -> None:
    csm = members[Role.CSM]
    Advocate.objects.filter(pk=marta.pk).update(user=csm)
    marta.refresh_from_db()
    audit_log(organization=org, actor=csm, verb="advocate.updated", data={"note": "routine"})
    advocate_erase(advocate=marta, actor=members[Role.PROGRAM_MANAGER])
    csm.refresh_from_db()
    assert csm.is_active and Membership.objects.filter(organization=org, user=csm, role=Role.CSM).exists()
    assert AuditEvent.objects.filter(organization=org, actor=csm, actor_label=csm.email).exists()


# Who may do what --------------------------------------------------------------------------------------


def test_erasure_pages_are_for_the_program_team_of_the_organisation(
    org: Any, members: Any, other_manager: Any, outsider: Any, marta: Advocate, client_for: Any
) -> None:
    confirm_url = privacy_url(org, f"{marta.public_id}/erase/")
    for role in (Role.SALES, Role.ADVOCATE, Role.CSM, Role.EXECUTIVE):
        client = client_for(members[role])
        assert client.get(privacy_url(org)).status_code == 403, role
        assert client.post(confirm_url, {"confirm": "on"}).status_code == 403, role
    assert client_for(members[Role.ADMIN]).get(confirm_url).status_code == 200
    assert client_for(other_manager).get(confirm_url).status_code == 404
    assert client_for(other_manager).post(confirm_url, {"confirm": "on"}).status_code == 404
    assert client_for(outsider).get(privacy_url(org)).status_code == 404
    marta.refresh_from_db()
    assert marta.anonymised_at is None


def test_another_organisations_advocate_is_404_even_for_a_manager_here(
    org: Any, other_org: Any, members: Any, client_for: Any
) -> None:
    foreign = AdvocateFactory(organization=other_org)
    response = client_for(members[Role.PROGRAM_MANAGER]).post(
        privacy_url(org, f"{foreign.public_id}/erase/"), {"confirm": "on"}
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.anonymised_at is None


def test_erasure_releases_asks_and_withdraws_content_about_them(org: Any, members: Any, marta: Advocate) -> None:
    from requests_mgmt.models import Ask, ContentPiece, Publication, Referral
    from tests.factories import AdvocacyRequestFactory

    manager = members[Role.PROGRAM_MANAGER]
    advocacy_request = AdvocacyRequestFactory(organization=org, requester=members[Role.SALES], status="outreach")
    ask = Ask.objects.create(
        organization=org, request=advocacy_request, advocate=marta, asked_by=manager, message="Marta, would you?"
    )
    referral = Referral.objects.create(
        organization=org,
        advocate=marta,
        peer_name="Lee",
        peer_email="lee@peer.example",
        peer_company="Peer Co",
        context="Marta's old manager",
        peer_agreed=True,
    )
    piece = ContentPiece.objects.create(
        organization=org, advocate=marta, kind="testimonial", title="Quote", body="Marta says…", status="published"
    )
    publication = Publication.objects.create(organization=org, content=piece, channel="website")
    export = json.loads(json.dumps(advocate_data_export(advocate=marta), default=str))
    assert [row["message"] for row in export["asks"]] == ["Marta, would you?"]
    assert export["referrals"][0]["peer_company"] == "Peer Co" and export["content"][0]["title"] == "Quote"

    advocate_erase(advocate=marta, actor=manager)
    ask.refresh_from_db()
    referral.refresh_from_db()
    piece.refresh_from_db()
    publication.refresh_from_db()
    assert ask.status == Ask.Status.WITHDRAWN and ask.message == ""
    assert referral.context == "" and referral.peer_email == "lee@peer.example"
    assert piece.status == "withdrawn" and piece.body == "" and publication.withdrawn_at is not None


def test_the_advocate_can_withdraw_their_erasure_request(
    org: Any, other_org: Any, members: Any, person: User, marta: Advocate, other_manager: Any, client_for: Any
) -> None:
    client = client_for(person)
    withdraw = f"/o/{org.slug}/portal/data/erasure/withdraw/"
    client.post(withdraw)
    assert AuditEvent.objects.filter(organization=org, verb="advocate.erasure_withdrawn").count() == 0
    client.post(f"/o/{org.slug}/portal/data/erasure/", {"confirm": "on"})
    assert client_for(other_manager).post(withdraw).status_code == 404
    assert client_for(members[Role.SALES]).post(withdraw).status_code == 403
    page = client.get(f"/o/{org.slug}/portal/data/").content.decode()
    assert "I changed my mind" in page
    assert client.post(withdraw).status_code == 302
    marta.refresh_from_db()
    assert marta.erasure_requested_at is None
    assert AuditEvent.objects.filter(organization=org, verb="advocate.erasure_withdrawn").count() == 1
    assert str(marta.public_id) not in client_for(members[Role.PROGRAM_MANAGER]).get(privacy_url(org)).content.decode()
