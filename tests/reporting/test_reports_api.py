"""The read-only reports API: the page list, one page's panels as JSON, its tables as CSV, the
filter's errors and notices, and who may read it (two organisations and an outsider)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from advocacy.models import Organization
from advocacy.roles import Role
from advocacy.services.members import api_token_create
from advocates.models import ActivityType
from reporting import pages
from reporting.charts import Chart, Series
from reporting.filters import ReportFilter
from reporting.panels import Figure, Panel, Table

pytestmark = pytest.mark.django_db

FAKE = "tests.reporting.test_reports_api.fake_build"
INSTALLED = dict(pages.PAGE_BUILDERS)
SEEN: list[tuple[Organization, ReportFilter]] = []


def fake_build(organization: Organization, report_filter: ReportFilter) -> list[Panel]:
    """A page built with one query, holding one of each kind of value a panel can carry."""
    SEEN.append((organization, report_filter))
    types = ActivityType.objects.filter(organization=organization).count()
    return [
        Panel(
            key="program",
            title="The program",
            note="Counted from the activity types.",
            figures=[
                Figure("Activity types", types, target=5),
                Figure("Value", Decimal("1250.50"), kind="money"),
                Figure("Reply rate", None, kind="percent", target=Decimal("90"), hint="Of the asks"),
                Figure("Days to close", 12.5, kind="days", target=10, higher_is_better=False),
            ],
            tables=[
                Table(
                    key="by_day",
                    title="By day",
                    columns=["Day", "Count", "Done", "Note"],
                    rows=[[report_filter.start, 3, True, "=SUM(A1)"], [report_filter.end, Decimal("2.5"), None, ""]],
                    numeric=(1,),
                )
            ],
            charts=[Chart(key="trend", title="Trend", labels=["Jan", "Feb"], series=[Series("Asks", [1, None])])],
        ),
        Panel(key="empty", title="Nothing yet"),
    ]


def failing_build(organization: Organization, report_filter: ReportFilter) -> list[Panel]:
    raise ValueError("a bug in the page")


@pytest.fixture(autouse=True)
def fake_pages(monkeypatch: Any) -> None:
    """Every page is the fake one; ``opportunities`` names a builder that is not installed."""
    SEEN.clear()
    for key in pages.PAGE_BUILDERS:
        monkeypatch.setitem(pages.PAGE_BUILDERS, key, FAKE)
    monkeypatch.setitem(pages.PAGE_BUILDERS, "opportunities", "reporting.selectors.no_such_page.build")


def token_client(organization: Organization, user: Any) -> APIClient:
    _token, key = api_token_create(organization=organization, user=user, name="test", created_by=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def url(organization: Organization, page: str = "") -> str:
    return f"/api/v1/orgs/{organization.slug}/reports/" + (f"{page}/" if page else "")


def test_lists_the_installed_pages(org: Any, members: Any, django_assert_max_num_queries: Any) -> None:
    client = token_client(org, members[Role.EXECUTIVE])
    # Organisation, token (and its last use), membership; listing the pages reads nothing.
    with django_assert_max_num_queries(4):
        response = client.get(url(org))
    assert response.status_code == 200
    rows = response.json()
    assert [row["key"] for row in rows] == [
        "health",
        "fairness",
        "impact",
        "satisfaction",
        "roi",
        "targets",
        "executive",
    ]
    assert rows[0] == {
        "key": "health",
        "title": "Program health",
        "url": "http://testserver/api/v1/orgs/alpha/reports/health/",
        "page_url": "http://testserver/o/alpha/",
    }
    assert rows[-1]["page_url"] == "http://testserver/o/alpha/reports/executive/"


def test_every_installed_page_answers_for_a_program_without_data(org: Any, members: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(pages, "PAGE_BUILDERS", INSTALLED)
    client = token_client(org, members[Role.EXECUTIVE])
    listed = client.get(url(org)).json()
    assert {"health", "fairness", "impact"} <= {row["key"] for row in listed}
    for row in listed:
        response = client.get(url(org, row["key"]), {"segment": "enterprise"})
        assert response.status_code == 200, row["key"]
        assert response.json()["panels"], row["key"]


def test_page_shape(org: Any, members: Any, django_assert_max_num_queries: Any) -> None:
    client = token_client(org, members[Role.PROGRAM_MANAGER])
    # Organisation, token (and its last use), membership, the activity types for the filter, and the
    # page's own query.
    with django_assert_max_num_queries(6):
        response = client.get(url(org, "impact"), {"start": "2026-01-01", "end": "2026-03-31", "segment": "smb"})
    assert response.status_code == 200
    body = response.json()
    assert body["page"] == "impact" and body["title"] == "Business impact"
    assert body["filter"] == {"start": "2026-01-01", "end": "2026-03-31", "segment": "smb", "activity_type": None}
    assert body["notices"] == []
    organization, report_filter = SEEN[-1]
    assert organization == org
    assert report_filter == ReportFilter(start=date(2026, 1, 1), end=date(2026, 3, 31), segment="smb")
    program, empty = body["panels"]
    assert program["key"] == "program" and program["title"] == "The program"
    assert program["note"] == "Counted from the activity types."
    assert program["figures"] == [
        {
            "label": "Activity types",
            "value": 10,
            "kind": "count",
            "hint": "",
            "target": 5,
            "higher_is_better": True,
            "on_target": True,
        },
        {
            "label": "Value",
            "value": 1250.5,
            "kind": "money",
            "hint": "",
            "target": None,
            "higher_is_better": True,
            "on_target": None,
        },
        {
            "label": "Reply rate",
            "value": None,
            "kind": "percent",
            "hint": "Of the asks",
            "target": 90.0,
            "higher_is_better": True,
            "on_target": None,
        },
        {
            "label": "Days to close",
            "value": 12.5,
            "kind": "days",
            "hint": "",
            "target": 10,
            "higher_is_better": False,
            "on_target": False,
        },
    ]
    assert program["tables"] == [
        {
            "key": "by_day",
            "title": "By day",
            "caption": "",
            "columns": ["Day", "Count", "Done", "Note"],
            "numeric": [1],
            "rows": [["2026-01-01", 3, True, "=SUM(A1)"], ["2026-03-31", 2.5, None, ""]],
        }
    ]
    assert program["charts"] == [
        {
            "key": "trend",
            "title": "Trend",
            "kind": "bar",
            "unit": "",
            "labels": ["Jan", "Feb"],
            "series": [{"name": "Asks", "values": [1, None]}],
        }
    ]
    assert empty == {"key": "empty", "title": "Nothing yet", "note": "", "figures": [], "tables": [], "charts": []}


def test_without_a_filter_the_last_twelve_months(org: Any, members: Any) -> None:
    body = token_client(org, members[Role.ADMIN]).get(url(org, "health")).json()
    default = ReportFilter.default()
    assert body["filter"] == {
        "start": default.start.isoformat(),
        "end": default.end.isoformat(),
        "segment": "",
        "activity_type": None,
    }


@pytest.mark.parametrize(
    ("params", "message", "fields"),
    [
        ({"start": "2026-05-01", "end": "2026-04-01"}, "The start date is after the end date.", {}),
        ({"start": "1999-12-31", "end": "2000-06-01"}, "Reports start on 2000-01-01 at the earliest.", {}),
        ({"start": "2001-01-01", "end": "2026-01-01"}, "A range can cover at most ten years.", {}),
        ({"end": "2099-01-01"}, "The range ends more than a year from today.", {}),
        ({"start": "next tuesday"}, "Some fields are not valid.", {"start": ["Enter a valid date."]}),
        (
            {"segment": "galactic"},
            "Some fields are not valid.",
            {"segment": ["Select a valid choice. galactic is not one of the available choices."]},
        ),
    ],
)
def test_a_bad_range_is_refused_with_the_reason(
    org: Any, members: Any, params: dict[str, str], message: str, fields: dict[str, Any]
) -> None:
    response = token_client(org, members[Role.PROGRAM_MANAGER]).get(url(org, "roi"), params)
    assert response.status_code == 400
    assert response.json() == {"error": {"status": 400, "code": "invalid", "message": message, "fields": fields}}
    assert SEEN == []  # nothing was computed for a filter that was refused


def test_the_organisations_activity_type_filters(org: Any, members: Any, activity_types: Any) -> None:
    review = activity_types["review"]
    body = token_client(org, members[Role.EXECUTIVE]).get(url(org, "health"), {"activity_type": review.public_id})
    assert body.json()["filter"]["activity_type"] == str(review.public_id)
    assert body.json()["notices"] == []
    assert SEEN[-1][1].activity_type == review


@pytest.mark.parametrize("which", ["other organisation", "unknown"])
def test_another_organisations_activity_type_is_ignored_with_a_notice(
    org: Any, other_org: Any, members: Any, which: str
) -> None:
    foreign = ActivityType.objects.filter(organization=other_org).first()
    assert foreign is not None
    value = str(foreign.public_id) if which == "other organisation" else "not-a-type"
    response = token_client(org, members[Role.ADMIN]).get(url(org, "health"), {"activity_type": value})
    assert response.status_code == 200
    body = response.json()
    assert body["filter"]["activity_type"] is None
    assert body["notices"] == ["That activity type was not found; all activity types are shown."]
    assert SEEN[-1][1].activity_type is None


def test_an_unknown_page_is_404(org: Any, members: Any) -> None:
    client = token_client(org, members[Role.ADMIN])
    response = client.get(url(org, "nope"))
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "There is no report page named 'nope'."
    assert client.get(url(org, "opportunities")).status_code == 404


def test_a_missing_function_is_an_unknown_page_but_a_bug_is_not_hidden(
    org: Any, members: Any, monkeypatch: Any, tmp_path: Any
) -> None:
    client = token_client(org, members[Role.ADMIN])
    monkeypatch.setitem(pages.PAGE_BUILDERS, "roi", "tests.reporting.test_reports_api.no_such_build")
    assert client.get(url(org, "roi")).status_code == 404
    monkeypatch.setitem(pages.PAGE_BUILDERS, "roi", "tests.reporting.test_reports_api.failing_build")
    with pytest.raises(ValueError, match="a bug in the page"):
        client.get(url(org, "roi"))
    # A page module that exists but imports something missing is broken, not unknown.
    (tmp_path / "broken_report_page.py").write_text(
        "import no_such_dependency_for_reports\n\ndef build(organization, report_filter):\n    return []\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(pages.PAGE_BUILDERS, "roi", "broken_report_page.build")
    with pytest.raises(ModuleNotFoundError, match="no_such_dependency_for_reports"):
        client.get(url(org, "roi"))


def test_a_table_as_csv(org: Any, members: Any) -> None:
    client = token_client(org, members[Role.EXECUTIVE])
    response = client.get(url(org, "targets"), {"start": "2026-01-01", "end": "2026-03-31", "export": "by_day"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="alpha-targets-by_day-2026-01-01-2026-03-31.csv"'
    assert response.content.decode("utf-8-sig").splitlines() == [
        "Day,Count,Done,Note",
        "2026-01-01,3,yes,'=SUM(A1)",
        "2026-03-31,2.5,,",
    ]
    missing = client.get(url(org, "targets"), {"export": "nope"})
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == "The targets page has no table named 'nope'."


@pytest.mark.parametrize("role", [Role.ADMIN, Role.PROGRAM_MANAGER, Role.EXECUTIVE])
def test_dashboard_roles_read(org: Any, members: Any, role: str) -> None:
    client = token_client(org, members[role])
    assert client.get(url(org)).status_code == 200
    assert client.get(url(org, "executive")).status_code == 200


@pytest.mark.parametrize("role", [Role.SALES, Role.MARKETING, Role.CSM])
def test_other_roles_are_403(org: Any, members: Any, role: str) -> None:
    client = token_client(org, members[role])
    for address in (url(org), url(org, "executive")):
        response = client.get(address)
        assert response.status_code == 403
        assert "does not give access" in response.json()["error"]["message"]
    assert SEEN == []


def test_nothing_can_be_written(org: Any, members: Any) -> None:
    executive = token_client(org, members[Role.EXECUTIVE])
    assert executive.post(url(org), {}).status_code == 403
    assert executive.delete(url(org, "health")).status_code == 403
    manager = token_client(org, members[Role.PROGRAM_MANAGER])
    assert manager.post(url(org), {}).status_code == 405
    assert manager.put(url(org, "health"), {}).status_code == 405


def test_other_organisations_and_outsiders_are_404(
    org: Any, other_org: Any, members: Any, other_manager: Any, outsider: Any
) -> None:
    # A member of another organisation, with a session or with their own organisation's token.
    session = APIClient()
    session.force_authenticate(other_manager)
    assert session.get(url(org, "health")).status_code == 404
    assert token_client(other_org, other_manager).get(url(org, "health")).status_code == 404
    # A token of this organisation used on another one.
    assert token_client(org, members[Role.ADMIN]).get(url(other_org, "health")).status_code == 404
    stranger = APIClient()
    stranger.force_authenticate(outsider)
    assert stranger.get(url(org)).status_code == 404
    assert APIClient().get(url(org, "health")).status_code == 401
    assert SEEN == []
    # Each organisation's page is built from its own data.
    assert token_client(other_org, other_manager).get(url(other_org, "health")).status_code == 200
    assert SEEN[-1][0] == other_org
