"""The program NPS survey: rounds opened by the daily sweep once per interval (and not twice), the
emails with their signed links, the answer page, starting a round by hand, and the portal card."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from advocacy.models import AuditEvent, OutboundMessage
from advocacy.roles import Role
from advocates.models import Advocate, NpsResponse
from reporting import surveys
from reporting.models import NpsSurvey
from reporting.survey_tasks import nps_survey_sweep_task, send_nps_survey_batch_task
from tests.factories import AdvocateFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 10, tzinfo=UTC)


@pytest.fixture
def clock() -> Any:
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def program(org: Any, other_org: Any, members: Any) -> dict[str, Advocate]:
    """Three active advocates (one opted out of program mail), and others a round never goes to:
    paused, alumni, invited, anonymised, waiting to be erased. The other organisation has one."""
    now = timezone.now()
    people = {
        "ana": AdvocateFactory(organization=org, full_name="Ana Costa", email="ana@customer.example"),
        "ben": AdvocateFactory(organization=org, full_name="Ben Ode", email="ben@customer.example"),
        "opted_out": AdvocateFactory(organization=org, email="quiet@customer.example", marketing_opt_out_at=now),
        "paused": AdvocateFactory(organization=org, status=Advocate.Status.PAUSED, email="paused@customer.example"),
        "alumni": AdvocateFactory(organization=org, status=Advocate.Status.ALUMNI, email="gone@customer.example"),
        "invited": AdvocateFactory(organization=org, status=Advocate.Status.INVITED, email="new@customer.example"),
        "anonymised": AdvocateFactory(organization=org, anonymised_at=now, email="erased@customer.example"),
        "erasing": AdvocateFactory(organization=org, erasure_requested_at=now, email="erasing@customer.example"),
        "beta": AdvocateFactory(organization=other_org, email="beta@customer.example"),
    }
    return people


def _sweep(capture: Any) -> None:
    with capture(execute=True):
        nps_survey_sweep_task.delay()


def _link(survey: NpsSurvey, advocate: Advocate, org_slug: str | None = None) -> str:
    slug = org_slug or survey.organization.slug
    return f"/o/{slug}/nps/{surveys.survey_token(survey, advocate)}/"


# Rounds and emails ------------------------------------------------------------------------------------


def test_the_sweep_opens_one_round_per_interval_and_emails_active_advocates_once(
    org: Any, other_org: Any, program: dict[str, Advocate], clock: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _sweep(django_capture_on_commit_callbacks)
    survey = NpsSurvey.objects.get(organization=org)
    assert survey.recipients == 3  # ana, ben and the one who opted out
    assert survey.closes_at == T0 + timedelta(days=14)
    assert NpsSurvey.objects.filter(organization=other_org).count() == 1
    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == ["ana@customer.example", "ben@customer.example", "beta@customer.example"]
    sent = OutboundMessage.objects.filter(organization=org, purpose=OutboundMessage.Purpose.NPS_SURVEY)
    assert sorted(sent.values_list("recipient_email", "status")) == [
        ("ana@customer.example", "sent"),
        ("ben@customer.example", "sent"),
        ("quiet@customer.example", "suppressed"),
    ]
    ana_mail = next(message for message in mail.outbox if message.to == ["ana@customer.example"])
    assert "Dear Ana Costa" in ana_mail.body
    assert _link(survey, program["ana"]) in ana_mail.body
    assert "List-Unsubscribe" in ana_mail.extra_headers
    assert AuditEvent.objects.filter(organization=org, verb="nps_survey.started", actor=None).count() == 1

    # The sweep runs again the same day, and later within the interval: nothing new.
    _sweep(django_capture_on_commit_callbacks)
    clock.shift(timedelta(days=120))
    _sweep(django_capture_on_commit_callbacks)
    assert NpsSurvey.objects.filter(organization=org).count() == 1
    assert len(mail.outbox) == 3

    # Past the interval (182 days), a second round.
    clock.shift(timedelta(days=63))
    _sweep(django_capture_on_commit_callbacks)
    assert NpsSurvey.objects.filter(organization=org).count() == 2
    assert len(mail.outbox) == 6


def test_no_round_without_active_advocates(org: Any, clock: Any, django_capture_on_commit_callbacks: Any) -> None:
    AdvocateFactory(organization=org, status=Advocate.Status.PAUSED)
    _sweep(django_capture_on_commit_callbacks)
    assert not NpsSurvey.objects.filter(organization=org).exists()


def test_the_interval_and_open_days_follow_the_organisations_settings(
    org: Any, program: dict[str, Advocate], clock: Any, django_capture_on_commit_callbacks: Any
) -> None:
    org.settings = {"reporting": {"survey_interval_days": 30, "survey_open_days": 7}}
    org.save()
    _sweep(django_capture_on_commit_callbacks)
    clock.shift(timedelta(days=31))
    _sweep(django_capture_on_commit_callbacks)
    rounds = list(NpsSurvey.objects.filter(organization=org).order_by("opened_at"))
    assert len(rounds) == 2
    assert rounds[0].closes_at - rounds[0].opened_at == timedelta(days=7)


def test_a_big_program_is_sent_in_batches_and_a_rerun_sends_nothing_twice(
    org: Any, clock: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    AdvocateFactory.create_batch(5, organization=org)
    monkeypatch.setattr(surveys, "SEND_BATCH", 2)
    calls: list[int] = []
    original = send_nps_survey_batch_task.run

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(send_nps_survey_batch_task, "run", counting)
    _sweep(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 5
    assert len(calls) == 3  # 2 + 2 + 1
    survey = NpsSurvey.objects.get(organization=org)
    send_nps_survey_batch_task.delay(org.pk, survey.pk, 0)  # a worker runs the first batch again
    assert len(mail.outbox) == 5


def test_the_daily_run_sends_what_a_lost_batch_did_not(
    org: Any, program: dict[str, Advocate], clock: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # The round opened but its first batch was lost (the worker died before it ran).
    with django_capture_on_commit_callbacks(execute=False):
        survey = surveys.survey_start(organization=org, started_by=None)
    assert survey is not None and mail.outbox == []
    surveys.survey_answer(survey=survey, advocate=program["ben"], score=7)  # answered in the portal meanwhile
    clock.shift(timedelta(days=1))
    _sweep(django_capture_on_commit_callbacks)
    alpha_mail = [message.to for message in mail.outbox if message.to != ["beta@customer.example"]]
    assert alpha_mail == [["ana@customer.example"]]
    assert NpsSurvey.objects.filter(organization=org).count() == 1
    sent = len(mail.outbox)
    _sweep(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == sent


def test_a_closed_round_sends_nothing_more(org: Any, program: dict[str, Advocate], clock: Any) -> None:
    survey = NpsSurvey.objects.create(organization=org, closes_at=T0 - timedelta(days=1), recipients=3)
    assert surveys.survey_send_batch(survey=survey, after_pk=0).sent == 0
    assert mail.outbox == []


# The answer page -------------------------------------------------------------------------------------------


@pytest.fixture
def survey(org: Any, program: dict[str, Advocate], clock: Any) -> NpsSurvey:
    return NpsSurvey.objects.create(organization=org, opened_at=T0, closes_at=T0 + timedelta(days=14), recipients=3)


def test_the_answer_page_records_one_answer_and_updates_the_advocates_nps(
    org: Any, survey: NpsSurvey, program: dict[str, Advocate], client_for: Any
) -> None:
    ana = program["ana"]
    Advocate.objects.filter(pk=ana.pk).update(nps_score=5)
    client = client_for(None)
    page = client.get(_link(survey, ana))
    assert page.status_code == 200
    html = page.content.decode()
    assert "How likely are you to recommend" in html
    assert "Not at all likely" in html and "Extremely likely" in html
    assert html.count('type="radio"') == 11

    done = client.post(_link(survey, ana), {"score": "9", "comment": "  Great peers to meet.  "})
    assert done.status_code == 200
    assert "Your answer (9 out of 10) is recorded." in done.content.decode()
    response = NpsResponse.objects.get(organization=org, advocate=ana)
    assert (response.survey, response.score, response.comment, response.source) == (
        survey,
        9,
        "Great peers to meet.",
        "survey",
    )
    ana.refresh_from_db()
    assert ana.nps_score == 9 and ana.nps_recorded_on == T0.date()
    event = AuditEvent.objects.get(organization=org, verb="nps.answered")
    assert event.actor is None and event.data["via"] == "survey link" and event.object_id == str(ana.public_id)

    # A double submit (or a second visit) changes nothing.
    again = client.post(_link(survey, ana), {"score": "2"})
    assert again.status_code == 409
    assert "Your first answer stands" in again.content.decode()
    assert NpsResponse.objects.filter(organization=org, advocate=ana).count() == 1
    ana.refresh_from_db()
    assert ana.nps_score == 9
    assert "You answered this survey on" in client.get(_link(survey, ana)).content.decode()


def test_a_missing_score_is_asked_for_again(survey: NpsSurvey, program: dict[str, Advocate], client_for: Any) -> None:
    page = client_for(None).post(_link(survey, program["ben"]), {"comment": "no score"})
    assert page.status_code == 400
    assert "Choose a score from 0 to 10." in page.content.decode()
    assert not NpsResponse.objects.filter(advocate=program["ben"]).exists()


def test_a_tampered_link_changes_nothing(survey: NpsSurvey, program: dict[str, Advocate], client_for: Any) -> None:
    token = surveys.survey_token(survey, program["ana"])
    tampered = token[:-3] + ("abc" if not token.endswith("abc") else "xyz")
    for path in (f"/o/alpha/nps/{tampered}/", "/o/alpha/nps/not-a-token/"):
        page = client_for(None).post(path, {"score": "10"})
        assert page.status_code == 404
        assert "This link does not work" in page.content.decode()
    assert not NpsResponse.objects.exists()


def test_a_closed_round_says_so_and_changes_nothing(
    survey: NpsSurvey, program: dict[str, Advocate], client_for: Any, clock: Any
) -> None:
    clock.shift(timedelta(days=15))
    client = client_for(None)
    page = client.get(_link(survey, program["ana"]))
    assert page.status_code == 200 and "This survey closed on" in page.content.decode()
    assert client.post(_link(survey, program["ana"]), {"score": "10"}).status_code == 409
    assert not NpsResponse.objects.exists()
    assert surveys.open_survey(survey.organization) is None


def test_the_link_works_only_under_its_own_organisation(
    org: Any, other_org: Any, survey: NpsSurvey, program: dict[str, Advocate], client_for: Any
) -> None:
    assert client_for(None).post(_link(survey, program["ana"], "beta"), {"score": "10"}).status_code == 404
    # A link naming another organisation's advocate is not valid for this round either.
    forged = surveys.survey_token(survey, program["beta"])
    assert client_for(None).post(f"/o/alpha/nps/{forged}/", {"score": "10"}).status_code == 404
    assert not NpsResponse.objects.exists()


def test_an_erased_advocate_cannot_answer(survey: NpsSurvey, program: dict[str, Advocate], client_for: Any) -> None:
    page = client_for(None).post(_link(survey, program["anonymised"]), {"score": "10"})
    assert page.status_code == 404
    assert not NpsResponse.objects.exists()


# Starting a round by hand ---------------------------------------------------------------------------------


def _start(org: Any) -> str:
    return f"/o/{org.slug}/reports/satisfaction/surveys/"


def test_the_program_team_starts_a_round_now_and_not_while_one_is_open(
    org: Any, members: Any, program: dict[str, Advocate], client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    manager = members[Role.PROGRAM_MANAGER]
    client = client_for(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_start(org), follow=True)
    assert response.redirect_chain[-1][0] == f"/o/{org.slug}/reports/satisfaction/"
    assert "The survey is on its way to 3 advocates." in response.content.decode()
    survey = NpsSurvey.objects.get(organization=org)
    assert survey.started_by == manager
    assert len(mail.outbox) == 2
    event = AuditEvent.objects.get(organization=org, verb="nps_survey.started")
    assert event.actor == manager and event.data["recipients"] == 3

    again = client.post(_start(org), follow=True)
    assert "A survey round is already open until" in again.content.decode()
    assert NpsSurvey.objects.filter(organization=org).count() == 1


def test_starting_a_round_with_nobody_to_ask_is_explained(org: Any, members: Any, client_for: Any) -> None:
    page = client_for(members[Role.ADMIN]).post(_start(org), follow=True)
    assert "There are no active advocates to ask." in page.content.decode()
    assert not NpsSurvey.objects.exists()


def test_who_may_start_a_round(
    org: Any, members: Any, other_manager: Any, outsider: Any, program: dict[str, Advocate], client_for: Any
) -> None:
    assert client_for(members[Role.EXECUTIVE]).post(_start(org)).status_code == 403
    assert client_for(members[Role.SALES]).post(_start(org)).status_code == 403
    assert client_for(other_manager).post(_start(org)).status_code == 404
    assert client_for(outsider).post(_start(org)).status_code == 404
    assert client_for(members[Role.PROGRAM_MANAGER]).get(_start(org)).status_code == 405
    assert not NpsSurvey.objects.exists()


# The portal card -------------------------------------------------------------------------------------------


def test_the_portal_asks_while_the_round_is_open_and_the_advocate_has_not_answered(
    org: Any, members: Any, survey: NpsSurvey, client_for: Any
) -> None:
    user = members[Role.ADVOCATE]
    advocate = AdvocateFactory(organization=org, user=user, enrolled_at=T0, onboarded_at=T0)
    client = client_for(user)
    home = client.get(f"/o/{org.slug}/portal/").content.decode()
    assert "One question for you" in home
    assert _link(survey, advocate) in home

    surveys.survey_answer(survey=survey, advocate=advocate, score=10)
    assert "One question for you" not in client.get(f"/o/{org.slug}/portal/").content.decode()


def test_the_portal_card_is_gone_when_the_round_closes(
    org: Any, members: Any, survey: NpsSurvey, client_for: Any, clock: Any
) -> None:
    user = members[Role.ADVOCATE]
    AdvocateFactory(organization=org, user=user, enrolled_at=T0, onboarded_at=T0)
    clock.shift(timedelta(days=14, seconds=1))
    assert "One question for you" not in client_for(user).get(f"/o/{org.slug}/portal/").content.decode()


def test_recipients_grow_with_those_a_round_reaches_after_it_opened(
    org: Any, program: dict[str, Advocate], clock: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        survey = surveys.survey_start(organization=org, started_by=None)
    assert survey is not None
    survey.refresh_from_db()
    assert survey.recipients == 3  # ana, ben and the opted-out one (recorded as suppressed)
    # Two people become active after the round opened: one answers in the portal, the other is
    # emailed by the next daily run.
    portal_only = AdvocateFactory(organization=org, email="late@customer.example")
    surveys.survey_answer(survey=survey, advocate=portal_only, score=9)
    survey.refresh_from_db()
    assert survey.recipients == 4
    AdvocateFactory(organization=org, email="later@customer.example")
    clock.shift(timedelta(days=1))
    _sweep(django_capture_on_commit_callbacks)
    survey.refresh_from_db()
    assert survey.recipients == 5
    # Everyone answers: the rate reaches 100 % and no further.
    for advocate in Advocate.objects.filter(
        organization=org, email__in=["ana@customer.example", "ben@customer.example"]
    ):
        surveys.survey_answer(survey=survey, advocate=advocate, score=10)
    survey.refresh_from_db()
    assert survey.recipients == 5 and survey.responses.count() == 3
