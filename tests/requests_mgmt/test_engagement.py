"""Scheduling and briefing, completion and feedback: times shown in each party's zone, the calendar
invitation and its updates, briefings kept to their audience, completion writing the ledger (and
capacity following at once), the outcome closing the request, the usage notice, the advocate's
rating, and who may see or do what (two organisations and an outsider)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone, translation
from django.utils.formats import date_format
from rest_framework.test import APIClient

from advocacy.errors import ConflictError, ValidationFailed
from advocacy.models import AuditEvent, OutboundMessage
from advocacy.roles import Role
from advocates.capacity import advocate_capacity
from advocates.models import Activity, Advocate
from requests_mgmt.engagement_tasks import send_meeting_invitation_task
from requests_mgmt.forms.engagement import slot_value
from requests_mgmt.models import Ask, Campaign, RequestOutcome, RequestStatus, RequestType, TimeSlot
from requests_mgmt.services.completion import ask_complete, ask_rate, outcome_record
from requests_mgmt.services.scheduling import slot_choose, slots_propose
from tests.factories import (
    AdvocacyRequestFactory,
    AdvocateFactory,
    CustomerAccountFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SLOT = datetime(2030, 3, 4, 12, 0, tzinfo=UTC)  # 09:00 in São Paulo, 21:00 in Tokyo
TOKYO, SAO_PAULO = "Asia/Tokyo", "America/Sao_Paulo"


def shown(moment: datetime, zone: str) -> str:
    return date_format(timezone.localtime(moment, ZoneInfo(zone)), "DATETIME_FORMAT")


def linked_advocate(org: Any, members: Any, **fields: Any) -> Advocate:
    """The advocate whose portal account is the organisation's advocate member."""
    account = CustomerAccountFactory(organization=org, health_score=92)
    return AdvocateFactory(
        organization=org,
        account=account,
        user=members[Role.ADVOCATE],
        email=members[Role.ADVOCATE].email,
        consent_named=True,
        consent_quoted=True,
        **fields,
    )


def accepted_ask(
    org: Any,
    members: Any,
    advocate: Advocate | None = None,
    request_type: str = RequestType.REFERENCE_CALL,
    status: str = Ask.Status.ACCEPTED,
    request_status: str = RequestStatus.ACCEPTED,
) -> Ask:
    advocacy_request = AdvocacyRequestFactory(
        organization=org,
        requester=members[Role.SALES],
        request_type=request_type,
        status=request_status,
        prospect_company="Secret Prospect Ltd",
        deal_value=Decimal("987654"),
        notes="Internal: the champion is nervous",
    )
    return Ask.objects.create(
        organization=org,
        request=advocacy_request,
        advocate=advocate or linked_advocate(org, members),
        status=status,
        asked_by=members[Role.PROGRAM_MANAGER],
        responded_at=timezone.now(),
    )


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def propose(ask: Ask, members: Any, *starts: datetime, minutes: int = 45) -> list[TimeSlot]:
    return slots_propose(ask=ask, actor=members[Role.PROGRAM_MANAGER], starts=list(starts), duration_minutes=minutes)


def detail_url(org: Any, ask: Ask) -> str:
    return f"/o/{org.slug}/requests/{ask.request.public_id}/"


# Time zones ----------------------------------------------------------------------------------------


def test_times_are_shown_in_each_partys_zone(org: Any, members: Any, client_for: Any) -> None:
    members[Role.SALES].time_zone = SAO_PAULO
    members[Role.SALES].save()
    ask = accepted_ask(org, members, advocate=linked_advocate(org, members, time_zone=TOKYO))
    propose(ask, members, SLOT)
    requester_page = client_for(members[Role.SALES]).get(detail_url(org, ask)).content.decode()
    assert shown(SLOT, SAO_PAULO) in requester_page and shown(SLOT, TOKYO) in requester_page
    assert "9 a.m." in shown(SLOT, SAO_PAULO) and "9 p.m." in shown(SLOT, TOKYO)
    portal = client_for(members[Role.ADVOCATE]).get(f"/o/{org.slug}/portal/asks/{ask.public_id}/").content.decode()
    assert shown(SLOT, TOKYO) in portal and f"({TOKYO})" in portal
    assert shown(SLOT, SAO_PAULO) not in portal


def test_an_advocate_without_a_zone_sees_the_organisations(org: Any, members: Any, client_for: Any) -> None:
    org.time_zone = "Europe/Lisbon"
    org.save()
    ask = accepted_ask(org, members, advocate=linked_advocate(org, members, time_zone=""))
    propose(ask, members, SLOT)
    portal = client_for(members[Role.ADVOCATE]).get(f"/o/{org.slug}/portal/asks/{ask.public_id}/").content.decode()
    assert shown(SLOT, "Europe/Lisbon") in portal and "(Europe/Lisbon)" in portal


def test_requester_proposes_times_in_their_own_zone(
    org: Any, members: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    members[Role.SALES].time_zone = SAO_PAULO
    members[Role.SALES].save()
    ask = accepted_ask(org, members, advocate=linked_advocate(org, members, time_zone=TOKYO))
    prefix = f"p{ask.pk}"
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(members[Role.SALES]).post(
            f"/o/{org.slug}/requests/asks/{ask.public_id}/schedule/",
            {f"{prefix}-start_1": "2030-03-04T09:00", f"{prefix}-duration_minutes": "45"},
        )
    assert response.status_code == 302
    slot = TimeSlot.objects.get(organization=org, ask=ask)
    assert slot.starts_at == SLOT and slot.duration_minutes == 45
    (message,) = mail.outbox
    assert message.to == [ask.advocate.email] and shown(SLOT, TOKYO) in message.body
    assert AuditEvent.objects.filter(organization=org, verb="ask.times_proposed", actor=members[Role.SALES]).exists()


def test_a_time_in_the_past_is_refused(org: Any, members: Any, client_for: Any) -> None:
    ask = accepted_ask(org, members)
    prefix = f"p{ask.pk}"
    past = timezone.localtime(timezone.now() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = client_for(members[Role.PROGRAM_MANAGER]).post(
        f"/o/{org.slug}/requests/asks/{ask.public_id}/schedule/",
        {f"{prefix}-start_1": past, f"{prefix}-duration_minutes": "30"},
    )
    assert response.status_code == 400 and "Propose times in the future." in response.content.decode()
    payload = {"starts": [(timezone.now() - timedelta(minutes=5)).isoformat()], "duration_minutes": 30}
    answer = api(members[Role.PROGRAM_MANAGER]).post(
        f"/api/v1/orgs/{org.slug}/engagements/{ask.public_id}/times/", payload, format="json"
    )
    assert answer.status_code == 400 and "starts" in answer.json()["error"]["fields"]
    too_long = {"starts": [SLOT.isoformat()], "duration_minutes": 600}
    answer = api(members[Role.PROGRAM_MANAGER]).post(
        f"/api/v1/orgs/{org.slug}/engagements/{ask.public_id}/times/", too_long, format="json"
    )
    assert answer.status_code == 400 and "duration_minutes" in answer.json()["error"]["fields"]
    assert not TimeSlot.objects.filter(organization=org, ask=ask).exists()


# Choosing a time, the invitation --------------------------------------------------------------------


def test_advocate_picks_a_time_and_both_sides_get_the_invitation(
    org: Any, members: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    members[Role.SALES].time_zone, members[Role.SALES].language = SAO_PAULO, "pt-br"
    members[Role.SALES].save()
    members[Role.ADVOCATE].language = "ja"
    members[Role.ADVOCATE].save()
    ask = accepted_ask(org, members, advocate=linked_advocate(org, members, time_zone=TOKYO))
    propose(ask, members, SLOT, SLOT + timedelta(days=1))
    mail.outbox.clear()
    portal_ask = f"/o/{org.slug}/portal/asks/{ask.public_id}/"
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(members[Role.ADVOCATE]).post(
            f"/o/{org.slug}/portal/asks/{ask.public_id}/pick/", {"starts_at": slot_value(SLOT), "next": portal_ask}
        )
    assert response.status_code == 302 and response["Location"] == portal_ask
    ask.refresh_from_db()
    assert ask.scheduled_start == SLOT and ask.scheduled_minutes == 45 and ask.calendar_sequence == 0
    assert ask.request.status == RequestStatus.SCHEDULED
    meetings = OutboundMessage.objects.filter(organization=org, purpose=OutboundMessage.Purpose.MEETING)
    languages = dict(meetings.filter(template="meeting_invitation").values_list("recipient_email", "language"))
    assert languages == {ask.advocate.email: "ja", members[Role.SALES].email: "pt-br"}
    by_recipient = {message.to[0]: message for message in mail.outbox if message.attachments}
    advocate_mail, requester_mail = by_recipient[ask.advocate.email], by_recipient[members[Role.SALES].email]
    with translation.override("ja"):
        assert shown(SLOT, TOKYO) in advocate_mail.body  # 21:00 in Tokyo, written the Japanese way
    with translation.override("pt-br"):
        assert shown(SLOT, SAO_PAULO) in requester_mail.body  # 09:00 in São Paulo
    for message in (advocate_mail, requester_mail):
        filename, ics, mimetype = message.attachments[0]
        assert filename == "invite.ics" and mimetype == "text/calendar"
        assert "METHOD:REQUEST" in ics and "SEQUENCE:0" in ics and "DTSTART:20300304T120000Z" in ics
        assert f"UID:ask-{ask.public_id}@" in ics
    advocate_ics = advocate_mail.attachments[0][1]
    assert "Secret Prospect" not in advocate_ics and "987654" not in advocate_ics
    assert "Secret Prospect" not in advocate_mail.body and "987654" not in advocate_mail.body
    event = AuditEvent.objects.get(organization=org, verb="ask.scheduled")
    assert event.data["on_behalf_of_advocate"] is False and event.actor == members[Role.ADVOCATE]


def test_rescheduling_raises_the_sequence_and_sends_updates_once(
    org: Any, members: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ask = accepted_ask(org, members)
    later = SLOT + timedelta(days=2)
    propose(ask, members, SLOT, later)
    with django_capture_on_commit_callbacks(execute=True):
        slot_choose(ask=ask, starts_at=SLOT, actor=members[Role.ADVOCATE])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(members[Role.PROGRAM_MANAGER]).post(
            f"/o/{org.slug}/requests/asks/{ask.public_id}/choose/", {"starts_at": slot_value(later)}
        )
    assert response.status_code == 302
    ask.refresh_from_db()
    assert ask.scheduled_start == later and ask.calendar_sequence == 1
    assert len(mail.outbox) == 2
    assert all("SEQUENCE:1" in message.attachments[0][1] for message in mail.outbox)
    event = AuditEvent.objects.get(organization=org, verb="ask.rescheduled")
    assert event.data["on_behalf_of_advocate"] is True and event.data["previous"] == SLOT.isoformat()
    send_meeting_invitation_task.delay(org.pk, ask.pk, 1)  # run twice: nothing new
    send_meeting_invitation_task.delay(org.pk, ask.pk, 0)  # overtaken: nothing
    assert len(mail.outbox) == 2
    assert TimeSlot.objects.filter(organization=org, ask=ask, chosen_at__isnull=False).get().starts_at == later


def test_calling_off_sends_a_cancellation(
    org: Any, members: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ask = accepted_ask(org, members)
    propose(ask, members, SLOT)
    slot_choose(ask=ask, starts_at=SLOT, actor=members[Role.ADVOCATE])
    url = f"/o/{org.slug}/requests/asks/{ask.public_id}/cancel-meeting/"
    manager = client_for(members[Role.PROGRAM_MANAGER])
    assert manager.post(url, {f"x{ask.pk}-reason": ""}).status_code == 400
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert manager.post(url, {f"x{ask.pk}-reason": "The advocate is ill."}).status_code == 302
    ask.refresh_from_db()
    assert ask.scheduled_start is None and ask.calendar_sequence == 1
    assert len(mail.outbox) == 2
    assert all("METHOD:CANCEL" in m.attachments[0][1] and "SEQUENCE:1" in m.attachments[0][1] for m in mail.outbox)
    assert manager.post(url, {f"x{ask.pk}-reason": "Again"}).status_code == 409
    # A new time after the cancellation goes out with a higher sequence still.
    slot_choose(ask=ask, starts_at=SLOT, actor=members[Role.PROGRAM_MANAGER])
    ask.refresh_from_db()
    assert ask.calendar_sequence == 2


def test_choosing_a_time_on_an_ask_that_is_not_accepted_is_a_conflict(org: Any, members: Any, client_for: Any) -> None:
    ask = accepted_ask(org, members)
    propose(ask, members, SLOT)
    Ask.objects.filter(pk=ask.pk).update(status=Ask.Status.DECLINED)
    response = client_for(members[Role.ADVOCATE]).post(
        f"/o/{org.slug}/portal/asks/{ask.public_id}/pick/", {"starts_at": slot_value(SLOT)}
    )
    assert response.status_code == 409
    staff = client_for(members[Role.PROGRAM_MANAGER]).post(
        f"/o/{org.slug}/requests/asks/{ask.public_id}/choose/", {"starts_at": slot_value(SLOT)}
    )
    assert staff.status_code == 409
    answer = api(members[Role.PROGRAM_MANAGER]).post(
        f"/api/v1/orgs/{org.slug}/engagements/{ask.public_id}/choose/", {"starts_at": SLOT.isoformat()}, format="json"
    )
    assert answer.status_code == 404  # declined asks are not engagements
    done = accepted_ask(org, members, advocate=AdvocateFactory(organization=org))
    ask_complete(ask=done, actor=members[Role.PROGRAM_MANAGER])
    answer = api(members[Role.PROGRAM_MANAGER]).post(
        f"/api/v1/orgs/{org.slug}/engagements/{done.public_id}/choose/", {"starts_at": SLOT.isoformat()}, format="json"
    )
    assert answer.status_code == 409
    pending = accepted_ask(org, members, advocate=AdvocateFactory(organization=org), status=Ask.Status.PENDING)
    with pytest.raises(ConflictError):
        slot_choose(ask=pending, starts_at=SLOT, actor=members[Role.PROGRAM_MANAGER])
    ask.refresh_from_db()
    assert ask.scheduled_start is None


def test_a_time_that_was_not_proposed_is_refused(org: Any, members: Any) -> None:
    ask = accepted_ask(org, members)
    propose(ask, members, SLOT)
    with pytest.raises(ValidationFailed) as error:
        slot_choose(ask=ask, starts_at=SLOT + timedelta(hours=1), actor=members[Role.PROGRAM_MANAGER])
    assert "starts_at" in error.value.errors


# Briefings -------------------------------------------------------------------------------------------


def test_briefings_reach_only_their_audience(
    org: Any, members: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ask = accepted_ask(org, members)
    propose(ask, members, SLOT)
    slot_choose(ask=ask, starts_at=SLOT, actor=members[Role.ADVOCATE])
    prefix = f"b{ask.pk}"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(members[Role.PROGRAM_MANAGER]).post(
            f"/o/{org.slug}/requests/asks/{ask.public_id}/briefing/",
            {
                f"{prefix}-advocate_briefing": "They care about fraud analytics at scale.",
                f"{prefix}-requester_briefing": "Ana prefers short calls; do not discuss pricing.",
                f"{prefix}-meeting_location": "https://meet.example/ref",
            },
        )
    assert response.status_code == 302
    ask.refresh_from_db()
    assert ask.calendar_sequence == 1  # a change after the time was set updates the invitation
    advocate_mail = next(m for m in mail.outbox if m.to == [ask.advocate.email])
    assert "fraud analytics at scale" in advocate_mail.body and "pricing" not in advocate_mail.body
    assert "fraud analytics at scale" in advocate_mail.attachments[0][1]
    portal = client_for(members[Role.ADVOCATE]).get(f"/o/{org.slug}/portal/asks/{ask.public_id}/").content.decode()
    assert "fraud analytics at scale" in portal
    for secret in ("pricing", "Secret Prospect", "987,654", "987654", "champion is nervous"):
        assert secret not in portal, secret
    requester_page = client_for(members[Role.SALES]).get(detail_url(org, ask)).content.decode()
    assert "do not discuss pricing" in requester_page
    manager_page = client_for(members[Role.PROGRAM_MANAGER]).get(detail_url(org, ask)).content.decode()
    assert "do not discuss pricing" in manager_page and "fraud analytics at scale" in manager_page
    assert AuditEvent.objects.get(organization=org, verb="ask.briefing_updated").data["changed"] == [
        "advocate_briefing",
        "requester_briefing",
        "meeting_location",
    ]
    too_long = client_for(members[Role.PROGRAM_MANAGER]).post(
        f"/o/{org.slug}/requests/asks/{ask.public_id}/briefing/", {f"{prefix}-advocate_briefing": "x" * 4001}
    )
    assert too_long.status_code == 400


# Completion and capacity -------------------------------------------------------------------------------


def test_completion_writes_one_ledger_row_and_capacity_follows_at_once(
    org: Any, members: Any, client_for: Any, activity_types: Any
) -> None:
    ask = accepted_ask(org, members, request_type=RequestType.TESTIMONIAL, request_status=RequestStatus.SCHEDULED)
    three_days_ago = timezone.now() - timedelta(days=3)
    Ask.objects.filter(pk=ask.pk).update(scheduled_start=three_days_ago, scheduled_minutes=25)
    advocate = ask.advocate
    before = advocate_capacity(advocate)
    testimonial_before = next(t for t in before.per_type if t.activity_type.key == "testimonial")
    assert before.used == 1 and testimonial_before.used == 1 and testimonial_before.last_on is None
    response = client_for(members[Role.PROGRAM_MANAGER]).post(
        f"/o/{org.slug}/requests/asks/{ask.public_id}/complete/", {f"c{ask.pk}-note": "Great quote on onboarding."}
    )
    assert response.status_code == 302
    (activity,) = Activity.objects.filter(organization=org, advocate=advocate)
    occurred_on = timezone.localtime(three_days_ago, ZoneInfo(org.time_zone)).date()
    assert activity.status == Activity.Status.COMPLETED and activity.request == ask.request
    assert activity.occurred_on == occurred_on and activity.minutes == 25
    assert activity.activity_type == activity_types["testimonial"] and activity.outcome == "Great quote on onboarding."
    ask.refresh_from_db()
    assert ask.status == Ask.Status.COMPLETED and ask.activity == activity and ask.completed_at is not None
    assert ask.request.status == RequestStatus.COMPLETED
    after = advocate_capacity(advocate)
    testimonial_after = next(t for t in after.per_type if t.activity_type.key == "testimonial")
    assert after.used == 1  # the ledger row replaced the open ask: never counted twice
    assert testimonial_after.last_on == occurred_on
    assert testimonial_after.next_eligible_on == occurred_on + timedelta(days=60)
    again = client_for(members[Role.PROGRAM_MANAGER]).post(f"/o/{org.slug}/requests/asks/{ask.public_id}/complete/")
    assert again.status_code == 409
    assert Activity.objects.filter(organization=org, advocate=advocate).count() == 1
    assert AuditEvent.objects.filter(organization=org, verb="ask.completed").count() == 1
    assert AuditEvent.objects.filter(organization=org, verb="activity.recorded").count() == 1


def test_work_without_a_meeting_completes_straight_from_accepted(org: Any, members: Any) -> None:
    ask = accepted_ask(org, members, request_type=RequestType.TESTIMONIAL)
    ask_complete(ask=ask, actor=members[Role.PROGRAM_MANAGER])
    ask.request.refresh_from_db()
    assert ask.request.status == RequestStatus.COMPLETED
    steps = list(ask.request.status_changes.values_list("to_status", flat=True))
    assert steps[-1] == RequestStatus.COMPLETED
    assert Activity.objects.get(organization=org, request=ask.request).occurred_on == timezone.localdate()


def test_completion_refuses_future_dates_and_requests_past_their_work(org: Any, members: Any) -> None:
    ask = accepted_ask(org, members)
    with pytest.raises(ValidationFailed) as error:
        ask_complete(ask=ask, actor=members[Role.PROGRAM_MANAGER], occurred_on=timezone.localdate() + timedelta(1))
    assert "occurred_on" in error.value.errors
    cancelled = accepted_ask(
        org, members, advocate=AdvocateFactory(organization=org), request_status=RequestStatus.CANCELLED
    )
    with pytest.raises(ConflictError):
        ask_complete(ask=cancelled, actor=members[Role.PROGRAM_MANAGER])
    assert not Activity.objects.filter(organization=org).exists()


def test_a_campaign_ask_completes_without_moving_the_campaign_request(org: Any, members: Any) -> None:
    ask = accepted_ask(org, members, request_type=RequestType.TESTIMONIAL, request_status=RequestStatus.OUTREACH)
    Campaign.objects.create(
        organization=org,
        request=ask.request,
        kind=Campaign.Kind.TESTIMONIAL,
        name="Spring testimonials",
        message="Would you?",
        closes_on=timezone.localdate() + timedelta(days=20),
    )
    done = ask_complete(ask=ask, actor=members[Role.MARKETING], note="Posted")
    assert done.status == Ask.Status.COMPLETED and done.activity is not None
    ask.request.refresh_from_db()
    assert ask.request.status == RequestStatus.OUTREACH


# Outcome and usage notice -------------------------------------------------------------------------------


def completed_ask(org: Any, members: Any, **fields: Any) -> Ask:
    ask = accepted_ask(org, members, request_status=RequestStatus.SCHEDULED, **fields)
    return ask_complete(ask=ask, actor=members[Role.PROGRAM_MANAGER])


def test_recording_the_outcome_closes_the_request_and_the_requester_sees_it(
    org: Any, members: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ask = completed_ask(org, members)
    sales = client_for(members[Role.SALES])
    page = sales.get(detail_url(org, ask)).content.decode()
    assert "Record the outcome" in page
    url = f"/o/{org.slug}/requests/{ask.request.public_id}/outcome/"
    assert sales.post(url, {"deal_result": "maybe", "deal_value": "-5"}).status_code == 400
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = sales.post(
            url,
            {"call_held": "yes", "deal_result": "won", "deal_value": "120000", "usage": "Her call sealed the deal."},
        )
    assert response.status_code == 302
    ask.request.refresh_from_db()
    assert ask.request.status == RequestStatus.CLOSED
    outcome = RequestOutcome.objects.get(organization=org, request=ask.request)
    assert outcome.call_held is True and outcome.deal_result == "won" and outcome.deal_value == Decimal("120000")
    assert outcome.usage_shared_at is not None
    page = sales.get(detail_url(org, ask)).content.decode()
    assert "Closed" in page and "Won" in page and "Her call sealed the deal." in page
    (notice,) = mail.outbox
    assert notice.to == [ask.advocate.email] and "Her call sealed the deal." in notice.body
    assert "120" not in notice.body
    portal = client_for(members[Role.ADVOCATE]).get(f"/o/{org.slug}/portal/asks/{ask.public_id}/").content.decode()
    assert "Her call sealed the deal." in portal and "120,000" not in portal
    assert AuditEvent.objects.filter(organization=org, verb="request.outcome_recorded").count() == 1


def test_the_usage_notice_goes_once_per_change(org: Any, members: Any, django_capture_on_commit_callbacks: Any) -> None:
    ask = completed_ask(org, members)
    sales = members[Role.SALES]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        outcome_record(advocacy_request=ask.request, actor=sales, data={"usage": "Quoted in the proposal."})
    with django_capture_on_commit_callbacks(execute=True):
        outcome_record(
            advocacy_request=ask.request, actor=sales, data={"usage": "Quoted in the proposal.", "deal_result": "won"}
        )
    assert len(mail.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        outcome_record(advocacy_request=ask.request, actor=sales, data={"usage": "Quoted, and the deal closed."})
    assert len(mail.outbox) == 2 and "the deal closed" in mail.outbox[1].body
    assert (
        OutboundMessage.objects.filter(organization=org, purpose=OutboundMessage.Purpose.CONTRIBUTION_USED).count() == 2
    )


def test_the_outcome_waits_for_the_work(org: Any, members: Any, client_for: Any) -> None:
    ask = accepted_ask(org, members)
    response = client_for(members[Role.SALES]).post(
        f"/o/{org.slug}/requests/{ask.request.public_id}/outcome/", {"deal_result": "won"}
    )
    assert response.status_code == 409
    answer = api(members[Role.SALES]).put(
        f"/api/v1/orgs/{org.slug}/request-outcomes/{ask.request.public_id}/", {"deal_result": "won"}, format="json"
    )
    assert answer.status_code == 409
    assert not RequestOutcome.objects.filter(organization=org).exists()


# Rating ------------------------------------------------------------------------------------------------


def test_the_advocate_rates_once_the_work_is_done(org: Any, members: Any, client_for: Any) -> None:
    ask = accepted_ask(org, members)
    client = client_for(members[Role.ADVOCATE])
    url = f"/o/{org.slug}/portal/asks/{ask.public_id}/rate/"
    assert client.post(url, {"rating": "5"}).status_code == 409
    ask_complete(ask=ask, actor=members[Role.PROGRAM_MANAGER])
    for bad in ("0", "6", "", "five"):
        assert client.post(url, {"rating": bad}).status_code == 400, bad
    with pytest.raises(ValidationFailed):
        ask_rate(ask=ask, actor=members[Role.ADVOCATE], rating=7)
    assert client.post(url, {"rating": "4", "comment": "Well prepared."}).status_code == 302
    assert client.post(url, {"rating": "5", "comment": "Even better on reflection."}).status_code == 302
    ask.refresh_from_db()
    assert ask.advocate_rating == 5 and ask.advocate_comment == "Even better on reflection."
    verbs = list(AuditEvent.objects.filter(organization=org, verb__startswith="ask.rat").values_list("verb", flat=True))
    assert sorted(verbs) == ["ask.rated", "ask.rating_changed"]
    manager_page = client_for(members[Role.PROGRAM_MANAGER]).get(detail_url(org, ask)).content.decode()
    assert "rated the experience 5 out of 5" in manager_page and "Even better on reflection." in manager_page
    requester_page = client_for(members[Role.SALES]).get(detail_url(org, ask)).content.decode()
    assert "Even better on reflection." not in requester_page


# Access ------------------------------------------------------------------------------------------------


def test_an_advocate_cannot_act_on_another_advocates_ask(org: Any, members: Any, client_for: Any) -> None:
    ask = accepted_ask(org, members)
    propose(ask, members, SLOT)
    someone = UserFactory(email="someone@customer.example")
    MembershipFactory(organization=org, role=Role.ADVOCATE, user=someone)
    AdvocateFactory(organization=org, user=someone, email=someone.email)
    client = client_for(someone)
    assert client.get(f"/o/{org.slug}/portal/asks/{ask.public_id}/pick/").status_code == 404
    assert (
        client.post(f"/o/{org.slug}/portal/asks/{ask.public_id}/pick/", {"starts_at": slot_value(SLOT)}).status_code
        == 404
    )
    assert client.post(f"/o/{org.slug}/portal/asks/{ask.public_id}/rate/", {"rating": "1"}).status_code == 404
    assert client.get(f"/o/{org.slug}/portal/asks/{ask.public_id}/invite.ics").status_code == 404
    ask.refresh_from_db()
    assert ask.scheduled_start is None


def test_access_to_every_page(
    org: Any, other_org: Any, members: Any, other_manager: Any, outsider: Any, client_for: Any
) -> None:
    ask = accepted_ask(org, members)
    propose(ask, members, SLOT)
    base = f"/o/{org.slug}/requests/asks/{ask.public_id}"
    staff_only = [f"{base}/choose/", f"{base}/briefing/", f"{base}/complete/", f"{base}/cancel-meeting/"]
    requester_or_staff = [f"{base}/schedule/", f"/o/{org.slug}/requests/{ask.request.public_id}/outcome/"]
    portal = [f"/o/{org.slug}/portal/asks/{ask.public_id}/pick/", f"/o/{org.slug}/portal/asks/{ask.public_id}/rate/"]
    manager = client_for(members[Role.PROGRAM_MANAGER])
    for url in staff_only + requester_or_staff:
        assert manager.get(url).status_code == 200, url
    sales = client_for(members[Role.SALES])
    for url in requester_or_staff:
        assert sales.get(url).status_code == 200, url
    for url in staff_only:
        assert sales.get(url).status_code == 403, url
    for role in (Role.MARKETING, Role.CSM):  # not their request: as if it did not exist
        for url in staff_only + requester_or_staff:
            assert client_for(members[role]).get(url).status_code in (403, 404), (role, url)
    for role in (Role.EXECUTIVE, Role.ADVOCATE):
        for url in staff_only + requester_or_staff:
            assert client_for(members[role]).get(url).status_code == 403, (role, url)
    for url in portal:
        assert client_for(members[Role.ADVOCATE]).get(url).status_code == 200, url
        assert manager.get(url).status_code == 403, url
    for stranger in (other_manager, outsider):
        for url in staff_only + requester_or_staff + portal:
            assert client_for(stranger).get(url).status_code == 404, url
    # The other organisation's own manager, in their own organisation, still cannot reach this ask.
    assert (
        client_for(other_manager).get(f"/o/{other_org.slug}/requests/asks/{ask.public_id}/complete/").status_code == 404
    )
    assert client_for(None).get(staff_only[0]).status_code == 302
    ask.refresh_from_db()
    assert ask.status == Ask.Status.ACCEPTED and ask.scheduled_start is None


def test_request_page_query_count(org: Any, members: Any, client_for: Any, django_assert_max_num_queries: Any) -> None:
    ask = accepted_ask(org, members)
    for index in range(4):
        other = Ask.objects.create(
            organization=org,
            request=ask.request,
            advocate=AdvocateFactory(organization=org),
            status=Ask.Status.ACCEPTED,
        )
        propose(other, members, SLOT + timedelta(hours=index), SLOT + timedelta(days=1, hours=index))
    client = client_for(members[Role.PROGRAM_MANAGER])
    with django_assert_max_num_queries(14):
        assert client.get(detail_url(org, ask)).status_code == 200


# API ---------------------------------------------------------------------------------------------------


def test_api_journey(
    org: Any, other_org: Any, members: Any, other_manager: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ask = accepted_ask(org, members)
    base = f"/api/v1/orgs/{org.slug}/engagements/{ask.public_id}"
    manager, sales = api(members[Role.PROGRAM_MANAGER]), api(members[Role.SALES])
    proposed = sales.post(f"{base}/times/", {"starts": [SLOT.isoformat()], "duration_minutes": 30}, format="json")
    assert proposed.status_code == 201 and proposed.json()[0]["starts_at"].startswith("2030-03-04T")
    assert sales.post(f"{base}/choose/", {"starts_at": SLOT.isoformat()}, format="json").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        chosen = manager.post(f"{base}/choose/", {"starts_at": SLOT.isoformat()}, format="json")
    assert chosen.status_code == 200 and chosen.json()["scheduled_start"] is not None
    assert chosen.json()["slots"][0]["chosen"] is True
    briefed = manager.post(f"{base}/briefing/", {"advocate_briefing": "Be yourself."}, format="json")
    assert briefed.status_code == 200 and briefed.json()["advocate_briefing"] == "Be yourself."
    assert sales.post(f"{base}/complete/", {}, format="json").status_code == 403
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    bad = manager.post(f"{base}/complete/", {"occurred_on": future}, format="json")
    assert bad.status_code == 400 and "occurred_on" in bad.json()["error"]["fields"]
    done = manager.post(f"{base}/complete/", {"minutes": 40}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "completed" and done.json()["activity"]
    assert manager.post(f"{base}/complete/", {}, format="json").status_code == 409
    outcome_url = f"/api/v1/orgs/{org.slug}/request-outcomes/{ask.request.public_id}/"
    assert sales.get(outcome_url).status_code == 404  # nothing recorded yet
    bad_value = sales.put(outcome_url, {"deal_value": "-1"}, format="json")
    assert bad_value.status_code == 400 and "deal_value" in bad_value.json()["error"]["fields"]
    recorded = sales.put(outcome_url, {"call_held": True, "deal_result": "lost", "usage": ""}, format="json")
    assert recorded.status_code == 200 and recorded.json()["deal_result"] == "lost"
    assert sales.get(f"/api/v1/orgs/{org.slug}/requests/{ask.request.public_id}/").json()["status"] == "closed"
    listed = manager.get(f"/api/v1/orgs/{org.slug}/engagements/?request={ask.request.public_id}").json()
    assert [row["id"] for row in listed["results"]] == [str(ask.public_id)]
    # Another organisation: as if it did not exist.
    stranger = api(other_manager)
    assert stranger.get(f"/api/v1/orgs/{other_org.slug}/engagements/{ask.public_id}/").status_code == 404
    assert stranger.post(f"/api/v1/orgs/{org.slug}/engagements/{ask.public_id}/complete/").status_code == 404
    assert stranger.get(f"/api/v1/orgs/{other_org.slug}/request-outcomes/{ask.request.public_id}/").status_code == 404
    assert api(members[Role.MARKETING]).get(f"{base}/").status_code == 404  # not their request
    assert api(members[Role.EXECUTIVE]).get(f"{base}/").status_code == 403
    verbs = set(AuditEvent.objects.filter(organization=org).values_list("verb", flat=True))
    assert {
        "ask.times_proposed",
        "ask.scheduled",
        "ask.briefing_updated",
        "ask.completed",
        "request.outcome_recorded",
        "request.status_changed",
    } <= verbs


def test_api_list_query_count(org: Any, members: Any, django_assert_max_num_queries: Any) -> None:
    for _index in range(6):
        ask = accepted_ask(org, members, advocate=AdvocateFactory(organization=org))
        propose(ask, members, SLOT, SLOT + timedelta(days=1))
    with django_assert_max_num_queries(10):
        response = api(members[Role.PROGRAM_MANAGER]).get(f"/api/v1/orgs/{org.slug}/engagements/")
    assert response.status_code == 200 and len(response.json()["results"]) == 6
