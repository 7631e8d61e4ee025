"""Reporting in a real browser: a program manager opens the dashboard, narrows it to one segment,
and downloads a table as CSV whose figures are the ones on the page."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from advocates.models import Segment, Tier
from reporting.rollups import rebuild_organization

from ..factories import ActivityFactory, AdvocateFactory, CustomerAccountFactory
from .test_advocates import sign_in

pytestmark = pytest.mark.browser


def test_manager_filters_the_dashboard_by_segment_and_downloads_matching_csv(
    open_page: Any, org: Any, members: Any, activity_types: Any
) -> None:
    today = timezone.localdate()
    enterprise = CustomerAccountFactory(organization=org, name="Initech", segment=Segment.ENTERPRISE)
    smb = CustomerAccountFactory(organization=org, name="Tiny Co", segment=Segment.SMB)
    big = AdvocateFactory(organization=org, account=enterprise, tier=Tier.GOLD, last_activity_at=today)
    small = AdvocateFactory(organization=org, account=smb, tier=Tier.SILVER, last_activity_at=today)
    for days in (10, 40, 70):
        ActivityFactory(
            organization=org, advocate=big, activity_type=activity_types["reference_call"],
            occurred_on=today - timedelta(days=days), minutes=40,
        )  # fmt: skip
    ActivityFactory(
        organization=org, advocate=big, activity_type=activity_types["case_study"],
        occurred_on=today - timedelta(days=20), minutes=180,
    )  # fmt: skip
    for days in (5, 15):
        ActivityFactory(
            organization=org, advocate=small, activity_type=activity_types["testimonial"],
            occurred_on=today - timedelta(days=days), minutes=20,
        )  # fmt: skip
    rebuild_organization(org)

    page = open_page()
    sign_in(page, members["program_manager"].email)
    page.goto("/o/alpha/")
    expect(page.get_by_role("heading", name="Program dashboard")).to_be_visible()
    activity = page.locator("#panel-activity")
    expect(activity.locator(".figure", has_text="Activities completed")).to_contain_text("6")
    expect(activity.locator("svg").first).to_be_visible()

    page.get_by_label("Segment").select_option(label="Enterprise")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"segment=enterprise"))
    expect(activity.locator(".figure", has_text="Activities completed")).to_contain_text("4")

    table = page.locator("#table-activity-types")
    shown = [[cell.strip() for cell in row.locator("td").all_inner_texts()] for row in table.locator("tbody tr").all()]
    assert sorted(shown) == [["Case study", "1", "0", "3.0"], ["Reference call", "3", "0", "2.0"]]

    with page.expect_download() as download_info:
        table.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith("alpha-health-activity-types-")
    with open(download.path(), encoding="utf-8-sig") as handle:
        rows = list(csv.reader(io.StringIO(handle.read())))
    assert rows[0] == ["Activity type", "Completed", "Planned", "Hours given"]
    # The same figures as the page, unformatted.
    assert [[name, done, planned, f"{float(hours):.1f}"] for name, done, planned, hours in rows[1:]] == shown
