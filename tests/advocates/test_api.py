"""The advocates API: accounts, advocates and their actions, activity types and the activity ledger.

Each endpoint's happy path, its bad input (400 naming the fields), forbidden state changes (409),
references into another organisation, the audit trail, and list query counts that do not grow.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from advocacy.models import AuditEvent, Invitation
from advocacy.roles import Role
from advocates.models import (
    AccountProduct,
    Activity,
    ActivityPreference,
    ActivityType,
    Advocate,
    AdvocateStatusChange,
    BlackoutPeriod,
    ConsentChange,
    ConsentSource,
    CustomerAccount,
    HealthScoreChange,
    NpsResponse,
    Product,
    Tier,
    TierChange,
)
from tests.factories import (
    ActivityFactory,
    ActivityTypeFactory,
    AdvocacyRequestFactory,
    AdvocateFactory,
    CustomerAccountFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def base(org: Any) -> str:
    return f"/api/v1/orgs/{org.slug}"


@pytest.fixture
def manager(members: Any) -> APIClient:
    return api(members[Role.PROGRAM_MANAGER])


def fields_of(response: Any) -> dict[str, Any]:
    assert response.status_code == 400, response.content
    return dict(response.json()["error"]["fields"])


def verbs(org: Any) -> list[str]:
    return list(AuditEvent.objects.filter(organization=org).order_by("created_at", "id").values_list("verb", flat=True))


def product(org: Any, name: str) -> Product:
    return Product.objects.create(organization=org, name=name)


def uses(account: CustomerAccount, *products: Product) -> None:
    AccountProduct.objects.bulk_create(
        [AccountProduct(organization=account.organization, account=account, product=item) for item in products]
    )


# Accounts ----------------------------------------------------------------------------------------------


def test_account_list_filters(org: Any, members: Any, manager: APIClient, base: str) -> None:
    csm = members[Role.CSM]
    bank = CustomerAccountFactory(
        organization=org, name="Lisbon Bank", industry="Banking", segment="enterprise", region="emea", csm=csm
    )
    shop = CustomerAccountFactory(
        organization=org, name="Tokyo Shop", industry="Retail", segment="smb", region="apac", health_score=55
    )
    uses(bank, product(org, "Insights"))

    def names(query: str) -> list[str]:
        response = manager.get(f"{base}/accounts/?{query}")
        assert response.status_code == 200, response.content
        return [row["name"] for row in response.json()["results"]]

    assert names("") == ["Lisbon Bank", "Tokyo Shop"]
    assert names("q=lisbon") == ["Lisbon Bank"]
    assert names("industry=Retail") == ["Tokyo Shop"]
    assert names("segment=enterprise") == ["Lisbon Bank"]
    assert names("region=apac") == ["Tokyo Shop"]
    assert names("product=insights") == ["Lisbon Bank"]
    assert names("health_below=80") == ["Tokyo Shop"]
    assert names(f"csm={csm.email.upper()}") == ["Lisbon Bank"]
    assert shop.name not in names("product=Insights")


def test_account_list_refuses_a_malformed_filter(manager: APIClient, base: str) -> None:
    fields = fields_of(manager.get(f"{base}/accounts/?segment=galaxy&health_below=lots"))
    assert set(fields) == {"segment", "health_below"}


def test_account_detail_has_products_health_and_tenure(org: Any, manager: APIClient, base: str) -> None:
    account = CustomerAccountFactory(organization=org, health_score=88, customer_since=TODAY() - timedelta(days=400))
    uses(account, product(org, "Warehouse"), product(org, "Insights"))
    AdvocateFactory(organization=org, account=account)
    body = manager.get(f"{base}/accounts/{account.public_id}/").json()
    assert body["products"] == ["Insights", "Warehouse"]
    assert body["health_score"] == 88 and body["tenure_months"] == 13 and body["advocate_count"] == 1


def test_csm_sees_only_the_accounts_they_own(org: Any, members: Any, base: str) -> None:
    csm = members[Role.CSM]
    own = CustomerAccountFactory(organization=org, csm=csm)
    other = CustomerAccountFactory(organization=org)
    client = api(csm)
    assert [row["id"] for row in client.get(f"{base}/accounts/").json()["results"]] == [str(own.public_id)]
    assert client.get(f"{base}/accounts/{other.public_id}/").status_code == 404


def test_create_account_with_products_csm_and_first_health_score(
    org: Any, members: Any, manager: APIClient, base: str
) -> None:
    product(org, "Insights")
    response = manager.post(
        f"{base}/accounts/",
        {
            "name": "Harbor Labs",
            "industry": "Logistics",
            "segment": "mid_market",
            "region": "emea",
            "country": "pt",
            "customer_since": "2023-01-15",
            "csm": members[Role.CSM].email,
            "crm_id": "0016000000XyZ",
            "products": ["Insights"],
            "health_score": 84,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["country"] == "PT" and body["csm"] == members[Role.CSM].email and body["products"] == ["Insights"]
    assert body["health_score"] == 84
    account = CustomerAccount.objects.get(organization=org, public_id=body["id"])
    assert list(HealthScoreChange.objects.filter(account=account).values_list("previous", "score")) == [(None, 84)]
    assert verbs(org)[-2:] == ["account.created", "account.health_changed"]


def test_create_account_bad_input(org: Any, other_org: Any, outsider: Any, manager: APIClient, base: str) -> None:
    Product.objects.create(organization=other_org, name="Foreign")
    fields = fields_of(
        manager.post(
            f"{base}/accounts/",
            {"country": "Portugal", "csm": outsider.email, "products": ["Foreign"], "health_score": 101, "x": 1},
            format="json",
        )
    )
    assert set(fields) == {"name", "country", "csm", "products", "health_score", "x"}
    assert "No such product in this organisation" in str(fields["products"])
    assert "No member of this organisation" in fields["csm"][0]


def test_crm_id_is_unique_in_the_organisation(org: Any, manager: APIClient, base: str) -> None:
    CustomerAccountFactory(organization=org, crm_id="CRM-1")
    fields = fields_of(manager.post(f"{base}/accounts/", {"name": "Twin", "crm_id": "CRM-1"}, format="json"))
    assert "CRM ID" in fields["crm_id"][0]


def test_update_account_profile_and_products_but_not_health(org: Any, manager: APIClient, base: str) -> None:
    account = CustomerAccountFactory(organization=org, industry="Retail")
    insights, warehouse = product(org, "Insights"), product(org, "Warehouse")
    uses(account, insights)
    url = f"{base}/accounts/{account.public_id}/"
    response = manager.patch(url, {"industry": "Grocery", "products": ["Warehouse"]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["industry"] == "Grocery" and response.json()["products"] == ["Warehouse"]
    event = AuditEvent.objects.get(organization=org, verb="account.updated")
    assert event.data["industry"] == {"from": "Retail", "to": "Grocery"}
    assert event.data["products"] == {"to": ["Warehouse"]}
    assert list(AccountProduct.objects.filter(account=account).values_list("product", flat=True)) == [warehouse.pk]
    refused = fields_of(manager.patch(url, {"health_score": 10}, format="json"))
    assert "health/" in refused["health_score"][0]


def test_health_action_records_and_lists_history(org: Any, members: Any, manager: APIClient, base: str) -> None:
    account = CustomerAccountFactory(organization=org, health_score=90)
    url = f"{base}/accounts/{account.public_id}/health/"
    response = manager.post(url, {"score": 72}, format="json")
    assert response.status_code == 200 and response.json()["health_score"] == 72
    assert set(fields_of(manager.post(url, {"score": 140}, format="json"))) == {"score"}
    history = manager.get(url).json()
    assert [(row["previous"], row["score"]) for row in history] == [(90, 72)]
    assert history[0]["recorded_by"] == members[Role.PROGRAM_MANAGER].email
    assert AuditEvent.objects.filter(organization=org, verb="account.health_changed").count() == 1
    assert api(members[Role.MARKETING]).post(url, {"score": 10}, format="json").status_code == 403
    assert api(members[Role.MARKETING]).get(url).status_code == 200


def test_account_writes_need_the_manage_capability(org: Any, members: Any, base: str) -> None:
    account = CustomerAccountFactory(organization=org, csm=members[Role.CSM])
    client = api(members[Role.CSM])
    assert client.post(f"{base}/accounts/", {"name": "X"}, format="json").status_code == 403
    assert client.patch(f"{base}/accounts/{account.public_id}/", {"name": "Y"}, format="json").status_code == 403


# Advocates: list and detail ---------------------------------------------------------------------------


def test_advocate_list_filters(org: Any, activity_types: Any, manager: APIClient, base: str) -> None:
    bank = CustomerAccountFactory(organization=org, name="Bank", industry="Banking", segment="enterprise")
    uses(bank, product(org, "Insights"))
    shop = CustomerAccountFactory(organization=org, name="Shop", industry="Retail", region="apac", health_score=40)
    busy = AdvocateFactory(
        organization=org, account=bank, full_name="Ana Busy", tier=Tier.PLATINUM, last_activity_at=TODAY()
    )
    for days in range(5):
        ActivityFactory(
            organization=org,
            advocate=busy,
            activity_type=activity_types["reference_call"],
            occurred_on=TODAY() - timedelta(days=10 + days),
        )
    idle = AdvocateFactory(
        organization=org,
        account=shop,
        full_name="Ken Idle",
        tier=Tier.SILVER,
        status=Advocate.Status.PAUSED,
        last_activity_at=TODAY() - timedelta(days=400),
    )

    def names(query: str) -> list[str]:
        response = manager.get(f"{base}/advocates/?{query}")
        assert response.status_code == 200, response.content
        return [row["full_name"] for row in response.json()["results"]]

    assert names("") == ["Ana Busy", "Ken Idle"]
    assert names("q=shop") == ["Ken Idle"]
    assert names("tier=platinum") == ["Ana Busy"]
    assert names("status=paused") == ["Ken Idle"]
    assert names("segment=enterprise") == ["Ana Busy"]
    assert names("region=apac") == ["Ken Idle"]
    assert names("industry=Retail") == ["Ken Idle"]
    assert names("product=Insights") == ["Ana Busy"]
    assert names("min_capacity_remaining=2") == ["Ken Idle"]
    assert names("min_capacity_remaining=1") == ["Ana Busy", "Ken Idle"]
    assert names(f"last_activity_before={(TODAY() - timedelta(days=30)).isoformat()}") == ["Ken Idle"]
    assert names(f"last_activity_after={(TODAY() - timedelta(days=30)).isoformat()}") == ["Ana Busy"]
    assert names("eligible=true") == ["Ana Busy"]
    assert names("eligible=false") == ["Ken Idle"]
    assert names("sort=-name") == ["Ken Idle", "Ana Busy"]
    assert names("sort=capacity") == ["Ken Idle", "Ana Busy"]
    assert idle.full_name in names("sort=eligibility")
    assert set(fields_of(manager.get(f"{base}/advocates/?tier=diamond&eligible=perhaps&sort=age"))) == {
        "tier",
        "eligible",
        "sort",
    }


def test_advocate_detail_profile(org: Any, activity_types: Any, manager: APIClient, base: str) -> None:
    advocate = AdvocateFactory(
        organization=org,
        languages="en pt",
        tags="fintech, speaker",
        consent_named=True,
        consent_quoted=True,
        tier=Tier.SILVER,
        suggested_tier=Tier.GOLD,
        suggested_tier_reason="3 activities completed in the last 12 months.",
    )
    ActivityFactory(organization=org, advocate=advocate, activity_type=activity_types["testimonial"])
    body = manager.get(f"{base}/advocates/{advocate.public_id}/").json()
    assert body["languages"] == ["en", "pt"] and body["tags"] == ["fintech", "speaker"]
    assert body["consents"] == {
        "named": True,
        "quoted": True,
        "logo": False,
        "recorded": False,
        "speak_publicly": False,
    }
    assert body["capacity"] == {"used": 1, "cap": 6, "remaining": 5}
    assert body["suggested_tier"] == "gold" and body["suggested_tier_reason"].startswith("3 activities")
    assert body["is_eligible"] is True and body["eligibility_score"] > 0


def test_csm_sees_only_the_advocates_of_their_accounts(org: Any, members: Any, base: str) -> None:
    csm = members[Role.CSM]
    own = AdvocateFactory(organization=org, account__csm=csm)
    other = AdvocateFactory(organization=org)
    client = api(csm)
    assert [row["id"] for row in client.get(f"{base}/advocates/").json()["results"]] == [str(own.public_id)]
    assert client.get(f"{base}/advocates/{other.public_id}/").status_code == 404
    assert client.get(f"{base}/advocates/{other.public_id}/capacity/").status_code == 404


def test_foreign_advocate_is_404_everywhere(org: Any, other_org: Any, manager: APIClient, base: str) -> None:
    foreign = AdvocateFactory(organization=other_org, status=Advocate.Status.ACTIVE)
    for suffix in ("", "capacity/", "eligibility/", "consent/", "preferences/", "blackouts/", "history/"):
        assert manager.get(f"{base}/advocates/{foreign.public_id}/{suffix}").status_code == 404, suffix
    response = manager.post(f"{base}/advocates/{foreign.public_id}/status/", {"status": "paused", "reason": "x"})
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == Advocate.Status.ACTIVE


# Advocates: create and update ----------------------------------------------------------------------------


def test_create_advocate_starts_as_a_community_candidate(org: Any, manager: APIClient, base: str) -> None:
    account = CustomerAccountFactory(organization=org)
    response = manager.post(
        f"{base}/advocates/",
        {
            "account": str(account.public_id),
            "full_name": "Rita Lopes",
            "email": "Rita@Example.test",
            "languages": ["pt", "en"],
            "tags": ["fintech", " speaker "],
            "time_zone": "Europe/Lisbon",
            "nps_score": 10,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["tier"]) == ("candidate", "community")
    assert body["languages"] == ["pt", "en"] and body["tags"] == ["fintech", "speaker"]
    assert body["nps_score"] == 10 and body["capacity"]["remaining"] == 6
    advocate = Advocate.objects.get(organization=org, public_id=body["id"])
    assert list(NpsResponse.objects.filter(advocate=advocate).values_list("score", flat=True)) == [10]
    assert "advocate.created" in verbs(org)


def test_create_advocate_bad_input(org: Any, other_org: Any, manager: APIClient, base: str) -> None:
    foreign_account = CustomerAccountFactory(organization=other_org)
    fields = fields_of(
        manager.post(
            f"{base}/advocates/",
            {
                "account": str(foreign_account.public_id),
                "full_name": "",
                "email": "nope",
                "languages": ["english"],
                "time_zone": "Mars/Olympus",
                "tier": "platinum",
            },
            format="json",
        )
    )
    assert set(fields) == {"account", "full_name", "email", "languages", "time_zone", "tier"}
    assert "No such account in this organisation" in fields["account"][0]
    assert "tier/" in fields["tier"][0]


def test_patch_changes_the_profile_but_never_tier_or_status(
    org: Any, members: Any, manager: APIClient, base: str
) -> None:
    advocate = AdvocateFactory(organization=org, title="Analyst", tier=Tier.GOLD)
    url = f"{base}/advocates/{advocate.public_id}/"
    refused = fields_of(manager.patch(url, {"tier": "platinum", "status": "alumni"}, format="json"))
    assert "tier/" in refused["tier"][0] and "status/" in refused["status"][0]
    advocate.refresh_from_db()
    assert (advocate.tier, advocate.status) == (Tier.GOLD, Advocate.Status.ACTIVE)
    response = manager.patch(url, {"title": "Head of Data", "tags": ["cab"]}, format="json")
    assert response.status_code == 200 and response.json()["title"] == "Head of Data"
    event = AuditEvent.objects.get(organization=org, verb="advocate.updated")
    assert event.actor == members[Role.PROGRAM_MANAGER] and event.data["title"] == {
        "from": "Analyst",
        "to": "Head of Data",
    }


# Advocates: lifecycle ------------------------------------------------------------------------------------


def test_status_action_pauses_with_a_reason_and_refuses_illegal_moves(
    org: Any, members: Any, manager: APIClient, base: str
) -> None:
    advocate = AdvocateFactory(organization=org, status=Advocate.Status.ACTIVE)
    url = f"{base}/advocates/{advocate.public_id}/status/"
    assert set(fields_of(manager.post(url, {"status": "paused"}, format="json"))) == {"reason"}
    assert "invite/" in fields_of(manager.post(url, {"status": "invited", "reason": "x"}, format="json"))["status"][0]
    response = manager.post(url, {"status": "paused", "reason": "Reorganisation at the customer."}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "paused"
    change = AdvocateStatusChange.objects.filter(advocate=advocate).first()
    assert change is not None and change.reason == "Reorganisation at the customer."
    assert change.actor == members[Role.PROGRAM_MANAGER]
    assert AuditEvent.objects.filter(organization=org, verb="advocate.status_changed").count() == 1
    conflict = manager.post(url, {"status": "candidate", "reason": "Start over"}, format="json")
    assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "conflict"
    assert api(members[Role.MARKETING]).post(url, {"status": "active", "reason": "x"}, format="json").status_code == 403


def test_nominate_needs_a_reason_and_is_open_to_the_accounts_csm(org: Any, members: Any, base: str) -> None:
    csm = members[Role.CSM]
    advocate = AdvocateFactory(organization=org, status=Advocate.Status.CANDIDATE, account__csm=csm)
    url = f"{base}/advocates/{advocate.public_id}/nominate/"
    assert "Say why" in fields_of(api(csm).post(url, {"reason": "  "}, format="json"))["reason"][0]
    assert api(members[Role.MARKETING]).post(url, {"reason": "Great"}, format="json").status_code == 403
    response = api(csm).post(url, {"reason": "Ran our pilot and presents results."}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "nominated"
    assert api(csm).post(url, {"reason": "Again"}, format="json").status_code == 409
    someone_elses = AdvocateFactory(organization=org, status=Advocate.Status.CANDIDATE)
    response = api(csm).post(f"{base}/advocates/{someone_elses.public_id}/nominate/", {"reason": "x"}, format="json")
    assert response.status_code == 404


def test_invite_with_message_and_sender(org: Any, members: Any, outsider: Any, manager: APIClient, base: str) -> None:
    advocate = AdvocateFactory(
        organization=org, status=Advocate.Status.NOMINATED, tier=Tier.PLATINUM, email="rui@customer.example"
    )
    url = f"{base}/advocates/{advocate.public_id}/invite/"
    assert set(fields_of(manager.post(url, {"message": "", "sender": outsider.email}, format="json"))) == {"sender"}
    not_exec = fields_of(manager.post(url, {"message": "Join us", "sender": members[Role.PROGRAM_MANAGER].email}))
    assert "executive" in not_exec["sender"][0]
    assert "personal message" in fields_of(manager.post(url, {"message": " "}, format="json"))["message"][0]
    response = manager.post(
        url, {"message": "Your results inspired us.", "sender": members[Role.EXECUTIVE].email}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "invited" and response.json()["invited_by"] == members[Role.EXECUTIVE].email
    advocate.refresh_from_db()
    assert advocate.invitation_message == "Your results inspired us."
    assert Invitation.objects.filter(organization=org, email="rui@customer.example", role=Role.ADVOCATE).exists()
    assert manager.post(url, {"message": "Again", "sender": members[Role.EXECUTIVE].email}).status_code == 409


def test_tier_accept_and_override(org: Any, members: Any, manager: APIClient, base: str) -> None:
    advocate = AdvocateFactory(organization=org, tier=Tier.SILVER)
    url = f"{base}/advocates/{advocate.public_id}/tier/"
    assert manager.post(url, {"action": "accept"}, format="json").status_code == 409
    assert set(fields_of(manager.post(url, {}, format="json"))) == {"action"}
    assert "reason" in fields_of(manager.post(url, {"tier": "gold"}, format="json"))
    assert set(fields_of(manager.post(url, {"action": "accept", "tier": "gold"}, format="json"))) == {"tier"}
    response = manager.post(url, {"tier": "gold", "reason": "Leads our customer advisory board."}, format="json")
    assert response.status_code == 200 and response.json()["tier"] == "gold"
    assert manager.post(url, {"tier": "gold", "reason": "Again"}, format="json").status_code == 409
    Advocate.objects.filter(pk=advocate.pk).update(suggested_tier=Tier.PLATINUM, suggested_tier_reason="5 activities.")
    response = manager.post(url, {"action": "accept"}, format="json")
    assert response.status_code == 200 and response.json()["tier"] == "platinum"
    kinds = list(
        TierChange.objects.filter(advocate=advocate).order_by("created_at", "id").values_list("kind", "reason")
    )
    assert kinds == [("overridden", "Leads our customer advisory board."), ("accepted", "5 activities.")]
    assert AuditEvent.objects.filter(organization=org, verb="advocate.tier_changed").count() == 2
    assert api(members[Role.CSM]).post(url, {"action": "accept"}, format="json").status_code == 403


# Advocates: capacity and eligibility ----------------------------------------------------------------------


def test_capacity_overall_and_per_type(org: Any, activity_types: Any, manager: APIClient, base: str) -> None:
    advocate = AdvocateFactory(organization=org)
    testimonial = activity_types["testimonial"]
    done_on = TODAY() - timedelta(days=20)
    ActivityFactory(organization=org, advocate=advocate, activity_type=testimonial, occurred_on=done_on)
    ActivityFactory(organization=org, advocate=advocate, activity_type=activity_types["reference_call"])
    ActivityPreference.objects.create(
        organization=org, advocate=advocate, activity_type=testimonial, max_per_year=2, min_interval_days=90
    )
    body = manager.get(f"{base}/advocates/{advocate.public_id}/capacity/").json()
    assert (body["cap"], body["used"], body["remaining"], body["at_cap"]) == (6, 2, 4, False)
    assert body["has_stated_preferences"] is True
    by_key = {row["activity_type"]["key"]: row for row in body["per_type"]}
    row = by_key["testimonial"]
    assert (row["used"], row["limit"], row["remaining"], row["min_interval_days"]) == (1, 2, 1, 90)
    assert row["willing"] is True and row["last_on"] == done_on.isoformat()
    assert row["next_eligible_on"] == (done_on + timedelta(days=90)).isoformat()
    assert by_key["reference_call"]["willing"] is False


def test_eligibility_explains_each_part_and_why_not(org: Any, manager: APIClient, base: str) -> None:
    sick = CustomerAccountFactory(organization=org, health_score=40, customer_since=TODAY() - timedelta(days=100))
    advocate = AdvocateFactory(organization=org, account=sick, nps_score=6)
    body = manager.get(f"{base}/advocates/{advocate.public_id}/eligibility/").json()
    assert body["is_eligible"] is False and body["maximum"] == 100
    parts = {part["key"]: part for part in body["parts"]}
    assert set(parts) == {"health", "tenure", "nps", "outcomes", "consent", "participation"}
    assert parts["health"]["points"] == 0 and parts["health"]["maximum"] == 30
    assert "Health 40" in parts["health"]["explanation"]
    assert body["score"] == sum(part["points"] for part in body["parts"])
    assert any("health is below 80" in reason for reason in body["reasons"])
    healthy = AdvocateFactory(organization=org, outcomes="Cut reporting time by 40 %")
    good = manager.get(f"{base}/advocates/{healthy.public_id}/eligibility/").json()
    assert good["is_eligible"] is True and good["reasons"] == []


# Advocates: consent, preferences, blackouts, history ----------------------------------------------------------


def test_consent_records_program_team_changes_with_history(
    org: Any, members: Any, manager: APIClient, base: str
) -> None:
    advocate = AdvocateFactory(organization=org, consent_named=True)
    url = f"{base}/advocates/{advocate.public_id}/consent/"
    assert manager.get(url).json() == {
        "consents": {"named": True, "quoted": False, "logo": False, "recorded": False, "speak_publicly": False},
        "history": [],
    }
    response = manager.post(
        url,
        {"consents": {"named": True, "quoted": True, "logo": True}, "note": "Said so on the QBR call."},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["consents"]["quoted"] is True and body["consents"]["logo"] is True
    assert {row["consent"] for row in body["history"]} == {"quoted", "logo"}
    assert (
        body["history"][0]["source"] == "program_team"
        and body["history"][0]["actor"] == members["program_manager"].email
    )
    assert ConsentChange.objects.filter(advocate=advocate, source=ConsentSource.PROGRAM_TEAM).count() == 2
    event = AuditEvent.objects.get(organization=org, verb="advocate.consent_changed")
    assert event.data == {"quoted": True, "logo": True, "source": "program_team"}
    assert "famous" in fields_of(manager.post(url, {"consents": {"famous": True}}, format="json"))["consents"]
    assert "consents" in fields_of(manager.post(url, {"consents": {}}, format="json"))
    assert api(members[Role.MARKETING]).post(url, {"consents": {"named": False}}, format="json").status_code == 403


def test_preferences_replace_willing_types_and_contact_details(
    org: Any, other_org: Any, activity_types: Any, manager: APIClient, base: str
) -> None:
    advocate = AdvocateFactory(organization=org)
    url = f"{base}/advocates/{advocate.public_id}/preferences/"
    assert manager.get(url).json()["willing"] == []
    response = manager.put(
        url,
        {
            "willing": [
                {"activity_type": "reference_call", "max_per_year": 4, "min_interval_days": 30},
                {"activity_type": str(activity_types["testimonial"].public_id)},
            ],
            "preferred_channel": "video",
            "time_zone": "Asia/Tokyo",
            "languages": ["ja", "en"],
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert [(row["activity_type"]["key"], row["max_per_year"]) for row in body["willing"]] == [
        ("reference_call", 4),
        ("testimonial", None),
    ]
    assert (body["preferred_channel"], body["time_zone"], body["languages"]) == ("video", "Asia/Tokyo", ["ja", "en"])
    assert manager.get(url).json() == body
    assert AuditEvent.objects.filter(organization=org, verb="advocate.preferences_changed").exists()

    foreign_type = ActivityType.objects.get(organization=other_org, key="case_study")
    fields = fields_of(manager.put(url, {"willing": [{"activity_type": str(foreign_type.public_id)}]}, format="json"))
    assert "No such activity type in this organisation" in str(fields["willing"])
    fields = fields_of(
        manager.put(
            url,
            {"willing": [{"activity_type": "review"}, {"activity_type": "review"}], "time_zone": "Nowhere/Land"},
            format="json",
        )
    )
    assert set(fields) == {"willing", "time_zone"}
    assert ActivityPreference.objects.filter(advocate=advocate).count() == 2


def test_blackouts_add_list_and_remove(org: Any, members: Any, manager: APIClient, base: str) -> None:
    advocate = AdvocateFactory(organization=org)
    other = AdvocateFactory(organization=org)
    BlackoutPeriod.objects.create(
        organization=org, advocate=other, starts_on=date(2027, 1, 1), ends_on=date(2027, 1, 10)
    )
    url = f"{base}/advocates/{advocate.public_id}/blackouts/"
    assert "ends_on" in fields_of(manager.post(url, {"starts_on": "2027-01-10", "ends_on": "2027-01-01"}))
    created = manager.post(url, {"starts_on": "2027-01-01", "ends_on": "2027-01-10", "note": "Year-end close"})
    assert created.status_code == 201 and created.json()["note"] == "Year-end close"
    blackout_id = created.json()["id"]
    assert manager.get(url).json() == [
        {"id": blackout_id, "starts_on": "2027-01-01", "ends_on": "2027-01-10", "note": "Year-end close"}
    ]
    foreign = BlackoutPeriod.objects.get(advocate=other)
    assert manager.delete(f"{url}{foreign.public_id}/").status_code == 404  # another advocate's blackout
    assert api(members[Role.MARKETING]).delete(f"{url}{blackout_id}/").status_code == 403
    assert manager.delete(f"{url}{blackout_id}/").status_code == 204
    assert manager.get(url).json() == []
    assert BlackoutPeriod.objects.filter(advocate=other).count() == 1
    assert verbs(org)[-2:] == ["advocate.blackout_added", "advocate.blackout_removed"]


def test_history_has_status_tier_consent_and_nps(org: Any, members: Any, manager: APIClient, base: str) -> None:
    account = CustomerAccountFactory(organization=org)
    created = manager.post(
        f"{base}/advocates/",
        {"account": str(account.public_id), "full_name": "Ana", "email": "ana@example.test", "nps_score": 8},
        format="json",
    ).json()
    url = f"{base}/advocates/{created['id']}/"
    manager.post(f"{url}nominate/", {"reason": "Strong results."}, format="json")
    manager.post(f"{url}tier/", {"tier": "gold", "reason": "Regular reference."}, format="json")
    manager.post(f"{url}consent/", {"consents": {"named": True}}, format="json")
    manager.patch(url, {"nps_score": 10}, format="json")
    history = manager.get(f"{url}history/").json()
    assert [(row["from_status"], row["to_status"]) for row in history["status_changes"]] == [
        ("candidate", "nominated"),
        ("", "candidate"),
    ]
    assert history["status_changes"][0]["reason"] == "Strong results."
    assert [(row["kind"], row["to_tier"]) for row in history["tier_changes"]] == [("overridden", "gold")]
    assert [(row["consent"], row["granted"]) for row in history["consent_changes"]] == [("named", True)]
    assert sorted(row["score"] for row in history["nps_responses"]) == [8, 10]
    assert history["tier_changes"][0]["actor"] == members[Role.PROGRAM_MANAGER].email


# Activity types --------------------------------------------------------------------------------------------


def test_activity_types_list_and_detail(org: Any, activity_types: Any, members: Any, base: str) -> None:
    client = api(members[Role.MARKETING])
    ActivityType.objects.filter(organization=org, key="beta").update(active=False)
    keys = [row["key"] for row in client.get(f"{base}/activity-types/?page_size=100").json()["results"]]
    assert keys[:3] == ["reference_call", "testimonial", "review"] and len(keys) == 10
    assert "beta" not in [row["key"] for row in client.get(f"{base}/activity-types/?active=true").json()["results"]]
    review = client.get(f"{base}/activity-types/{activity_types['review'].public_id}/").json()
    assert review["is_review"] is True and review["rewards_allowed"] is False
    case_study = client.get(f"{base}/activity-types/{activity_types['case_study'].public_id}/").json()
    assert case_study["consents_needed"] == ["named", "quoted", "logo"]


def test_create_activity_type_and_its_rules(org: Any, members: Any, manager: APIClient, base: str) -> None:
    url = f"{base}/activity-types/"
    created = manager.post(
        url,
        {"key": "podcast", "name": "Podcast", "min_minutes": 45, "max_minutes": 90, "needs_recorded": True},
        format="json",
    )
    assert created.status_code == 201 and created.json()["consents_needed"] == ["recorded"]
    assert "activity_type.created" in verbs(org)
    duplicate = fields_of(manager.post(url, {"key": "podcast", "name": "Again"}, format="json"))
    assert set(duplicate) == {"key"}
    too_short = fields_of(manager.post(url, {"key": "x", "name": "X", "min_minutes": 60, "max_minutes": 30}))
    assert set(too_short) == {"max_minutes"}
    rewarded = fields_of(
        manager.post(url, {"key": "g2", "name": "G2", "is_review": True, "rewards_allowed": True}, format="json")
    )
    assert "Review sites forbid rewarding reviews" in rewarded["rewards_allowed"][0]
    plain_review = manager.post(url, {"key": "capterra", "name": "Capterra", "is_review": True}, format="json")
    assert plain_review.status_code == 201 and plain_review.json()["rewards_allowed"] is False
    marketing = api(members[Role.MARKETING])
    assert marketing.post(url, {"key": "y", "name": "Y"}, format="json").status_code == 403


def test_update_activity_type(org: Any, activity_types: Any, manager: APIClient, base: str) -> None:
    review_url = f"{base}/activity-types/{activity_types['review'].public_id}/"
    refused = fields_of(manager.patch(review_url, {"rewards_allowed": True}, format="json"))
    assert "Review sites forbid rewarding reviews" in refused["rewards_allowed"][0]
    fixed = fields_of(manager.patch(review_url, {"key": "g2", "is_review": False}, format="json"))
    assert set(fixed) == {"key", "is_review"}
    url = f"{base}/activity-types/{activity_types['testimonial'].public_id}/"
    assert set(fields_of(manager.patch(url, {"max_minutes": 5}, format="json"))) == {"max_minutes"}
    response = manager.patch(url, {"limit_per_year": 2, "name": "Short testimonial"}, format="json")
    assert response.status_code == 200 and response.json()["limit_per_year"] == 2
    event = AuditEvent.objects.get(organization=org, verb="activity_type.updated")
    assert event.data["limit_per_year"] == {"from": "3", "to": "2"}


# Activities ------------------------------------------------------------------------------------------------


def test_activity_list_filters(org: Any, activity_types: Any, members: Any, manager: APIClient, base: str) -> None:
    ana = AdvocateFactory(organization=org, full_name="Ana")
    ken = AdvocateFactory(organization=org, full_name="Ken")
    need = AdvocacyRequestFactory(organization=org, requester=members[Role.SALES])
    call = ActivityFactory(
        organization=org,
        advocate=ana,
        activity_type=activity_types["reference_call"],
        occurred_on=date(2026, 3, 1),
        request=need,
    )
    quote = ActivityFactory(
        organization=org, advocate=ken, activity_type=activity_types["testimonial"], occurred_on=date(2026, 6, 1)
    )
    planned = ActivityFactory(
        organization=org,
        advocate=ken,
        activity_type=activity_types["case_study"],
        occurred_on=date(2026, 12, 20),
        status=Activity.Status.PLANNED,
    )

    def ids(query: str) -> list[str]:
        response = manager.get(f"{base}/activities/?{query}")
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids("") == [str(a.public_id) for a in (planned, quote, call)]
    assert ids(f"advocate={ana.public_id}") == [str(call.public_id)]
    assert ids("activity_type=testimonial") == [str(quote.public_id)]
    assert ids(f"activity_type={activity_types['case_study'].public_id}") == [str(planned.public_id)]
    assert ids("status=planned") == [str(planned.public_id)]
    assert ids("from=2026-05-01&until=2026-07-01") == [str(quote.public_id)]
    assert ids(f"request={need.public_id}") == [str(call.public_id)]
    assert set(fields_of(manager.get(f"{base}/activities/?from=yesterday&advocate=42"))) == {"from", "advocate"}
    detail = manager.get(f"{base}/activities/{call.public_id}/").json()
    assert detail["advocate"] == {"id": str(ana.public_id), "full_name": "Ana"}
    assert detail["activity_type"]["key"] == "reference_call" and detail["request"] == str(need.public_id)


def test_csm_sees_only_their_accounts_activities(org: Any, activity_types: Any, members: Any, base: str) -> None:
    csm = members[Role.CSM]
    own = ActivityFactory(
        organization=org,
        advocate=AdvocateFactory(organization=org, account__csm=csm),
        activity_type=activity_types["review"],
    )
    other = ActivityFactory(organization=org, activity_type=activity_types["review"])
    client = api(csm)
    assert [row["id"] for row in client.get(f"{base}/activities/").json()["results"]] == [str(own.public_id)]
    assert client.get(f"{base}/activities/{other.public_id}/").status_code == 404


def test_record_an_activity(org: Any, activity_types: Any, members: Any, manager: APIClient, base: str) -> None:
    advocate = AdvocateFactory(organization=org)
    response = manager.post(
        f"{base}/activities/",
        {
            "advocate": str(advocate.public_id),
            "activity_type": "reference_call",
            "occurred_on": TODAY().isoformat(),
            "minutes": 40,
            "outcome": "Prospect signed.",
            "value": "120000.00",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "completed" and body["recorded_by"] == members[Role.PROGRAM_MANAGER].email
    assert "activity.recorded" in verbs(org)
    advocate_body = manager.get(f"{base}/advocates/{advocate.public_id}/").json()
    assert advocate_body["capacity"]["used"] == 1 and advocate_body["last_activity_at"] == TODAY().isoformat()


def test_record_an_activity_bad_input(
    org: Any, other_org: Any, activity_types: Any, manager: APIClient, base: str
) -> None:
    foreign_advocate = AdvocateFactory(organization=other_org)
    foreign_type = ActivityType.objects.get(organization=other_org, key="review")
    fields = fields_of(
        manager.post(
            f"{base}/activities/",
            {
                "advocate": str(foreign_advocate.public_id),
                "activity_type": str(foreign_type.public_id),
                "occurred_on": "soon",
                "request": "00000000-0000-0000-0000-000000000000",
            },
            format="json",
        )
    )
    assert set(fields) == {"advocate", "activity_type", "occurred_on", "request"}
    assert fields["advocate"][0].startswith("No such advocate in this organisation")
    assert fields["activity_type"][0].startswith("No such activity type in this organisation")
    future = fields_of(
        manager.post(
            f"{base}/activities/",
            {
                "advocate": str(AdvocateFactory(organization=org).public_id),
                "activity_type": "review",
                "occurred_on": (TODAY() + timedelta(days=3)).isoformat(),
            },
            format="json",
        )
    )
    assert "future" in future["occurred_on"][0]
    assert not Activity.objects.filter(organization=org).exists()


def test_activity_status_moves(org: Any, activity_types: Any, members: Any, manager: APIClient, base: str) -> None:
    activity = ActivityFactory(
        organization=org,
        activity_type=activity_types["case_study"],
        occurred_on=TODAY() - timedelta(days=1),
        status=Activity.Status.PLANNED,
    )
    url = f"{base}/activities/{activity.public_id}/status/"
    assert set(fields_of(manager.post(url, {"status": "planned"}, format="json"))) == {"status"}
    response = manager.post(url, {"status": "completed"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "completed"
    conflict = manager.post(url, {"status": "cancelled"}, format="json")
    assert conflict.status_code == 409 and "cannot become" in conflict.json()["error"]["message"]
    assert AuditEvent.objects.filter(organization=org, verb="activity.status_changed").count() == 1
    assert api(members[Role.CSM]).post(url, {"status": "cancelled"}, format="json").status_code == 403


# Query counts -------------------------------------------------------------------------------------------------


def _advocate_rows(org: Any, count: int) -> None:
    types = list(ActivityType.objects.filter(organization=org)[:3])
    for index in range(count):
        advocate = AdvocateFactory(organization=org, invited_by=None, tags="a, b", languages="en")
        AccountProduct.objects.create(
            organization=org,
            account=advocate.account,
            product=Product.objects.get_or_create(organization=org, name=f"P{index % 3}")[0],
        )
        ActivityFactory(organization=org, advocate=advocate, activity_type=types[index % 3])
        ActivityPreference.objects.create(organization=org, advocate=advocate, activity_type=types[0])


def _account_rows(org: Any, count: int) -> None:
    for index in range(count):
        account = CustomerAccountFactory(organization=org)
        uses(account, Product.objects.get_or_create(organization=org, name=f"P{index % 4}")[0])
        AdvocateFactory(organization=org, account=account)
        HealthScoreChange.objects.create(organization=org, account=account, score=80)


def _activity_type_rows(org: Any, count: int) -> None:
    for _index in range(count):
        ActivityTypeFactory(organization=org)


def _activity_rows(org: Any, count: int) -> None:
    for _index in range(count):
        request = AdvocacyRequestFactory(organization=org)
        ActivityFactory(organization=org, request=request, recorded_by=request.requester)


LISTS: dict[str, Callable[[Any, int], None]] = {
    "advocates": _advocate_rows,
    "accounts": _account_rows,
    "activity-types": _activity_type_rows,
    "activities": _activity_rows,
}


@pytest.mark.parametrize("resource", list(LISTS))
def test_list_query_count_is_the_same_for_1_and_50_rows(
    resource: str, org: Any, manager: APIClient, base: str, django_assert_max_num_queries: Any
) -> None:
    if resource == "activity-types":
        ActivityType.objects.filter(organization=org).delete()
    make_rows = LISTS[resource]
    url = f"{base}/{resource}/?page_size=100"

    def queries_for(expected_rows: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = manager.get(url)
        assert response.status_code == 200 and response.json()["count"] == expected_rows
        return len(captured.captured_queries)

    make_rows(org, 1)
    one = queries_for(1)
    make_rows(org, 49)
    with django_assert_max_num_queries(one):
        assert manager.get(url).json()["count"] == 50
    assert queries_for(50) == one
    assert one <= 6
