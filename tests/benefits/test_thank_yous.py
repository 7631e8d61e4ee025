"""The thank-you within 24 hours: scheduled on completion, sent once (by its task or by the sweep
when the task was lost), the personal note for high-commitment work assigned to the right person
and escalated once when overdue, the queue's clocks, access, the API and the dashboard share."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.template import Context, Template
from django.utils import timezone
from rest_framework.test import APIClient

from advocacy.models import AuditEvent, OutboundMessage
from advocacy.roles import Role
from advocates import services as advocate_services
from advocates.models import Activity, Tier
from benefits import tasks
from benefits.models import PersonalNote, ThankYou
from benefits.services.thank_yous import note_assignee
from reporting.selectors.health import thanked_within_24h

from ..factories import (
    ActivityFactory,
    AdvocacyRequestFactory,
    AdvocateFactory,
    CustomerAccountFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

T0 = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)


@pytest.fixture
def frozen() -> Iterator[Any]:
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def advocate(org: Any, members: Any) -> Any:
    account = CustomerAccountFactory(organization=org, csm=members[Role.CSM])
    return AdvocateFactory(
        organization=org, account=account, tier=Tier.GOLD, full_name="Ada Lovelace", email="ada@customer.example"
    )


def record(org: Any, actor: Any, advocate: Any, activity_type: Any, capture: Any, **extra: Any) -> Activity:
    """Records a completed activity the way the profile page does, running what is sent on commit."""
    with capture(execute=True):
        return advocate_services.activity_record(
            organization=org,
            actor=actor,
            data={"advocate": advocate, "activity_type": activity_type, "occurred_on": timezone.localdate(), **extra},
        )


def thank_you_emails(to: str = "ada@customer.example") -> list[Any]:
    return [email for email in mail.outbox if email.to == [to] and email.subject.startswith("Thank you for")]


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# The 24-hour path -----------------------------------------------------------------------------------


def test_completion_sends_a_thank_you_at_once_and_assigns_a_note_due_in_24_hours(
    org: Any, members: Any, advocate: Any, activity_types: Any, frozen: Any, django_capture_on_commit_callbacks: Any
) -> None:
    manager = members[Role.PROGRAM_MANAGER]
    activity = record(org, manager, advocate, activity_types["case_study"], django_capture_on_commit_callbacks)

    thank_you = ThankYou.objects.get(activity=activity)
    assert thank_you.completed_at == T0
    assert thank_you.due_at == T0 + timedelta(hours=24)
    assert thank_you.sent_at == T0
    [email] = thank_you_emails()
    assert email.subject == "Thank you for your case study"
    assert "Dear Ada Lovelace" in email.body
    assert manager.display_name in email.from_email  # in the name of whoever recorded the work
    assert thank_you.message is not None and thank_you.message.purpose == OutboundMessage.Purpose.THANK_YOU

    note = PersonalNote.objects.get(activity=activity)
    assert note.due_at == thank_you.due_at
    assert note.assignee == members[Role.CSM]  # a gold advocate, ordinary value: the account's CSM
    assert {"personal_note.assigned", "thank_you.sent"} <= set(
        AuditEvent.objects.filter(organization=org).values_list("verb", flat=True)
    )


def test_queue_clock_counts_down_then_shows_overdue(
    org: Any,
    members: Any,
    advocate: Any,
    activity_types: Any,
    frozen: Any,
    client_for: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    record(org, members[Role.PROGRAM_MANAGER], advocate, activity_types["speaking"], django_capture_on_commit_callbacks)
    client = client_for(members[Role.PROGRAM_MANAGER])

    frozen.move_to(T0 + timedelta(hours=21))
    page = client.get("/o/alpha/appreciation/").content.decode()
    assert "Due in 3\xa0hours" in page
    assert "Ada Lovelace" in page

    frozen.move_to(T0 + timedelta(hours=26))
    page = client.get("/o/alpha/appreciation/").content.decode()
    assert "Overdue by 2\xa0hours" in page
    overdue = client.get("/o/alpha/appreciation/?show=overdue").content.decode()
    assert "Ada Lovelace" in overdue
    # The thank-yous already went out: nothing of them is open or overdue.
    assert "every thank-you has gone out" in overdue


def test_low_commitment_work_gets_a_thank_you_but_no_note(
    org: Any, members: Any, advocate: Any, activity_types: Any, django_capture_on_commit_callbacks: Any
) -> None:
    activity = record(
        org,
        members[Role.PROGRAM_MANAGER],
        advocate,
        activity_types["reference_call"],
        django_capture_on_commit_callbacks,
    )
    assert ThankYou.objects.filter(activity=activity, sent_at__isnull=False).exists()
    assert not PersonalNote.objects.filter(activity=activity).exists()
    assert len(thank_you_emails()) == 1


def test_planned_work_is_thanked_when_it_is_completed_and_history_is_not(
    org: Any, members: Any, advocate: Any, activity_types: Any, django_capture_on_commit_callbacks: Any
) -> None:
    manager = members[Role.PROGRAM_MANAGER]
    planned = record(
        org, manager, advocate, activity_types["testimonial"], django_capture_on_commit_callbacks, status="planned"
    )
    assert not ThankYou.objects.filter(activity=planned).exists()
    with django_capture_on_commit_callbacks(execute=True):
        advocate_services.activity_update_status(activity=planned, status=Activity.Status.COMPLETED, actor=manager)
    assert ThankYou.objects.filter(activity=planned).exists()
    assert len(thank_you_emails()) == 1

    # Entered after the fact, weeks later: history, not a completion to thank for now.
    with django_capture_on_commit_callbacks(execute=True):
        old = advocate_services.activity_record(
            organization=org,
            actor=manager,
            data={
                "advocate": advocate,
                "activity_type": activity_types["testimonial"],
                "occurred_on": timezone.localdate() - timedelta(days=20),
            },
        )
    assert not ThankYou.objects.filter(activity=old).exists()
    assert len(thank_you_emails()) == 1


# Exactly once -----------------------------------------------------------------------------------------


def test_sweep_sends_a_thank_you_whose_task_was_lost_exactly_once(
    org: Any, members: Any, advocate: Any, activity_types: Any, frozen: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):  # the worker never gets the task
        activity = advocate_services.activity_record(
            organization=org,
            actor=members[Role.PROGRAM_MANAGER],
            data={"advocate": advocate, "activity_type": activity_types["testimonial"], "occurred_on": T0.date()},
        )
    assert thank_you_emails() == []

    tasks.appreciation_sweep_task()  # too soon: the task may still be on its way
    assert thank_you_emails() == []

    frozen.move_to(T0 + timedelta(minutes=20))
    tasks.appreciation_sweep_task()
    tasks.appreciation_sweep_task()
    assert len(thank_you_emails()) == 1
    thank_you = ThankYou.objects.get(activity=activity)
    assert thank_you.sent_at == T0 + timedelta(minutes=20)
    assert thank_you.sent_at <= thank_you.due_at


def test_task_run_twice_sends_one_thank_you_even_after_a_lost_claim(
    org: Any, members: Any, advocate: Any, activity_types: Any, django_capture_on_commit_callbacks: Any
) -> None:
    activity = record(
        org, members[Role.PROGRAM_MANAGER], advocate, activity_types["testimonial"], django_capture_on_commit_callbacks
    )
    thank_you = ThankYou.objects.get(activity=activity)
    assert tasks.send_thank_you_task(org.pk, thank_you.pk) is False
    assert tasks.send_thank_you_task(org.pk, thank_you.pk) is False
    # A worker that died after sending but before recording: the claim is released, the key still holds.
    ThankYou.objects.filter(pk=thank_you.pk).update(sent_at=None, message=None)
    tasks.send_thank_you_task(org.pk, thank_you.pk)
    assert len(thank_you_emails()) == 1
    assert OutboundMessage.objects.filter(organization=org, dedupe_key=f"thank-you:{activity.public_id}").count() == 1


# Who writes the personal note ---------------------------------------------------------------------------


def test_note_assignment_rules(org: Any, members: Any, advocate: Any, activity_types: Any) -> None:
    case_study = activity_types["case_study"]
    executive, csm, manager = members[Role.EXECUTIVE], members[Role.CSM], members[Role.PROGRAM_MANAGER]

    ordinary = ActivityFactory(organization=org, advocate=advocate, activity_type=case_study, value=Decimal(5000))
    assert note_assignee(ordinary) == csm

    platinum = AdvocateFactory(organization=org, account=advocate.account, tier=Tier.PLATINUM)
    assert note_assignee(ActivityFactory(organization=org, advocate=platinum, activity_type=case_study)) == executive

    valuable = ActivityFactory(organization=org, advocate=advocate, activity_type=case_study, value=Decimal(100_000))
    assert note_assignee(valuable) == executive
    big_deal = AdvocacyRequestFactory(organization=org, requester=manager, deal_value=Decimal(250_000))
    for_deal = ActivityFactory(organization=org, advocate=advocate, activity_type=case_study, request=big_deal)
    assert note_assignee(for_deal) == executive

    org.settings = {"appreciation": {"executive_note_threshold": 4000}}  # the organisation's own threshold
    org.save()
    ordinary.refresh_from_db()
    assert note_assignee(ordinary) == executive

    no_csm = AdvocateFactory(organization=org, account=CustomerAccountFactory(organization=org, csm=None))
    assert note_assignee(ActivityFactory(organization=org, advocate=no_csm, activity_type=case_study)) == manager

    # A CSM who left the organisation does not get it either.
    leaver = UserFactory(email="left@alpha.test")
    gone = AdvocateFactory(organization=org, account=CustomerAccountFactory(organization=org, csm=leaver))
    assert note_assignee(ActivityFactory(organization=org, advocate=gone, activity_type=case_study)) == manager


def test_platinum_note_goes_to_the_executive_who_invited_them(
    org: Any, members: Any, advocate: Any, activity_types: Any
) -> None:
    second = MembershipFactory(organization=org, role=Role.EXECUTIVE, user=UserFactory(email="cfo@alpha.test")).user
    platinum = AdvocateFactory(organization=org, account=advocate.account, tier=Tier.PLATINUM, invited_by=second)
    activity = ActivityFactory(organization=org, advocate=platinum, activity_type=activity_types["speaking"])
    assert note_assignee(activity) == second


def test_a_platinum_advocate_without_any_executive_falls_back_to_the_csm(other_org: Any, other_manager: Any) -> None:
    csm = MembershipFactory(organization=other_org, role=Role.CSM).user
    platinum = AdvocateFactory(
        organization=other_org, account=CustomerAccountFactory(organization=other_org, csm=csm), tier=Tier.PLATINUM
    )
    activity = ActivityFactory(organization=other_org, advocate=platinum)
    assert note_assignee(activity) == csm


# Escalation -------------------------------------------------------------------------------------------


def test_overdue_note_is_escalated_to_program_managers_once(
    org: Any, members: Any, advocate: Any, activity_types: Any, frozen: Any, django_capture_on_commit_callbacks: Any
) -> None:
    record(org, members[Role.PROGRAM_MANAGER], advocate, activity_types["event"], django_capture_on_commit_callbacks)
    tasks.appreciation_sweep_task()
    frozen.move_to(T0 + timedelta(hours=23))
    tasks.appreciation_sweep_task()
    assert not [email for email in mail.outbox if email.subject.startswith("Overdue")]

    frozen.move_to(T0 + timedelta(hours=25))
    tasks.appreciation_sweep_task()
    tasks.appreciation_sweep_task()
    frozen.move_to(T0 + timedelta(hours=30))
    tasks.appreciation_sweep_task()
    escalations = [email for email in mail.outbox if email.subject.startswith("Overdue")]
    assert [email.to for email in escalations] == [[members[Role.PROGRAM_MANAGER].email]]
    assert escalations[0].subject == "Overdue: the personal note for Ada Lovelace"
    assert "/o/alpha/appreciation/" in escalations[0].body
    assert PersonalNote.objects.get(advocate=advocate).escalated_at == T0 + timedelta(hours=25)
    assert len(thank_you_emails()) == 1  # the sweeps never thanked twice


# Writing the note ----------------------------------------------------------------------------------------


def test_assignee_writes_the_note_and_the_advocate_gets_it_in_their_name(
    org: Any,
    members: Any,
    advocate: Any,
    activity_types: Any,
    client_for: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    activity = record(
        org, members[Role.PROGRAM_MANAGER], advocate, activity_types["case_study"], django_capture_on_commit_callbacks
    )
    url = f"/o/alpha/appreciation/notes/{activity.public_id}/"
    csm = client_for(members[Role.CSM])

    assert csm.get(url).status_code == 200
    assert csm.post(url, {"note": "  "}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = csm.post(url, {"note": "Your story moved the whole room. Thank you, Ada."})
    assert response.status_code == 302

    note = PersonalNote.objects.get(activity=activity)
    assert note.written_by == members[Role.CSM] and note.written_at is not None
    [email] = [email for email in mail.outbox if email.subject.startswith("A personal note")]
    assert email.subject == f"A personal note from {members[Role.CSM].display_name}"
    assert email.to == ["ada@customer.example"]
    assert email.reply_to == [members[Role.CSM].email]
    assert "Your story moved the whole room" in email.body
    # On the advocate's timeline: the email, in the writer's name.
    message = OutboundMessage.objects.get(organization=org, dedupe_key=f"personal-note:{activity.public_id}")
    assert message.sender == members[Role.CSM] and message.advocate == advocate
    profile = client_for(members[Role.PROGRAM_MANAGER]).get(f"/o/alpha/advocates/{advocate.public_id}/")
    assert f"Email: A personal note from {members[Role.CSM].display_name}" in profile.content.decode()

    again = csm.post(url, {"note": "Twice?"})
    assert again.status_code == 409
    assert "already been written" in again.content.decode()


def test_only_the_assignee_or_the_program_team_may_write(
    org: Any,
    members: Any,
    advocate: Any,
    activity_types: Any,
    client_for: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    activity = record(
        org, members[Role.PROGRAM_MANAGER], advocate, activity_types["case_study"], django_capture_on_commit_callbacks
    )
    url = f"/o/alpha/appreciation/notes/{activity.public_id}/"
    executive = client_for(members[Role.EXECUTIVE])
    assert executive.get(url).status_code == 200
    assert "Send the note" not in executive.get(url).content.decode()
    assert executive.post(url, {"note": "Not mine to write."}).status_code == 403
    assert client_for(members[Role.ADMIN]).post(url, {"note": "From the program team."}).status_code == 302


# Access ----------------------------------------------------------------------------------------------------


def test_queue_access_two_organisations_and_an_outsider(
    org: Any,
    other_org: Any,
    other_manager: Any,
    outsider: Any,
    members: Any,
    advocate: Any,
    activity_types: Any,
    client_for: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    activity = record(
        org, members[Role.PROGRAM_MANAGER], advocate, activity_types["case_study"], django_capture_on_commit_callbacks
    )
    note_url = f"/o/alpha/appreciation/notes/{activity.public_id}/"
    for role in (Role.PROGRAM_MANAGER, Role.ADMIN, Role.EXECUTIVE, Role.CSM):
        assert client_for(members[role]).get("/o/alpha/appreciation/").status_code == 200, role
        assert client_for(members[role]).get(note_url).status_code == 200, role
    for role in (Role.SALES, Role.MARKETING, Role.ADVOCATE):
        assert client_for(members[role]).get("/o/alpha/appreciation/").status_code == 403, role
    assert client_for(other_manager).get("/o/alpha/appreciation/").status_code == 404
    assert client_for(outsider).get("/o/alpha/appreciation/").status_code == 404
    assert client_for(None).get("/o/alpha/appreciation/").status_code == 302
    # Another organisation's note is not there, even for its own program managers' URL.
    assert client_for(other_manager).get(f"/o/beta/appreciation/notes/{activity.public_id}/").status_code == 404
    assert (
        client_for(other_manager).post(f"/o/beta/appreciation/notes/{activity.public_id}/", {"note": "x"}).status_code
        == 404
    )
    assert "Ada Lovelace" not in client_for(other_manager).get("/o/beta/appreciation/").content.decode()
    assert client_for(members[Role.PROGRAM_MANAGER]).get("/o/alpha/appreciation/notes/not-a-uuid/").status_code == 404


def test_a_csm_sees_only_their_accounts(
    org: Any, members: Any, advocate: Any, activity_types: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    elsewhere = AdvocateFactory(organization=org, full_name="Grace Hopper", tier=Tier.GOLD)
    record(
        org, members[Role.PROGRAM_MANAGER], advocate, activity_types["case_study"], django_capture_on_commit_callbacks
    )
    other = record(
        org, members[Role.PROGRAM_MANAGER], elsewhere, activity_types["case_study"], django_capture_on_commit_callbacks
    )
    page = client_for(members[Role.CSM]).get("/o/alpha/appreciation/").content.decode()
    assert "Ada Lovelace" in page and "Grace Hopper" not in page
    assert client_for(members[Role.CSM]).get(f"/o/alpha/appreciation/notes/{other.public_id}/").status_code == 404
    assert "Grace Hopper" in client_for(members[Role.EXECUTIVE]).get("/o/alpha/appreciation/").content.decode()


def test_queue_query_count_does_not_grow_with_rows(
    org: Any,
    members: Any,
    advocate: Any,
    activity_types: Any,
    client_for: Any,
    django_assert_max_num_queries: Any,
) -> None:
    for number in range(12):
        someone = AdvocateFactory(organization=org, account=advocate.account)
        activity = ActivityFactory(organization=org, advocate=someone, activity_type=activity_types["case_study"])
        due = timezone.now() + timedelta(hours=number - 6, minutes=30)
        ThankYou.objects.create(
            organization=org, activity=activity, advocate=someone, completed_at=due - timedelta(days=1), due_at=due
        )
        PersonalNote.objects.create(
            organization=org, activity=activity, advocate=someone, assignee=members[Role.CSM], due_at=due
        )
    client = client_for(members[Role.PROGRAM_MANAGER])
    with django_assert_max_num_queries(10):
        response = client.get("/o/alpha/appreciation/")
    assert response.content.decode().count('data-clock="overdue"') == 12  # 6 notes and 6 thank-yous
    with django_assert_max_num_queries(10):
        client.get("/o/alpha/appreciation/?show=mine")


# API ---------------------------------------------------------------------------------------------------------


def test_api_lists_and_writes_notes_within_the_organisation(
    org: Any,
    other_org: Any,
    other_manager: Any,
    outsider: Any,
    members: Any,
    advocate: Any,
    activity_types: Any,
    django_capture_on_commit_callbacks: Any,
    django_assert_max_num_queries: Any,
) -> None:
    activity = record(
        org, members[Role.PROGRAM_MANAGER], advocate, activity_types["case_study"], django_capture_on_commit_callbacks
    )
    manager = api(members[Role.PROGRAM_MANAGER])
    with django_assert_max_num_queries(8):
        thank_yous = manager.get("/api/v1/orgs/alpha/thank-yous/")
    assert thank_yous.status_code == 200
    [row] = thank_yous.json()["results"]
    assert row["activity"] == str(activity.public_id) and row["clock"] == "on_time"

    detail = manager.get(f"/api/v1/orgs/alpha/personal-notes/{activity.public_id}/")
    assert detail.status_code == 200
    assert detail.json()["assignee"] == members[Role.CSM].email and detail.json()["clock"] == "due"
    open_notes = manager.get("/api/v1/orgs/alpha/personal-notes/?show=open").json()
    assert len(open_notes["results"]) == 1
    assert manager.get("/api/v1/orgs/alpha/personal-notes/?show=later").status_code == 400

    write = f"/api/v1/orgs/alpha/personal-notes/{activity.public_id}/write/"
    assert api(members[Role.EXECUTIVE]).post(write, {"note": "Not mine"}).status_code == 403
    assert api(members[Role.SALES]).get("/api/v1/orgs/alpha/personal-notes/").status_code == 403
    assert api(other_manager).get(f"/api/v1/orgs/beta/personal-notes/{activity.public_id}/").status_code == 404
    assert (
        api(other_manager)
        .post(f"/api/v1/orgs/beta/personal-notes/{activity.public_id}/write/", {"note": "x"})
        .status_code
        == 404
    )
    assert api(other_manager).get("/api/v1/orgs/alpha/thank-yous/").status_code == 404
    assert api(outsider).get("/api/v1/orgs/alpha/thank-yous/").status_code == 404
    assert manager.post(write, {"note": ""}).status_code == 400

    with django_capture_on_commit_callbacks(execute=True):
        written = api(members[Role.CSM]).post(write, {"note": "Thank you, Ada."})
    assert written.status_code == 200, written.content
    assert written.json()["written_by"] == members[Role.CSM].email and written.json()["clock"] == "on_time"
    assert manager.post(write, {"note": "Again"}).status_code == 409
    assert len([email for email in mail.outbox if email.subject.startswith("A personal note")]) == 1


# Dashboard and portal ------------------------------------------------------------------------------------------


def test_dashboard_shows_the_share_thanked_within_24_hours(
    org: Any, members: Any, advocate: Any, activity_types: Any, client_for: Any, frozen: Any
) -> None:
    def owed(*, sent_after: timedelta | None, note_after: timedelta | None = None, has_note: bool = False) -> None:
        activity = ActivityFactory(organization=org, advocate=advocate, activity_type=activity_types["case_study"])
        completed = T0 - timedelta(days=3)
        ThankYou.objects.create(
            organization=org,
            activity=activity,
            advocate=advocate,
            completed_at=completed,
            due_at=completed + timedelta(hours=24),
            sent_at=completed + sent_after if sent_after is not None else None,
        )
        if has_note:
            PersonalNote.objects.create(
                organization=org,
                activity=activity,
                advocate=advocate,
                due_at=completed + timedelta(hours=24),
                written_at=completed + note_after if note_after is not None else None,
            )

    owed(sent_after=timedelta(minutes=1))
    owed(sent_after=timedelta(minutes=1), has_note=True, note_after=timedelta(hours=5))
    owed(sent_after=timedelta(minutes=1), has_note=True, note_after=None)  # the note never came
    owed(sent_after=timedelta(hours=30))  # the worker was down for a day
    assert thanked_within_24h(org) == {"owed": 4, "on_time": 2, "share": 50.0}

    page = client_for(members[Role.PROGRAM_MANAGER]).get("/o/alpha/").content.decode()
    assert "Thanked within 24 hours" in page
    assert "50.0 %" in page and "2 of 4" in page


def test_portal_partial_lists_what_the_advocate_received(
    org: Any, members: Any, advocate: Any, activity_types: Any, django_capture_on_commit_callbacks: Any
) -> None:
    other = AdvocateFactory(organization=org, account=advocate.account, full_name="Someone Else")
    record(org, members[Role.PROGRAM_MANAGER], other, activity_types["testimonial"], django_capture_on_commit_callbacks)
    activity = record(
        org, members[Role.PROGRAM_MANAGER], advocate, activity_types["case_study"], django_capture_on_commit_callbacks
    )
    PersonalNote.objects.filter(activity=activity).update(
        note="Thank you for the case study, truly.", written_at=timezone.now(), written_by=members[Role.EXECUTIVE]
    )
    html = Template('{% include "benefits/portal/_thank_yous.html" %}').render(
        Context({"advocate": advocate, "organization": org})
    )
    assert "Thank you for your case study" in html
    assert f"A personal note from {members[Role.EXECUTIVE].display_name}" in html
    assert "Thank you for the case study, truly." in html
    assert "testimonial" not in html  # someone else's
