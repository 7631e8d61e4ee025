"""The eligibility score and tier suggestions, against hand-computed cases and generated ones."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advocacy.errors import ConflictError, ValidationFailed
from advocacy.models import AuditEvent
from advocates.capacity import add_months
from advocates.eligibility import annotate_eligibility, eligibility_breakdown, ineligibility_reasons
from advocates.models import Advocate, ProgramPolicy, Tier, TierChange
from advocates.tiers import recalculate_suggested_tiers, tier_accept_suggestion, tier_override
from tests.factories import ActivityFactory, AdvocateFactory, CustomerAccountFactory

pytestmark = pytest.mark.django_db


def annotated(advocate: Advocate) -> Any:
    policy = ProgramPolicy.for_organization(advocate.organization)
    return annotate_eligibility(
        Advocate.objects.filter(organization=advocate.organization, pk=advocate.pk), policy=policy
    ).get()


def test_a_model_advocate_scores_every_part(org: Any, activity_types: Any) -> None:
    account = CustomerAccountFactory(organization=org, health_score=92, customer_since=date(2020, 1, 1))
    advocate = AdvocateFactory(
        organization=org,
        account=account,
        nps_score=10,
        outcomes="Cut reporting time by half.",
        consent_named=True,
        consent_quoted=True,
    )
    for days in (20, 60, 100):
        ActivityFactory(
            organization=org,
            advocate=advocate,
            activity_type=activity_types["reference_call"],
            occurred_on=date.today() - timedelta(days=days),
        )
    row = annotated(advocate)
    parts = {part.key: part.points for part in eligibility_breakdown(row, policy=ProgramPolicy())}
    assert parts == {"health": 30, "tenure": 15, "nps": 20, "outcomes": 10, "consent": 6, "participation": 6}
    assert row.eligibility_score == 87 and row.is_eligible


@pytest.mark.parametrize(
    ("health", "months", "nps", "reason"),
    [
        (79, 36, 10, "health"),
        (None, 36, 10, "health"),
        (95, 11, 10, "customer"),
        (95, 36, 8, "promoter"),
    ],
)
def test_each_criterion_can_make_someone_ineligible(
    org: Any, health: int | None, months: int, nps: int, reason: str
) -> None:
    account = CustomerAccountFactory(
        organization=org, health_score=health, customer_since=add_months(date.today(), -months)
    )
    row = annotated(AdvocateFactory(organization=org, account=account, nps_score=nps))
    assert not row.is_eligible
    assert any(reason in text for text in ineligibility_reasons(row, policy=ProgramPolicy()))


def test_thresholds_are_organisation_settings(org: Any) -> None:
    account = CustomerAccountFactory(organization=org, health_score=75, customer_since=date(2020, 1, 1))
    advocate = AdvocateFactory(organization=org, account=account, nps_score=9)
    assert not annotated(advocate).is_eligible
    org.settings = {"program": {"health_threshold": 70}}
    org.save()
    assert annotated(advocate).is_eligible


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    health=st.one_of(st.none(), st.integers(min_value=0, max_value=100)),
    nps=st.one_of(st.none(), st.integers(min_value=0, max_value=10)),
    consents=st.lists(st.booleans(), min_size=5, max_size=5),
    outcomes=st.booleans(),
)
def test_score_is_the_sum_of_its_parts_and_unhealthy_is_never_eligible(
    org: Any, health: int | None, nps: int | None, consents: list[bool], outcomes: bool
) -> None:
    account = CustomerAccountFactory(organization=org, health_score=health, customer_since=date(2019, 5, 5))
    advocate = AdvocateFactory(
        organization=org,
        account=account,
        nps_score=nps,
        outcomes="Stated." if outcomes else "",
        consent_named=consents[0],
        consent_quoted=consents[1],
        consent_logo=consents[2],
        consent_recorded=consents[3],
        consent_speak_publicly=consents[4],
    )
    row = annotated(advocate)
    parts = eligibility_breakdown(row, policy=ProgramPolicy())
    assert row.eligibility_score == sum(part.points for part in parts)
    assert all(0 <= part.points <= part.maximum for part in parts)
    assert 0 <= row.eligibility_score <= 100
    if health is None or health < 80:
        assert not row.is_eligible


def _with_completed(org: Any, activity_types: Any, count: int, **advocate_fields: Any) -> Advocate:
    account = CustomerAccountFactory(organization=org, health_score=90, customer_since=date(2020, 1, 1))
    advocate = AdvocateFactory(organization=org, account=account, nps_score=9, **advocate_fields)
    for index in range(count):
        ActivityFactory(
            organization=org,
            advocate=advocate,
            activity_type=activity_types["reference_call"],
            occurred_on=date.today() - timedelta(days=10 + 30 * index),
        )
    return advocate


@pytest.mark.parametrize(
    ("completed", "tier"),
    [(0, Tier.COMMUNITY), (1, Tier.SILVER), (2, Tier.GOLD), (3, Tier.GOLD), (4, Tier.PLATINUM), (6, Tier.PLATINUM)],
)
def test_suggested_tier_follows_participation(org: Any, activity_types: Any, completed: int, tier: str) -> None:
    advocate = _with_completed(org, activity_types, completed, tier=Tier.SILVER)
    recalculate_suggested_tiers(organization=org)
    advocate.refresh_from_db()
    assert advocate.suggested_tier == tier
    assert f"{completed} activities" in advocate.suggested_tier_reason
    assert advocate.tier == Tier.SILVER  # a suggestion never changes the tier by itself


def test_an_ineligible_advocate_is_never_suggested_above_silver(org: Any, activity_types: Any) -> None:
    advocate = _with_completed(org, activity_types, 5, tier=Tier.PLATINUM)
    advocate.account.health_score = 50
    advocate.account.save()
    recalculate_suggested_tiers(organization=org)
    advocate.refresh_from_db()
    assert advocate.suggested_tier == Tier.SILVER


def test_recalculation_is_idempotent_and_records_each_new_suggestion_once(org: Any, activity_types: Any) -> None:
    _with_completed(org, activity_types, 4, tier=Tier.GOLD)
    assert recalculate_suggested_tiers(organization=org) == 1
    assert recalculate_suggested_tiers(organization=org) == 0
    assert TierChange.objects.filter(organization=org, kind=TierChange.Kind.SUGGESTED).count() == 1


def test_accept_and_override_are_recorded_with_reasons(org: Any, activity_types: Any, members: Any) -> None:
    manager = members["program_manager"]
    advocate = _with_completed(org, activity_types, 4, tier=Tier.GOLD)
    with pytest.raises(ConflictError):
        tier_accept_suggestion(advocate=advocate, actor=manager)  # nothing suggested yet
    recalculate_suggested_tiers(organization=org)
    advocate.refresh_from_db()
    tier_accept_suggestion(advocate=advocate, actor=manager)
    advocate.refresh_from_db()
    assert advocate.tier == Tier.PLATINUM
    with pytest.raises(ValidationFailed):
        tier_override(advocate=advocate, tier=Tier.GOLD, reason=" ", actor=manager)
    tier_override(advocate=advocate, tier=Tier.GOLD, reason="Reorganisation at the customer", actor=manager)
    kinds = list(TierChange.objects.filter(advocate=advocate).values_list("kind", "to_tier", "reason"))
    assert kinds[0] == (TierChange.Kind.OVERRIDDEN, Tier.GOLD, "Reorganisation at the customer")
    assert kinds[1][:2] == (TierChange.Kind.ACCEPTED, Tier.PLATINUM)
    assert AuditEvent.objects.filter(organization=org, verb="advocate.tier_changed").count() == 2


def test_the_nightly_task_recalculates_each_organisation(org: Any, other_org: Any, activity_types: Any) -> None:
    from advocates.tasks import nightly_tier_recalculation_task

    advocate = _with_completed(org, activity_types, 2, tier=Tier.SILVER)
    assert nightly_tier_recalculation_task.delay().get() >= 2
    advocate.refresh_from_db()
    assert advocate.suggested_tier == Tier.GOLD
