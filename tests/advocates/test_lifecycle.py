"""The advocate lifecycle from the program team's pages: nominate, invite, pause, tiers, activities."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core import mail

from advocacy.errors import ConflictError, ValidationFailed
from advocacy.models import AuditEvent, Invitation
from advocacy.roles import Role
from advocates import services
from advocates.models import Advocate, AdvocateStatusChange, Tier
from tests.factories import AdvocateFactory, CustomerAccountFactory

pytestmark = pytest.mark.django_db


def test_csm_nominates_with_a_reason(org: Any, members: Any, client_for: Any) -> None:
    csm = members[Role.CSM]
    advocate = AdvocateFactory(organization=org, status=Advocate.Status.CANDIDATE, account__csm=csm)
    url = f"/o/{org.slug}/advocates/{advocate.public_id}/nominate/"
    client_for(csm).post(url, {"reason": ""})
    advocate.refresh_from_db()
    assert advocate.status == Advocate.Status.CANDIDATE
    client_for(csm).post(url, {"reason": "Ran our pilot and loves to present results."})
    advocate.refresh_from_db()
    assert advocate.status == Advocate.Status.NOMINATED
    change = AdvocateStatusChange.objects.filter(advocate=advocate).first()
    assert change is not None and change.reason.startswith("Ran our pilot") and change.actor == csm


def test_sales_cannot_nominate_and_another_organisation_gets_404(
    org: Any, members: Any, other_manager: Any, client_for: Any
) -> None:
    advocate = AdvocateFactory(organization=org, status=Advocate.Status.CANDIDATE)
    url = f"/o/{org.slug}/advocates/{advocate.public_id}/nominate/"
    assert client_for(members[Role.SALES]).post(url, {"reason": "x"}).status_code == 403
    assert client_for(other_manager).post(url, {"reason": "x"}).status_code == 404


def test_invitation_with_a_personal_message_creates_portal_access(
    org: Any, members: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    advocate = AdvocateFactory(organization=org, status=Advocate.Status.NOMINATED, email="rui@customer.example")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(members[Role.PROGRAM_MANAGER]).post(
            f"/o/{org.slug}/advocates/{advocate.public_id}/invite/",
            {"sender": members[Role.PROGRAM_MANAGER].pk, "message": "Your results inspired our whole team."},
        )
    assert response.status_code == 302
    advocate.refresh_from_db()
    assert advocate.status == Advocate.Status.INVITED and advocate.invited_by == members[Role.PROGRAM_MANAGER]
    invitation = Invitation.objects.get(organization=org, email="rui@customer.example")
    assert invitation.role == Role.ADVOCATE
    assert any("Your results inspired our whole team." in message.body for message in mail.outbox)


def test_platinum_invitations_go_out_in_an_executives_name(org: Any, members: Any) -> None:
    advocate = AdvocateFactory(organization=org, status=Advocate.Status.CANDIDATE, tier=Tier.PLATINUM)
    manager = members[Role.PROGRAM_MANAGER]
    with pytest.raises(ValidationFailed) as error:
        services.advocate_invite(advocate=advocate, actor=manager, sender=manager, message="Hello")
    assert "executive" in str(error.value.errors["sender"])
    services.advocate_invite(advocate=advocate, actor=manager, sender=members[Role.EXECUTIVE], message="Hello")
    advocate.refresh_from_db()
    assert advocate.invited_by == members[Role.EXECUTIVE]


def test_illegal_lifecycle_moves_are_refused(org: Any, members: Any) -> None:
    advocate = AdvocateFactory(organization=org, status=Advocate.Status.CANDIDATE)
    with pytest.raises(ConflictError):
        services.advocate_change_status(
            advocate=advocate, status=Advocate.Status.ALUMNI, actor=members[Role.PROGRAM_MANAGER]
        )
    advocate.refresh_from_db()
    assert advocate.status == Advocate.Status.CANDIDATE


def test_pausing_is_recorded_with_its_reason(org: Any, members: Any, client_for: Any) -> None:
    advocate = AdvocateFactory(organization=org, status=Advocate.Status.ACTIVE)
    client_for(members[Role.PROGRAM_MANAGER]).post(
        f"/o/{org.slug}/advocates/{advocate.public_id}/status/", {"status": "paused", "reason": "Changing jobs"}
    )
    advocate.refresh_from_db()
    assert advocate.status == Advocate.Status.PAUSED
    event = AuditEvent.objects.get(organization=org, verb="advocate.status_changed")
    assert event.data == {"from": "active", "to": "paused", "reason": "Changing jobs"}


def test_first_completed_activity_activates_an_enrolled_advocate(
    org: Any, members: Any, activity_types: Any, client_for: Any
) -> None:
    advocate = AdvocateFactory(organization=org, status=Advocate.Status.INVITED, user=members[Role.ADVOCATE])
    services.advocate_respond_to_invitation(advocate=advocate, user=members[Role.ADVOCATE], accept=True)
    response = client_for(members[Role.PROGRAM_MANAGER]).post(
        f"/o/{org.slug}/advocates/{advocate.public_id}/activities/",
        {
            "activity_type": activity_types["reference_call"].pk,
            "occurred_on": date.today().isoformat(),
            "status": "completed",
            "minutes": 40,
        },
    )
    assert response.status_code == 302
    advocate.refresh_from_db()
    assert advocate.status == Advocate.Status.ACTIVE and advocate.joined_at == date.today()
    assert advocate.last_activity_at == date.today()


def test_an_activity_form_with_another_organisations_type_is_refused(
    org: Any, other_org: Any, members: Any, client_for: Any
) -> None:
    from advocates.models import Activity, ActivityType

    foreign_type = ActivityType.objects.filter(organization=other_org).first()
    assert foreign_type is not None
    advocate = AdvocateFactory(organization=org)
    client_for(members[Role.PROGRAM_MANAGER]).post(
        f"/o/{org.slug}/advocates/{advocate.public_id}/activities/",
        {"activity_type": foreign_type.pk, "occurred_on": date.today().isoformat(), "status": "completed"},
    )
    assert not Activity.objects.filter(advocate=advocate).exists()


def test_a_completed_activity_cannot_be_in_the_future(
    org: Any, members: Any, activity_types: Any, client_for: Any
) -> None:
    from advocates.models import Activity

    advocate = AdvocateFactory(organization=org)
    page = client_for(members[Role.PROGRAM_MANAGER]).post(
        f"/o/{org.slug}/advocates/{advocate.public_id}/activities/",
        {
            "activity_type": activity_types["testimonial"].pk,
            "occurred_on": (date.today() + timedelta(days=3)).isoformat(),
            "status": "completed",
        },
        follow=True,
    )
    assert "cannot be in the future" in page.content.decode()
    assert not Activity.objects.filter(advocate=advocate).exists()


def test_candidates_page_ranks_the_eligible_and_explains_the_rest(org: Any, members: Any, client_for: Any) -> None:
    healthy = CustomerAccountFactory(organization=org, health_score=95, customer_since=date(2019, 1, 1))
    sick = CustomerAccountFactory(organization=org, health_score=40, customer_since=date(2019, 1, 1))
    candidate = Advocate.Status.CANDIDATE
    AdvocateFactory(
        organization=org, account=healthy, full_name="Strong Fit", nps_score=10, outcomes="Saved 30 %", status=candidate
    )
    AdvocateFactory(organization=org, account=healthy, full_name="Good Fit", nps_score=9, status=candidate)
    AdvocateFactory(organization=org, account=sick, full_name="Unhealthy Account", nps_score=10, status=candidate)
    AdvocateFactory(organization=org, account=healthy, full_name="Already Active", status=Advocate.Status.ACTIVE)
    client = client_for(members[Role.PROGRAM_MANAGER])
    page = client.get(f"/o/{org.slug}/advocates/candidates/").content.decode()
    assert page.index("Strong Fit") < page.index("Good Fit")
    assert "Unhealthy Account" not in page and "Already Active" not in page
    everyone = client.get(f"/o/{org.slug}/advocates/candidates/?show=all").content.decode()
    assert "Unhealthy Account" in everyone and "health is below 80" in everyone


def test_tier_review_lists_pending_suggestions_and_accepts_them(org: Any, members: Any, client_for: Any) -> None:
    advocate = AdvocateFactory(
        organization=org, status=Advocate.Status.ACTIVE, tier=Tier.SILVER, suggested_tier=Tier.GOLD,
        suggested_tier_reason="3 activities completed in the last 12 months.",
    )  # fmt: skip
    settled = AdvocateFactory(organization=org, status=Advocate.Status.ACTIVE, tier=Tier.GOLD, suggested_tier=Tier.GOLD)
    client = client_for(members[Role.PROGRAM_MANAGER])
    page = client.get(f"/o/{org.slug}/advocates/tiers/").content.decode()
    assert advocate.full_name in page and settled.full_name not in page
    client.post(f"/o/{org.slug}/advocates/{advocate.public_id}/tier/", {"action": "accept", "next": "tier-review"})
    advocate.refresh_from_db()
    assert advocate.tier == Tier.GOLD


def test_profile_shows_capacity_eligibility_and_tier_reasons(
    org: Any, members: Any, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    advocate = AdvocateFactory(
        organization=org, tier=Tier.SILVER, suggested_tier=Tier.GOLD, suggested_tier_reason="Helped 3 times."
    )
    # A fixed number of queries, however long the advocate's history.
    with django_assert_max_num_queries(40):
        page = client_for(members[Role.PROGRAM_MANAGER]).get(f"/o/{org.slug}/advocates/{advocate.public_id}/")
    body = page.content.decode()
    assert "Capacity" in body and "0 / 6" in body
    assert "How the eligibility score is made" in body and "Helped 3 times." in body


def test_record_health_keeps_history(org: Any, members: Any, client_for: Any) -> None:
    account = CustomerAccountFactory(organization=org, health_score=90)
    client = client_for(members[Role.PROGRAM_MANAGER])
    client.post(f"/o/{org.slug}/accounts/{account.public_id}/health/", {"health_score": 72})
    client.post(f"/o/{org.slug}/accounts/{account.public_id}/health/", {"health_score": 140})
    account.refresh_from_db()
    assert account.health_score == 72
    assert list(account.health_history.values_list("previous", "score")) == [(90, 72)]
    assert (
        client_for(members[Role.SALES])
        .post(f"/o/{org.slug}/accounts/{account.public_id}/health/", {"health_score": 10})
        .status_code
        == 403
    )


def test_add_and_edit_a_contact(org: Any, other_org: Any, members: Any, client_for: Any) -> None:
    account = CustomerAccountFactory(organization=org, name="Harbor Labs")
    foreign_account = CustomerAccountFactory(organization=other_org)
    client = client_for(members[Role.PROGRAM_MANAGER])
    data = {
        "account": account.pk,
        "full_name": "Rita Lopes",
        "email": "Rita@Harbor.example",
        "title": "CFO",
        "seniority": "executive",
        "language_codes": ["pt", "en"],
        "time_zone": "Europe/Lisbon",
        "preferred_channel": "video",
        "nps_score": 9,
        "tags": "champion",
    }
    response = client.post(f"/o/{org.slug}/advocates/new/", data)
    advocate = Advocate.objects.get(organization=org, email="rita@harbor.example")
    assert response.status_code == 302 and advocate.status == Advocate.Status.CANDIDATE
    assert advocate.languages == "pt en" and advocate.nps_score == 9 and advocate.nps_history.count() == 1
    duplicate = client.post(f"/o/{org.slug}/advocates/new/", data)
    assert duplicate.status_code == 400 and "already has this email" in duplicate.content.decode()
    foreign = client.post(
        f"/o/{org.slug}/advocates/new/", {**data, "email": "x@y.example", "account": foreign_account.pk}
    )
    assert foreign.status_code == 400 and not Advocate.objects.filter(email="x@y.example").exists()
    edit = client.post(f"/o/{org.slug}/advocates/{advocate.public_id}/edit/", {**data, "title": "CEO", "nps_score": 10})
    assert edit.status_code == 302
    advocate.refresh_from_db()
    assert advocate.title == "CEO" and advocate.nps_score == 10 and advocate.nps_history.count() == 2
    event = AuditEvent.objects.filter(organization=org, verb="advocate.updated").first()
    assert event is not None and event.data["title"] == {"from": "CFO", "to": "CEO"}
    assert client_for(members[Role.MARKETING]).get(f"/o/{org.slug}/advocates/new/").status_code == 403
