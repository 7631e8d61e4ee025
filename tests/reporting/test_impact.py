"""The business impact page against a hand-counted fixture.

The report range is the first half of 2026. In it, for ``org`` (``other_org`` has look-alike data
that must never count):

- references: 3 completed reference calls (2 in January, 1 in March); a planned one, a cancelled
  one, one from December 2025 and one of ``other_org`` do not count;
- reference-call requests submitted in the range: 1 completed, 1 closed, 1 unfulfilled, 1 still open,
  1 cancelled: close rate 2 ÷ (2 + 1) = 66.7 %;
- pipeline: requests naming a CRM opportunity (linked): the completed, the closed and the open one = 3;
  pipeline of fulfilled requests 12,000 (the outcome's value, not the request's 10,000) + 5,000 +
  2,000 (a fulfilled case-study request) = 19,000; won 1 (12,000), lost 1: deal win rate 50 %;
- opportunities closed in the range. With advocacy (named by a fulfilled request or a completed
  activity): OPP-1 won in 60 days, OPP-2 lost, OPP-3 won in 40 days: win rate 2 ÷ 3 = 66.7 %, cycle
  50 days. Without: OPP-4 (only an open request names it) won in 90 days, OPP-5 (only a planned
  activity) lost, OPP-6 (only ``other_org``'s request names it) lost, OPP-7 won in 120 days, OPP-8
  lost: win rate 2 ÷ 5 = 40 %, cycle 105 days. Lift 66.67 ÷ 40 − 1 = 66.7 %; cycle reduction
  1 − 50 ÷ 105 = 52.4 %;
- opportunities opened in the range: OPP-1, 2, 3, 5, 6, 7, 8, 10 = 8, of which 3 had advocacy: 37.5 %;
  their amount 12,000 + 5,000 + 8,000 + 4,000 + 6,000 + 5,000 + 10,000 (OPP-8 has none) = 50,000;
- content: 1 case study, 2 testimonials, 4 reviews rated 5, 4 and 4 and one unrated: average
  13 ÷ 3 = 4.33; published pieces: 1 case study, 1 testimonial (a testimonial first published in
  2025 does not count);
- referrals received in the range: one each submitted, accepted, opportunity (5,000), won (7,500),
  lost (2,500) and not taken up: conversion 1 ÷ 6 = 16.7 %; referral pipeline 15,000, share of the
  opened amount 15,000 ÷ 50,000 = 30 %.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from advocacy.roles import Role
from advocates.models import Activity, Segment
from reporting.filters import ReportFilter
from reporting.models import Opportunity
from reporting.rollups import rebuild_organization
from reporting.selectors import impact, impact_figures
from requests_mgmt.models import (
    AdvocacyRequest,
    ContentKind,
    ContentPiece,
    Publication,
    Referral,
    RequestOutcome,
    RequestStatus,
    RequestType,
)
from tests.factories import ActivityFactory, AdvocacyRequestFactory, AdvocateFactory, CustomerAccountFactory

pytestmark = pytest.mark.django_db

H1 = ReportFilter(start=date(2026, 1, 1), end=date(2026, 6, 30))


def activity(org: Any, advocate: Any, key: str, on: date, **extra: Any) -> Activity:
    activity_type = org.activity_types.get(key=key)
    return ActivityFactory(organization=org, advocate=advocate, activity_type=activity_type, occurred_on=on, **extra)


def request(org: Any, status: str, *, request_type: str = RequestType.REFERENCE_CALL, **extra: Any) -> AdvocacyRequest:
    created = extra.pop("created", datetime(2026, 2, 1, 12, tzinfo=UTC))
    outcome = extra.pop("outcome", None)
    item = AdvocacyRequestFactory(organization=org, request_type=request_type, status=status, **extra)
    if outcome is not None:
        result, value = outcome
        RequestOutcome.objects.create(organization=org, request=item, deal_result=result, deal_value=value)
    AdvocacyRequest.objects.filter(pk=item.pk).update(created_at=created)
    return item


def opportunity(
    org: Any, crm_id: str, opened: date, closed: date | None, result: str, amount: Any = None, **extra: Any
) -> Opportunity:
    return Opportunity.objects.create(
        organization=org,
        crm_id=crm_id,
        opened_on=opened,
        closed_on=closed,
        result=result,
        amount=None if amount is None else Decimal(amount),
        **extra,
    )


def referral(org: Any, advocate: Any, status: str, created: date, value: Any = None) -> Referral:
    return Referral.objects.create(
        organization=org,
        advocate=advocate,
        peer_name="Peer",
        peer_email=f"peer-{status}-{created.isoformat()}@prospect.example",
        peer_company="Prospect",
        context="Needs analytics",
        peer_agreed=True,
        status=status,
        opportunity_value=None if value is None else Decimal(value),
        created_at=datetime(created.year, created.month, created.day, 12, tzinfo=UTC),
    )


def content(org: Any, advocate: Any, kind: str, *published: date) -> ContentPiece:
    piece = ContentPiece.objects.create(organization=org, advocate=advocate, kind=kind, title="Story", body="Text")
    for day in published:
        Publication.objects.create(organization=org, content=piece, channel="website", permitted_from=day)
    return piece


@pytest.fixture
def fixture(org: Any, other_org: Any) -> None:
    advocate = AdvocateFactory(organization=org)
    stranger = AdvocateFactory(organization=other_org)

    # References.
    for day in (date(2026, 1, 10), date(2026, 1, 20), date(2026, 3, 5)):
        activity(org, advocate, "reference_call", day)
    activity(org, advocate, "reference_call", date(2026, 2, 1), status=Activity.Status.PLANNED)
    activity(org, advocate, "reference_call", date(2026, 2, 2), status=Activity.Status.CANCELLED)
    activity(org, advocate, "reference_call", date(2025, 12, 15))
    activity(other_org, stranger, "reference_call", date(2026, 1, 10))

    # Content produced; the case study names OPP-3, a planned testimonial names OPP-5.
    activity(org, advocate, "case_study", date(2026, 2, 2), crm_opportunity_id="OPP-3")
    activity(org, advocate, "testimonial", date(2026, 4, 1))
    activity(org, advocate, "testimonial", date(2026, 4, 2))
    activity(org, advocate, "testimonial", date(2026, 5, 2), status=Activity.Status.PLANNED, crm_opportunity_id="OPP-5")
    for day, rating in ((date(2026, 1, 3), 5), (date(2026, 2, 3), 4), (date(2026, 5, 3), 4), (date(2026, 6, 3), None)):
        activity(org, advocate, "review", day, rating=rating)
    activity(org, advocate, "review", date(2025, 11, 3), rating=1)
    content(org, advocate, ContentKind.CASE_STUDY, date(2026, 2, 10))
    content(org, advocate, ContentKind.TESTIMONIAL, date(2025, 12, 1), date(2026, 3, 1))
    content(org, advocate, ContentKind.TESTIMONIAL, date(2026, 5, 1))

    # Requests.
    request(org, RequestStatus.COMPLETED, crm_opportunity_id="OPP-1", deal_value=10000, outcome=("won", 12000))
    request(org, RequestStatus.CLOSED, crm_opportunity_id="OPP-2", deal_value=5000, outcome=("lost", None))
    request(org, RequestStatus.UNFULFILLED)
    request(org, RequestStatus.SUBMITTED, crm_opportunity_id="OPP-4")
    request(org, RequestStatus.CANCELLED)
    request(org, RequestStatus.COMPLETED, request_type=RequestType.CASE_STUDY, deal_value=2000)
    request(org, RequestStatus.COMPLETED, created=datetime(2025, 12, 1, tzinfo=UTC), deal_value=99000)
    request(other_org, RequestStatus.COMPLETED, crm_opportunity_id="OPP-6", deal_value=1000)

    # Opportunities.
    opportunity(org, "OPP-1", date(2026, 1, 1), date(2026, 3, 2), "won", 12000, segment=Segment.ENTERPRISE)
    opportunity(org, "OPP-2", date(2026, 2, 1), date(2026, 3, 3), "lost", 5000)
    opportunity(org, "OPP-3", date(2026, 1, 10), date(2026, 2, 19), "won", 8000)
    opportunity(org, "OPP-4", date(2025, 11, 1), date(2026, 1, 30), "won", 3000)
    opportunity(org, "OPP-5", date(2026, 1, 5), date(2026, 4, 5), "lost", 4000)
    opportunity(org, "OPP-6", date(2026, 2, 1), date(2026, 5, 2), "lost", 6000)
    opportunity(org, "OPP-7", date(2026, 3, 1), date(2026, 6, 29), "won", 5000)
    opportunity(org, "OPP-8", date(2026, 6, 1), date(2026, 6, 30), "lost")
    opportunity(org, "OPP-9", date(2026, 7, 1), date(2026, 7, 15), "won", 50000)
    opportunity(org, "OPP-10", date(2026, 3, 1), None, "open", 10000)
    opportunity(other_org, "OPP-1", date(2026, 1, 1), date(2026, 2, 1), "lost", 70000)

    # Referrals.
    for status, value in (
        ("submitted", None),
        ("accepted", None),
        ("opportunity", 5000),
        ("won", 7500),
        ("lost", 2500),
        ("declined", None),
    ):
        referral(org, advocate, status, date(2026, 3, 10), value)
    referral(org, advocate, "won", date(2025, 12, 1), 40000)
    referral(other_org, stranger, "won", date(2026, 3, 10), 90000)

    rebuild_organization(org, record=False)
    rebuild_organization(other_org, record=False)


def figures_of(panel: Any) -> dict[str, Any]:
    return {str(figure.label): figure.value for figure in panel.figures}


def test_references_and_close_rate(org: Any, fixture: None, django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(5):
        panel = impact.references_panel(org, H1)
    figures = figures_of(panel)
    assert figures["References provided"] == 3
    assert figures["Reference close rate"] == 66.7
    assert figures["Reference requests submitted"] == 5
    chart = panel.charts[0]
    assert chart.labels[:3] == ["2026-01", "2026-02", "2026-03"] and len(chart.labels) == 6
    assert chart.series[0].values == [2, 0, 1, 0, 0, 0]
    assert panel.tables[1].rows == [[5, 2, 1, 66.7]]


def test_influenced_pipeline(org: Any, fixture: None, django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(5):
        panel = impact.pipeline_panel(org, H1)
    figures = figures_of(panel)
    assert figures["Requests linked to opportunities"] == 3
    assert figures["Influenced pipeline"] == Decimal("19000")
    assert figures["Won revenue"] == Decimal("12000")
    assert (figures["Deals won"], figures["Deals lost"], figures["Deal win rate"]) == (1, 1, 50.0)
    rows = {row[0]: row for row in panel.tables[0].rows}
    assert rows["Reference call"][1:] == [5, 2, 3, Decimal("17000"), 1, 1, Decimal("12000"), 50.0]
    assert rows["Case study"][1:] == [1, 1, 0, Decimal("2000"), 0, 0, Decimal("0"), None]


def test_win_rate_and_cycle_with_and_without_advocacy(
    org: Any, fixture: None, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(5):
        panel = impact.comparison_panel(org, H1)
    figures = figures_of(panel)
    assert figures["Win rate with advocacy"] == 66.7
    assert figures["Win rate without advocacy"] == 40.0
    assert figures["Win rate lift"] == 66.7
    assert figures["Sales cycle with advocacy"] == 50.0
    assert figures["Sales cycle without advocacy"] == 105.0
    assert figures["Sales cycle reduction"] == 52.4
    assert figures["Opportunities supported"] == 37.5
    assert panel.tables[0].rows == [
        ["With advocacy", 3, 2, 1, 66.7, 50.0, Decimal("20000")],
        ["Without advocacy", 5, 2, 3, 40.0, 105.0, Decimal("8000")],
    ]
    assert [chart.series[0].values for chart in panel.charts] == [[66.7, 40.0], [50.0, 105.0]]


def test_content_produced_and_review_average(org: Any, fixture: None, django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(5):
        panel = impact.content_panel(org, H1)
    figures = figures_of(panel)
    assert (figures["Case studies"], figures["Testimonials"], figures["Reviews"]) == (1, 2, 4)
    assert figures["Review average"] == 4.33
    assert (figures["Case studies published"], figures["Testimonials published"]) == (1, 1)
    reviews = next(row for row in panel.tables[0].rows if row[0] == "Review-site review")
    assert reviews == ["Review-site review", 4, 3, 4.33]
    by_series = {str(series.name): series.values for series in panel.charts[0].series}
    assert by_series["Reviews"] == [1, 1, 0, 0, 1, 1]
    assert by_series["Testimonials"] == [0, 0, 0, 2, 0, 0]


def test_referrals_and_conversion(org: Any, fixture: None, django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(5):
        panel = impact.referrals_panel(org, H1)
    figures = figures_of(panel)
    assert figures["Referrals submitted"] == 6 and figures["Won"] == 1
    assert figures["Conversion"] == 16.7
    assert figures["Referral pipeline"] == Decimal("15000")
    assert figures["Share of pipeline from referrals"] == 30.0
    assert panel.tables[0].rows == [
        ["Submitted", 1],
        ["Accepted", 1],
        ["Opportunity", 1],
        ["Won", 1],
        ["Lost", 1],
        ["Not taken up", 1],
    ]


def test_headline_figures(org: Any, fixture: None, django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(10):
        figures = impact_figures.headline(org, H1)
    assert figures == {
        "references": 3,
        "case_studies": 1,
        "testimonials": 2,
        "reviews": 4,
        "review_average": 4.33,
        "reference_close_rate": 66.7,
        "opportunities_supported": 37.5,
        "referral_pipeline_share": 30.0,
        "win_rate_with": 66.7,
        "win_rate_without": 40.0,
        "win_rate_lift": 66.7,
        "cycle_with": 50.0,
        "cycle_without": 105.0,
        "cycle_reduction": 52.4,
        "pipeline": Decimal("19000"),
        "won_value": Decimal("12000"),
        "referrals": 6,
        "referral_conversion": 16.7,
    }


def test_segment_filter_narrows_opportunities(org: Any, fixture: None) -> None:
    enterprise = ReportFilter(start=H1.start, end=H1.end, segment=Segment.ENTERPRISE)
    figures = impact_figures.headline(org, enterprise)
    assert figures["win_rate_with"] == 100.0 and figures["cycle_with"] == 60.0
    assert figures["win_rate_without"] is None and figures["win_rate_lift"] is None
    assert figures["cycle_reduction"] is None
    # No activity, request or referral of an enterprise account: the counts are zero, the rates absent.
    assert figures["references"] == 0 and figures["reference_close_rate"] is None
    assert figures["referral_conversion"] is None and figures["review_average"] is None


def test_no_data_never_fails(org: Any, django_assert_max_num_queries: Any) -> None:
    for build in (
        impact.references_panel,
        impact.pipeline_panel,
        impact.comparison_panel,
        impact.content_panel,
        impact.referrals_panel,
    ):
        with django_assert_max_num_queries(5):
            panel = build(org, H1)
        assert all(table.empty for table in panel.tables), panel.key
    figures = impact_figures.headline(org, H1)
    for name in (
        "review_average",
        "reference_close_rate",
        "opportunities_supported",
        "referral_pipeline_share",
        "win_rate_with",
        "win_rate_without",
        "win_rate_lift",
        "cycle_with",
        "cycle_without",
        "cycle_reduction",
        "pipeline",
        "won_value",
        "referral_conversion",
    ):
        assert figures[name] is None, name
    assert figures["references"] == 0 and figures["referrals"] == 0


def test_opportunities_without_amounts_give_no_pipeline_share(org: Any) -> None:
    advocate = AdvocateFactory(organization=org, account=CustomerAccountFactory(organization=org))
    opportunity(org, "A-1", date(2026, 2, 1), None, "open")
    referral(org, advocate, "opportunity", date(2026, 2, 2), 1000)
    assert impact_figures.headline(org, H1)["referral_pipeline_share"] is None


def test_page_access(
    org: Any, other_org: Any, members: Any, other_manager: Any, outsider: Any, client_for: Any
) -> None:
    url = f"/o/{org.slug}/reports/impact/"
    for role in (Role.ADMIN, Role.PROGRAM_MANAGER, Role.EXECUTIVE):
        assert client_for(members[role]).get(url).status_code == 200, role
    for role in (Role.SALES, Role.MARKETING, Role.CSM):
        assert client_for(members[role]).get(url).status_code == 403, role
    assert client_for(other_manager).get(url).status_code == 404
    assert client_for(outsider).get(url).status_code == 404


def test_page_shows_the_figures_and_every_table_downloads(
    org: Any, fixture: None, members: Any, client_for: Any
) -> None:
    client = client_for(members[Role.EXECUTIVE])
    query = "start=2026-01-01&end=2026-06-30"
    page = client.get(f"/o/{org.slug}/reports/impact/?{query}")
    body = page.content.decode()
    assert page.status_code == 200
    assert "Win rate lift" in body and "66.7" in body and "<svg" in body
    keys = [table.key for panel in impact.build(org, H1) for table in panel.tables]
    assert len(keys) == len(set(keys)) == 7
    for key in keys:
        response = client.get(f"/o/{org.slug}/reports/impact/?{query}&export={key}")
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv"), key
    export = client.get(f"/o/{org.slug}/reports/impact/?{query}&export=win-rate-comparison")
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows[1] == ["With advocacy", "3", "2", "1", "66.7", "50", "20000.00"]
    assert rows[2] == ["Without advocacy", "5", "2", "3", "40", "105", "8000.00"]
    assert client.get(f"/o/{org.slug}/reports/impact/?{query}&export=nothing").status_code == 404
