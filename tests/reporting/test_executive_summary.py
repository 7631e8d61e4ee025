"""The quarterly executive summary email: sent in the first week of a quarter, once per person, to
the members who see the reports, in their language, with last quarter's executive figures."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import translation

from advocacy.models import Organization, OutboundMessage
from advocacy.roles import Role
from reporting import pages
from reporting.filters import ReportFilter
from reporting.panels import Figure, Panel, Table
from reporting.policy import ReportingPolicy
from reporting.summary_tasks import Quarter, executive_summary_sweep_task, summary_due
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

BUILT: list[tuple[str, ReportFilter, str]] = []
FIRST_WEEK = datetime(2026, 10, 2, 7, 5, tzinfo=UTC)
SUMMARY_ADDRESSES = {"admin@alpha.test", "program_manager@alpha.test", "executive@alpha.test"}


def fake_executive_build(organization: Organization, report_filter: ReportFilter) -> list[Panel]:
    BUILT.append((organization.slug, report_filter, translation.get_language()))
    return [
        Panel(
            key="value",
            title="Value of the program",
            note="Value = attributed revenue + activity values.",
            figures=[
                Figure("References provided", 14, target=12),
                Figure("Reference close rate", 45.5, kind="percent", target=90),
                Figure("Influenced revenue", Decimal("125000.00"), kind="money"),
                Figure("Review average", None, kind="rating", target=Decimal("4.5")),
            ],
        ),
        Panel(
            key="detail",
            title="Deals in detail",
            tables=[Table(key="deals", title="Deals", columns=["Deal"], rows=[["Secret deal table"]])],
        ),
    ]


@pytest.fixture(autouse=True)
def fake_executive_page(monkeypatch: Any) -> None:
    BUILT.clear()
    monkeypatch.setitem(pages.PAGE_BUILDERS, "executive", "tests.reporting.test_executive_summary.fake_executive_build")


@pytest.fixture
def teams(org: Organization, members: Any, other_org: Organization, other_manager: Any) -> dict[str, Any]:
    return {"members": members, "other_manager": other_manager}


def sent_to(organization: Organization) -> list[str]:
    return sorted(
        OutboundMessage.objects.filter(
            organization=organization, purpose=OutboundMessage.Purpose.PROGRAM_REPORT
        ).values_list("recipient_email", flat=True)
    )


def email_to(address: str) -> Any:
    (email,) = [email for email in mail.outbox if email.to == [address]]
    return email


def test_first_week_of_the_quarter_sends_last_quarters_summary_once(
    teams: Any, org: Organization, other_org: Organization
) -> None:
    with time_machine.travel(FIRST_WEEK, tick=False):
        assert executive_summary_sweep_task.delay().get() == 2
    assert set(sent_to(org)) == SUMMARY_ADDRESSES
    assert len(sent_to(org)) == 3
    assert sent_to(other_org) == ["manager@beta.test"]
    assert {(slug, f.start, f.end) for slug, f, _language in BUILT} == {
        ("alpha", date(2026, 7, 1), date(2026, 9, 30)),
        ("beta", date(2026, 7, 1), date(2026, 9, 30)),
    }
    message = OutboundMessage.objects.get(organization=org, recipient_email="executive@alpha.test")
    executive = teams["members"][Role.EXECUTIVE]
    assert message.dedupe_key == f"executive-summary:2026-07-01:{executive.pk}"
    assert message.recipient_user == executive and message.status == OutboundMessage.Status.SENT
    count, builds = len(mail.outbox), len(BUILT)
    # The sweep runs every day: later that week and again the same day, nobody gets it twice, and
    # the page is not even built again.
    with time_machine.travel(datetime(2026, 10, 7, 7, 5, tzinfo=UTC), tick=False):
        executive_summary_sweep_task.delay()
        executive_summary_sweep_task.delay()
    assert len(mail.outbox) == count and len(BUILT) == builds
    assert len(sent_to(org)) == 3


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 11, 16, 7, 5, tzinfo=UTC),  # mid-quarter
        datetime(2026, 10, 8, 7, 5, tzinfo=UTC),  # the week is over
        datetime(2026, 9, 30, 7, 5, tzinfo=UTC),  # the quarter's last day
    ],
)
def test_nothing_is_sent_outside_the_first_week(teams: Any, org: Organization, moment: datetime) -> None:
    with time_machine.travel(moment, tick=False):
        assert executive_summary_sweep_task.delay().get() == 0
    assert mail.outbox == [] and BUILT == []


def test_the_first_week_is_the_organisations(db: Any) -> None:
    auckland = OrganizationFactory(time_zone="Pacific/Auckland")
    honolulu = OrganizationFactory(time_zone="Pacific/Honolulu")
    # 30 September, 20:00 UTC: 1 October in Auckland, still 30 September in Honolulu.
    with time_machine.travel(datetime(2026, 9, 30, 20, 0, tzinfo=UTC), tick=False):
        assert summary_due(auckland) == Quarter(date(2026, 7, 1))
        assert summary_due(honolulu) is None
    assert summary_due(auckland, today=date(2026, 1, 7)) == Quarter(date(2025, 10, 1))
    assert Quarter(date(2025, 10, 1)).end == date(2025, 12, 31)


def test_only_the_members_who_see_the_reports_of_that_organisation(teams: Any, org: Organization) -> None:
    former = MembershipFactory(organization=org, role=Role.EXECUTIVE, user=UserFactory(email="former@alpha.test"))
    former.user.is_active = False
    former.user.save(update_fields=["is_active"])
    with time_machine.travel(FIRST_WEEK, tick=False):
        executive_summary_sweep_task.delay()
    assert set(sent_to(org)) == SUMMARY_ADDRESSES
    addresses = {email.to[0] for email in mail.outbox}
    assert addresses == SUMMARY_ADDRESSES | {"manager@beta.test"}
    beta = email_to("manager@beta.test")
    assert "Beta Systems" in beta.subject and "Alpha" not in beta.body


def test_turned_off_organisations_get_nothing(teams: Any, org: Organization, other_org: Organization) -> None:
    policy = ReportingPolicy.for_organization(org)
    replace(policy, executive_summary=False).save(org)
    with time_machine.travel(FIRST_WEEK, tick=False):
        assert executive_summary_sweep_task.delay().get() == 1
    assert sent_to(org) == []
    assert sent_to(other_org) == ["manager@beta.test"]


def test_the_email_holds_the_figures_and_a_link_to_the_quarter(teams: Any, org: Organization) -> None:
    with time_machine.travel(FIRST_WEEK, tick=False):
        executive_summary_sweep_task.delay()
    email = email_to("executive@alpha.test")
    assert email.subject == "Advocacy program summary: Q3 2026 · Alpha Analytics"
    link = f"{settings.SITE_URL}/o/alpha/reports/executive/?start=2026-07-01&end=2026-09-30"
    text = email.body
    assert "The Alpha Analytics advocacy program from July 1, 2026 to Sept. 30, 2026:" in text
    assert "Value of the program" in text
    assert "- References provided: 14 (Target: 12, on target)" in text
    assert "- Reference close rate: 45.5 % (Target: 90.0 %, off target)" in text
    assert "- Influenced revenue: 125,000" in text
    assert "- Review average: no data yet (Target: 4.50 / 5)" in text
    assert "Value = attributed revenue + activity values." in text
    assert "Secret deal table" not in text and "Deals in detail" not in text
    assert link in text
    html = email.alternatives[0][0]
    assert "Value of the program" in html and "off target" in html and "no data yet" in html
    assert link.replace("&", "&amp;") in html
    assert "Secret deal table" not in html


def test_each_person_reads_it_in_their_language(teams: Any, org: Organization) -> None:
    executive = teams["members"][Role.EXECUTIVE]
    executive.language = "pt-br"
    executive.save(update_fields=["language"])
    with time_machine.travel(FIRST_WEEK, tick=False):
        executive_summary_sweep_task.delay()
    assert OutboundMessage.objects.get(recipient_email="executive@alpha.test").language == "pt-br"
    assert OutboundMessage.objects.get(recipient_email="admin@alpha.test").language == "en"
    # The page is built once per language, in that language.
    assert sorted(language for slug, _f, language in BUILT if slug == "alpha") == ["en", "pt-br"]
    portuguese = email_to("executive@alpha.test").body
    assert "1 de Julho de 2026" in portuguese or "1 de julho de 2026" in portuguese
    assert "45,5%" in portuguese
    assert "45.5 %" in email_to("admin@alpha.test").body


@pytest.mark.parametrize(
    ("builder", "says"),
    [("no_data_build", "- References provided: no data yet"), ("no_panels_build", "There are no figures for this")],
)
def test_an_organisation_with_no_data_still_gets_its_summary(
    teams: Any, org: Organization, monkeypatch: Any, builder: str, says: str
) -> None:
    monkeypatch.setitem(pages.PAGE_BUILDERS, "executive", f"tests.reporting.test_executive_summary.{builder}")
    with time_machine.travel(FIRST_WEEK, tick=False):
        executive_summary_sweep_task.delay()
    assert set(sent_to(org)) == SUMMARY_ADDRESSES
    assert says in email_to("executive@alpha.test").body


def no_data_build(organization: Organization, report_filter: ReportFilter) -> list[Panel]:
    return [Panel(key="value", title="Value", figures=[Figure("References provided", None, target=12)])]


def no_panels_build(organization: Organization, report_filter: ReportFilter) -> list[Panel]:
    return []


def test_command_previews_and_sends_by_hand(teams: Any, org: Organization) -> None:
    out = StringIO()
    with time_machine.travel(datetime(2026, 11, 16, 12, 0, tzinfo=UTC), tick=False):
        call_command("send_executive_summary", "--org", "alpha", "--quarter", "2026-08-15", "--dry-run", stdout=out)
        assert mail.outbox == [] and OutboundMessage.objects.count() == 0
        preview = out.getvalue()
        assert "Subject: Advocacy program summary: Q3 2026 · Alpha Analytics" in preview
        assert "References provided: 14" in preview
        assert all(address in preview for address in SUMMARY_ADDRESSES)
        # The current quarter is not over: it can be previewed but not sent.
        call_command("send_executive_summary", "--org", "alpha", "--dry-run", "--quarter", "2026-11-01", stdout=out)
        with pytest.raises(CommandError, match="not over yet"):
            call_command("send_executive_summary", "--org", "alpha", "--quarter", "2026-11-01")
        assert mail.outbox == []
        out = StringIO()
        call_command("send_executive_summary", "--org", "alpha", stdout=out)  # last quarter by default
        assert "sent to 3; 0 of 3 recipients already had it." in out.getvalue()
        out = StringIO()
        call_command("send_executive_summary", "--org", "alpha", stdout=out)
        assert "sent to 0; 3 of 3 recipients already had it." in out.getvalue()
        assert set(sent_to(org)) == SUMMARY_ADDRESSES
    # The sweep of the next first week does not send Q3 again, but Q4's summary is new.
    with time_machine.travel(datetime(2027, 1, 2, 7, 5, tzinfo=UTC), tick=False):
        executive_summary_sweep_task.delay()
    keys = OutboundMessage.objects.filter(organization=org).values_list("dedupe_key", flat=True)
    assert sorted(key.split(":")[1] for key in keys) == ["2026-07-01"] * 3 + ["2026-10-01"] * 3


def test_command_refuses_unknown_organisations_and_bad_dates(db: Any) -> None:
    with pytest.raises(CommandError, match="No organisation"):
        call_command("send_executive_summary", "--org", "nobody")
    OrganizationFactory(slug="gamma")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("send_executive_summary", "--org", "gamma", "--quarter", "last spring")
