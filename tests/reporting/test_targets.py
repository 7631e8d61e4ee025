"""Progress toward the yearly targets and the executive summary page, on the business-impact
fixture (first half of 2026; see ``test_impact``): the year so far runs from 1 January to the
filter's end, 30 June 2026, which is 181 of the year's 365 days."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from advocacy.roles import Role
from reporting.filters import ReportFilter
from reporting.policy import ReportingPolicy, Targets
from reporting.selectors import executive, targets

from .test_impact import H1, fixture  # noqa: F401  (registers the impact fixture here)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 29)


def progress_by_key(org: Any, report_filter: ReportFilter = H1) -> dict[str, Any]:
    return {row.key: row for row in targets.progress(org, report_filter, today=TODAY)}


@pytest.mark.usefixtures("fixture")
def test_counts_are_measured_against_the_pace_of_the_year(org: Any) -> None:
    rows = progress_by_key(org)
    references = rows["references"]
    assert references.actual == 3 and references.target == 50
    assert references.expected == round(50 * 181 / 365, 1) == 24.8
    assert references.done_share == 6.0 and references.status == "behind"
    assert rows["case_studies"].actual == 1 and rows["testimonials"].actual == 2


@pytest.mark.usefixtures("fixture")
def test_rates_and_averages_are_measured_against_the_target_itself(org: Any) -> None:
    rows = progress_by_key(org)
    assert rows["review_average"].actual == pytest.approx(4.33, abs=0.01)
    assert rows["review_average"].status == "below" and rows["review_average"].expected is None
    assert rows["reference_close_rate"].actual == 66.7 and rows["reference_close_rate"].status == "below"
    assert rows["opportunities_supported"].actual == 37.5
    assert rows["referral_pipeline_share"].actual == 30.0 and rows["referral_pipeline_share"].status == "met"
    assert rows["win_rate_lift"].actual == 66.7 and rows["win_rate_lift"].status == "met"
    assert rows["cycle_reduction"].actual == 52.4 and rows["cycle_reduction"].status == "met"
    assert rows["retention"].actual is None and rows["retention"].status == "no_data"


@pytest.mark.usefixtures("fixture")
def test_the_organisations_own_targets_are_used(org: Any) -> None:
    ReportingPolicy(targets=Targets(references=4, reference_close_rate=60)).save(org)
    rows = progress_by_key(org)
    assert rows["references"].expected == round(4 * 181 / 365, 1) and rows["references"].status == "on_pace"
    assert rows["reference_close_rate"].status == "met"


@pytest.mark.usefixtures("fixture")
def test_the_year_is_that_of_the_filters_end_and_never_runs_past_today(org: Any) -> None:
    window = targets.year_to_date(ReportFilter(start=date(2025, 3, 1), end=date(2027, 2, 1)), today=TODAY)
    assert (window.start, window.end) == (date(2026, 1, 1), TODAY)


def test_a_program_without_data_shows_no_data_yet(org: Any) -> None:
    for row in targets.progress(org, ReportFilter.default(), today=TODAY):
        assert row.actual in (None, 0)
        assert row.status in ("no_data", "behind", "below")
    panel = targets.targets_panel(org, ReportFilter.default())
    assert panel.tables[0].rows and panel.charts[0].labels


@pytest.mark.usefixtures("fixture")
def test_each_panel_stays_within_five_queries(org: Any, django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(5):
        targets.targets_panel(org, H1)
    for panel in (executive.business_panel,):
        with django_assert_max_num_queries(5):
            panel(org, H1)


@pytest.mark.usefixtures("fixture")
def test_executive_summary_figures(org: Any) -> None:
    figures = {str(figure.label): figure.value for figure in executive.business_panel(org, H1).figures}
    assert figures["References provided"] == 3
    assert figures["Win rate with advocacy"] == 66.7
    assert figures["Sales cycle with advocacy"] == 50


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.ADMIN, 200), (Role.PROGRAM_MANAGER, 200), (Role.EXECUTIVE, 200), (Role.SALES, 403), (Role.CSM, 403)],
)
@pytest.mark.parametrize("path", ["targets/", "executive/"])
def test_who_sees_targets_and_the_executive_summary(
    org: Any, members: Any, client_for: Any, role: str, status: int, path: str
) -> None:
    response = client_for(members[role]).get(f"/o/{org.slug}/reports/{path}")
    assert response.status_code == status
    if status == 200:
        body = response.content.decode()
        # Only the program team sees the way to change the targets.
        assert ("Change targets and values" in body) == (
            role in (Role.ADMIN, Role.PROGRAM_MANAGER) and path == "targets/"
        )


def test_other_organisations_and_outsiders_get_404(
    org: Any, other_manager: Any, outsider: Any, client_for: Any
) -> None:
    for user in (other_manager, outsider):
        for path in ("targets/", "executive/", "targets/?export=targets"):
            assert client_for(user).get(f"/o/{org.slug}/reports/{path}").status_code == 404


@pytest.mark.usefixtures("fixture")
def test_the_targets_table_downloads_as_on_the_page(org: Any, members: Any, client_for: Any) -> None:
    client = client_for(members[Role.EXECUTIVE])
    response = client.get(f"/o/{org.slug}/reports/targets/?start=2026-01-01&end=2026-06-30&export=targets")
    assert response.status_code == 200
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Target,Goal,So far,Expected by now,Done (%),State"
    assert lines[1] == "References provided,50,3,24.8,6,behind pace"
