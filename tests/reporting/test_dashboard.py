"""The program dashboard: today's queue and the program-health panels against a hand-counted
fixture, the filter, CSV downloads, query budgets and who may see it."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from advocacy.roles import Role
from advocates.models import Activity, Advocate, AdvocateStatusChange, Segment, Tier
from reporting.filters import ReportFilter
from reporting.rollups import rebuild_organization
from reporting.selectors import health as selectors
from reporting.selectors import queue
from requests_mgmt.models import AdvocacyRequest, RequestStatus, RequestStatusChange
from tests.factories import (
    ActivityFactory,
    AdvocacyRequestFactory,
    AdvocateFactory,
    CustomerAccountFactory,
)

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


def test_request_summary(org: Any, program: None) -> None:
    summary = queue.request_summary(org)
    assert summary["open"] == 2 and summary["overdue"] == 1 and summary["due_soon"] == 1


# --- the program-health panels ------------------------------------------------------------------


def _ago(days: int) -> Any:
    return timezone.localdate() - timedelta(days=days)


def _at(days: int) -> Any:
    return timezone.now() - timedelta(days=days)


@pytest.fixture
def health(org: Any, other_org: Any, activity_types: dict[str, Any], members: Any) -> dict[str, Any]:
    """Two segments. Enterprise: two active gold (one active 10 days ago), a paused silver last active
    400 days ago, and one who left 20 days ago. SMB: one active platinum who joined 30 days ago.

    Activities: enterprise, 3 completed reference calls (60 min) 40 days ago, a cancelled testimonial;
    SMB, a completed review (30 min) 100 days ago and one 500 days ago (outside the range).
    Requests (enterprise): a reference call fulfilled (accepted after 2 days, completed after 5), one
    unfulfilled ("No match in the region"); SMB: a case study still open."""
    enterprise = CustomerAccountFactory(organization=org, segment=Segment.ENTERPRISE)
    smb = CustomerAccountFactory(organization=org, segment=Segment.SMB)
    gold_busy = AdvocateFactory(organization=org, account=enterprise, tier=Tier.GOLD, last_activity_at=_ago(10))
    AdvocateFactory(organization=org, account=enterprise, tier=Tier.GOLD)
    AdvocateFactory(
        organization=org,
        account=enterprise,
        tier=Tier.SILVER,
        status=Advocate.Status.PAUSED,
        last_activity_at=_ago(400),
    )
    leaver = AdvocateFactory(organization=org, account=enterprise, tier=Tier.SILVER, status=Advocate.Status.ALUMNI)
    AdvocateStatusChange.objects.create(
        organization=org, advocate=leaver, from_status="active", to_status="alumni", created_at=_at(20)
    )
    platinum = AdvocateFactory(
        organization=org, account=smb, tier=Tier.PLATINUM, joined_at=_ago(30), last_activity_at=_ago(50)
    )
    for _ in range(3):
        ActivityFactory(
            organization=org, advocate=gold_busy, activity_type=activity_types["reference_call"],
            occurred_on=_ago(40), minutes=60,
        )  # fmt: skip
    ActivityFactory(
        organization=org, advocate=gold_busy, activity_type=activity_types["testimonial"],
        occurred_on=_ago(40), status=Activity.Status.CANCELLED,
    )  # fmt: skip
    ActivityFactory(
        organization=org, advocate=platinum, activity_type=activity_types["review"], occurred_on=_ago(100), minutes=30
    )
    ActivityFactory(organization=org, advocate=platinum, activity_type=activity_types["review"], occurred_on=_ago(500))
    sales = members[Role.SALES]
    fulfilled = AdvocacyRequestFactory(
        organization=org, requester=sales, prospect_segment=Segment.ENTERPRISE, status=RequestStatus.CLOSED,
        deal_value=Decimal("50000"),
    )  # fmt: skip
    unfulfilled = AdvocacyRequestFactory(
        organization=org, requester=sales, prospect_segment=Segment.ENTERPRISE, status=RequestStatus.UNFULFILLED
    )
    AdvocacyRequestFactory(
        organization=org, requester=sales, prospect_segment=Segment.SMB, request_type="case_study",
        status=RequestStatus.MATCHING,
    )  # fmt: skip
    created = _at(60)
    AdvocacyRequest.objects.filter(organization=org).update(created_at=created)
    for days, status in ((2, RequestStatus.ACCEPTED), (5, RequestStatus.COMPLETED), (6, RequestStatus.CLOSED)):
        RequestStatusChange.objects.create(
            organization=org, request=fulfilled, to_status=status, created_at=created + timedelta(days=days)
        )
    RequestStatusChange.objects.create(
        organization=org,
        request=unfulfilled,
        to_status=RequestStatus.UNFULFILLED,
        note="No match in the region",
        created_at=created + timedelta(days=3),
    )
    # Another organisation's activity in the same days must never count.
    ActivityFactory(organization=other_org, occurred_on=_ago(40))
    rebuild_organization(org)
    rebuild_organization(other_org)
    return {"gold_busy": gold_busy, "platinum": platinum}


def _figures(panel: Any) -> dict[str, Any]:
    return {str(figure.label): figure.value for figure in panel.figures}


def test_advocates_panel(org: Any, health: Any) -> None:
    panel = selectors.advocates_panel(org, ReportFilter.default())
    figures = _figures(panel)
    assert figures["In the program (active or paused)"] == 4
    # Active in the last twelve months: the busy gold and the platinum, of four in the program.
    assert figures["Engagement rate"] == 50.0
    assert figures["Joined in the range"] == 1
    assert figures["Left the program in the range"] == 1
    tiers = {row[0]: row for row in next(t for t in panel.tables if t.key == "tiers").rows}
    assert tiers["Gold"][1:3] == [2, 66.7] and tiers["Platinum"][1:3] == [1, 33.3]
    assert tiers["Gold"][4] is False and tiers["Silver"][1] == 0


def test_advocates_panel_by_segment(org: Any, health: Any) -> None:
    smb = ReportFilter(start=_ago(364), end=_ago(0), segment=Segment.SMB)
    figures = _figures(selectors.advocates_panel(org, smb))
    assert figures["In the program (active or paused)"] == 1 and figures["Engagement rate"] == 100.0
    assert figures["Left the program in the range"] == 0


def test_engagement_for_a_range_in_the_past_reads_the_ledger(org: Any, health: Any) -> None:
    # Twelve months to 35 days ago: the busy gold's calls (40 days ago) and the platinum's review.
    past = ReportFilter(start=_ago(200), end=_ago(35))
    assert _figures(selectors.advocates_panel(org, past))["Engagement rate"] == 50.0
    earlier = ReportFilter(start=_ago(200), end=_ago(120))
    assert _figures(selectors.advocates_panel(org, earlier))["Engagement rate"] == 0.0


def test_activity_panel(org: Any, health: Any) -> None:
    panel = selectors.activity_panel(org, ReportFilter.default())
    figures = _figures(panel)
    assert figures["Activities completed"] == 4
    assert figures["Advocates' hours given"] == 3.5
    by_type = {row[0]: row[1:] for row in next(t for t in panel.tables if t.key == "activity-types").rows}
    assert by_type == {"Reference call": [3, 0, 3.0], "Review-site review": [1, 0, 0.5]}
    months = next(t for t in panel.tables if t.key == "activity-months").rows
    assert len(months) in (12, 13) and sum(row[1] for row in months) == 4


def test_activity_panel_follows_the_activity_type_filter(org: Any, health: Any, activity_types: Any) -> None:
    only_reviews = ReportFilter(start=_ago(364), end=_ago(0), activity_type=activity_types["review"])
    assert _figures(selectors.activity_panel(org, only_reviews))["Activities completed"] == 1


def test_requests_panel(org: Any, health: Any) -> None:
    panel = selectors.requests_panel(org, ReportFilter.default())
    figures = _figures(panel)
    assert figures["Requests submitted"] == 3
    assert figures["Fulfilment rate"] == 50.0
    assert figures["Average time to match"] == 2.0
    assert figures["Average time to complete"] == 5.0
    assert figures["Still open"] == 1
    reasons = next(t for t in panel.tables if t.key == "unfulfilled-reasons").rows
    assert [row[3] for row in reasons] == ["No match in the region"]
    smb = _figures(selectors.requests_panel(org, ReportFilter(start=_ago(364), end=_ago(0), segment=Segment.SMB)))
    assert smb["Requests submitted"] == 1 and smb["Fulfilment rate"] is None


def test_capacity_panel(org: Any, health: Any) -> None:
    figures = _figures(selectors.appreciation_capacity_panel(org, ReportFilter.default()))
    # Four counting activities (the review counts toward the cap too) of 4 advocates × 6 a year.
    assert figures["Capacity used across the bench"] == round(100 * 4 / 24, 1)
    assert figures["Thanked within 24 hours"] is None  # nothing owed: the fixture's activities were typed in


def test_an_empty_program_shows_no_data_yet(org: Any) -> None:
    for panel in selectors.build(org, ReportFilter.default()):
        for figure in panel.figures:
            assert figure.value in (None, 0), (panel.key, figure.label)


@pytest.mark.parametrize("panel", selectors.PANELS, ids=lambda p: p.__name__)
def test_each_panel_stays_within_five_queries(
    org: Any, health: Any, panel: Any, django_assert_max_num_queries: Any
) -> None:
    past = ReportFilter(start=_ago(200), end=_ago(35), segment=Segment.ENTERPRISE)
    for report_filter in (ReportFilter.default(), past):
        with django_assert_max_num_queries(5):
            panel(org, report_filter)


# --- the page -------------------------------------------------------------------------------------


def test_dashboard_page_and_query_budget(
    org: Any, program: None, members: Any, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_for(members[Role.ADMIN])
    with django_assert_max_num_queries(40):
        page = client.get(f"/o/{org.slug}/")
    body = page.content.decode()
    assert page.status_code == 200
    assert 'id="panel-advocates"' in body and "<svg" in body
    assert body.count("Download CSV") >= 3


def test_empty_program_page_says_no_data_yet(org: Any, members: Any, client_for: Any) -> None:
    page = client_for(members[Role.PROGRAM_MANAGER]).get(f"/o/{org.slug}/")
    assert page.status_code == 200 and "no data yet" in page.content.decode()


def test_a_reversed_range_is_explained_and_the_default_shown(org: Any, members: Any, client_for: Any) -> None:
    page = client_for(members[Role.PROGRAM_MANAGER]).get(f"/o/{org.slug}/?start=2026-05-01&end=2026-01-01")
    body = page.content.decode()
    assert page.status_code == 200
    assert "The start date is after the end date." in body and "Showing the last twelve months instead." in body


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("start=1999-12-31&end=2001-01-01", "Reports start on 2000-01-01 at the earliest."),
        ("start=2001-01-01&end=2025-01-01", "A range can cover at most ten years."),
        ("start=2026-01-01&end=2099-01-01", "The range ends more than a year from today."),
        ("start=not-a-date", "Enter a valid date."),
    ],
)
def test_absurd_ranges_are_refused_with_a_clear_message(
    org: Any, members: Any, client_for: Any, query: str, message: str
) -> None:
    body = client_for(members[Role.PROGRAM_MANAGER]).get(f"/o/{org.slug}/?{query}").content.decode()
    assert message in body


def test_another_organisations_activity_type_is_ignored_as_not_found(
    org: Any, other_org: Any, health: Any, members: Any, client_for: Any
) -> None:
    foreign = other_org.activity_types.get(key="review")
    page = client_for(members[Role.PROGRAM_MANAGER]).get(f"/o/{org.slug}/?activity_type={foreign.public_id}")
    body = page.content.decode()
    assert page.status_code == 200 and "That activity type was not found" in body
    assert str(foreign.public_id) not in body


def test_csv_download_holds_the_figures_of_the_page(org: Any, health: Any, members: Any, client_for: Any) -> None:
    client = client_for(members[Role.PROGRAM_MANAGER])
    query = f"start={_ago(364).isoformat()}&end={_ago(0).isoformat()}&segment=enterprise"
    response = client.get(f"/o/{org.slug}/?{query}&export=activity-types")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [["Activity type", "Completed", "Planned", "Hours given"], ["Reference call", "3", "0", "3"]]
    assert client.get(f"/o/{org.slug}/?{query}&export=no-such-table").status_code == 404


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.ADMIN, 200),
        (Role.PROGRAM_MANAGER, 200),
        (Role.EXECUTIVE, 200),
        (Role.SALES, 403),
        (Role.MARKETING, 403),
        (Role.CSM, 403),
        (Role.ADVOCATE, 403),
    ],
)
def test_who_sees_the_dashboard(org: Any, members: Any, client_for: Any, role: str, status: int) -> None:
    assert client_for(members[role]).get(f"/o/{org.slug}/").status_code == status


def test_other_organisations_and_outsiders_get_404(
    org: Any, other_manager: Any, outsider: Any, client_for: Any
) -> None:
    for user in (other_manager, outsider):
        assert client_for(user).get(f"/o/{org.slug}/").status_code == 404
        assert client_for(user).get(f"/o/{org.slug}/?export=tiers").status_code == 404
    anonymous = client_for(None).get(f"/o/{org.slug}/?export=tiers")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_charts_keep_plain_numbers_in_every_language(org: Any, health: Any, members: Any, client_for: Any) -> None:
    manager = members[Role.PROGRAM_MANAGER]
    manager.language = "pt-br"
    manager.save(update_fields=["language"])
    body = client_for(manager).get(f"/o/{org.slug}/").content.decode()
    coordinates = re.findall(r'<rect class="series-\d" x="([^"]+)" y="([^"]+)" width="([^"]+)" height="([^"]+)"', body)
    assert coordinates and all(re.fullmatch(r"-?\d+(\.\d+)?", value) for row in coordinates for value in row)
    assert "Atividades concluídas" in body
