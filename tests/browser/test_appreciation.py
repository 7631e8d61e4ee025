"""Appreciation in a real browser: a program manager records a completed case study on the advocate's
profile; the thank-you is in the email outbox at once and in the advocate's portal, and once its
24 hours are up the unwritten personal note shows as overdue on the appreciation queue."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from advocates.models import Tier
from benefits.models import PersonalNote, ThankYou

from ..factories import AdvocateFactory, CustomerAccountFactory
from .test_advocates import sign_in

pytestmark = pytest.mark.browser


def test_completed_activity_is_thanked_and_an_overdue_note_shows_on_the_queue(
    open_page: Any, org: Any, members: Any, activity_types: Any
) -> None:
    person = members["advocate"]
    advocate = AdvocateFactory(
        organization=org,
        account=CustomerAccountFactory(organization=org, name="Initech", csm=members["csm"]),
        user=person,
        email=person.email,
        full_name="Ada Lovelace",
        tier=Tier.GOLD,
    )

    manager = open_page()
    sign_in(manager, members["program_manager"].email)
    manager.goto(f"/o/alpha/advocates/{advocate.public_id}/")
    form = manager.locator(f"form[action$='/advocates/{advocate.public_id}/activities/']")
    form.locator("select[name=activity_type]").select_option(label="Case study")
    form.locator("select[name=status]").select_option("completed")
    form.locator("input[name=minutes]").fill("180")
    form.get_by_role("button", name="Record").click()
    expect(manager.get_by_text("Activity recorded; capacity updated.")).to_be_visible()

    # The thank-you went out at once, to the advocate, and is recorded as sent in time.
    thank_you = ThankYou.objects.get(advocate=advocate)
    assert thank_you.sent_at is not None and thank_you.sent_at <= thank_you.due_at
    [email] = [email for email in mail.outbox if email.to == [person.email]]
    assert email.subject == "Thank you for your case study"

    portal = open_page()
    sign_in(portal, person.email)
    portal.goto("/o/alpha/portal/benefits/")
    thanks = portal.get_by_role("region", name="Thank-yous")
    expect(thanks).to_contain_text("Thank you for your case study")

    # The personal note, assigned to the account's CSM, is not written; its 24 hours pass.
    note = PersonalNote.objects.get(advocate=advocate)
    assert note.assignee == members["csm"]
    manager.goto("/o/alpha/appreciation/")
    row = manager.locator("tr", has_text="Ada Lovelace").first
    expect(row).to_contain_text("Due in 23")
    PersonalNote.objects.filter(pk=note.pk).update(due_at=timezone.now() - timedelta(hours=2, minutes=5))
    manager.goto("/o/alpha/appreciation/?show=overdue")
    row = manager.locator("tr[data-clock=overdue]", has_text="Ada Lovelace")
    expect(row).to_contain_text("Overdue by 2\xa0hours")
    expect(row).to_contain_text(members["csm"].display_name)
