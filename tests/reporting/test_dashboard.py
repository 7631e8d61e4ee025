"""The program dashboard's figures against a hand-counted fixture."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from advocacy.roles import Role
from advocates.models import Advocate, Tier
from reporting.selectors import health as selectors
from tests.factories import AdvocacyRequestFactory, AdvocateFactory, CustomerAccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def program(org: Any, other_org: Any) -> None:
    account = CustomerAccountFactory(organization=org)
    for tier, count in ((Tier.PLATINUM, 1), (Tier.GOLD, 4), (Tier.SILVER, 7), (Tier.COMMUNITY, 8)):
        AdvocateFactory.create_batch(count, organization=org, account=account, tier=tier)
    AdvocateFactory(organization=org, account=account, tier=Tier.PLATINUM, status=Advocate.Status.PAUSED)
    AdvocateFactory.create_batch(5, organization=other_org, tier=Tier.PLATINUM)  # must not count
    today = timezone.localdate()
    AdvocacyRequestFactory(organization=org, needed_by=today - timedelta(days=2))
    AdvocacyRequestFactory(organization=org, needed_by=today + timedelta(days=1))
    AdvocacyRequestFactory(organization=org, needed_by=today + timedelta(days=20), status="cancelled")


def test_tier_distribution_against_targets(org: Any, program: None) -> None:
    rows = {row.tier: row for row in selectors.tier_distribution(org)}
    assert [rows[t].count for t in Tier.values] == [1, 4, 7, 8]
    assert rows[Tier.PLATINUM].share == 5.0 and rows[Tier.PLATINUM].within_target
    assert rows[Tier.GOLD].share == 20.0 and rows[Tier.GOLD].within_target
    assert rows[Tier.SILVER].share == 35.0 and rows[Tier.SILVER].within_target
    assert rows[Tier.COMMUNITY].target is None


def test_request_summary(org: Any, program: None) -> None:
    summary = selectors.request_summary(org)
    assert summary["open"] == 2 and summary["overdue"] == 1 and summary["due_soon"] == 1


def test_empty_program_shows_no_data_rather_than_failing(org: Any, members: Any, client_for: Any) -> None:
    page = client_for(members[Role.PROGRAM_MANAGER]).get(f"/o/{org.slug}/")
    assert page.status_code == 200 and "No active advocates yet." in page.content.decode()


def test_dashboard_page_and_query_budget(
    org: Any, program: None, members: Any, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_for(members[Role.ADMIN])
    with django_assert_max_num_queries(14):
        page = client.get(f"/o/{org.slug}/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "20" in body  # active advocates
    assert body.count("on target") == 3


def test_executive_sees_the_dashboard_without_the_audit_trail(
    org: Any, program: None, members: Any, client_for: Any
) -> None:
    body = client_for(members[Role.EXECUTIVE]).get(f"/o/{org.slug}/").content.decode()
    assert "Program dashboard" in body and "Recent activity" not in body
