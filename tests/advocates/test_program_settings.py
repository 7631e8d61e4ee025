"""Program settings: every DOMAIN.md number is an organisation setting with that default."""

from __future__ import annotations

from typing import Any

import pytest

from advocacy.models import AuditEvent
from advocacy.roles import Role
from advocates.defaults import DEFAULT_ACTIVITY_TYPES
from advocates.models import ActivityType, ProgramPolicy, Tier, TierPolicy

pytestmark = pytest.mark.django_db


def test_every_organisation_starts_with_the_ten_activity_types_and_four_tiers(org: Any) -> None:
    keys = set(ActivityType.objects.filter(organization=org).values_list("key", flat=True))
    assert keys == {spec["key"] for spec in DEFAULT_ACTIVITY_TYPES} and len(keys) == 10
    review = ActivityType.objects.get(organization=org, key="review")
    assert review.is_review and not review.rewards_allowed and review.limit_per_year == 1
    case_study = ActivityType.objects.get(organization=org, key="case_study")
    assert case_study.limit_per_year == 1 and case_study.needs_logo
    shares = {p.tier: (p.share_min, p.share_max) for p in TierPolicy.objects.filter(organization=org)}
    assert shares == {
        Tier.PLATINUM: (3, 5),
        Tier.GOLD: (15, 20),
        Tier.SILVER: (30, 40),
        Tier.COMMUNITY: (None, None),
    }
    assert ProgramPolicy.for_organization(org) == ProgramPolicy(
        yearly_cap=6, health_threshold=80, tenure_months=12, nps_promoter_min=9, cooldown_days=30
    )


def test_admin_changes_the_rules_and_it_is_audited(org: Any, members: Any, client_for: Any) -> None:
    response = client_for(members[Role.ADMIN]).post(
        f"/o/{org.slug}/settings/program/",
        {
            "yearly_cap": 4,
            "health_threshold": 85,
            "tenure_months": 12,
            "nps_promoter_min": 9,
            "cooldown_days": 45,
            "ask_answer_days": 7,
        },
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert ProgramPolicy.for_organization(org).yearly_cap == 4
    event = AuditEvent.objects.get(organization=org, verb="program.policy_changed")
    assert event.data["yearly_cap"] == {"from": 6, "to": 4}
    bad = client_for(members[Role.ADMIN]).post(
        f"/o/{org.slug}/settings/program/",
        {
            "yearly_cap": 0,
            "health_threshold": 120,
            "tenure_months": 12,
            "nps_promoter_min": 9,
            "cooldown_days": 45,
            "ask_answer_days": 7,
        },
    )
    assert bad.status_code == 400 and 'value="120"' in bad.content.decode()


def test_tier_policy_validation(org: Any, members: Any, client_for: Any) -> None:
    client = client_for(members[Role.ADMIN])
    url = f"/o/{org.slug}/settings/program/tiers/gold/"
    bad = client.post(url, {"expected_min": 4, "expected_max": 2, "share_min": 15, "share_max": ""})
    assert bad.status_code == 400
    body = bad.content.decode()
    assert "The upper bound is below the lower one." in body and "Give both bounds" in body
    ok = client.post(
        url, {"expected_min": 2, "expected_max": 5, "share_min": 10, "share_max": 25, "touch_model": "Structured"}
    )
    assert ok.status_code == 302
    assert TierPolicy.objects.get(organization=org, tier=Tier.GOLD).share_max == 25
    assert client.get(f"/o/{org.slug}/settings/program/tiers/diamond/").status_code == 404


def test_a_review_can_never_allow_rewards(org: Any, members: Any, client_for: Any) -> None:
    review = ActivityType.objects.get(organization=org, key="review")
    response = client_for(members[Role.ADMIN]).post(
        f"/o/{org.slug}/settings/program/activity-types/{review.public_id}/",
        {
            "name": review.name,
            "min_minutes": 20,
            "max_minutes": 30,
            "priority": "essential",
            "commitment": "low",
            "rewards_allowed": "on",
            "active": "on",
        },
    )
    assert response.status_code == 400
    assert "Review sites forbid rewarding reviews" in response.content.decode()
    review.refresh_from_db()
    assert not review.rewards_allowed


def test_new_activity_type_gets_a_unique_key(org: Any, members: Any, client_for: Any) -> None:
    client = client_for(members[Role.ADMIN])
    data = {"name": "Podcast", "min_minutes": 45, "max_minutes": 90, "priority": "important", "commitment": "medium"}
    assert client.post(f"/o/{org.slug}/settings/program/activity-types/new/", data).status_code == 302
    assert client.post(f"/o/{org.slug}/settings/program/activity-types/new/", data).status_code == 302
    assert set(ActivityType.objects.filter(organization=org, name="Podcast").values_list("key", flat=True)) == {
        "podcast",
        "podcast-2",
    }


def test_another_organisations_activity_type_is_404(org: Any, other_org: Any, members: Any, client_for: Any) -> None:
    foreign = ActivityType.objects.filter(organization=other_org).first()
    assert foreign is not None
    url = f"/o/{org.slug}/settings/program/activity-types/{foreign.public_id}/"
    assert client_for(members[Role.ADMIN]).get(url).status_code == 404
