"""Fairness and bench strength against hand-counted fixtures: how asks are spread (Gini, the top
10 %'s share, eligible advocates never asked), who is near the yearly cap, and where the bench of
eligible advocates is thinner than the requests."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from advocacy.roles import Role
from advocates.capacity import add_months, annotate_capacity_used, frees_on
from advocates.models import Advocate, Region, Segment, Tier
from reporting.filters import NO_SEGMENT, ReportFilter
from reporting.panels import Panel, csv_cell, find_table
from reporting.selectors import fairness, fairness_figures
from requests_mgmt.models import AdvocacyRequest, Ask, RequestStatus
from tests.factories import (
    ActivityFactory,
    AdvocacyRequestFactory,
    AdvocateFactory,
    CustomerAccountFactory,
)

pytestmark = pytest.mark.django_db


def last_year(**kwargs: Any) -> ReportFilter:
    today = timezone.localdate()
    return ReportFilter(start=today - timedelta(days=364), end=today, **kwargs)


def figures(panel: Panel) -> dict[str, Any]:
    return {str(figure.label): figure.value for figure in panel.figures}


def table_rows(panel: Panel, key: str) -> list[list[Any]]:
    table = find_table([panel], key)
    assert table is not None
    return table.rows


def ask(advocate: Advocate, *, days_ago: int = 10, status: str = Ask.Status.DECLINED, **request: Any) -> Ask:
    """One ask, on a request of its own (campaign-free, so it is also demand for the bench)."""
    organization = advocate.organization
    return Ask.objects.create(
        organization=organization,
        request=AdvocacyRequestFactory(organization=organization, **request),
        advocate=advocate,
        status=status,
        asked_at=timezone.now() - timedelta(days=days_ago),
    )


# The arithmetic ----------------------------------------------------------------------------------


def test_gini_of_zero_zero_one_three_by_hand() -> None:
    # |xi − xj| over all ordered pairs of (0, 0, 1, 3): 2 × (0 + 1 + 3 + 1 + 3 + 2) = 20;
    # n = 4, μ = 1: G = 20 / (2 × 16 × 1) = 0.625.
    assert fairness_figures.gini({0: 2, 1: 1, 3: 1}) == pytest.approx(0.625)


def test_gini_extremes_and_no_data() -> None:
    assert fairness_figures.gini({4: 10}) == 0  # everyone asked the same
    assert fairness_figures.gini({0: 9, 10: 1}) == pytest.approx(0.9)  # one of ten asked for everything: 1 − 1/n
    assert fairness_figures.gini({}) is None
    assert fairness_figures.gini({0: 5}) is None  # nobody asked: nothing to share out


def test_top_ten_percent_rounds_up_and_reads_from_the_top() -> None:
    # 20 advocates asked 16 times: the top ceil(2.0) = 2 (asked 5 and 3 times) hold 8, half.
    assert fairness_figures.top_share({0: 12, 1: 5, 3: 2, 5: 1}) == (2, 50.0)
    # 21 advocates: the top ceil(2.1) = 3 (5, 3 and 3) hold 11 of 17.
    assert fairness_figures.top_share({0: 12, 1: 6, 3: 2, 5: 1}) == (3, 64.7)
    assert fairness_figures.top_share({0: 3, 1: 1, 3: 1}) == (1, 75.0)  # ceil(0.5) = 1
    assert fairness_figures.top_share({0: 4}) == (1, None)
    assert fairness_figures.top_share({}) == (0, None)


# 1. How asks are spread --------------------------------------------------------------------------


@pytest.fixture
def asked(org: Any, other_org: Any) -> dict[str, Advocate]:
    """Six advocates in the program asked 3, 1, 0, 0, 0 and 0 times in the last year."""
    healthy = CustomerAccountFactory(organization=org, name="Healthy Co", segment=Segment.ENTERPRISE)
    sick = CustomerAccountFactory(organization=org, name="Sick Co", health_score=50, segment=Segment.SMB)
    people = {
        "ana": AdvocateFactory(organization=org, account=healthy, full_name="Ana", tier=Tier.PLATINUM),
        "ben": AdvocateFactory(organization=org, account=healthy, full_name="Ben"),
        "cy": AdvocateFactory(organization=org, account=healthy, full_name="Cy", status=Advocate.Status.PAUSED),
        "dee": AdvocateFactory(organization=org, account=healthy, full_name="Dee", tier=Tier.SILVER),
        "eve": AdvocateFactory(organization=org, account=sick, full_name="Eve"),
        "fay": AdvocateFactory(organization=org, account=healthy, full_name="Fay", erasure_requested_at=timezone.now()),
        # Not in the program: their asks are not counted.
        "gus": AdvocateFactory(organization=org, account=healthy, full_name="Gus", status=Advocate.Status.ALUMNI),
    }
    for status in (Ask.Status.COMPLETED, Ask.Status.DECLINED, Ask.Status.EXPIRED):
        ask(people["ana"], status=status)
    ask(people["ana"], days_ago=400)  # before the range
    ask(people["ben"], status=Ask.Status.PENDING, request_type="case_study")
    ask(people["gus"])
    ask(people["gus"])
    stranger = AdvocateFactory(organization=other_org, full_name="Stranger")
    for _ in range(5):
        ask(stranger)
    return people


def test_asks_spread_by_hand(org: Any, asked: dict[str, Advocate]) -> None:
    panel = fairness.asks_spread_panel(org, last_year())
    values = figures(panel)
    # x = (3, 1, 0, 0, 0, 0): n = 6, Σx = 4, μ = 2/3. Σ|xi − xj| over ordered pairs
    # = 2 × (2 + 4 × 3 + 4 × 1) = 36; G = 36 / (2 × 36 × 2/3) = 0.75, shown as 75.0.
    assert values["Asks sent"] == 4
    assert values["Gini index of asks"] == 75.0
    # ceil(10 % × 6) = 1 advocate (Ana) holds 3 of the 4 asks.
    assert values["Share of asks to the top 10 %"] == 75.0
    # Dee alone: Cy is paused, Eve's account is unhealthy, Fay asked to be erased.
    assert values["Eligible advocates never asked"] == 1
    # Score: health 30 + tenure 15 + promoter 20, no outcomes, consents or recent activities.
    assert table_rows(panel, "never-asked") == [["Dee", "Silver", "Healthy Co", 65, None]]
    histogram = table_rows(panel, "asks-histogram")
    assert [row[1] for row in histogram] == [4, 1, 0, 1, 0, 0, 0]
    assert histogram[0] == ["0", 4, 66.7]
    assert panel.charts[0].series[0].values == [4, 1, 0, 1, 0, 0, 0]


def test_asks_spread_follows_the_segment_and_activity_type_filters(
    org: Any, asked: dict[str, Advocate], activity_types: dict[str, Any]
) -> None:
    smb = figures(fairness.asks_spread_panel(org, last_year(segment=Segment.SMB)))
    assert smb["Asks sent"] == 0 and smb["Gini index of asks"] is None  # Eve alone, never asked
    assert smb["Share of asks to the top 10 %"] is None
    assert smb["Eligible advocates never asked"] == 0
    enterprise = figures(fairness.asks_spread_panel(org, last_year(segment=Segment.ENTERPRISE)))
    assert enterprise["Asks sent"] == 4
    # Only Ben was asked for a case study: x = (0, 1, 0, 0, 0, 0), G = 10 / (2 × 36 × 1/6) = 5/6.
    case_studies = fairness.asks_spread_panel(org, last_year(activity_type=activity_types["case_study"]))
    values = figures(case_studies)
    assert values["Asks sent"] == 1 and values["Gini index of asks"] == 83.3
    # Ana was not asked for a case study, so she joins Dee among the eligible never asked.
    assert [row[0] for row in table_rows(case_studies, "never-asked")] == ["Ana", "Dee"]
    assert table_rows(case_studies, "never-asked")[0][4] is not None  # but she was asked for something


def test_eligible_never_asked_table_shows_twenty_most_eligible(org: Any) -> None:
    account = CustomerAccountFactory(organization=org)
    AdvocateFactory.create_batch(22, organization=org, account=account)
    best = AdvocateFactory(organization=org, account=account, full_name="Zed", outcomes="Cut costs by 20 %")
    panel = fairness.asks_spread_panel(org, last_year())
    assert figures(panel)["Eligible advocates never asked"] == 23
    rows = table_rows(panel, "never-asked")
    assert len(rows) == 20 and rows[0][0] == best.full_name and rows[0][3] == 75
    assert "20 most eligible of 23" in str(find_table([panel], "never-asked").caption)  # type: ignore[union-attr]


# 2. Advocates near their cap ---------------------------------------------------------------------


@pytest.fixture
def loaded(org: Any, other_org: Any, activity_types: dict[str, Any]) -> dict[str, Any]:
    """With the default cap of 6: Hal 5 used, Ida 4 plus an open ask, Jo 6, Kim 4, Lou 5 that do
    not count toward the cap."""
    today = timezone.localdate()
    account = CustomerAccountFactory(organization=org, name="Acme", segment=Segment.ENTERPRISE)
    other_segment = CustomerAccountFactory(organization=org, name="Small Co", segment=Segment.SMB)
    reference, referral = activity_types["reference_call"], activity_types["referral"]
    people = {
        name: AdvocateFactory(organization=org, account=account, full_name=name)
        for name in ("Hal", "Ida", "Jo", "Kim", "Lou")
    }
    people["Mo"] = AdvocateFactory(organization=org, account=other_segment, full_name="Mo")

    def done(advocate: Advocate, count: int, *, first_days_ago: int, activity_type: Any = reference) -> None:
        for index in range(count):
            ActivityFactory(
                organization=org,
                advocate=advocate,
                activity_type=activity_type,
                occurred_on=today - timedelta(days=first_days_ago - 20 * index),
            )

    done(people["Hal"], 5, first_days_ago=300)
    done(people["Hal"], 2, first_days_ago=500)  # more than twelve months ago
    done(people["Ida"], 4, first_days_ago=200)
    ask(people["Ida"], days_ago=250, status=Ask.Status.PENDING)  # holds capacity, older than her activities
    done(people["Jo"], 6, first_days_ago=100)
    done(people["Kim"], 4, first_days_ago=100)
    done(people["Lou"], 5, first_days_ago=100, activity_type=referral)
    done(people["Mo"], 5, first_days_ago=100)
    stranger = AdvocateFactory(organization=other_org)
    ActivityFactory.create_batch(6, organization=other_org, advocate=stranger, occurred_on=today - timedelta(days=5))
    return {"today": today, **people}


def test_near_cap_by_hand(org: Any, loaded: dict[str, Any]) -> None:
    today = loaded["today"]
    panel = fairness.near_cap_panel(org, last_year())
    values = figures(panel)
    assert values["Near or at the cap"] == 4  # Jo 6, Hal 5, Ida 5, Mo 5
    assert values["At the cap"] == 1
    assert values["Share of the program near the cap"] == 66.7  # 4 of 6
    assert table_rows(panel, "near-cap") == [
        ["Jo", "Gold", "Acme", 6, 6, frees_on(today - timedelta(days=100))],
        ["Hal", "Gold", "Acme", 5, 6, frees_on(today - timedelta(days=300))],
        ["Ida", "Gold", "Acme", 5, 6, frees_on(today - timedelta(days=250))],
        ["Mo", "Gold", "Small Co", 5, 6, frees_on(today - timedelta(days=100))],
    ]
    # Lou and the stranger's used nothing toward the cap; Kim 4.
    assert [row[1] for row in table_rows(panel, "capacity-used")] == [1, 0, 0, 0, 1, 3, 1]
    assert panel.charts[0].labels[-1] == "6+"


def test_near_cap_follows_the_cap_and_the_segment(org: Any, loaded: dict[str, Any]) -> None:
    enterprise = fairness.near_cap_panel(org, last_year(segment=Segment.ENTERPRISE))
    assert [row[0] for row in table_rows(enterprise, "near-cap")] == ["Jo", "Hal", "Ida"]
    org.settings = {"program": {"yearly_cap": 5}}
    org.save(update_fields=["settings"])
    tighter = fairness.near_cap_panel(org, last_year())
    assert figures(tighter)["Near or at the cap"] == 5 and figures(tighter)["At the cap"] == 4
    assert {row[4] for row in table_rows(tighter, "near-cap")} == {5}


def test_capacity_use_is_the_count_the_matching_uses(
    org: Any, loaded: dict[str, Any], asked: dict[str, Advocate]
) -> None:
    """The grouped statement against ``annotate_capacity_used`` (the matching's count), advocate by
    advocate, and against the ORM statements, whatever the filter."""
    today = loaded["today"]
    expected = dict(
        annotate_capacity_used(Advocate.objects.filter(organization=org).in_program(), today=today)
        .order_by()
        .values_list("full_name", "capacity_used")
    )
    distribution, near = fairness_figures.capacity_use(org, last_year(), cap=2, today=today, limit=1000)
    assert distribution == dict(Counter(expected.values()))
    assert {row.full_name: row.used for row in near} == {name: used for name, used in expected.items() if used >= 1}
    for report_filter in (last_year(), last_year(segment=Segment.SMB), last_year(segment=NO_SEGMENT)):
        assert fairness_figures.capacity_use(
            org, report_filter, cap=6, today=today
        ) == fairness_figures.capacity_use_orm(org, report_filter, cap=6, today=today)


def test_ask_histogram_statement_matches_the_orm(
    org: Any, asked: dict[str, Advocate], loaded: dict[str, Any], activity_types: dict[str, Any]
) -> None:
    for report_filter in (
        last_year(),
        last_year(segment=Segment.ENTERPRISE),
        last_year(activity_type=activity_types["case_study"]),
        ReportFilter(start=timezone.localdate() - timedelta(days=500), end=timezone.localdate() - timedelta(days=300)),
    ):
        assert fairness_figures.ask_histogram(org, report_filter) == fairness_figures.ask_histogram_orm(
            org, report_filter
        )


# 3. Bench strength -------------------------------------------------------------------------------


@pytest.fixture
def bench(org: Any, other_org: Any) -> None:
    def account(industry: str, segment: str, region: str) -> Any:
        return CustomerAccountFactory(organization=org, industry=industry, segment=segment, region=region)

    software_ent = account("Software", Segment.ENTERPRISE, Region.EMEA)
    AdvocateFactory.create_batch(2, organization=org, account=software_ent)
    AdvocateFactory(organization=org, account=software_ent, nps_score=5)  # not a promoter
    AdvocateFactory(organization=org, account=software_ent, status=Advocate.Status.PAUSED)  # not active
    AdvocateFactory(organization=org, account=account("Healthcare", Segment.SMB, Region.NORTH_AMERICA))
    AdvocateFactory(organization=org, account=account("Software", Segment.MID_MARKET, Region.EMEA))

    def requests(count: int, industry: str, segment: str, region: str, **extra: Any) -> list[AdvocacyRequest]:
        organization = extra.pop("organization", org)
        return [
            AdvocacyRequestFactory(
                organization=organization,
                prospect_industry=industry,
                prospect_segment=segment,
                prospect_region=region,
                **extra,
            )
            for _ in range(count)
        ]

    requests(2, "Software", Segment.ENTERPRISE, Region.EMEA)
    requests(1, "software", Segment.ENTERPRISE, Region.EMEA)  # the industry regardless of case
    requests(2, "Retail", Segment.ENTERPRISE, Region.APAC)
    requests(1, "Software", "", Region.EMEA)  # any segment
    requests(1, "Healthcare", Segment.SMB, Region.NORTH_AMERICA, request_type="case_study")
    requests(1, "Retail", Segment.ENTERPRISE, Region.APAC, status=RequestStatus.CANCELLED)
    (old,) = requests(1, "Retail", Segment.ENTERPRISE, Region.APAC)
    AdvocacyRequest.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=400))
    requests(5, "Retail", Segment.ENTERPRISE, Region.APAC, organization=other_org)
    AdvocateFactory.create_batch(3, organization=other_org)


def test_bench_cells_and_gaps_by_hand(org: Any, bench: None) -> None:
    panel = fairness.bench_panel(org, last_year())
    assert table_rows(panel, "bench") == [
        ["Retail", "Enterprise", "Asia-Pacific", 0, 2, None, True, 2],
        ["Software", "Enterprise", "Europe, Middle East and Africa", 2, 3, 1.5, True, 1],
        # Any segment: the two enterprise advocates and the mid-market one.
        ["Software", "Any", "Europe, Middle East and Africa", 3, 1, 0.3, False, 0],
        ["Healthcare", "SMB", "North America", 1, 1, 1.0, False, 0],
        ["Software", "Mid-market", "Europe, Middle East and Africa", 1, 0, 0.0, False, 0],
    ]
    values = figures(panel)
    assert values["Recruit for"] == 2 and values["Advocates to recruit"] == 3
    assert values["Requests in the last 12 months"] == 7
    assert values["Requests per eligible advocate"] == 1.8  # 7 requests, 4 eligible advocates
    chart = panel.charts[0]
    assert chart.labels == ["Retail · Enterprise · APAC", "Software · Enterprise · EMEA"]
    assert [series.values for series in chart.series] == [[2, 3], [0, 2]]


def test_bench_follows_the_segment_and_activity_type_filters(
    org: Any, bench: None, activity_types: dict[str, Any]
) -> None:
    enterprise = fairness.bench_panel(org, last_year(segment=Segment.ENTERPRISE))
    assert [row[:5] for row in table_rows(enterprise, "bench")] == [
        ["Retail", "Enterprise", "Asia-Pacific", 0, 2],
        ["Software", "Enterprise", "Europe, Middle East and Africa", 2, 3],
    ]
    case_studies = fairness.bench_panel(org, last_year(activity_type=activity_types["case_study"]))
    assert figures(case_studies)["Requests in the last 12 months"] == 1
    assert figures(case_studies)["Recruit for"] == 0


def test_bench_counts_the_twelve_months_up_to_the_end_of_the_range(org: Any, bench: None) -> None:
    today = timezone.localdate()
    earlier = ReportFilter(start=today - timedelta(days=900), end=today - timedelta(days=380))
    values = figures(fairness.bench_panel(org, earlier))
    assert values["Requests in the last 12 months"] == 1  # only the request from 400 days ago
    assert add_months(earlier.end, -12) < today - timedelta(days=400)


# No data, query budget ---------------------------------------------------------------------------


def test_empty_organisation_shows_no_data_yet(org: Any, members: Any, client_for: Any) -> None:
    panels = fairness.build(org, last_year())
    assert [panel.key for panel in panels] == ["asks-spread", "near-cap", "bench"]
    for panel in panels:
        assert all(figure.value is None for figure in panel.figures)
        assert all(table.empty for table in panel.tables)
        assert all(chart.empty for chart in panel.charts)
    page = client_for(members[Role.PROGRAM_MANAGER]).get(f"/o/{org.slug}/reports/fairness/")
    assert page.status_code == 200 and "no data yet" in page.content.decode()


@pytest.mark.parametrize("panel", ["asks_spread_panel", "near_cap_panel", "bench_panel"])
def test_each_panel_reads_at_most_five_queries(
    org: Any,
    asked: dict[str, Advocate],
    loaded: dict[str, Any],
    bench: None,
    activity_types: dict[str, Any],
    panel: str,
    django_assert_max_num_queries: Any,
) -> None:
    for report_filter in (last_year(), last_year(segment=Segment.ENTERPRISE, activity_type=activity_types["review"])):
        with django_assert_max_num_queries(5):
            getattr(fairness, panel)(org, report_filter)


# The page ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("program_manager", 200), ("admin", 200), ("executive", 200), ("sales", 403), ("csm", 403), ("marketing", 403)],
)
def test_page_access_by_role(org: Any, members: Any, client_for: Any, who: str, status: int) -> None:
    assert client_for(members[who]).get(f"/o/{org.slug}/reports/fairness/").status_code == status


def test_other_organisations_and_outsiders_are_not_found(
    org: Any, other_manager: Any, outsider: Any, client_for: Any
) -> None:
    assert client_for(other_manager).get(f"/o/{org.slug}/reports/fairness/").status_code == 404
    assert client_for(outsider).get(f"/o/{org.slug}/reports/fairness/").status_code == 404
    anonymous = client_for(None).get(f"/o/{org.slug}/reports/fairness/")
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]


def test_page_shows_the_panels_and_each_csv_matches_them(
    org: Any, asked: dict[str, Advocate], loaded: dict[str, Any], bench: None, members: Any, client_for: Any
) -> None:
    client = client_for(members[Role.EXECUTIVE])
    page = client.get(f"/o/{org.slug}/reports/fairness/")
    body = page.content.decode()
    assert page.status_code == 200
    for heading in ("How asks are spread", "Advocates near their cap", "Bench strength", "<svg"):
        assert heading in body
    panels = fairness.build(org, ReportFilter.default())
    keys = [table.key for panel in panels for table in panel.tables]
    assert len(keys) == len(set(keys)) == 5
    for key in keys:
        download = client.get(f"/o/{org.slug}/reports/fairness/", {"export": key})
        assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
        table = find_table(panels, key)
        assert table is not None and rows[0] == [str(column) for column in table.columns]
        assert rows[1:] == [[csv_cell(cell) for cell in row] for row in table.rows]
        assert table.rows, key
    assert client.get(f"/o/{org.slug}/reports/fairness/", {"export": "nope"}).status_code == 404
    filtered = client.get(f"/o/{org.slug}/reports/fairness/", {"segment": Segment.SMB, "export": "near-cap"})
    assert [row[0] for row in csv.reader(io.StringIO(filtered.content.decode("utf-8-sig")))][1:] == ["Mo"]


def test_another_organisations_page_never_counts_this_one(
    org: Any, other_org: Any, asked: dict[str, Advocate], bench: None, other_manager: Any, client_for: Any
) -> None:
    panels = fairness.build(other_org, ReportFilter.default())
    spread, near, bench_panel = (figures(panel) for panel in panels)
    # Beta: the stranger (asked 5 times) and the three bench advocates, never asked; its requests
    # are the five for Retail and the five the stranger was asked on.
    assert spread["Asks sent"] == 5 and spread["Share of asks to the top 10 %"] == 100.0
    assert spread["Eligible advocates never asked"] == 3
    assert bench_panel["Requests in the last 12 months"] == 10
    assert near["Near or at the cap"] == 0
    page = client_for(other_manager).get(f"/o/{other_org.slug}/reports/fairness/")
    assert page.status_code == 200 and "Healthy Co" not in page.content.decode()
