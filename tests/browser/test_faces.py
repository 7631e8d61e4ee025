"""What each kind of person sees in a real browser: where they land, the navigation they get, the
language the pages speak, the main journeys, and what happens at the edges of their access."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import Locator, Page, expect

from advocacy.forms import InvitationForm
from advocacy.models import Organization, User

from ..factories import PASSWORD

pytestmark = pytest.mark.browser

OpenPage = Callable[[], Page]

# What each role lands on after signing in, and the main navigation it gets, in order.
FACES: dict[str, tuple[str, list[str]]] = {
    "admin": (
        "/o/alpha/",
        [
            "Dashboard",
            "Advocates",
            "Accounts",
            "Requests",
            "Content",
            "Referrals",
            "Campaigns",
            "Appreciation",
            "Settings",
        ],
    ),
    "program_manager": (
        "/o/alpha/",
        ["Dashboard", "Advocates", "Accounts", "Requests", "Content", "Referrals", "Campaigns", "Appreciation"],
    ),
    "csm": ("/o/alpha/advocates/", ["Advocates", "Accounts", "Requests", "Appreciation"]),
    "marketing": ("/o/alpha/requests/", ["Advocates", "Accounts", "Requests", "Campaigns"]),
    "sales": ("/o/alpha/requests/", ["Requests", "Referrals"]),
    "executive": ("/o/alpha/reports/executive/", ["Dashboard", "Appreciation"]),
    "advocate": ("/o/alpha/portal/", ["My advocacy"]),
}


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Signs in through the real login form and waits until the browser has left it."""
    page.goto("/accounts/login/")
    form = page.locator("form").filter(has=page.locator("input[name=password]"))
    form.locator("input[name=login]").fill(email)
    form.locator("input[name=password]").fill(password)
    form.locator("button[type=submit]").first.click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def path_is(path: str) -> re.Pattern[str]:
    """A URL pattern for ``expect(page).to_have_url``: exactly this path, any query string."""
    return re.compile(rf"^https?://[^/]+{re.escape(path)}(\?.*)?$")


def main_nav(page: Page, language: str = "en") -> Locator:
    """The main navigation landmark; its accessible name ("Main") is translated too."""
    return page.get_by_role("navigation", name=translated(language, "Main"), exact=True)


def main_nav_labels(page: Page, language: str = "en") -> list[str]:
    return [text.strip() for text in main_nav(page, language).get_by_role("link").all_inner_texts()]


def translated(code: str, message: str) -> str:
    with translation.override(code):
        return gettext(message)


# 1. Each role lands on its own face and sees only the areas it may use.


@pytest.mark.parametrize("role", list(FACES))
def test_each_role_lands_on_its_own_face(page: Page, members: dict[str, User], role: str) -> None:
    home, navigation = FACES[role]

    sign_in(page, members[role].email)

    expect(page).to_have_url(path_is(home))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert main_nav_labels(page) == navigation
    current = main_nav(page).locator("[aria-current=page]")
    expect(current).to_have_count(1)


# 2. Pages speak the person's language, or the organisation's default.


@pytest.mark.parametrize("code", ["en", "pt-br", "ja"])
def test_pages_speak_the_persons_language(page: Page, members: dict[str, User], code: str) -> None:
    manager = members["program_manager"]
    manager.language = code
    manager.save(update_fields=["language"])
    dashboard = translated(code, "Dashboard")

    sign_in(page, manager.email)

    expect(page.locator("html")).to_have_attribute("lang", code)
    expect(main_nav(page, code).get_by_role("link", name=dashboard, exact=True)).to_be_visible()
    if code != "en":
        assert dashboard != "Dashboard", f"“Dashboard” has no {code} translation in locale/ yet"


def test_organisation_default_language_applies_without_a_personal_choice(
    page: Page, org: Organization, members: dict[str, User]
) -> None:
    org.default_language = "pt-br"
    org.save(update_fields=["default_language"])
    sales = members["sales"]
    assert sales.language == ""
    requests_label = translated("pt-br", "Requests")

    sign_in(page, sales.email)

    expect(page).to_have_url(path_is("/o/alpha/requests/"))
    expect(page.locator("html")).to_have_attribute("lang", "pt-br")
    assert main_nav_labels(page, "pt-br") == [requests_label, translated("pt-br", "Referrals")]


# 3. Sales asks for a reference call and follows it.


def test_sales_submits_a_request_and_follows_it(page: Page, members: dict[str, User]) -> None:
    needed_by = timezone.localdate() + timedelta(days=14)
    sign_in(page, members["sales"].email)

    page.get_by_role("link", name="New request").first.click()
    expect(page.get_by_role("heading", level=1, name="New request")).to_be_visible()
    page.get_by_label("What do you need?").select_option(label="Reference call")
    page.get_by_label("Prospect company").fill("Gamma Retail")
    page.get_by_label("Needed by").fill(needed_by.isoformat())
    page.get_by_role("button", name="Submit request").click()

    expect(page).to_have_url(re.compile(r"/o/alpha/requests/[0-9a-f-]{36}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Reference call · Gamma Retail")
    expect(page.locator(".page-head .badge").first).to_have_text("Submitted")

    page.get_by_role("link", name="Requests", exact=False).filter(has_text="←").click()
    expect(page).to_have_url(path_is("/o/alpha/requests/"))
    row = page.get_by_role("row").filter(has_text="Gamma Retail")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Reference call")
    expect(row).to_contain_text("Submitted")


def test_sales_sees_a_past_date_refused_and_keeps_what_they_typed(page: Page, members: dict[str, User]) -> None:
    yesterday = timezone.localdate() - timedelta(days=1)
    sign_in(page, members["sales"].email)
    page.goto("/o/alpha/requests/new/")

    page.get_by_label("What do you need?").select_option(label="Reference call")
    page.get_by_label("Prospect company").fill("Gamma Retail")
    page.get_by_label("Prospect industry").fill("Retail")
    page.get_by_label("Needed by").fill(yesterday.isoformat())
    page.get_by_role("button", name="Submit request").click()

    expect(page.get_by_text("The needed-by date cannot be in the past.")).to_be_visible()
    expect(page).to_have_url(path_is("/o/alpha/requests/new/"))
    expect(page.get_by_label("What do you need?")).to_have_value("reference_call")
    expect(page.get_by_label("Prospect company")).to_have_value("Gamma Retail")
    expect(page.get_by_label("Prospect industry")).to_have_value("Retail")
    expect(page.get_by_label("Needed by")).to_have_value(yesterday.isoformat())


# 4. The admin invites a colleague, who joins through the emailed link.


def _accept_link(live_server_url: str, to: str) -> str:
    emails = [message for message in mail.outbox if to in message.to]
    assert len(emails) == 1, f"expected one invitation email to {to}, outbox has {len(mail.outbox)} message(s)"
    found = re.search(rf"{re.escape(live_server_url)}/accounts/invitations/[^/\s]+/", emails[0].body)
    assert found, emails[0].body
    return found.group(0)


def test_admin_invites_a_colleague_who_joins_through_the_link(
    page: Page, open_page: OpenPage, members: dict[str, User], live_server: Any, settings: Any
) -> None:
    settings.SITE_URL = live_server.url
    sign_in(page, members["admin"].email)

    main_nav(page).get_by_role("link", name="Settings").click()
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Invitations").click()
    expect(page.get_by_role("heading", level=1, name="Invitations")).to_be_visible()
    page.get_by_label("Email address").fill("newperson@alpha.test")
    page.get_by_label("Role").select_option(label="Sales")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("status")).to_contain_text("Invitation sent to newperson@alpha.test.")
    expect(page.get_by_role("row").filter(has_text="newperson@alpha.test")).to_contain_text("Pending")

    link = _accept_link(live_server.url, "newperson@alpha.test")
    newcomer = open_page()
    newcomer.goto(link)
    expect(newcomer.get_by_role("heading", level=1)).to_have_text("Join Alpha Analytics")
    newcomer.get_by_label("Your name").fill("New Person")
    newcomer.get_by_label(re.compile(r"^Password:?$")).fill("a-long-and-unusual-secret-42")
    newcomer.get_by_label("Password (again)").fill("a-long-and-unusual-secret-42")
    newcomer.get_by_role("button", name="Create my account and join").click()

    expect(newcomer).to_have_url(path_is("/o/alpha/requests/"))
    expect(newcomer.get_by_role("status")).to_contain_text("Welcome to Alpha Analytics.")
    assert main_nav_labels(newcomer) == ["Requests", "Referrals"]

    response = newcomer.goto(link)
    assert response is not None and response.status == 410
    expect(newcomer.get_by_role("heading", level=1)).to_have_text("This invitation cannot be used")
    expect(newcomer.get_by_text("This invitation has already been accepted.")).to_be_visible()


# 5. Tenant isolation and role limits, as the browser shows them.


def test_another_organisation_is_not_found(page: Page, members: dict[str, User], other_manager: User) -> None:
    sign_in(page, members["program_manager"].email)

    response = page.goto("/o/beta/")

    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_text("Beta Systems")).to_have_count(0)


def test_sales_is_told_settings_are_not_for_their_role(page: Page, members: dict[str, User]) -> None:
    sign_in(page, members["sales"].email)

    response = page.goto("/o/alpha/settings/")

    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Not available to your role")
    expect(page.get_by_role("main")).to_contain_text(
        "Your role in this organisation (Sales) does not include “Settings”"
    )
    page.get_by_role("link", name="Go to your start page").click()
    expect(page).to_have_url(path_is("/o/alpha/requests/"))


# 6. Keyboard and labels.


def test_first_tab_reaches_the_skip_link(page: Page, members: dict[str, User]) -> None:
    sign_in(page, members["program_manager"].email)
    expect(page).to_have_url(path_is("/o/alpha/"))

    page.keyboard.press("Tab")

    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))


def test_every_invitation_field_has_a_label(page: Page, members: dict[str, User]) -> None:
    sign_in(page, members["admin"].email)
    page.goto("/o/alpha/settings/invitations/")
    form = page.locator("form").filter(has=page.get_by_role("button", name="Send invitation"))

    fields = form.locator("input:not([type=hidden]), select, textarea")
    names = sorted(fields.evaluate_all("elements => elements.map(element => element.name)"))
    labelled = []
    for bound_field in InvitationForm():
        control = form.get_by_label(re.compile(rf"^{re.escape(str(bound_field.label))}:?$"))
        expect(control).to_have_count(1)
        labelled.append(control.get_attribute("name"))

    assert names == sorted(labelled), "every visible form control is reachable by its label"
