"""ROI against a hand-computed fixture, the cost entry page and the program costs API.

The fixture, for the first half of 2026 (Q1 and Q2), in UTC:

    rewards at cost        200 (Q1, delivered) + 300 (Q2, approved) + 100 (Q2, enterprise)    =    600
      left out: a cancelled 1,000, one approved in 2025, another organisation's 999
    entered costs          Q1: events 1,000 + staff 2,500; Q2: platform 1,200                  =  4,700
      left out: 2025 Q4 (starts before the range), 2026 Q3 (starts after it), the other organisation
    cost                                                                                        =  5,300
    won with advocacy      40,000 (Q1, mid-market) + 20,000 (Q2, enterprise) = 60,000 × 15 %   =  9,000
    activity value         case studies 3 × 2,000 + testimonials 4 × 250 (reference calls: no value) = 7,000
    value                                                                                       = 16,000
    ROI = (16,000 − 5,300) ÷ 5,300 = 201.886… → 201.9 %
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from advocacy.models import AuditEvent
from advocacy.roles import Role
from advocates.models import Activity, Segment
from benefits.models import Reward, RewardStatus, RewardStatusChange
from benefits.services import budgets
from reporting.filters import ReportFilter
from reporting.models import ActivityRollup, CostKind, ProgramCost, RequestRollup
from reporting.policy import ReportingPolicy
from reporting.rollups import rebuild_organization
from reporting.selectors import roi
from requests_mgmt.models import RequestOutcome
from tests.factories import ActivityFactory, AdvocacyRequestFactory, AdvocateFactory, CustomerAccountFactory

pytestmark = pytest.mark.django_db

START, END = date(2026, 1, 1), date(2026, 6, 30)
RANGE = f"start={START.isoformat()}&end={END.isoformat()}"


def approved_reward(organization: Any, advocate: Any, cost: str, when: datetime, status: str, **extra: Any) -> Reward:
    reward = Reward.objects.create(
        organization=organization, advocate=advocate, status=status, cost=Decimal(cost), value=Decimal(cost), **extra
    )
    RewardStatusChange.objects.create(
        organization=organization,
        reward=reward,
        from_status=RewardStatus.PROPOSED,
        to_status=RewardStatus.APPROVED,
        created_at=when,
    )
    return reward


def at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 12, tzinfo=UTC)


@pytest.fixture
def program(org: Any, other_org: Any, activity_types: Any) -> dict[str, Any]:
    mid = AdvocateFactory(
        organization=org, account=CustomerAccountFactory(organization=org, segment=Segment.MID_MARKET)
    )
    big = AdvocateFactory(
        organization=org, account=CustomerAccountFactory(organization=org, segment=Segment.ENTERPRISE)
    )
    # A case study from 2020: the reward names it, its own rollup bucket is far outside the range.
    old_case_study = ActivityFactory(
        organization=org, advocate=mid, activity_type=activity_types["case_study"], occurred_on=date(2020, 5, 5)
    )
    approved_reward(org, mid, "200", at(2026, 2, 10), RewardStatus.DELIVERED, activity=old_case_study)
    approved_reward(org, mid, "300", at(2026, 4, 5), RewardStatus.APPROVED)
    approved_reward(org, big, "100", at(2026, 5, 1), RewardStatus.SHIPPED)
    approved_reward(org, mid, "1000", at(2026, 3, 1), RewardStatus.CANCELLED)
    approved_reward(org, mid, "50", at(2025, 12, 31), RewardStatus.DELIVERED)
    approved_reward(other_org, AdvocateFactory(organization=other_org), "999", at(2026, 2, 1), RewardStatus.APPROVED)

    for organization, quarter, kind, amount in (
        (org, date(2026, 1, 1), CostKind.EVENTS, "1000"),
        (org, date(2026, 1, 1), CostKind.STAFF, "2500"),
        (org, date(2026, 4, 1), CostKind.PLATFORM, "1200"),
        (org, date(2025, 10, 1), CostKind.OTHER, "700"),
        (org, date(2026, 7, 1), CostKind.EVENTS, "400"),
        (other_org, date(2026, 1, 1), CostKind.EVENTS, "5000"),
    ):
        ProgramCost.objects.create(organization=organization, quarter_start=quarter, kind=kind, amount=Decimal(amount))

    for day, segment, won in (
        (date(2026, 2, 1), Segment.MID_MARKET, "40000"),
        (date(2026, 5, 15), Segment.ENTERPRISE, "20000"),
        (date(2025, 12, 1), Segment.MID_MARKET, "99999"),
    ):
        RequestRollup.objects.create(
            organization=org, day=day, request_type="reference_call", segment=segment, won=1, won_value=Decimal(won)
        )
    RequestRollup.objects.create(
        organization=other_org, day=date(2026, 2, 1), request_type="reference_call", won=1, won_value=Decimal("7777")
    )

    ActivityRollup.objects.filter(organization=org, day__gte=START, day__lte=END).delete()
    for day, key, segment, completed in (
        (date(2026, 3, 1), "case_study", Segment.MID_MARKET, 2),
        (date(2026, 4, 1), "case_study", Segment.ENTERPRISE, 1),
        (date(2026, 2, 1), "testimonial", Segment.MID_MARKET, 4),
        (date(2026, 5, 1), "reference_call", Segment.MID_MARKET, 3),
    ):
        ActivityRollup.objects.create(
            organization=org, day=day, activity_type=activity_types[key], segment=segment, completed=completed
        )

    policy = ReportingPolicy.for_organization(org)
    ReportingPolicy(
        targets=policy.targets,
        attribution_percent=15,
        activity_values={"case_study": Decimal("2000"), "testimonial": Decimal("250")},
    ).save(org)
    return {"mid": mid, "big": big}


def panel_of(panels: list[Any], key: str) -> Any:
    return next(panel for panel in panels if panel.key == key)


def figures(panel: Any) -> list[Any]:
    return [figure.value for figure in panel.figures]


# The figures ----------------------------------------------------------------------------------------


def test_roi_against_the_hand_computed_fixture(org: Any, program: Any) -> None:
    panel = roi.roi_panel(org, ReportFilter(start=START, end=END))
    assert figures(panel) == [Decimal("5300.00"), Decimal("16000.00"), Decimal("201.9")]
    assert panel.note.startswith(
        "ROI = (9,000 attributed revenue + 7,000 activity value − 5,300 cost) ÷ 5,300 cost = 201.9 %."
    )
    assert "Cost = 600 rewards at cost + 4,700 entered costs." in panel.note
    assert "15 % of 60,000 won with advocacy" in panel.note
    table = panel.tables[0]
    assert table.rows == [
        ["2026 Q1", Decimal("200"), Decimal("3500"), Decimal("3700"), Decimal("6000"), Decimal("5000"),
         Decimal("11000"), 197.3],
        ["2026 Q2", Decimal("400"), Decimal("1200"), Decimal("1600"), Decimal("3000"), Decimal("2000"),
         Decimal("5000"), 212.5],
    ]  # fmt: skip
    chart = panel.charts[0]
    assert chart.labels == ["2026 Q1", "2026 Q2"]
    assert [series.values for series in chart.series] == [[3700.0, 1600.0], [11000.0, 5000.0]]


def test_segment_filter_narrows_rewards_revenue_and_activities_but_not_entered_costs(org: Any, program: Any) -> None:
    panel = roi.roi_panel(org, ReportFilter(start=START, end=END, segment=Segment.MID_MARKET))
    # rewards 200 + 300, entered 4,700; revenue 40,000 × 15 %; case studies 2 × 2,000 + testimonials 4 × 250
    assert figures(panel) == [Decimal("5200.00"), Decimal("11000.00"), Decimal("111.5")]


def test_activity_type_filter_keeps_the_rewards_for_that_type(org: Any, program: Any, activity_types: Any) -> None:
    case_studies = ReportFilter(start=START, end=END, activity_type=activity_types["case_study"])
    costs = roi.costs_panel(org, case_studies)
    assert figures(costs) == [Decimal("200"), Decimal("4700")]
    value = roi.value_panel(org, case_studies)
    assert figures(value) == [Decimal("9000.00"), Decimal("6000.00"), 3]
    assert [row[0] for row in value.tables[0].rows] == ["Case study"]


def test_costs_and_value_tables(org: Any, program: Any) -> None:
    report_filter = ReportFilter(start=START, end=END)
    costs = roi.costs_panel(org, report_filter)
    assert costs.tables[0].columns == [
        "Quarter",
        "Rewards at cost",
        "Events",
        "Platform",
        "Staff time",
        "Other",
        "Total",
    ]
    assert costs.tables[0].rows == [
        ["2026 Q1", Decimal("200"), Decimal("1000"), Decimal("0"), Decimal("2500"), Decimal("0"), Decimal("3700")],
        ["2026 Q2", Decimal("400"), Decimal("0"), Decimal("1200"), Decimal("0"), Decimal("0"), Decimal("1600")],
    ]
    assert "program-wide" in costs.note
    value = roi.value_panel(org, report_filter)
    assert figures(value) == [Decimal("9000.00"), Decimal("7000.00"), 10]
    assert value.tables[0].rows == [
        ["Case study", 3, Decimal("2000"), Decimal("6000.00")],
        ["Reference call", 3, None, None],
        ["Testimonial", 4, Decimal("250"), Decimal("1000.00")],
    ]


def test_rewards_count_in_the_quarter_of_approval_in_the_organisations_time_zone(org: Any) -> None:
    org.time_zone = "America/New_York"
    org.save(update_fields=["time_zone"])
    advocate = AdvocateFactory(organization=org)
    # 1 April 02:00 UTC is still 31 March in New York: the first quarter.
    approved_reward(org, advocate, "80", datetime(2026, 4, 1, 2, tzinfo=UTC), RewardStatus.APPROVED)
    costs = roi.costs_panel(org, ReportFilter(start=START, end=END))
    assert costs.tables[0].rows == [["2026 Q1", Decimal("80"), *[Decimal("0")] * 4, Decimal("80")]]


def test_no_cost_means_no_roi_and_no_error(org: Any) -> None:
    ReportingPolicy(activity_values={"testimonial": Decimal("100")}).save(org)
    panels = roi.build(org, ReportFilter(start=START, end=END))
    headline = panel_of(panels, "roi")
    assert figures(headline) == [Decimal("0.00"), Decimal("0.00"), None]
    assert "no ROI to show" in headline.note
    assert all(table.empty for panel in panels for table in panel.tables if table.key != "value_by_activity_type")


def test_roi_from_raw_records_through_the_rollups(org: Any, activity_types: Any) -> None:
    today = timezone.localdate()
    advocate = AdvocateFactory(organization=org)
    for _ in range(2):
        ActivityFactory(
            organization=org, advocate=advocate, activity_type=activity_types["case_study"], occurred_on=today
        )
    ActivityFactory(
        organization=org,
        advocate=advocate,
        activity_type=activity_types["testimonial"],
        occurred_on=today,
        status=Activity.Status.PLANNED,
    )
    request = AdvocacyRequestFactory(organization=org)
    RequestOutcome.objects.create(organization=org, request=request, deal_result="won", deal_value=Decimal("10000"))
    rebuild_organization(org, record=False)
    ReportingPolicy(
        attribution_percent=20, activity_values={"case_study": Decimal("500"), "testimonial": Decimal("100")}
    ).save(org)
    quarter = budgets.quarter_start(today)
    ProgramCost.objects.create(organization=org, quarter_start=quarter, kind=CostKind.STAFF, amount=Decimal("1000"))
    whole_quarter = ReportFilter(start=quarter, end=budgets.next_quarter_start(quarter) - timedelta(days=1))
    panel = roi.roi_panel(org, whole_quarter)
    # (10,000 won × 20 % + 2 completed case studies × 500 − 1,000) ÷ 1,000; the planned testimonial adds nothing
    assert figures(panel) == [Decimal("1000.00"), Decimal("3000.00"), Decimal("200.0")]


@pytest.mark.parametrize("panel", roi.PANELS)
def test_each_panel_reads_at_most_five_queries(
    org: Any, program: Any, panel: Any, django_assert_max_num_queries: Any
) -> None:
    org.refresh_from_db()
    with django_assert_max_num_queries(5):
        panel(org, ReportFilter(start=START, end=END, segment=Segment.MID_MARKET))


# The page and its downloads ---------------------------------------------------------------------------


def test_roi_page_shows_the_formula_and_exports_every_table(
    org: Any, program: Any, members: Any, client_for: Any
) -> None:
    client = client_for(members[Role.EXECUTIVE])
    page = client.get(f"/o/{org.slug}/reports/roi/?{RANGE}")
    assert page.status_code == 200
    body = page.content.decode()
    assert "ROI = (9,000 attributed revenue + 7,000 activity value − 5,300 cost) ÷ 5,300 cost = 201.9 %." in body
    assert "<svg" in body
    assert "Enter the costs of a quarter" not in body  # executives read, the program team enters
    expected = {
        "roi_by_quarter": ["2026 Q1", "200.00", "3500.00", "3700.00", "6000.00", "5000.00", "11000.00", "197.3"],
        "costs_by_quarter": ["2026 Q2", "400.00", "0.00", "1200.00", "0.00", "0.00", "1600.00"],
        "value_by_activity_type": ["Case study", "3", "2000.00", "6000.00"],
    }
    for key, row in expected.items():
        response = client.get(f"/o/{org.slug}/reports/roi/?{RANGE}&export={key}")
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.content.decode().lstrip("\ufeff"))))
        assert row in rows[1:]


def test_roi_page_access(
    org: Any, other_org: Any, members: Any, other_manager: Any, outsider: Any, client_for: Any
) -> None:
    url = f"/o/{org.slug}/reports/roi/"
    manager_page = client_for(members[Role.PROGRAM_MANAGER]).get(url)
    assert manager_page.status_code == 200 and "Enter the costs of a quarter" in manager_page.content.decode()
    assert client_for(members[Role.SALES]).get(url).status_code == 403
    assert client_for(other_manager).get(url).status_code == 404
    assert client_for(outsider).get(url).status_code == 404


# Entering costs ------------------------------------------------------------------------------------------


def costs_url(organization: Any, quarter: str = "") -> str:
    return f"/o/{organization.slug}/reports/roi/costs/" + (f"?quarter={quarter}" if quarter else "")


def test_costs_are_entered_changed_and_removed_with_an_audit_trail(org: Any, members: Any, client_for: Any) -> None:
    manager = members[Role.PROGRAM_MANAGER]
    client = client_for(manager)
    page = client.get(costs_url(org, "2026-05-10"))
    assert page.status_code == 200 and "2026 Q2" in page.content.decode()
    response = client.post(
        costs_url(org, "2026-05-10"),
        {"quarter": "2026-04-01", "events_amount": "1500.50", "events_note": "User summit", "staff_amount": "3000"},
    )
    assert response.status_code == 302 and response["Location"].endswith("?quarter=2026-04-01")
    rows = {cost.kind: cost for cost in ProgramCost.objects.filter(organization=org)}
    assert {kind: (cost.amount, cost.note) for kind, cost in rows.items()} == {
        "events": (Decimal("1500.50"), "User summit"),
        "staff": (Decimal("3000.00"), ""),
    }
    assert rows["events"].quarter_start == date(2026, 4, 1) and rows["events"].entered_by == manager

    page = client.get(costs_url(org, "2026-04-01")).content.decode()
    assert 'value="1500.50"' in page and "User summit" in page
    client.post(costs_url(org), {"quarter": "2026-04-01", "events_amount": "", "staff_amount": "3200"})
    assert dict(ProgramCost.objects.filter(organization=org).values_list("kind", "amount")) == {
        "staff": Decimal("3200.00")
    }
    events = list(AuditEvent.objects.filter(organization=org, verb="program_costs.changed").order_by("id"))
    assert len(events) == 2 and events[1].actor == manager
    assert events[0].data["quarter"] == "2026-04-01"
    assert events[1].data["changes"] == {
        "events": {"from": {"amount": "1500.50", "note": "User summit"}, "to": None},
        "staff": {"from": {"amount": "3000.00", "note": ""}, "to": {"amount": "3200.00", "note": ""}},
    }
    # Saving the same figures again changes nothing and logs nothing.
    client.post(costs_url(org), {"quarter": "2026-04-01", "staff_amount": "3200.00"})
    assert AuditEvent.objects.filter(organization=org, verb="program_costs.changed").count() == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"events_amount": "-5"}, "greater than or equal to 0"),
        ({"events_amount": "10.555"}, "2 decimal places"),
        ({"events_amount": "lots"}, "Enter a number"),
        ({"events_note": "Summit"}, "Give the amount this note is about"),
        ({"quarter": "2026-04-02", "events_amount": "10"}, "first day of a quarter"),
        ({"quarter": "3100-01-01", "events_amount": "10"}, "between 1970 and 2999"),
    ],
)
def test_cost_form_refuses_bad_input_and_keeps_it(
    org: Any, members: Any, client_for: Any, data: dict[str, str], message: str
) -> None:
    response = client_for(members[Role.ADMIN]).post(costs_url(org), {"quarter": "2026-04-01", **data})
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    for value in data.values():
        assert f'value="{value}"' in body
    assert not ProgramCost.objects.filter(organization=org).exists()


def test_quarter_picker_refuses_far_off_quarters(org: Any, members: Any, client_for: Any) -> None:
    response = client_for(members[Role.ADMIN]).get(costs_url(org, "0999-01-01"), follow=True)
    assert response.status_code == 200
    assert "between 1970 and 2999" in response.content.decode()
    response = client_for(members[Role.ADMIN]).get(costs_url(org, "not-a-date"))
    assert response.status_code == 200 and "Enter a valid date" in response.content.decode()


def test_cost_page_access(org: Any, members: Any, other_manager: Any, outsider: Any, client_for: Any) -> None:
    for role in (Role.EXECUTIVE, Role.SALES):
        client = client_for(members[role])
        assert client.get(costs_url(org)).status_code == 403
        assert client.post(costs_url(org), {"quarter": "2026-04-01", "events_amount": "5"}).status_code == 403
    assert client_for(other_manager).get(costs_url(org)).status_code == 404
    assert client_for(outsider).get(costs_url(org)).status_code == 404
    assert not ProgramCost.objects.exists()


# The API -------------------------------------------------------------------------------------------------


def api_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_sets_lists_changes_and_deletes_costs(org: Any, members: Any, django_assert_max_num_queries: Any) -> None:
    api = api_for(members[Role.PROGRAM_MANAGER])
    base = f"/api/v1/orgs/{org.slug}/program-costs/"
    payload = {"quarter_start": "2026-04-01", "kind": "platform", "amount": "1200.00", "note": "Licence"}
    created = api.post(base, payload, format="json")
    assert created.status_code == 201
    assert created.json()["amount"] == "1200.00" and created.json()["note"] == "Licence"
    again = api.post(base, {**payload, "amount": "1300"}, format="json")
    assert again.status_code == 200 and again.json()["public_id"] == created.json()["public_id"]
    api.post(base, {"quarter_start": "2026-01-01", "kind": "events", "amount": "10"}, format="json")

    with django_assert_max_num_queries(6):
        listed = api.get(base, {"quarter": "2026-05-20"})
    assert listed.status_code == 200
    results = listed.json()["results"] if isinstance(listed.json(), dict) else listed.json()
    assert [(row["kind"], row["amount"]) for row in results] == [("platform", "1300.00")]

    detail = f"{base}{created.json()['public_id']}/"
    assert api.patch(detail, {"note": "Annual licence"}, format="json").json()["note"] == "Annual licence"
    assert api.delete(detail).status_code == 204
    assert list(ProgramCost.objects.filter(organization=org).values_list("kind", flat=True)) == ["events"]
    changes = [
        event.data["changes"] for event in AuditEvent.objects.filter(verb="program_costs.changed").order_by("id")
    ]
    assert changes[1] == {
        "platform": {"from": {"amount": "1200.00", "note": "Licence"}, "to": {"amount": "1300.00", "note": "Licence"}}
    }
    assert changes[-1]["platform"]["to"] is None


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"amount": "-1"}, "amount"),
        ({"amount": "1.001"}, "amount"),
        ({"kind": "travel"}, "kind"),
        ({"quarter_start": "2026-04-02"}, "quarter_start"),
        ({"quarter_start": "3100-01-01"}, "quarter_start"),
    ],
)
def test_api_refuses_bad_costs_with_field_messages(org: Any, members: Any, payload: dict, field: str) -> None:
    body = {"quarter_start": "2026-04-01", "kind": "events", "amount": "10", **payload}
    response = api_for(members[Role.ADMIN]).post(f"/api/v1/orgs/{org.slug}/program-costs/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not ProgramCost.objects.exists()


def test_api_access_to_costs(org: Any, other_org: Any, members: Any, other_manager: Any, outsider: Any) -> None:
    ours = ProgramCost.objects.create(organization=org, quarter_start=date(2026, 1, 1), kind="events", amount=5)
    theirs = ProgramCost.objects.create(organization=other_org, quarter_start=date(2026, 1, 1), kind="events", amount=9)
    base = f"/api/v1/orgs/{org.slug}/program-costs/"
    executive = api_for(members[Role.EXECUTIVE])
    assert executive.get(f"{base}{ours.public_id}/").status_code == 200
    new = {"quarter_start": "2026-04-01", "kind": "events", "amount": "10"}
    assert executive.post(base, new, format="json").status_code == 403
    assert executive.delete(f"{base}{ours.public_id}/").status_code == 403
    assert api_for(members[Role.SALES]).get(base).status_code == 403
    manager = api_for(members[Role.PROGRAM_MANAGER])
    assert manager.get(f"{base}{theirs.public_id}/").status_code == 404
    assert manager.patch(f"{base}{theirs.public_id}/", {"amount": "1"}, format="json").status_code == 404
    assert manager.delete(f"{base}{theirs.public_id}/").status_code == 404
    assert api_for(other_manager).get(base).status_code == 404
    assert api_for(outsider).get(base).status_code == 404
    theirs.refresh_from_db()
    assert theirs.amount == Decimal("9.00") and ProgramCost.objects.count() == 2


def test_a_range_cutting_a_quarter_counts_its_share_of_the_entered_costs(org: Any) -> None:
    ProgramCost.objects.create(
        organization=org, quarter_start=date(2026, 1, 1), kind=CostKind.STAFF, amount=Decimal("900")
    )
    ProgramCost.objects.create(
        organization=org, quarter_start=date(2026, 4, 1), kind=CostKind.STAFF, amount=Decimal("910")
    )
    # 15 February to 10 April: 45 of Q1's 90 days and 10 of Q2's 91 days.
    costs = roi.entered_costs_by_quarter(org, ReportFilter(start=date(2026, 2, 15), end=date(2026, 4, 10)))
    assert costs == {
        date(2026, 1, 1): {CostKind.STAFF: Decimal("450.00")},
        date(2026, 4, 1): {CostKind.STAFF: Decimal("100.00")},
    }
