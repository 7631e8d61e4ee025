"""The satisfaction report against hand-computed fixtures: program NPS and its make-up, the trend by
quarter and by round, the latest round's response rate, comments, retention and participation;
query budgets, "no data yet", the CSV download and who may see the page."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from advocacy.roles import Role
from advocates.models import Activity, Advocate, AdvocateStatusChange, NpsResponse, Segment, Tier
from reporting.filters import ReportFilter
from reporting.models import NpsSurvey
from reporting.selectors import satisfaction as selectors
from tests.factories import ActivityFactory, AdvocateFactory, CustomerAccountFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 20)
H1 = ReportFilter(start=date(2026, 1, 1), end=date(2026, 6, 30))


@pytest.fixture(autouse=True)
def clock() -> Any:
    with time_machine.travel(datetime(2026, 6, 20, 12, tzinfo=UTC), tick=False) as traveller:
        yield traveller


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=UTC)


@pytest.fixture
def answers(org: Any, other_org: Any) -> dict[str, Any]:
    """Two rounds. Round 1 (opened 2026-02-01, sent to 4): enterprise answers 10, 9 and 3, SMB 8.
    Round 2 (opened 2026-05-02, sent to 4): an SMB 6 with no comment. A score the team recorded in
    2025 (outside the range), and another organisation's 0, do not count.

    In H1 2026: scores 10, 9, 8, 6, 3 → 2 promoters, 1 passive, 2 detractors of 5: NPS 0.
    Q1: 10, 9, 3, 8 → (2 − 1) / 4 = 25. Q2: 6 → −100. Enterprise only: 10, 9, 3 → 33.3."""
    enterprise = CustomerAccountFactory(organization=org, segment=Segment.ENTERPRISE)
    smb = CustomerAccountFactory(organization=org, segment=Segment.SMB)
    first = NpsSurvey.objects.create(
        organization=org, opened_at=_at(date(2026, 2, 1)), closes_at=_at(date(2026, 2, 15)), recipients=4
    )
    second = NpsSurvey.objects.create(
        organization=org, opened_at=_at(date(2026, 5, 2)), closes_at=_at(date(2026, 5, 16)), recipients=4
    )
    people = {
        "eva": AdvocateFactory(organization=org, account=enterprise, full_name="Eva Enterprise", tier=Tier.PLATINUM),
        "eli": AdvocateFactory(organization=org, account=enterprise, full_name="Eli Enterprise", tier=Tier.GOLD),
        "edo": AdvocateFactory(organization=org, account=enterprise, full_name="Edo Enterprise", tier=Tier.SILVER),
        "sam": AdvocateFactory(organization=org, account=smb, full_name="Sam Smb", tier=Tier.COMMUNITY),
    }

    def answer(person: str, survey: NpsSurvey | None, score: int, day: date, comment: str = "") -> None:
        NpsResponse.objects.create(
            organization=org,
            advocate=people[person],
            survey=survey,
            score=score,
            responded_on=day,
            comment=comment,
            source="survey" if survey else "manual",
        )

    answer("eva", first, 10, date(2026, 2, 2), "The peer dinners are the best part.")
    answer("eli", first, 9, date(2026, 2, 3), "Good pace.")
    answer("edo", first, 3, date(2026, 2, 5), "Too many asks in one month.")
    answer("sam", first, 8, date(2026, 2, 10))
    answer("sam", second, 6, date(2026, 5, 3))
    answer("eva", None, 0, date(2025, 11, 1), "Old score, out of range.")
    NpsResponse.objects.create(
        organization=other_org,
        advocate=AdvocateFactory(organization=other_org),
        score=0,
        responded_on=date(2026, 3, 1),
        comment="Another tenant",
    )
    return {"first": first, "second": second, **people}


def test_program_nps_hand_computed(org: Any, answers: dict[str, Any]) -> None:
    counts = selectors.nps_in_range(org, H1)
    assert (counts.responses, counts.promoters, counts.passives, counts.detractors) == (5, 2, 1, 2)
    assert counts.score == 0.0
    enterprise = selectors.nps_in_range(org, ReportFilter(start=H1.start, end=H1.end, segment=Segment.ENTERPRISE))
    assert (enterprise.responses, enterprise.score) == (3, 33.3)
    assert selectors.score_distribution(org, H1) == [0, 0, 0, 1, 0, 0, 1, 0, 1, 1, 1]


def test_nps_formula() -> None:
    assert selectors.nps(2, 2, 5) == 0.0
    assert selectors.nps(3, 1, 4) == 50.0
    assert selectors.nps(0, 0, 0) is None


def test_trend_by_quarter_and_by_round(org: Any, answers: dict[str, Any]) -> None:
    quarters = selectors.nps_by_quarter(org, H1)
    assert [(quarter, counts.responses, counts.score) for quarter, counts in quarters] == [
        (date(2026, 1, 1), 4, 25.0),
        (date(2026, 4, 1), 1, -100.0),
    ]
    rounds = selectors.survey_rounds(org, H1)
    assert [(item.survey, item.counts.responses, item.response_rate, item.counts.score) for item in rounds] == [
        (answers["second"], 1, 25.0, -100.0),
        (answers["first"], 4, 100.0, 25.0),
    ]
    latest = selectors.latest_round(org, H1)
    assert latest is not None and latest.survey == answers["second"] and latest.response_rate == 25.0
    # A range ending before the second round: the first is the latest.
    march = ReportFilter(start=date(2026, 1, 1), end=date(2026, 3, 31))
    assert selectors.latest_round(org, march).survey == answers["first"]  # type: ignore[union-attr]
    assert [item.survey for item in selectors.survey_rounds(org, march)] == [answers["first"]]


def test_panels_show_the_figures(org: Any, answers: dict[str, Any]) -> None:
    nps, trend, _retention, comments = selectors.build(org, H1)
    figures = {str(figure.label): figure.value for figure in nps.figures}
    assert figures["Net Promoter Score"] == 0.0
    assert figures["Responses"] == 5
    assert figures["Response rate, latest round"] == 25.0
    chart = trend.charts[0]
    assert chart.labels == ["Q1 2026", "Q2 2026"]
    # A negative quarter: the NPS is read from the promoter and detractor lines (the axis starts at 0).
    assert [str(series.name) for series in chart.series] == ["Promoters (%)", "Detractors (%)"]
    assert chart.series[0].values == [50.0, 0.0] and chart.series[1].values == [25.0, 100.0]
    quarters = next(table for table in trend.tables if table.key == "nps-quarters")
    assert quarters.rows == [["Q1 2026", 4, 2, 1, 1, 25.0], ["Q2 2026", 1, 0, 0, 1, -100.0]]
    rows = comments.tables[0].rows
    assert [row[4] for row in rows] == [
        "Too many asks in one month.",
        "Good pace.",
        "The peer dinners are the best part.",
    ]
    assert rows[0][:4] == [date(2026, 2, 5), 3, "Edo Enterprise", "Silver"]


def test_an_all_positive_trend_draws_the_nps_line(org: Any, answers: dict[str, Any]) -> None:
    q1 = ReportFilter(start=date(2026, 1, 1), end=date(2026, 3, 31))
    trend = selectors.trend_panel(org, q1)
    assert [str(series.name) for series in trend.charts[0].series][-1] == "NPS"
    assert trend.charts[0].series[-1].values == [25.0]


# Retention and participation -----------------------------------------------------------------------------


def _change(advocate: Advocate, to_status: str, day: date, from_status: str = "") -> None:
    AdvocateStatusChange.objects.create(
        organization=advocate.organization,
        advocate=advocate,
        from_status=from_status,
        to_status=to_status,
        created_at=_at(day),
    )


@pytest.fixture
def lifecycle(org: Any, other_org: Any, activity_types: dict[str, Any]) -> dict[str, Advocate]:
    """Range H1 2026. Base (joined before 1 January, not alumni then): stays, leaves, returns,
    no_history → 4; lost: leaves (alumni since March) → retention 3 / 4 = 75 %. Not in the base:
    gone_before (alumni since October 2025) and newcomer (joined in February).

    In the program at the end of June: stays, returns, no_history, newcomer → 4; with a completed
    activity dated in the range: stays and newcomer (returns only in 2025, no_history's is still
    planned) → participation 2 / 4 = 50 %."""
    call = activity_types["reference_call"]

    def person(name: str, joined: date, status: str = Advocate.Status.ACTIVE) -> Advocate:
        return AdvocateFactory(organization=org, full_name=name, joined_at=joined, status=status)

    people = {
        "stays": person("Stays", date(2025, 1, 10)),
        "leaves": person("Leaves", date(2025, 3, 1), Advocate.Status.ALUMNI),
        "returns": person("Returns", date(2025, 5, 1)),
        "no_history": person("No history", date(2025, 1, 1)),
        "gone_before": person("Gone before", date(2025, 2, 1), Advocate.Status.ALUMNI),
        "newcomer": person("Newcomer", date(2026, 2, 1)),
    }
    _change(people["stays"], "active", date(2025, 1, 10), "invited")
    _change(people["leaves"], "active", date(2025, 3, 1), "invited")
    _change(people["leaves"], "alumni", date(2026, 3, 15), "active")
    _change(people["returns"], "active", date(2025, 5, 1), "invited")
    _change(people["returns"], "alumni", date(2026, 2, 1), "active")
    _change(people["returns"], "active", date(2026, 4, 1), "alumni")
    _change(people["gone_before"], "active", date(2025, 2, 1), "invited")
    _change(people["gone_before"], "alumni", date(2025, 10, 1), "active")
    _change(people["newcomer"], "active", date(2026, 2, 1), "invited")

    def did(who: str, day: date, status: str = Activity.Status.COMPLETED) -> None:
        ActivityFactory(organization=org, advocate=people[who], activity_type=call, occurred_on=day, status=status)

    did("stays", date(2026, 3, 3))
    did("stays", date(2026, 4, 3))
    did("newcomer", date(2026, 5, 5))
    did("returns", date(2025, 12, 1))
    did("no_history", date(2026, 6, 10), Activity.Status.PLANNED)
    did("leaves", date(2026, 1, 20))  # took part, then left: not in the program at the end
    AdvocateFactory(organization=other_org, joined_at=date(2025, 1, 1), status=Advocate.Status.ALUMNI)
    return people


def test_retention_and_participation_hand_computed(org: Any, lifecycle: dict[str, Advocate]) -> None:
    figures = selectors.retention(org, H1)
    assert (figures.base, figures.lost, figures.retention) == (4, 1, 75.0)
    assert (figures.in_program, figures.participants, figures.participation) == (4, 2, 50.0)
    assert selectors.retention_rate(org, H1) == 75.0
    panel = selectors.retention_panel(org, H1)
    retention = panel.figures[0]
    assert retention.value == 75.0 and retention.target == 95 and retention.on_target is False


def test_retention_follows_the_segment(org: Any, lifecycle: dict[str, Advocate]) -> None:
    enterprise = CustomerAccountFactory(organization=org, segment=Segment.ENTERPRISE)
    Advocate.objects.filter(pk__in=[lifecycle["stays"].pk, lifecycle["leaves"].pk]).update(account=enterprise)
    figures = selectors.retention(org, ReportFilter(start=H1.start, end=H1.end, segment=Segment.ENTERPRISE))
    assert (figures.base, figures.lost, figures.retention) == (2, 1, 50.0)
    assert (figures.in_program, figures.participants) == (1, 1)


def test_no_data_is_none_and_never_raises(org: Any) -> None:
    panels = selectors.build(org, H1)
    values = [figure.value for panel in panels for figure in panel.figures]
    nps = panels[0].figures
    assert nps[0].value is None and nps[5].value is None
    retention = panels[2].figures
    assert retention[0].value is None and retention[3].value is None
    assert all(value in (None, 0) for value in values)
    assert all(table.empty for panel in panels for table in panel.tables)


def test_each_panel_stays_within_five_queries(
    org: Any, answers: dict[str, Any], lifecycle: dict[str, Advocate], django_assert_max_num_queries: Any
) -> None:
    segment = ReportFilter(start=H1.start, end=H1.end, segment=Segment.ENTERPRISE)
    for panel in (selectors.nps_panel, selectors.trend_panel, selectors.retention_panel, selectors.comments_panel):
        for report_filter in (H1, segment):
            with django_assert_max_num_queries(5):
                panel(org, report_filter)


# The page -----------------------------------------------------------------------------------------------


def _page(org: Any, query: str = "") -> str:
    return f"/o/{org.slug}/reports/satisfaction/{query}"


def test_who_may_see_the_page(
    org: Any, members: Any, other_manager: Any, outsider: Any, answers: dict[str, Any], client_for: Any
) -> None:
    for role in (Role.ADMIN, Role.PROGRAM_MANAGER, Role.EXECUTIVE):
        assert client_for(members[role]).get(_page(org)).status_code == 200
    for role in (Role.SALES, Role.CSM, Role.MARKETING, Role.ADVOCATE):
        assert client_for(members[role]).get(_page(org)).status_code == 403
    assert client_for(other_manager).get(_page(org)).status_code == 404
    assert client_for(outsider).get(_page(org)).status_code == 404
    assert client_for(None).get(_page(org)).status_code == 302


def test_the_page_shows_the_round_and_the_button_only_to_those_who_may_start_one(
    org: Any, members: Any, answers: dict[str, Any], client_for: Any
) -> None:
    manager_page = client_for(members[Role.PROGRAM_MANAGER]).get(_page(org)).content.decode()
    assert "Start a survey now" in manager_page
    assert "The last round ran from" in manager_page
    assert "The next round opens on its own on Oct. 31, 2026." in manager_page  # 2 May + 182 days
    assert "Net Promoter Score" in manager_page and "The peer dinners are the best part." in manager_page
    executive_page = client_for(members[Role.EXECUTIVE]).get(_page(org)).content.decode()
    assert "Start a survey now" not in executive_page and "The last round ran from" in executive_page


def test_no_button_while_a_round_is_open(org: Any, members: Any, client_for: Any) -> None:
    now = timezone.now()
    NpsSurvey.objects.create(organization=org, opened_at=now, closes_at=now + timedelta(days=3), recipients=7)
    page = client_for(members[Role.PROGRAM_MANAGER]).get(_page(org)).content.decode()
    assert "A round is open until" in page and "0 of 7 advocates have answered so far" in page
    assert "Start a survey now" not in page


def test_csv_of_the_rounds_matches_the_page(org: Any, members: Any, answers: dict[str, Any], client_for: Any) -> None:
    response = client_for(members[Role.EXECUTIVE]).get(_page(org, "?start=2026-01-01&end=2026-06-30&export=nps-rounds"))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1:] == [
        ["2026-05-02", "2026-05-16", "4", "1", "25", "-100"],
        ["2026-02-01", "2026-02-15", "4", "4", "100", "25"],
    ]
