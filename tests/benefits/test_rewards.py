"""Rewards, the benefit catalogue, budgets and the advocate's benefits page.

Covers the rules that refuse a reward (review-site compliance, "I prefer no gifts", stock, an enforced
budget), the warnings a program manager confirms (value exchange, an advisory budget), fulfilment with
its history and the shipping address erased on delivery, and access for every page and endpoint with
two organisations and an outsider.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from advocacy.errors import ConflictError, ValidationFailed
from advocacy.models import AuditEvent
from advocacy.roles import Capability, Role, role_can
from advocates.models import Advocate
from benefits.models import Benefit, BenefitKind, Budget, Reward, RewardStatus, RewardStatusChange
from benefits.services import budgets, rewards
from requests_mgmt.models import RequestType
from tests.factories import ActivityFactory, AdvocacyRequestFactory, AdvocateFactory

pytestmark = pytest.mark.django_db

REVIEW_RULE = "Review sites forbid rewarding reviews with gifts or money"


def make_benefit(organization: Any, **values: Any) -> Benefit:
    defaults: dict[str, Any] = {"name": "Gift card", "kind": BenefitKind.GIFT, "value": 100, "cost": 100}
    return Benefit.objects.create(organization=organization, **(defaults | values))


@pytest.fixture
def advocate(org: Any, members: Any) -> Advocate:
    """The portal advocate of ``org`` (signed in as ``members["advocate"]``)."""
    return AdvocateFactory(organization=org, user=members[Role.ADVOCATE], tier="gold")


@pytest.fixture
def manager(members: Any) -> Any:
    return members[Role.PROGRAM_MANAGER]


def api_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def proposed(org: Any, manager: Any, advocate: Advocate, benefit: Benefit, **kwargs: Any) -> Reward:
    return rewards.reward_propose(
        organization=org, actor=manager, advocate=advocate, benefit=benefit, confirm=True, **kwargs
    )


# Review-site compliance -------------------------------------------------------------------------------


def test_monetary_reward_for_a_review_is_refused_on_the_page(
    org: Any, manager: Any, advocate: Advocate, activity_types: Any, client_for: Any
) -> None:
    review = ActivityFactory(organization=org, advocate=advocate, activity_type=activity_types["review"], minutes=25)
    gift = make_benefit(org, value=20, cost=20)
    response = client_for(manager).post(
        f"/o/{org.slug}/appreciation/rewards/new/",
        {"advocate_email": advocate.email, "activity": str(review.public_id), "benefit": str(gift.public_id)},
    )
    assert response.status_code == 400
    assert REVIEW_RULE in response.content.decode()
    assert not Reward.objects.filter(organization=org).exists()


def test_monetary_reward_for_a_review_request_or_campaign_is_refused_in_the_api(
    org: Any, manager: Any, advocate: Advocate, activity_types: Any
) -> None:
    # A testimonial-typed activity that came from a review request still counts as a review.
    review_request = AdvocacyRequestFactory(organization=org, requester=manager, request_type=RequestType.REVIEW)
    activity = ActivityFactory(
        organization=org, advocate=advocate, activity_type=activity_types["testimonial"], request=review_request
    )
    swag = make_benefit(org, name="Hoodie", kind=BenefitKind.SWAG, value=0, cost=30)
    response = api_for(manager).post(
        f"/api/v1/orgs/{org.slug}/rewards/",
        {"advocate": str(advocate.public_id), "activity": str(activity.public_id), "benefit": str(swag.public_id)},
        format="json",
    )
    assert response.status_code == 400
    assert REVIEW_RULE in response.json()["error"]["fields"]["benefit"][0]
    # Recognition stays allowed for the same review.
    spotlight = make_benefit(org, name="Spotlight", kind=BenefitKind.PUBLIC_RECOGNITION, value=0, cost=0)
    response = api_for(manager).post(
        f"/api/v1/orgs/{org.slug}/rewards/",
        {"advocate": str(advocate.public_id), "activity": str(activity.public_id), "benefit": str(spotlight.public_id)},
        format="json",
    )
    assert response.status_code == 201


def test_suggestions_for_a_review_offer_nothing_worth_money(
    org: Any, manager: Any, advocate: Advocate, activity_types: Any
) -> None:
    review = ActivityFactory(organization=org, advocate=advocate, activity_type=activity_types["review"])
    make_benefit(org, name="Gift card")
    make_benefit(org, name="Spotlight", kind=BenefitKind.PUBLIC_RECOGNITION, value=0, cost=0)
    response = api_for(manager).get(
        f"/api/v1/orgs/{org.slug}/rewards/suggest/", {"advocate": advocate.public_id, "activity": review.public_id}
    )
    assert response.status_code == 200
    assert [row["benefit"]["name"] for row in response.json()["benefits"]] == ["Spotlight"]
    assert response.json()["review"] is True


# Proportional suggestions and the value-exchange check ----------------------------------------------


def test_five_activities_this_year_suggest_an_experience_first(
    org: Any, advocate: Advocate, activity_types: Any
) -> None:
    make_benefit(org, name="Mug", kind=BenefitKind.SWAG, value=15, cost=10)
    make_benefit(org, name="Summit VIP pass", kind=BenefitKind.EXPERIENCE, value=500, cost=400)
    today = timezone.localdate()
    for _ in range(4):
        ActivityFactory(
            organization=org, advocate=advocate, activity_type=activity_types["reference_call"], occurred_on=today
        )
    call = ActivityFactory(
        organization=org, advocate=advocate, activity_type=activity_types["reference_call"], occurred_on=today
    )
    assert rewards.suggest_benefits(advocate=advocate, activity=call).level == "premium"
    first = rewards.suggest_benefits(advocate=advocate).benefits[0][0]
    assert first.name == "Summit VIP pass"
    # The organisation raises the threshold: the same advocate is now at the light level.
    org.settings = {"appreciation": {"experience_after_activities": 10}}
    org.save()
    advocate.refresh_from_db()
    assert rewards.suggest_benefits(advocate=advocate, activity=call).level == "light"


def test_value_exchange_warning_is_confirmed_not_refused(
    org: Any, manager: Any, advocate: Advocate, activity_types: Any, client_for: Any
) -> None:
    case_study = ActivityFactory(
        organization=org, advocate=advocate, activity_type=activity_types["case_study"], minutes=240
    )
    gift_card = make_benefit(org, name="$50 gift card", value=50, cost=50)
    url = f"/o/{org.slug}/appreciation/rewards/new/"
    data = {
        "advocate_email": advocate.email,
        "activity": str(case_study.public_id),
        "benefit": str(gift_card.public_id),
    }
    client = client_for(manager)
    response = client.post(url, data)
    assert response.status_code == 400
    assert "12.50 an hour" in response.content.decode()
    assert not Reward.objects.filter(organization=org).exists()
    response = client.post(url, data | {"confirm": "on"})
    assert response.status_code == 302, response.context["form"].errors
    reward = Reward.objects.get(organization=org)
    assert (reward.status, reward.activity, reward.cost) == (RewardStatus.PROPOSED, case_study, Decimal("50.00"))
    event = AuditEvent.objects.get(organization=org, verb="reward.proposed")
    assert event.actor == manager and event.data["warnings_confirmed"]


def test_value_exchange_bounds_are_tunable(org: Any, advocate: Advocate, activity_types: Any) -> None:
    call = ActivityFactory(
        organization=org, advocate=advocate, activity_type=activity_types["reference_call"], minutes=30
    )
    dinner = make_benefit(org, name="Dinner", kind=BenefitKind.EXPERIENCE, value=200, cost=200)
    assert rewards.value_exchange_warnings(benefit=dinner, activity=call)  # 400 an hour > 250
    org.settings = {"appreciation": {"value_per_hour_max": 500}}
    org.save()
    call.refresh_from_db()
    assert rewards.value_exchange_warnings(benefit=dinner, activity=call) == []


# Gifts declined -----------------------------------------------------------------------------------------


def test_advocate_who_prefers_no_gifts_is_not_offered_or_given_monetary_benefits(
    org: Any, manager: Any, advocate: Advocate, client_for: Any
) -> None:
    gift = make_benefit(org, name="Gift card")
    waiting = proposed(org, manager, advocate, gift)
    response = client_for(advocate.user).post(f"/o/{org.slug}/portal/benefits/gifts/", {"prefers_no_gifts": "on"})
    assert response.status_code == 302
    advocate.refresh_from_db()
    assert advocate.gifts_declined_at is not None
    waiting.refresh_from_db()
    assert waiting.status == RewardStatus.DECLINED
    assert AuditEvent.objects.filter(organization=org, verb="advocate.gifts_declined", actor=advocate.user).exists()
    suggestion = rewards.suggest_benefits(advocate=advocate)
    assert gift not in [benefit for benefit, _ in suggestion.benefits]
    response = api_for(manager).post(
        f"/api/v1/orgs/{org.slug}/rewards/",
        {"advocate": str(advocate.public_id), "benefit": str(gift.public_id), "confirm": True},
        format="json",
    )
    assert response.status_code == 400
    assert "prefer no gifts" in response.json()["error"]["fields"]["benefit"][0]


def test_advocate_declines_one_gift_in_the_portal(org: Any, manager: Any, advocate: Advocate, client_for: Any) -> None:
    reward = proposed(org, manager, advocate, make_benefit(org))
    response = client_for(advocate.user).post(f"/o/{org.slug}/portal/benefits/{reward.public_id}/decline/")
    assert response.status_code == 302
    reward.refresh_from_db()
    assert reward.status == RewardStatus.DECLINED
    change = RewardStatusChange.objects.get(reward=reward, to_status=RewardStatus.DECLINED)
    assert change.actor == advocate.user


# Stock ------------------------------------------------------------------------------------------------


def test_approval_takes_from_stock_and_refuses_beyond_it(org: Any, manager: Any, advocate: Advocate) -> None:
    hoodie = make_benefit(org, name="Hoodie", kind=BenefitKind.SWAG, value=0, cost=40, stock=1)
    first = proposed(org, manager, advocate, hoodie)
    second = proposed(org, manager, advocate, hoodie)
    client = api_for(manager)
    assert client.post(f"/api/v1/orgs/{org.slug}/rewards/{first.public_id}/approve/").status_code == 200
    hoodie.refresh_from_db()
    assert hoodie.stock == 0
    response = client.post(f"/api/v1/orgs/{org.slug}/rewards/{second.public_id}/approve/")
    assert response.status_code == 409
    assert "out of stock" in response.json()["error"]["message"]
    second.refresh_from_db()
    assert second.status == RewardStatus.PROPOSED
    # Cancelling the approved one puts it back in stock.
    client.post(f"/api/v1/orgs/{org.slug}/rewards/{first.public_id}/status/", {"status": "cancelled"})
    hoodie.refresh_from_db()
    assert hoodie.stock == 1


# Budgets ----------------------------------------------------------------------------------------------


def test_advisory_budget_warns_and_enforced_budget_refuses(
    org: Any, manager: Any, advocate: Advocate, client_for: Any
) -> None:
    start = budgets.quarter_start(timezone.localdate())
    budget = Budget.objects.create(organization=org, quarter_start=start, amount=150)
    dinner = make_benefit(org, name="Dinner", kind=BenefitKind.EXPERIENCE, value=100, cost=100)
    first = proposed(org, manager, advocate, dinner)
    second = proposed(org, manager, advocate, dinner)
    client = client_for(manager)
    base = f"/o/{org.slug}/appreciation/rewards"
    assert client.post(f"{base}/{first.public_id}/approve/").status_code == 302
    response = client.post(f"{base}/{second.public_id}/approve/")
    assert response.status_code == 400
    assert "over its limit" in response.content.decode()
    budget.enforced = True
    budget.save()
    response = client.post(f"{base}/{second.public_id}/approve/", {"confirm": "on"})
    assert response.status_code == 409
    assert "over its limit" in response.content.decode()
    second.refresh_from_db()
    assert second.status == RewardStatus.PROPOSED
    budget.enforced = False
    budget.save()
    assert client.post(f"{base}/{second.public_id}/approve/", {"confirm": "on"}).status_code == 302
    assert budgets.quarter_spend(organization=org, start=start) == Decimal("200.00")


def test_tier_budget_and_spend_by_kind_and_tier(
    org: Any, manager: Any, advocate: Advocate, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    start = budgets.quarter_start(timezone.localdate())
    Budget.objects.create(organization=org, quarter_start=start, tier="gold", amount=50, enforced=True)
    platinum = AdvocateFactory(organization=org, tier="platinum")
    dinner = make_benefit(org, name="Dinner", kind=BenefitKind.EXPERIENCE, value=60, cost=60)
    mug = make_benefit(org, name="Mug", kind=BenefitKind.SWAG, value=0, cost=10)
    with pytest.raises(ConflictError, match="over its limit"):
        rewards.reward_approve(reward=proposed(org, manager, advocate, dinner), actor=manager)
    rewards.reward_approve(reward=proposed(org, manager, platinum, dinner), actor=manager)  # other tier
    rewards.reward_approve(reward=proposed(org, manager, advocate, mug), actor=manager)
    client = client_for(manager)
    with django_assert_max_num_queries(10):
        response = client.get(f"/o/{org.slug}/appreciation/budgets/")
    assert response.status_code == 200
    report = response.context["report"]
    assert {line.key: line.spend for line in report.by_kind} == {
        "experience": Decimal("60.00"),
        "swag": Decimal("10.00"),
    }
    assert {line.key: line.spend for line in report.by_tier} == {"platinum": Decimal("60.00"), "gold": Decimal("10.00")}
    api = api_for(manager).get(f"/api/v1/orgs/{org.slug}/budgets/")
    assert api.json() == [
        {"quarter_start": start.isoformat(), "tier": "gold", "amount": "50.00", "enforced": True, "spend": "10.00"}
    ]


def test_budget_is_set_per_quarter_from_the_page_and_api(org: Any, manager: Any, client_for: Any) -> None:
    start = budgets.quarter_start(timezone.localdate())
    response = client_for(manager).post(
        f"/o/{org.slug}/appreciation/budgets/set/", {"quarter_start": start.isoformat(), "amount": "1000"}
    )
    assert response.status_code == 302
    response = api_for(manager).post(
        f"/api/v1/orgs/{org.slug}/budgets/",
        {"quarter_start": start.isoformat(), "amount": "1200", "enforced": True},
        format="json",
    )
    assert response.status_code == 200
    budget = Budget.objects.get(organization=org)
    assert (budget.amount, budget.enforced) == (Decimal("1200.00"), True)
    assert list(AuditEvent.objects.filter(organization=org, verb__startswith="budget.").values_list("verb", flat=True))
    not_a_quarter = start.replace(day=2)
    response = client_for(manager).post(
        f"/o/{org.slug}/appreciation/budgets/set/", {"quarter_start": not_a_quarter.isoformat(), "amount": "1"}
    )
    assert response.status_code == 400


# Fulfilment -------------------------------------------------------------------------------------------


def test_fulfilment_moves_forward_with_history_and_409_backwards(
    org: Any, manager: Any, advocate: Advocate, client_for: Any
) -> None:
    swag = make_benefit(org, name="Swag box", kind=BenefitKind.SWAG, value=0, cost=40)
    reward = proposed(org, manager, advocate, swag)
    client = api_for(manager)
    base = f"/api/v1/orgs/{org.slug}/rewards/{reward.public_id}"
    assert client.post(f"{base}/approve/").status_code == 200
    for status in ("ordered", "shipped"):
        assert client.post(f"{base}/status/", {"status": status}).status_code == 200
    response = client.post(f"{base}/status/", {"status": "ordered"})
    assert response.status_code == 409
    assert "cannot become" in response.json()["error"]["message"]
    page = client_for(manager).post(
        f"/o/{org.slug}/appreciation/rewards/{reward.public_id}/status/", {"status": "cancelled"}
    )
    assert page.status_code == 409
    assert client.post(f"{base}/status/", {"status": "delivered"}).status_code == 200
    history = client.get(f"{base}/").json()["history"]
    assert [row["to_status"] for row in history] == ["proposed", "approved", "ordered", "shipped", "delivered"]
    assert all(row["actor"] == manager.email for row in history)
    verbs = AuditEvent.objects.filter(organization=org, object_id=str(reward.public_id)).values_list("verb", flat=True)
    assert list(verbs).count("reward.status_changed") == 4


def test_digital_benefit_is_delivered_on_approval(org: Any, manager: Any, advocate: Advocate, client_for: Any) -> None:
    licence = make_benefit(org, name="Pro licence", kind=BenefitKind.LICENCE, value=0, cost=0, digital=True)
    reward = proposed(org, manager, advocate, licence)
    response = client_for(manager).post(f"/o/{org.slug}/appreciation/rewards/{reward.public_id}/approve/")
    assert response.status_code == 302
    reward.refresh_from_db()
    assert reward.status == RewardStatus.DELIVERED
    assert list(reward.status_changes.values_list("to_status", flat=True)) == ["proposed", "approved", "delivered"]
    portal = client_for(advocate.user).get(f"/o/{org.slug}/portal/benefits/")
    assert list(portal.context["received"]) == [reward]


def test_shipping_address_is_asked_then_erased_on_delivery(
    org: Any, manager: Any, advocate: Advocate, client_for: Any
) -> None:
    hoodie = make_benefit(org, name="Hoodie", kind=BenefitKind.SWAG, value=0, cost=40, needs_shipping=True)
    reward = rewards.reward_approve(reward=proposed(org, manager, advocate, hoodie), actor=manager)
    api = api_for(manager)
    base = f"/api/v1/orgs/{org.slug}/rewards/{reward.public_id}"
    response = api.post(f"{base}/status/", {"status": "ordered"})
    assert response.status_code == 409
    assert "shipping address" in response.json()["error"]["message"]
    portal = client_for(advocate.user)
    page = portal.get(f"/o/{org.slug}/portal/benefits/")
    assert f"/portal/benefits/{reward.public_id}/address/" in page.content.decode()
    response = portal.post(
        f"/o/{org.slug}/portal/benefits/{reward.public_id}/address/", {"shipping_address": "1 Main St\nLisbon"}
    )
    assert response.status_code == 302
    for status in ("ordered", "shipped", "delivered"):
        assert api.post(f"{base}/status/", {"status": status}).status_code == 200
    reward.refresh_from_db()
    assert reward.shipping_address == ""
    address_event = AuditEvent.objects.get(organization=org, verb="reward.address_given")
    assert "Main St" not in str(address_event.data)


def test_advocate_chooses_among_options_then_it_is_approved(
    org: Any, manager: Any, advocate: Advocate, client_for: Any
) -> None:
    gift = make_benefit(org, name="Gift card", value=50, cost=50)
    charity = make_benefit(org, name="Donation", kind=BenefitKind.CHARITY, value=50, cost=50)
    reward = rewards.reward_propose(
        organization=org, actor=manager, advocate=advocate, options=[gift, charity], confirm=True
    )
    response = api_for(manager).post(f"/api/v1/orgs/{org.slug}/rewards/{reward.public_id}/approve/")
    assert response.status_code == 409  # nothing chosen yet
    portal = client_for(advocate.user)
    other = make_benefit(org, name="Not offered", value=50, cost=50)
    bad = portal.post(f"/o/{org.slug}/portal/benefits/{reward.public_id}/choose/", {"benefit": str(other.public_id)})
    assert bad.status_code == 400
    response = portal.post(
        f"/o/{org.slug}/portal/benefits/{reward.public_id}/choose/", {"benefit": str(charity.public_id)}
    )
    assert response.status_code == 302
    reward.refresh_from_db()
    assert (reward.benefit, reward.cost) == (charity, Decimal("50.00"))
    assert AuditEvent.objects.filter(organization=org, verb="reward.option_chosen", actor=advocate.user).exists()


# Catalogue --------------------------------------------------------------------------------------------


def test_catalogue_create_edit_and_tier_eligibility(org: Any, manager: Any, client_for: Any) -> None:
    client = client_for(manager)
    response = client.post(
        f"/o/{org.slug}/appreciation/catalogue/new/",
        {
            "name": "CAB dinner",
            "kind": "experience",
            "value": "300",
            "cost": "250",
            "tiers": ["platinum"],
            "stock": "5",
            "active": "on",
        },
    )
    assert response.status_code == 302
    dinner = Benefit.objects.get(organization=org, name="CAB dinner")
    assert dinner.tiers == ["platinum"] and dinner.stock == 5
    duplicate = client.post(
        f"/o/{org.slug}/appreciation/catalogue/new/", {"name": "cab dinner", "kind": "gift", "value": "1", "cost": "1"}
    )
    assert duplicate.status_code == 400
    gold = AdvocateFactory(organization=org, tier="gold")
    with pytest.raises(ValidationFailed, match="not offered to this advocate's tier"):
        rewards.reward_propose(organization=org, actor=manager, advocate=gold, benefit=dinner, confirm=True)
    response = api_for(manager).patch(
        f"/api/v1/orgs/{org.slug}/benefits/{dinner.public_id}/", {"active": False}, format="json"
    )
    assert response.status_code == 200
    dinner.refresh_from_db()
    assert dinner.active is False
    assert set(
        AuditEvent.objects.filter(organization=org, verb__startswith="benefit.").values_list("verb", flat=True)
    ) == {
        "benefit.created",
        "benefit.updated",
    }


# Portal isolation ---------------------------------------------------------------------------------------


def test_portal_shows_only_own_rewards_and_another_advocates_is_404(
    org: Any, manager: Any, advocate: Advocate, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    someone_else = AdvocateFactory(organization=org)
    theirs = proposed(org, manager, someone_else, make_benefit(org, name="Theirs"))
    mine = [proposed(org, manager, advocate, make_benefit(org, name=f"Mine {n}")) for n in range(3)]
    client = client_for(advocate.user)
    with django_assert_max_num_queries(14):
        page = client.get(f"/o/{org.slug}/portal/benefits/")
    assert page.status_code == 200
    assert [reward.pk for reward in page.context["pending"]] == [reward.pk for reward in reversed(mine)]
    for action in ("decline", "address", "choose"):
        assert client.post(f"/o/{org.slug}/portal/benefits/{theirs.public_id}/{action}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == RewardStatus.PROPOSED


# Access -----------------------------------------------------------------------------------------------


@pytest.fixture
def objects(org: Any, manager: Any, advocate: Advocate) -> dict[str, Any]:
    benefit = make_benefit(org)
    return {"benefit": benefit, "reward": proposed(org, manager, advocate, benefit)}


def staff_pages(org: Any, objects: Any) -> list[tuple[str, str]]:
    base = f"/o/{org.slug}/appreciation"
    return [
        (f"{base}/rewards/", Capability.APPRECIATION),
        (f"{base}/rewards/{objects['reward'].public_id}/", Capability.APPRECIATION),
        (f"{base}/rewards/new/", Capability.APPRECIATION_MANAGE),
        (f"{base}/catalogue/", Capability.APPRECIATION),
        (f"{base}/catalogue/new/", Capability.APPRECIATION_MANAGE),
        (f"{base}/catalogue/{objects['benefit'].public_id}/edit/", Capability.APPRECIATION_MANAGE),
        (f"{base}/budgets/", Capability.APPRECIATION),
        (f"{base}/budgets/set/", Capability.APPRECIATION_MANAGE),
        (f"/o/{org.slug}/portal/benefits/", Capability.PORTAL),
    ]


def endpoints(org: Any, objects: Any) -> list[tuple[str, str]]:
    base = f"/api/v1/orgs/{org.slug}"
    return [
        (f"{base}/benefits/", Capability.APPRECIATION),
        (f"{base}/benefits/{objects['benefit'].public_id}/", Capability.APPRECIATION),
        (f"{base}/rewards/", Capability.APPRECIATION),
        (f"{base}/rewards/{objects['reward'].public_id}/", Capability.APPRECIATION),
        (f"{base}/rewards/suggest/?advocate={objects['reward'].advocate.public_id}", Capability.APPRECIATION),
        (f"{base}/budgets/", Capability.APPRECIATION),
    ]


@pytest.mark.parametrize("role", [role.value for role in Role])
def test_each_role_gets_exactly_its_pages_and_endpoints(
    role: str, org: Any, members: Any, objects: Any, client_for: Any
) -> None:
    client = client_for(members[role])
    for path, capability in staff_pages(org, objects):
        assert client.get(path).status_code == (200 if role_can(role, capability) else 403), (role, path)
    api = api_for(members[role])
    for path, capability in endpoints(org, objects):
        assert api.get(path).status_code == (200 if role_can(role, capability) else 403), (role, path)


@pytest.mark.parametrize("role", [Role.CSM, Role.EXECUTIVE])
def test_viewers_cannot_act(role: str, org: Any, members: Any, objects: Any, client_for: Any) -> None:
    reward = objects["reward"]
    client = client_for(members[role])
    assert client.post(f"/o/{org.slug}/appreciation/rewards/{reward.public_id}/approve/").status_code == 403
    api = api_for(members[role])
    assert api.post(f"/api/v1/orgs/{org.slug}/rewards/{reward.public_id}/approve/").status_code == 403
    assert api.post(f"/api/v1/orgs/{org.slug}/budgets/", {}).status_code == 403
    reward.refresh_from_db()
    assert reward.status == RewardStatus.PROPOSED


def test_other_organisation_and_outsider_get_404(
    org: Any, objects: Any, other_manager: Any, outsider: Any, client_for: Any
) -> None:
    paths = [path for path, _ in staff_pages(org, objects)]
    for user in (other_manager, outsider):
        client = client_for(user)
        for path in paths:
            assert client.get(path).status_code == 404, (user.email, path)
        api = api_for(user)
        for path, _capability in endpoints(org, objects):
            assert api.get(path).status_code == 404, (user.email, path)


def test_other_organisations_objects_are_404_from_own_organisation(
    org: Any, other_org: Any, manager: Any, other_manager: Any, client_for: Any
) -> None:
    foreign_advocate = AdvocateFactory(organization=other_org)
    foreign_benefit = make_benefit(other_org)
    foreign_reward = proposed(other_org, other_manager, foreign_advocate, foreign_benefit)
    client = client_for(manager)
    base = f"/o/{org.slug}/appreciation"
    assert client.get(f"{base}/rewards/{foreign_reward.public_id}/").status_code == 404
    assert client.post(f"{base}/rewards/{foreign_reward.public_id}/approve/").status_code == 404
    assert client.get(f"{base}/catalogue/{foreign_benefit.public_id}/edit/").status_code == 404
    api = api_for(manager)
    assert api.get(f"/api/v1/orgs/{org.slug}/rewards/{foreign_reward.public_id}/").status_code == 404
    assert (
        api.post(
            f"/api/v1/orgs/{org.slug}/rewards/{foreign_reward.public_id}/status/", {"status": "cancelled"}
        ).status_code
        == 404
    )
    # A foreign key into the other organisation is rejected.
    own_advocate = AdvocateFactory(organization=org)
    response = api.post(
        f"/api/v1/orgs/{org.slug}/rewards/",
        {"advocate": str(own_advocate.public_id), "benefit": str(foreign_benefit.public_id)},
        format="json",
    )
    assert response.status_code == 400
    assert "benefit" in response.json()["error"]["fields"]
    # And the proposal page will not find the other organisation's advocate by email.
    page = client.post(
        f"{base}/rewards/new/", {"advocate_email": foreign_advocate.email, "benefit": str(foreign_benefit.public_id)}
    )
    assert page.status_code == 400
    foreign_reward.refresh_from_db()
    assert foreign_reward.status == RewardStatus.PROPOSED


def test_reward_list_page_and_api_query_counts(
    org: Any, manager: Any, client_for: Any, django_assert_max_num_queries: Any, activity_types: Any
) -> None:
    for n in range(8):
        someone = AdvocateFactory(organization=org)
        activity = ActivityFactory(organization=org, advocate=someone, activity_type=activity_types["case_study"])
        reward = proposed(org, manager, someone, make_benefit(org, name=f"Benefit {n}", value=0), activity=activity)
        rewards.reward_approve(reward=reward, actor=manager)
    client = client_for(manager)
    api = api_for(manager)
    with django_assert_max_num_queries(12):
        page = client.get(f"/o/{org.slug}/appreciation/rewards/")
    assert page.status_code == 200 and len(page.context["page"].object_list) == 8
    with django_assert_max_num_queries(12):
        response = api.get(f"/api/v1/orgs/{org.slug}/rewards/")
    assert len(response.json()["results"] if isinstance(response.json(), dict) else response.json()) == 8
    with django_assert_max_num_queries(10):
        assert client.get(f"/o/{org.slug}/appreciation/catalogue/").status_code == 200
