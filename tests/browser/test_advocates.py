"""The advocate journey in a real browser: a program manager filters the directory, opens a profile and
sees capacity and tier reasons; an advocate changes preferences and consent in the portal, and the
profile shows the change. Also who may see the directory: a CSM only their own accounts, sales not at all."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import formats, timezone, translation
from playwright.sync_api import Locator, Page, expect

from advocacy.models import Organization, User
from advocates.capacity import advocate_capacity, frees_on
from advocates.models import ActivityPreference, Advocate, CustomerAccount, Segment, Tier

from ..factories import PASSWORD, ActivityFactory, AdvocateFactory, CustomerAccountFactory

pytestmark = pytest.mark.browser

OpenPage = Callable[[], Page]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DIRECTORY = "/o/alpha/advocates/"
PORTAL = "/o/alpha/portal/"
OUTSIDER_NAME = "Zebulon Quartermaine"  # an advocate of the other organisation: never shown in alpha
SUGGESTION_REASON = "Asked to step back from executive programs this year; gold fits the pace she chose."


# Helpers -----------------------------------------------------------------------------------------------


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


def exactly(text: str) -> re.Pattern[str]:
    """Matches an element's whole text (trimmed), for labels rendered with or without a colon."""
    return re.compile(rf"^\s*{re.escape(text)}:?\s*$")


def short_date(day: date) -> str:
    with translation.override("en"):
        return formats.date_format(day, "SHORT_DATE_FORMAT")


def long_date(day: date) -> str:
    with translation.override("en"):
        return formats.date_format(day, "DATE_FORMAT")


def shoot(page: Page, name: str) -> None:
    """A screenshot of a main step, for the report (test-artifacts/ is git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"advocates-{name}.png", full_page=True)


def region(page: Page, name: str) -> Locator:
    """A ``<section aria-labelledby>`` by its heading."""
    return page.get_by_role("region", name=name, exact=True)


def fact(container: Locator, term: str) -> Locator:
    """The ``<dd>`` that follows the ``<dt>`` with exactly this text in a definition list."""
    return container.locator("dt", has_text=exactly(term)).locator("xpath=following-sibling::dd[1]")


def results(page: Page) -> Locator:
    """The directory's results table (see the nesting bug below: ``#results`` itself is not unique)."""
    return page.get_by_role("main").get_by_role("table")


def result_count(page: Page, text: str) -> Locator:
    return page.get_by_role("main").get_by_text(text, exact=True)


def directory_refresh(page: Page) -> Any:
    """Waits for the htmx request that refreshes the directory's results."""
    return page.expect_response(
        lambda response: (
            response.url.split("?")[0].endswith(DIRECTORY) and response.request.headers.get("hx-request") == "true"
        )
    )


# Data ----------------------------------------------------------------------------------------------------


@dataclass
class Program:
    ana: Advocate  # platinum, at the yearly cap, with a pending tier suggestion (gold)
    bruno: Advocate  # gold
    carla: Advocate  # silver
    aiko: Advocate  # gold, linked to members["advocate"]: the portal user
    outsider: Advocate  # in the other organisation
    oldest_activity_on: date


def _account(org: Organization, name: str, **fields: Any) -> CustomerAccount:
    return CustomerAccountFactory(organization=org, name=name, **fields)


@pytest.fixture
def program(
    org: Organization, other_org: Organization, members: dict[str, User], activity_types: dict[str, Any]
) -> Program:
    today = timezone.localdate()
    lima = _account(org, "Lima Logistics", industry="Logistics", segment=Segment.ENTERPRISE, csm=members["csm"])
    ana = AdvocateFactory(
        organization=org,
        account=lima,
        full_name="Ana Lima",
        email="ana.lima@lima-logistics.example",
        title="VP Operations",
        tier=Tier.PLATINUM,
        suggested_tier=Tier.GOLD,
        suggested_tier_reason=SUGGESTION_REASON,
        joined_at=today - timedelta(days=700),
    )
    # Six completed activities in the last 12 months: the default yearly cap.
    days_ago = [300, 210, 150, 90, 45, 15]
    kinds = ["reference_call", "testimonial", "reference_call", "reference_call", "testimonial", "reference_call"]
    for ago, kind in zip(days_ago, kinds, strict=True):
        ActivityFactory(
            organization=org, advocate=ana, activity_type=activity_types[kind], occurred_on=today - timedelta(days=ago)
        )
    ana.last_activity_at = today - timedelta(days=15)
    ana.save(update_fields=["last_activity_at"])

    bruno = AdvocateFactory(
        organization=org,
        account=_account(org, "Costa Retail", industry="Retail"),
        full_name="Bruno Costa",
        tier=Tier.GOLD,
    )
    carla = AdvocateFactory(
        organization=org,
        account=_account(org, "Mendes Health", industry="Healthcare"),
        full_name="Carla Mendes",
        tier=Tier.SILVER,
    )
    now = timezone.now()
    portal_user = members["advocate"]
    aiko = AdvocateFactory(
        organization=org,
        account=_account(org, "Sato Manufacturing", industry="Manufacturing"),
        user=portal_user,
        email=portal_user.email,
        full_name="Aiko Sato",
        tier=Tier.GOLD,
        enrolled_at=now,
        onboarded_at=now,
        joined_at=today - timedelta(days=200),
        consent_named=True,
        consent_quoted=True,
        languages="en",
        time_zone="UTC",
    )
    for kind in ("reference_call", "testimonial"):
        ActivityPreference.objects.create(organization=org, advocate=aiko, activity_type=activity_types[kind])
    aiko.preferences_stated_at = now
    aiko.save(update_fields=["preferences_stated_at"])

    outsider = AdvocateFactory(organization=other_org, full_name=OUTSIDER_NAME, tier=Tier.PLATINUM)
    return Program(
        ana=ana,
        bruno=bruno,
        carla=carla,
        aiko=aiko,
        outsider=outsider,
        oldest_activity_on=today - timedelta(days=days_ago[0]),
    )


def profile_path(advocate: Advocate) -> str:
    return f"{DIRECTORY}{advocate.public_id}/"


# 1. The program manager filters the directory, opens a profile, and decides the tier. -------------------


def test_program_manager_filters_opens_a_profile_and_accepts_the_tier_suggestion(
    page: Page, members: dict[str, User], program: Program
) -> None:
    # At the cap, Ana can be asked again the day the oldest of her six activities stops counting.
    next_free_on = frees_on(program.oldest_activity_on)
    assert advocate_capacity(program.ana).next_free_on == next_free_on > timezone.localdate()

    sign_in(page, members["program_manager"].email)
    page.get_by_role("navigation", name="Main", exact=True).get_by_role("link", name="Advocates").click()
    expect(page).to_have_url(path_is(DIRECTORY))
    expect(page.get_by_role("heading", level=1)).to_have_text("Advocates")
    for person in ("Ana Lima", "Bruno Costa", "Carla Mendes", "Aiko Sato"):
        expect(results(page).get_by_role("link", name=person, exact=True)).to_be_visible()
    expect(result_count(page, "4 advocates")).to_be_visible()
    expect(page.get_by_text(OUTSIDER_NAME)).to_have_count(0)

    with directory_refresh(page) as refresh:
        page.get_by_label(exactly("Tier")).select_option(label="Platinum")
    assert refresh.value.ok

    expect(page).to_have_url(re.compile(r"[?&]tier=platinum(&|$)"))
    expect(result_count(page, "1 advocate")).to_be_visible()
    ana_row = results(page).get_by_role("row").filter(has=page.get_by_role("link", name="Ana Lima", exact=True))
    expect(ana_row).to_contain_text("Lima Logistics")
    expect(ana_row).to_contain_text("Platinum")
    expect(ana_row).to_contain_text("6 / 6")
    for person in ("Bruno Costa", "Carla Mendes", "Aiko Sato"):
        expect(results(page).get_by_role("link", name=person, exact=True)).to_have_count(0)
    expect(page.get_by_text(OUTSIDER_NAME)).to_have_count(0)
    shoot(page, "1-directory-platinum")

    ana_row.get_by_role("link", name="Ana Lima", exact=True).click()
    expect(page).to_have_url(path_is(profile_path(program.ana)))
    expect(page.get_by_role("heading", level=1)).to_have_text("Ana Lima")
    expect(page.locator(".page-head .badge").first).to_have_text("Platinum")

    capacity = region(page, "Capacity")
    expect(capacity.locator(".stat")).to_have_text("6 / 6")
    expect(capacity).to_contain_text("At the yearly cap")
    expect(capacity).to_contain_text(f"Can be asked again on {long_date(next_free_on)}.")

    by_activity = region(page, "Capacity by activity")
    headers = by_activity.get_by_role("columnheader").all_inner_texts()
    next_column = [text.strip() for text in headers].index("Next possible")

    def next_possible(activity: str) -> Locator:
        row = by_activity.get_by_role("row").filter(has=page.get_by_role("cell", name=activity, exact=True))
        return row.get_by_role("cell").nth(next_column)

    # Counting activities wait until the oldest of the six stops counting; referrals do not count.
    expect(next_possible("Reference call")).to_have_text(short_date(next_free_on))
    expect(next_possible("Referral")).to_have_text("now")

    eligibility = region(page, "Eligibility")
    expect(eligibility).to_contain_text(re.compile(r"\d+ / 100"))
    score = region(page, "How the eligibility score is made")
    parts = score.get_by_role("table").locator("tbody tr")
    expect(parts).to_have_count(6)
    expect(score.get_by_role("row").filter(has_text="Participation")).to_contain_text(
        "6 activities completed in the last 12 months."
    )
    expect(score.get_by_role("row").filter(has_text="Account health")).to_contain_text("Health 90")

    suggestion = region(page, "Suggested tier: Gold")
    expect(suggestion).to_contain_text(SUGGESTION_REASON)
    shoot(page, "2-profile-at-cap-with-suggestion")

    suggestion.get_by_role("button", name="Accept the suggestion").click()

    expect(page).to_have_url(path_is(profile_path(program.ana)))
    expect(page.get_by_role("status")).to_contain_text("Ana Lima is now Gold.")
    expect(page.locator(".page-head .badge").first).to_have_text("Gold")
    expect(page.get_by_role("heading", name=re.compile("^Suggested tier"))).to_have_count(0)
    expect(region(page, "Timeline")).to_contain_text("Suggestion accepted: Gold")
    expect(region(page, "Timeline")).to_contain_text(SUGGESTION_REASON)
    shoot(page, "3-profile-suggestion-accepted")

    program.ana.refresh_from_db()
    assert program.ana.tier == Tier.GOLD


def test_directory_leaves_out_advocates_without_asks_left(
    page: Page, members: dict[str, User], program: Program
) -> None:
    sign_in(page, members["program_manager"].email)
    page.goto(DIRECTORY)

    page.get_by_label(exactly("Asks left this year, at least")).fill("1")
    with directory_refresh(page):
        page.get_by_role("button", name="Apply").click()

    expect(page).to_have_url(re.compile(r"[?&]min_capacity_remaining=1(&|$)"))
    expect(result_count(page, "3 advocates")).to_be_visible()
    expect(results(page).get_by_role("link", name="Ana Lima", exact=True)).to_have_count(0)
    expect(results(page).get_by_role("link", name="Bruno Costa", exact=True)).to_be_visible()


def test_refreshing_the_directory_keeps_a_single_results_region(
    page: Page, members: dict[str, User], program: Program
) -> None:
    sign_in(page, members["program_manager"].email)
    page.goto(DIRECTORY)
    expect(page.locator("#results")).to_have_count(1)

    with directory_refresh(page):
        page.get_by_label(exactly("Tier")).select_option(label="Platinum")
    expect(result_count(page, "1 advocate")).to_be_visible()

    expect(page.locator("#results")).to_have_count(1, timeout=1_000)


def test_changing_a_filter_sends_one_request(page: Page, members: dict[str, User], program: Program) -> None:
    sign_in(page, members["program_manager"].email)
    page.goto(DIRECTORY)
    page.wait_for_load_state("networkidle")
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url) if DIRECTORY in request.url else None)

    page.get_by_label(exactly("Tier")).select_option(label="Platinum")
    expect(result_count(page, "1 advocate")).to_be_visible()
    page.wait_for_load_state("networkidle")

    assert len(sent) == 1, f"{len(sent)} requests for one filter change"


# 2. The advocate changes preferences and consent; the program manager sees the change. ------------------


def test_advocate_changes_preferences_and_consent_and_the_profile_shows_it(
    page: Page, open_page: OpenPage, members: dict[str, User], program: Program
) -> None:
    today = timezone.localdate()
    away_from, away_until = today + timedelta(days=30), today + timedelta(days=44)

    sign_in(page, members["advocate"].email)
    expect(page).to_have_url(path_is(PORTAL))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    side = page.get_by_role("navigation", name="My advocacy", exact=True)

    # Preferences: what she is willing to do, her own limit, how to reach her.
    side.get_by_role("link", name="Preferences", exact=True).click()
    expect(page).to_have_url(path_is(f"{PORTAL}preferences/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your preferences")
    testimonial = page.get_by_role("checkbox", name="Testimonial", exact=True)
    speaking = page.get_by_role("checkbox", name="Speaking", exact=True)
    expect(page.get_by_role("checkbox", name="Reference call", exact=True)).to_be_checked()
    expect(testimonial).to_be_checked()
    expect(speaking).not_to_be_checked()

    testimonial.uncheck()
    speaking.check()
    reference_call = page.get_by_role("group", name="Reference call", exact=True)
    reference_call.get_by_label(exactly("How often")).select_option(label="At most once a quarter")
    page.get_by_label(exactly("How we reach you best")).select_option(label="Video call")
    page.get_by_label(exactly("Your time zone")).select_option("Europe/Lisbon")
    page.get_by_role("checkbox", name="Portuguese", exact=True).check()
    page.get_by_role("button", name="Save preferences").click()

    expect(page.get_by_role("status")).to_contain_text("Your preferences were saved.")
    expect(page).to_have_url(path_is(f"{PORTAL}preferences/"))
    expect(testimonial).not_to_be_checked()
    expect(speaking).to_be_checked()
    expect(reference_call.get_by_label(exactly("How often"))).to_have_value("quarterly")
    expect(page.get_by_label(exactly("How we reach you best"))).to_have_value("video")
    expect(page.get_by_label(exactly("Your time zone"))).to_have_value("Europe/Lisbon")

    # A blackout period, added in place (htmx: the page itself is not reloaded).
    page.evaluate("window.__samePage = true")
    blackouts = region(page, "Dates when we should not ask you")
    expect(blackouts).to_contain_text("None planned.")
    blackouts.get_by_label(exactly("From")).fill(away_from.isoformat())
    blackouts.get_by_label(exactly("Until")).fill(away_until.isoformat())
    blackouts.get_by_label(exactly("Note (optional)")).fill("Parental leave")
    blackouts.get_by_role("button", name="Add these dates").click()

    period = f"{long_date(away_from)} – {long_date(away_until)}"
    item = region(page, "Dates when we should not ask you").get_by_role("listitem").filter(has_text=period)
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Parental leave")
    expect(item.get_by_role("button", name=re.compile(r"^Remove"))).to_be_visible()
    assert page.evaluate("window.__samePage === true"), "the blackout was added without reloading the page"
    expect(region(page, "Dates when we should not ask you").get_by_label(exactly("From"))).to_have_value("")
    shoot(page, "4-portal-preferences")

    # Consent: withdraw one, grant another.
    side.get_by_role("link", name="Consent", exact=True).click()
    expect(page).to_have_url(path_is(f"{PORTAL}consent/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your consent")
    quoted = page.get_by_role("checkbox", name="May be quoted", exact=True)
    speak = page.get_by_role("checkbox", name="Will speak publicly", exact=True)
    expect(quoted).to_be_checked()
    expect(speak).not_to_be_checked()
    quoted.uncheck()
    speak.check()
    page.get_by_role("button", name="Save my choices").click()

    expect(page.get_by_role("status")).to_contain_text("Your choices were saved.")
    expect(quoted).not_to_be_checked()
    expect(speak).to_be_checked()
    history = region(page, "Every change, with when and how it was made")
    expect(history.get_by_role("row").filter(has_text="May be quoted")).to_contain_text("Withdrawn")
    expect(history.get_by_role("row").filter(has_text="Will speak publicly")).to_contain_text("Given")
    shoot(page, "5-portal-consent")

    # The program manager, at their own screen, sees all of it on the profile.
    manager = open_page()
    sign_in(manager, members["program_manager"].email)
    manager.goto(profile_path(program.aiko))
    expect(manager.get_by_role("heading", level=1)).to_have_text("Aiko Sato")

    preferences = region(manager, "Preferences")
    willing = preferences.get_by_role("list").first.get_by_role("listitem")
    expect(willing).to_have_count(2)
    expect(willing.filter(has_text="Reference call")).to_have_text("Reference call · at most 4 a year · 90 days apart")
    expect(willing.filter(has_text="Speaking")).to_have_text("Speaking")
    expect(preferences).not_to_contain_text("Testimonial")
    expect(preferences.get_by_role("heading", name="Not to be asked")).to_be_visible()
    expect(preferences).to_contain_text(f"{short_date(away_from)} – {short_date(away_until)} · Parental leave")

    profile = region(manager, "Profile")
    expect(fact(profile, "Preferred channel")).to_have_text("Video call")
    expect(fact(profile, "Time zone")).to_have_text("Europe/Lisbon")
    expect(fact(profile, "Languages")).to_have_text("en pt")

    by_activity = region(manager, "Capacity by activity")
    for activity, willing_text in (("Reference call", "Yes"), ("Testimonial", "No"), ("Speaking", "Yes")):
        row = by_activity.get_by_role("row").filter(has=manager.get_by_role("cell", name=activity, exact=True))
        expect(row.get_by_role("cell").last).to_have_text(willing_text)

    consent = region(manager, "Consent")
    expect(fact(consent, "May be quoted")).to_contain_text("No")
    expect(fact(consent, "May be quoted")).to_contain_text("The advocate, in the portal")
    expect(fact(consent, "Will speak publicly")).to_contain_text("Yes")
    expect(fact(consent, "Will speak publicly")).to_contain_text("The advocate, in the portal")
    expect(fact(consent, "May be named")).to_contain_text("Yes")

    timeline = region(manager, "Timeline")
    expect(timeline.get_by_role("listitem").filter(has_text="Consent withdrawn: May be quoted")).to_have_count(1)
    expect(timeline.get_by_role("listitem").filter(has_text="Consent given: Will speak publicly")).to_have_count(1)
    shoot(manager, "6-profile-shows-the-advocates-changes")


# 3. Who may see the directory. --------------------------------------------------------------------------------


def test_csm_sees_only_the_advocates_of_their_own_accounts(
    page: Page, members: dict[str, User], program: Program
) -> None:
    sign_in(page, members["csm"].email)

    expect(page).to_have_url(path_is(DIRECTORY))
    expect(page.get_by_role("main")).to_contain_text("The advocates at the accounts you look after.")
    expect(result_count(page, "1 advocate")).to_be_visible()
    expect(results(page).get_by_role("link", name="Ana Lima", exact=True)).to_be_visible()
    for person in ("Bruno Costa", "Carla Mendes", "Aiko Sato"):
        expect(results(page).get_by_role("link", name=person, exact=True)).to_have_count(0)
    expect(page.get_by_text(OUTSIDER_NAME)).to_have_count(0)
    shoot(page, "7-csm-directory")

    response = page.goto(profile_path(program.bruno))
    assert response is not None and response.status == 404
    expect(page.get_by_text("Bruno Costa")).to_have_count(0)


def test_sales_is_told_the_directory_is_not_for_their_role(page: Page, members: dict[str, User]) -> None:
    sign_in(page, members["sales"].email)

    response = page.goto(DIRECTORY)

    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Not available to your role")
    expect(page.get_by_role("main")).to_contain_text(
        "Your role in this organisation (Sales) does not include “Advocates”"
    )
    shoot(page, "8-sales-forbidden")
