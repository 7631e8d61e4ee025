"""The advocate directory and account pages: filters, sorting, partial updates, query counts."""

from __future__ import annotations

from typing import Any

import pytest

from advocacy.roles import Role
from advocates.models import Tier
from tests.factories import AdvocateFactory, CustomerAccountFactory

pytestmark = pytest.mark.django_db


def test_filters_and_search(org: Any, members: Any, client_for: Any) -> None:
    bank = CustomerAccountFactory(organization=org, name="Lisbon Bank", industry="Financial services")
    shop = CustomerAccountFactory(organization=org, name="Tokyo Shop", industry="Retail", segment="smb")
    AdvocateFactory(organization=org, account=bank, full_name="Ana Platinum", tier=Tier.PLATINUM)
    AdvocateFactory(organization=org, account=shop, full_name="Ken Silver", tier=Tier.SILVER)
    client = client_for(members[Role.PROGRAM_MANAGER])
    base = f"/o/{org.slug}/advocates/"
    by_tier = client.get(base + "?tier=platinum").content.decode()
    assert "Ana Platinum" in by_tier and "Ken Silver" not in by_tier
    by_industry = client.get(base + "?industry=Retail").content.decode()
    assert "Ken Silver" in by_industry and "Ana Platinum" not in by_industry
    by_account = client.get(base + "?q=lisbon").content.decode()
    assert "Ana Platinum" in by_account and "Ken Silver" not in by_account
    by_tier_order = client.get(base + "?sort=tier").content.decode()
    assert by_tier_order.index("Ana Platinum") < by_tier_order.index("Ken Silver")


def test_htmx_refresh_returns_only_the_results(org: Any, members: Any, client_for: Any) -> None:
    AdvocateFactory(organization=org, full_name="Only Row")
    response = client_for(members[Role.PROGRAM_MANAGER]).get(f"/o/{org.slug}/advocates/", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "Only Row" in body and "<html" not in body and 'id="results"' not in body  # swapped into #results


def test_an_unknown_filter_value_is_ignored_not_an_error(org: Any, members: Any, client_for: Any) -> None:
    AdvocateFactory(organization=org, full_name="Still Listed")
    response = client_for(members[Role.PROGRAM_MANAGER]).get(f"/o/{org.slug}/advocates/?tier=diamond")
    assert response.status_code == 200 and "Still Listed" in response.content.decode()


@pytest.mark.parametrize("size", [1, 40])
def test_directory_query_count_does_not_grow_with_rows(
    size: int, org: Any, members: Any, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    AdvocateFactory.create_batch(size, organization=org)
    client = client_for(members[Role.PROGRAM_MANAGER])
    with django_assert_max_num_queries(10):
        assert client.get(f"/o/{org.slug}/advocates/").status_code == 200


def test_account_page_lists_its_advocates(org: Any, members: Any, client_for: Any) -> None:
    account = CustomerAccountFactory(organization=org, name="Harbor Labs")
    AdvocateFactory(organization=org, account=account, full_name="Rui Costa", tier=Tier.GOLD)
    client = client_for(members[Role.MARKETING])
    listing = client.get(f"/o/{org.slug}/accounts/?q=harbor").content.decode()
    assert "Harbor Labs" in listing
    page = client.get(f"/o/{org.slug}/accounts/{account.public_id}/").content.decode()
    assert "Rui Costa" in page


def test_portal_shows_the_advocates_own_profile_in_kind_words(org: Any, members: Any, client_for: Any) -> None:
    AdvocateFactory(organization=org, user=members[Role.ADVOCATE], tier=Tier.COMMUNITY, full_name="Aiko Sato")
    page = client_for(members[Role.ADVOCATE]).get(f"/o/{org.slug}/portal/").content.decode()
    assert "Aiko Sato" in page and "customer community" in page


def test_portal_for_an_unlinked_advocate_login_says_what_to_do(org: Any, members: Any, client_for: Any) -> None:
    page = client_for(members[Role.ADVOCATE]).get(f"/o/{org.slug}/portal/").content.decode()
    assert "not linked to an advocate profile" in page


def test_capacity_product_and_last_activity_filters(
    org: Any, members: Any, activity_types: Any, client_for: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from advocates.models import AccountProduct, Product
    from tests.factories import ActivityFactory

    today = timezone.localdate()
    product = Product.objects.create(organization=org, name="Forecasting")
    uses = CustomerAccountFactory(organization=org, name="Uses Forecasting")
    AccountProduct.objects.create(organization=org, account=uses, product=product)
    busy = AdvocateFactory(organization=org, account=uses, full_name="Busy Bee", last_activity_at=today)
    for days in range(1, 6):
        ActivityFactory(
            organization=org,
            advocate=busy,
            activity_type=activity_types["reference_call"],
            occurred_on=today - timedelta(days=30 * days),
        )
    AdvocateFactory(organization=org, full_name="Quiet One", last_activity_at=today - timedelta(days=400))
    client = client_for(members[Role.PROGRAM_MANAGER])
    base = f"/o/{org.slug}/advocates/"
    roomy = client.get(base + "?min_capacity_remaining=2").content.decode()
    assert "Quiet One" in roomy and "Busy Bee" not in roomy
    assert "5 / 6" in client.get(base + "?q=busy").content.decode()
    by_product = client.get(base + "?product=Forecasting").content.decode()
    assert "Busy Bee" in by_product and "Quiet One" not in by_product
    dormant = client.get(base + f"?last_activity_before={(today - timedelta(days=365)).isoformat()}").content.decode()
    assert "Quiet One" in dormant and "Busy Bee" not in dormant
