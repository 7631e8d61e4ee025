"""The reference workflow in a real browser, each person at their own screen: sales submits a
request, the program manager triages, matches and invites, the advocate accepts in the portal and
picks a time, the program manager marks the work done, and sales records the outcome and sees the
request closed."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from advocacy.models import User
from advocates.models import Activity, Advocate
from requests_mgmt.models import AdvocacyRequest, Ask, RequestStatus

from ..factories import AdvocateFactory, CustomerAccountFactory
from .test_faces import sign_in

pytestmark = pytest.mark.browser

OpenPage = Callable[[], Page]


@pytest.fixture
def advocate(org: Any, members: dict[str, User]) -> Advocate:
    person = members["advocate"]
    account = CustomerAccountFactory(organization=org, name="Northwind Bank", health_score=95)
    return AdvocateFactory(
        organization=org,
        account=account,
        user=person,
        email=person.email,
        full_name="Dana Reyes",
        status=Advocate.Status.ACTIVE,
        consent_named=True,
        time_zone="Asia/Tokyo",
    )


def test_reference_request_from_submission_to_closed_outcome(
    open_page: OpenPage, members: dict[str, User], advocate: Advocate
) -> None:
    sales, manager, portal = open_page(), open_page(), open_page()

    # Sales submits the need.
    sign_in(sales, members["sales"].email)
    sales.goto("/o/alpha/requests/new/")
    sales.get_by_label("What do you need?").select_option(label="Reference call")
    sales.get_by_label("Prospect company").fill("Gamma Retail")
    sales.get_by_label("Prospect industry").fill("Banking")
    sales.get_by_label("Use case").fill("Fraud analytics")
    sales.get_by_label("Needed by").fill((timezone.localdate() + timedelta(days=10)).isoformat())
    sales.get_by_role("button", name="Submit request").click()
    expect(sales).to_have_url(re.compile(r"/o/alpha/requests/[0-9a-f-]{36}/$"))
    request_url = sales.url
    expect(sales.locator(".page-head .badge").first).to_have_text("Submitted")

    # The program manager triages, opens matching and invites the advocate.
    sign_in(manager, members["program_manager"].email)
    manager.goto(request_url)
    for status in ("Triaged", "Matching"):
        manager.get_by_label("Move to").select_option(label=status)
        manager.get_by_role("button", name="Move", exact=True).click()
        expect(manager.locator(".page-head .badge").first).to_have_text(status)
    manager.get_by_role("link", name="See matching advocates").click()
    row = manager.get_by_role("row").filter(has_text="Dana Reyes")
    expect(row).to_contain_text("Northwind Bank")
    row.get_by_role("checkbox").check()
    expect(manager.get_by_label("Personal message")).to_contain_text("Fraud analytics")
    manager.get_by_role("button", name="Send the invitations").click()
    expect(manager.get_by_text("Asked Dana Reyes.")).to_be_visible()

    # Sales does not see who was asked until someone accepts.
    sales.reload()
    expect(sales.locator(".page-head .badge").first).to_have_text("Outreach")
    expect(sales.get_by_text("Dana Reyes")).to_have_count(0)

    # The advocate answers yes in the portal.
    sign_in(portal, members["advocate"].email)
    portal.goto("/o/alpha/portal/")
    portal.get_by_role("link", name="Reference call").first.click()
    expect(portal.get_by_text("Fraud analytics", exact=True)).to_be_visible()
    expect(portal.get_by_text("Gamma Retail")).to_have_count(0)
    portal.get_by_label("Yes, I can help").check()
    portal.get_by_role("button", name="Send my answer").click()
    expect(portal.get_by_text("The program team will be in touch to find a time.")).to_be_visible()

    # Sales now sees who will help, with their contact details.
    sales.reload()
    expect(sales.locator(".page-head .badge").first).to_have_text("Accepted")
    expect(sales.get_by_role("link", name=advocate.email)).to_be_visible()

    # The program manager proposes a time; the advocate sees it in Tokyo time and picks it.
    start = (timezone.now() + timedelta(days=3)).replace(hour=14, minute=0, second=0, microsecond=0)
    manager.goto(request_url)
    manager.get_by_text("Propose times").click()
    manager.get_by_label("Time:", exact=True).fill(start.strftime("%Y-%m-%dT%H:%M"))
    manager.get_by_role("button", name="Propose", exact=True).click()
    portal.reload()
    expect(portal.get_by_text("(Asia/Tokyo)")).to_be_visible()
    expect(portal.get_by_text("11 p.m.").first).to_be_visible()  # 14:00 UTC is 23:00 in Tokyo
    portal.get_by_role("button", name="Pick this time").click()
    manager.reload()
    expect(manager.locator(".page-head .badge").first).to_have_text("Scheduled")

    # The meeting happened: the program manager marks it done and the ledger has it.
    manager.get_by_text("Mark as done").first.click()
    manager.get_by_role("button", name="Mark as done").click()
    expect(manager.locator(".page-head .badge").first).to_have_text("Completed")
    assert Activity.objects.filter(advocate=advocate, request__isnull=False).count() == 1

    # Sales records the outcome, which closes the request.
    sales.reload()
    sales.get_by_label("Did the conversation take place?").select_option(label="Yes")
    sales.get_by_label("Deal:", exact=True).select_option(label="Won")
    sales.get_by_label("Deal value").fill("250000")
    sales.get_by_label("How the contribution was used").fill("The call convinced their CFO.")
    sales.get_by_role("button", name="Save the outcome").click()
    expect(sales.locator(".page-head .badge").first).to_have_text("Closed")
    expect(sales.get_by_role("definition").filter(has_text="The call convinced their CFO.")).to_be_visible()
    expect(sales.get_by_role("definition").filter(has_text=re.compile(r"^Won$"))).to_be_visible()

    # The advocate is told how their contribution was used and can rate the experience.
    portal.reload()
    expect(portal.get_by_text("The call convinced their CFO.")).to_be_visible()
    portal.get_by_label("5", exact=True).check()
    portal.get_by_role("button", name="Send my rating").click()
    expect(portal.get_by_text("You rated it 5 out of 5.")).to_be_visible()

    advocacy_request = AdvocacyRequest.objects.get(prospect_company="Gamma Retail")
    assert advocacy_request.status == RequestStatus.CLOSED
    ask = Ask.objects.get(request=advocacy_request)
    assert ask.status == Ask.Status.COMPLETED and ask.advocate_rating == 5
