"""Regressions found in review of outreach, scheduling, completion, content, referrals and campaigns:
each test names the defect it keeps fixed."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone
from django_scopes import scope
from rest_framework.test import APIClient

from advocacy.errors import ConflictError
from advocacy.models import AuditEvent
from advocacy.roles import Role
from advocates.capacity import advocate_capacity
from requests_mgmt.models import AdvocacyRequest, Ask, RequestStatus, TimeSlot
from requests_mgmt.services.outreach import ask_accept
from requests_mgmt.services.requests import request_cancel
from requests_mgmt.services.scheduling import slot_choose, slots_propose
from tests.requests_mgmt.test_engagement import SLOT, accepted_ask

pytestmark = pytest.mark.django_db


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# Malformed ids in query parameters -----------------------------------------------------------------


def test_a_malformed_request_filter_is_a_400_not_a_500(org: Any, members: Any) -> None:
    """The engagements and asks APIs used to pass ``?request=`` straight to the database (500)."""
    ask = accepted_ask(org, members)
    client = api(members[Role.PROGRAM_MANAGER])
    base = f"/api/v1/orgs/{org.slug}"
    for url in (
        f"{base}/engagements/?request=nope",
        f"{base}/engagements/{ask.public_id}/?request=nope",
        f"{base}/asks/?request=nope",
        f"{base}/asks/{ask.public_id}/?request=nope",
    ):
        response = client.get(url)
        assert response.status_code == 400, url
        assert "request" in response.json()["error"]["fields"], url
    listed = client.get(f"{base}/engagements/?request={ask.request.public_id}").json()
    assert [row["id"] for row in listed["results"]] == [str(ask.public_id)]


# Requesters learn who was asked only once someone accepted -------------------------------------------


@pytest.mark.parametrize("status", [Ask.Status.PENDING, Ask.Status.DECLINED, Ask.Status.WITHDRAWN])
def test_a_requester_cannot_open_the_pages_of_an_ask_nobody_accepted(
    org: Any, members: Any, other_manager: Any, client_for: Any, status: str
) -> None:
    """The scheduling pages named the advocate ("With …") of any ask on the requester's request."""
    ask = accepted_ask(org, members, status=status, request_status=RequestStatus.OUTREACH)
    base = f"/o/{org.slug}/requests/asks/{ask.public_id}"
    requester = client_for(members[Role.SALES])
    for url in (f"{base}/schedule/", f"{base}/invite.ics"):
        response = requester.get(url)
        assert response.status_code == 404, url
        assert ask.advocate.full_name not in response.content.decode()
    assert client_for(members[Role.PROGRAM_MANAGER]).get(f"{base}/schedule/").status_code == 200
    assert client_for(other_manager).get(f"{base}/schedule/").status_code == 404


def test_a_requester_still_proposes_times_once_the_advocate_accepted(org: Any, members: Any, client_for: Any) -> None:
    ask = accepted_ask(org, members)
    response = client_for(members[Role.SALES]).get(f"/o/{org.slug}/requests/asks/{ask.public_id}/schedule/")
    assert response.status_code == 200
    assert ask.advocate.full_name in response.content.decode()


# Times far ahead -------------------------------------------------------------------------------------


def test_a_time_years_ahead_is_refused_and_pages_keep_working(org: Any, members: Any, client_for: Any) -> None:
    """A slot in year 9999 was stored; every page showing it in a zone east of UTC then failed."""
    members[Role.SALES].time_zone = "Asia/Tokyo"
    members[Role.SALES].save()
    ask = accepted_ask(org, members)
    response = api(members[Role.PROGRAM_MANAGER]).post(
        f"/api/v1/orgs/{org.slug}/engagements/{ask.public_id}/times/",
        {"starts": ["9999-12-31T23:00:00Z"], "duration_minutes": 480},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["starts"] == ["Propose times within the next five years."]
    prefix = f"p{ask.pk}"
    page = client_for(members[Role.SALES]).post(
        f"/o/{org.slug}/requests/asks/{ask.public_id}/schedule/",
        {
            f"{prefix}-start_1": "9999-12-31T23:00",
            f"{prefix}-duration_minutes": "45",
            f"{prefix}-meeting_location": "HQ",
        },
    )
    assert page.status_code == 400
    assert "Propose times within the next five years." in page.content.decode()
    assert 'value="HQ"' in page.content.decode()  # nothing typed is lost
    assert not TimeSlot.objects.filter(organization=org, ask=ask).exists()
    assert client_for(members[Role.SALES]).get(f"/o/{org.slug}/requests/{ask.request.public_id}/").status_code == 200


# Back to matching after a yes ------------------------------------------------------------------------


def test_moving_back_to_matching_releases_the_advocate_who_accepted(
    org: Any, members: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """The accepted ask stayed "accepted" (holding the advocate's capacity and the meeting) while the
    program team looked for someone else."""
    ask = accepted_ask(org, members)
    slots_propose(ask=ask, actor=members[Role.PROGRAM_MANAGER], starts=[SLOT], duration_minutes=30)
    slot_choose(ask=ask, starts_at=SLOT, actor=members[Role.ADVOCATE])
    advocacy_request = AdvocacyRequest.objects.get(pk=ask.request_id)
    assert advocacy_request.status == RequestStatus.SCHEDULED
    used_before = advocate_capacity(ask.advocate).used
    url = f"/o/{org.slug}/requests/{advocacy_request.public_id}/status/"
    manager = client_for(members[Role.PROGRAM_MANAGER])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        moved = manager.post(url, {"status": RequestStatus.MATCHING, "reason": "The advocate changed jobs."})
    assert moved.status_code == 302
    ask.refresh_from_db()
    assert ask.status == Ask.Status.WITHDRAWN and ask.scheduled_start is None
    assert advocate_capacity(ask.advocate).used == used_before - 1
    assert sorted(m.to[0] for m in mail.outbox if "METHOD:CANCEL" in m.attachments[0][1]) == sorted(
        [ask.advocate.email, members[Role.SALES].email]
    )
    to_advocate = next(m for m in mail.outbox if m.to == [ask.advocate.email])
    assert "no longer needed" in to_advocate.body and "changed jobs" not in to_advocate.body
    withdrawn = AuditEvent.objects.get(organization=org, verb="ask.withdrawn")
    assert withdrawn.actor == members[Role.PROGRAM_MANAGER]
    assert withdrawn.data["note"] == "The advocate changed jobs."


def test_going_back_to_matching_from_outreach_leaves_waiting_asks_alone(org: Any, members: Any) -> None:
    from requests_mgmt.services.requests import request_transition

    ask = accepted_ask(org, members, status=Ask.Status.PENDING, request_status=RequestStatus.OUTREACH)
    request_transition(
        advocacy_request=ask.request, to_status=RequestStatus.MATCHING, actor=members[Role.PROGRAM_MANAGER]
    )
    ask.refresh_from_db()
    assert ask.status == Ask.Status.PENDING


# Lock order: an answer arriving while the request is cancelled -------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_answer_while_the_request_is_cancelled_waits_instead_of_deadlocking(org: Any, members: Any) -> None:
    """Answering locked the ask, then the request; cancelling locks the request, then the asks. Run
    together they deadlocked (one of them failed with a database error). Both now take the request
    first: the answer waits, then finds the ask withdrawn (409)."""
    ask = accepted_ask(org, members, status=Ask.Status.PENDING, request_status=RequestStatus.OUTREACH)
    ask.expires_at = timezone.now() + timedelta(days=5)
    ask.save(update_fields=["expires_at"])
    request_locked = threading.Event()
    outcomes: dict[str, str] = {}

    def cancel() -> None:
        try:
            with scope(organization=org), transaction.atomic():
                AdvocacyRequest.objects.select_for_update().get(organization=org, pk=ask.request_id)
                request_locked.set()
                time.sleep(1.0)  # the advocate answers now
                request_cancel(advocacy_request=ask.request, actor=members[Role.SALES], reason="Deal lost.")
            outcomes["cancel"] = "cancelled"
        except Exception as error:
            outcomes["cancel"] = type(error).__name__
        finally:
            connection.close()

    def answer() -> None:
        try:
            request_locked.wait(timeout=10)
            with scope(organization=org):
                ask_accept(ask=ask, actor=None, via="email link")
            outcomes["answer"] = "accepted"
        except ConflictError:
            outcomes["answer"] = "conflict"
        except Exception as error:
            outcomes["answer"] = type(error).__name__
        finally:
            connection.close()

    threads = [threading.Thread(target=cancel), threading.Thread(target=answer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcomes == {"cancel": "cancelled", "answer": "conflict"}
    ask.refresh_from_db()
    assert ask.status == Ask.Status.WITHDRAWN


def test_the_sweep_expires_an_ask_after_taking_its_request(org: Any, members: Any) -> None:
    from requests_mgmt.services.outreach import ask_expire

    ask = accepted_ask(org, members, status=Ask.Status.PENDING, request_status=RequestStatus.OUTREACH)
    now = timezone.now()
    Ask.objects.filter(pk=ask.pk).update(expires_at=now - timedelta(minutes=1))
    with scope(organization=org):
        assert ask_expire(organization=org, ask_id=ask.pk, now=now) is True
        assert ask_expire(organization=org, ask_id=ask.pk, now=now) is False
    ask.refresh_from_db()
    assert ask.status == Ask.Status.EXPIRED
    assert AdvocacyRequest.objects.get(pk=ask.request_id).status == RequestStatus.MATCHING
    assert AuditEvent.objects.filter(organization=org, verb="ask.expired").count() == 1


# A yes after the request went back to matching ---------------------------------------------------------


def test_a_yes_after_the_request_went_back_to_matching_moves_it_to_accepted(
    org: Any, members: Any, client_for: Any
) -> None:
    """The ask became "accepted" but the request stayed in matching, where it could never be scheduled."""
    from requests_mgmt.services.requests import request_transition

    ask = accepted_ask(org, members, status=Ask.Status.PENDING, request_status=RequestStatus.OUTREACH)
    request_transition(
        advocacy_request=ask.request, to_status=RequestStatus.MATCHING, actor=members[Role.PROGRAM_MANAGER]
    )
    response = client_for(members[Role.ADVOCATE]).post(
        f"/o/{org.slug}/portal/asks/{ask.public_id}/", {"answer": "accept"}
    )
    assert response.status_code == 302
    advocacy_request = AdvocacyRequest.objects.get(pk=ask.request_id)
    assert advocacy_request.status == RequestStatus.ACCEPTED
    assert list(advocacy_request.status_changes.values_list("to_status", flat=True))[-2:] == [
        RequestStatus.OUTREACH,
        RequestStatus.ACCEPTED,
    ]
    slots_propose(ask=ask, actor=members[Role.PROGRAM_MANAGER], starts=[SLOT], duration_minutes=30)


# The completion note reaches the advocate ----------------------------------------------------------------


def test_the_completion_note_says_the_advocate_reads_it(org: Any, members: Any, client_for: Any) -> None:
    """The note goes into the ledger's outcome, which the advocate's portal history shows."""
    ask = accepted_ask(org, members)
    manager = client_for(members[Role.PROGRAM_MANAGER])
    page = manager.get(f"/o/{org.slug}/requests/asks/{ask.public_id}/complete/").content.decode()
    assert "The advocate sees this in their history." in page
    done = manager.post(
        f"/o/{org.slug}/requests/asks/{ask.public_id}/complete/", {f"c{ask.pk}-note": "A warm, convincing call."}
    )
    assert done.status_code == 302
    portal = client_for(members[Role.ADVOCATE]).get(f"/o/{org.slug}/portal/").content.decode()
    assert "A warm, convincing call." in portal
