"""Outreach end to end: inviting from the matching screen, the invitation email and its signed
answer link, answering in the portal, the reminder and expiry sweep, withdrawing, and who may see
or do what (two organisations and an outsider)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from advocacy.models import AuditEvent, OutboundMessage
from advocacy.roles import Role
from advocates.models import Advocate
from requests_mgmt.models import Ask, RequestStatus, RequestType
from requests_mgmt.outreach_tasks import outreach_organization_task
from requests_mgmt.services import ask_create
from requests_mgmt.services.outreach import answer_token
from tests.factories import (
    ActivityFactory,
    AdvocacyRequestFactory,
    AdvocateFactory,
    CustomerAccountFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def healthy_advocate(org: Any, **fields: Any) -> Advocate:
    account = CustomerAccountFactory(organization=org, health_score=92)
    return AdvocateFactory(
        organization=org, account=account, status=Advocate.Status.ACTIVE, consent_named=True, **fields
    )


def matching_request(org: Any, members: Any, **fields: Any) -> Any:
    return AdvocacyRequestFactory(
        organization=org,
        requester=members[Role.SALES],
        request_type=RequestType.REFERENCE_CALL,
        status=RequestStatus.MATCHING,
        prospect_segment="enterprise",
        prospect_industry="Financial services",
        use_case="Fraud analytics",
        deal_value=480000,
        **fields,
    )


def linked_advocate(org: Any, members: Any) -> Advocate:
    """An advocate whose portal account is the organisation's advocate member."""
    return healthy_advocate(org, user=members[Role.ADVOCATE], email=members[Role.ADVOCATE].email)


def answer_link(body: str) -> str:
    match = re.search(r"http://[^\s\"]+/a/[^\s\"/]+/", body)
    assert match, body
    return match.group(0).removeprefix("http://127.0.0.1:8000").removeprefix("http://testserver")


def test_program_manager_invites_from_the_matching_screen(
    org: Any, members: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    first, second = healthy_advocate(org), healthy_advocate(org)
    advocacy_request = matching_request(org, members)
    client = client_for(members[Role.PROGRAM_MANAGER])
    url = f"/o/{org.slug}/requests/{advocacy_request.public_id}/matching/"
    page = client.get(url).content.decode()
    assert str(first.public_id) in page and "Fraud analytics" in page  # the default message carries specifics
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/o/{org.slug}/requests/{advocacy_request.public_id}/invite/",
            {"advocates": [str(first.public_id), str(second.public_id)], "message": "Would you talk to them?"},
        )
    assert response.status_code == 302
    advocacy_request.refresh_from_db()
    assert advocacy_request.status == RequestStatus.OUTREACH
    assert set(Ask.objects.filter(request=advocacy_request).values_list("advocate", flat=True)) == {
        first.pk,
        second.pk,
    }
    invitations = [message for message in mail.outbox if message.to in ([first.email], [second.email])]
    assert len(invitations) == 2
    body = invitations[0].body
    assert "Would you talk to them?" in body and "Fraud analytics" in body
    assert re.search(r"Time it takes: \d+(–\d+)? (minutes|hours?)", body), body
    assert "480" not in body and "Prospect Inc" not in body  # never the deal value or the prospect's name
    assert "/a/" in body and "/portal/asks/" in body
    assert OutboundMessage.objects.filter(organization=org, purpose="outreach").count() == 2


def test_invite_errors_are_specific_and_lose_nothing(org: Any, members: Any, client_for: Any, other_org: Any) -> None:
    advocacy_request = matching_request(org, members)
    client = client_for(members[Role.PROGRAM_MANAGER])
    url = f"/o/{org.slug}/requests/{advocacy_request.public_id}/invite/"
    missing = client.post(url, {"advocates": [str(healthy_advocate(org).public_id)], "message": ""})
    assert missing.status_code == 400 and "This field is required." in missing.content.decode()
    stranger = healthy_advocate(other_org)
    assert client.post(url, {"advocates": [str(stranger.public_id)], "message": "Hi"}).status_code == 404
    at_cap = healthy_advocate(org)
    for _index in range(6):
        ActivityFactory(organization=org, advocate=at_cap, occurred_on=timezone.localdate() - timedelta(days=20))
    refused = client.post(url, {"advocates": [str(at_cap.public_id)], "message": "Please help"})
    page = refused.content.decode()
    assert refused.status_code == 409 and at_cap.full_name in page and "Please help" in page
    assert not Ask.objects.filter(advocate=at_cap).exists()


def test_soft_rule_override_from_why_not(org: Any, members: Any, client_for: Any) -> None:
    advocate = healthy_advocate(org)
    Ask.objects.create(
        organization=org,
        request=matching_request(org, members),
        advocate=advocate,
        status=Ask.Status.DECLINED,
        asked_at=timezone.now() - timedelta(days=3),
    )
    advocacy_request = matching_request(org, members)
    client = client_for(members[Role.PROGRAM_MANAGER])
    page = client.get(
        f"/o/{org.slug}/requests/{advocacy_request.public_id}/matching/", {"why_not": advocate.email}
    ).content.decode()
    assert "ask anyway" in page
    url = f"/o/{org.slug}/requests/{advocacy_request.public_id}/invite/"
    without = client.post(url, {"advocates": [str(advocate.public_id)], "message": "Hi"})
    assert without.status_code == 400 and "Asked less than 30 days ago." in without.content.decode()
    with_reason = client.post(
        url, {"advocates": [str(advocate.public_id)], "message": "Hi", "override_reason": "Asked for by name."}
    )
    assert with_reason.status_code == 302
    assert Ask.objects.get(request=advocacy_request).override_reason == "Asked for by name."


def test_signed_link_accepts_once_and_tells_the_requester(
    org: Any, members: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    advocate, other = healthy_advocate(org), healthy_advocate(org)
    advocacy_request = matching_request(org, members)
    manager = members[Role.PROGRAM_MANAGER]
    with django_capture_on_commit_callbacks(execute=True):
        ask = ask_create(advocacy_request=advocacy_request, advocate=advocate, actor=manager, message="Please")
        other_ask = ask_create(advocacy_request=advocacy_request, advocate=other, actor=manager, message="Please")
    link = answer_link(next(m.body for m in mail.outbox if m.to == [advocate.email]))
    anonymous = client_for(None)
    page = anonymous.get(link)
    assert page.status_code == 200 and "Fraud analytics" in page.content.decode()
    assert "480" not in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = anonymous.post(link, {"answer": "accept"})
    assert done.status_code == 200 and "Thank you" in done.content.decode()
    ask.refresh_from_db()
    other_ask.refresh_from_db()
    advocacy_request.refresh_from_db()
    assert ask.status == Ask.Status.ACCEPTED and advocacy_request.status == RequestStatus.ACCEPTED
    assert other_ask.status == Ask.Status.WITHDRAWN  # one yes covers a reference call
    assert any(m.to == [members[Role.SALES].email] for m in mail.outbox)
    event = AuditEvent.objects.get(organization=org, verb="ask.accepted")
    assert event.data["via"] == "email link"
    # The link again: a clear page, nothing changed.
    again = anonymous.post(link, {"answer": "decline"})
    assert again.status_code == 409 and "already answered" in again.content.decode()
    ask.refresh_from_db()
    assert ask.status == Ask.Status.ACCEPTED
    # A tampered link.
    assert anonymous.get(link[:-3] + "xx/").status_code == 404


def test_requester_sees_contact_details_only_after_acceptance(org: Any, members: Any, client_for: Any) -> None:
    advocate = healthy_advocate(org)
    advocacy_request = matching_request(org, members)
    ask = ask_create(
        advocacy_request=advocacy_request, advocate=advocate, actor=members[Role.PROGRAM_MANAGER], message="Hi"
    )
    requester = client_for(members[Role.SALES])
    url = f"/o/{org.slug}/requests/{advocacy_request.public_id}/"
    before = requester.get(url).content.decode()
    assert advocate.email not in before and advocate.full_name not in before
    manager_view = client_for(members[Role.PROGRAM_MANAGER]).get(url).content.decode()
    assert advocate.full_name in manager_view and "Withdraw" in manager_view
    client_for(None).post(f"/a/{answer_token(ask)}/", {"answer": "accept"})
    after = requester.get(url).content.decode()
    assert advocate.email in after and advocate.full_name in after


def test_declining_in_the_portal_prompts_the_next_candidate(
    org: Any, members: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    advocate = linked_advocate(org, members)
    advocacy_request = matching_request(org, members)
    manager = members[Role.PROGRAM_MANAGER]
    ask = ask_create(advocacy_request=advocacy_request, advocate=advocate, actor=manager, message="Please")
    client = client_for(members[Role.ADVOCATE])
    listing = client.get(f"/o/{org.slug}/portal/asks/").content.decode()
    assert "Reference call" in listing and str(ask.public_id) in listing
    assert "Waiting for your answer" in client.get(f"/o/{org.slug}/portal/").content.decode()
    url = f"/o/{org.slug}/portal/asks/{ask.public_id}/"
    assert client.post(url, {"answer": "maybe"}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"answer": "decline", "reason": "On a product launch this month."})
    assert response.status_code == 302
    ask.refresh_from_db()
    advocacy_request.refresh_from_db()
    assert ask.status == Ask.Status.DECLINED and ask.decline_reason == "On a product launch this month."
    assert advocacy_request.status == RequestStatus.MATCHING
    prompt = next(m for m in mail.outbox if m.to == [manager.email])
    assert "Pick the next advocate" in prompt.subject and "/matching/" in prompt.body
    queue = client_for(manager).get(f"/o/{org.slug}/requests/").content.decode()
    assert "Pick the next candidate" in queue
    assert client.post(url, {"answer": "accept"}).status_code == 409


def test_one_reminder_halfway_then_expiry(
    org: Any, members: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    advocate = healthy_advocate(org)
    advocacy_request = matching_request(org, members)
    manager = members[Role.PROGRAM_MANAGER]
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        ask = ask_create(advocacy_request=advocacy_request, advocate=advocate, actor=manager, message="Please")
    assert ask.expires_at == start + timedelta(days=7)  # the organisation's default

    def sweep(at: Any) -> dict[str, int]:
        with time_machine.travel(at, tick=False), django_capture_on_commit_callbacks(execute=True):
            return outreach_organization_task(org.pk)

    assert sweep(start + timedelta(days=3, hours=11)) == {"expired": 0, "reminders": 0}
    assert sweep(start + timedelta(days=3, hours=12)) == {"expired": 0, "reminders": 1}
    assert sweep(start + timedelta(days=5)) == {"expired": 0, "reminders": 0}  # one reminder only
    reminders = [m for m in mail.outbox if m.to == [advocate.email] and m.subject.startswith("Reminder")]
    assert len(reminders) == 1
    assert sweep(start + timedelta(days=6, hours=23)) == {"expired": 0, "reminders": 0}
    assert sweep(start + timedelta(days=7)) == {"expired": 1, "reminders": 0}
    assert sweep(start + timedelta(days=7, minutes=15)) == {"expired": 0, "reminders": 0}
    ask.refresh_from_db()
    advocacy_request.refresh_from_db()
    assert ask.status == Ask.Status.EXPIRED and advocacy_request.status == RequestStatus.MATCHING
    assert AuditEvent.objects.filter(organization=org, verb="ask.expired", actor__isnull=True).count() == 1
    assert [m for m in mail.outbox if m.to == [manager.email] and "Pick the next advocate" in m.subject]
    expired_page = client_for(None).get(f"/a/{answer_token(ask)}/").content.decode()
    assert "has expired" in expired_page and 'name="answer"' not in expired_page


def test_answer_period_is_an_organisation_setting(org: Any, members: Any) -> None:
    org.settings = {**(org.settings or {}), "program": {"ask_answer_days": 3}}
    org.save(update_fields=["settings"])
    ask = ask_create(
        advocacy_request=matching_request(org, members),
        advocate=healthy_advocate(org),
        actor=members[Role.PROGRAM_MANAGER],
        message="Hi",
    )
    assert ask.expires_at - ask.asked_at == timedelta(days=3)


def test_withdrawing_needs_a_reason_and_frees_capacity(org: Any, members: Any, client_for: Any) -> None:
    advocate = healthy_advocate(org)
    advocacy_request = matching_request(org, members)
    ask = ask_create(
        advocacy_request=advocacy_request, advocate=advocate, actor=members[Role.PROGRAM_MANAGER], message="Hi"
    )
    client = client_for(members[Role.PROGRAM_MANAGER])
    url = f"/o/{org.slug}/requests/{advocacy_request.public_id}/asks/{ask.public_id}/withdraw/"
    client.post(url, {"reason": ""})
    ask.refresh_from_db()
    assert ask.status == Ask.Status.PENDING
    assert client.post(url, {"reason": "The prospect went with a partner reference."}).status_code == 302
    ask.refresh_from_db()
    advocacy_request.refresh_from_db()
    assert ask.status == Ask.Status.WITHDRAWN and advocacy_request.status == RequestStatus.MATCHING
    assert AuditEvent.objects.get(organization=org, verb="ask.withdrawn").data["note"].startswith("The prospect")


def test_access_to_outreach_pages(
    org: Any, other_org: Any, members: Any, other_manager: Any, outsider: Any, client_for: Any
) -> None:
    advocate = linked_advocate(org, members)
    advocacy_request = matching_request(org, members)
    ask = ask_create(
        advocacy_request=advocacy_request, advocate=advocate, actor=members[Role.PROGRAM_MANAGER], message="Hi"
    )
    matching_url = f"/o/{org.slug}/requests/{advocacy_request.public_id}/matching/"
    invite_url = f"/o/{org.slug}/requests/{advocacy_request.public_id}/invite/"
    withdraw_url = f"/o/{org.slug}/requests/{advocacy_request.public_id}/asks/{ask.public_id}/withdraw/"
    portal_url = f"/o/{org.slug}/portal/asks/{ask.public_id}/"
    for role in (Role.SALES, Role.MARKETING, Role.CSM, Role.EXECUTIVE, Role.ADVOCATE):
        client = client_for(members[role])
        assert client.get(matching_url).status_code in (403, 404), role
        assert client.post(invite_url, {"advocates": [str(advocate.public_id)], "message": "x"}).status_code in (
            403,
            404,
        ), role
        assert client.post(withdraw_url, {"reason": "x"}).status_code in (403, 404), role
    for stranger in (other_manager, outsider):
        client = client_for(stranger)
        assert client.get(matching_url).status_code == 404
        assert client.post(withdraw_url, {"reason": "x"}).status_code == 404
        assert client.get(portal_url).status_code == 404
    assert client_for(None).get(portal_url).status_code == 302  # to sign-in
    # Another advocate of the same organisation cannot open this ask.
    someone = UserFactory(email="someone@customer.example")
    from tests.factories import MembershipFactory

    MembershipFactory(organization=org, role=Role.ADVOCATE, user=someone)
    healthy_advocate(org, user=someone, email=someone.email)
    assert client_for(someone).get(portal_url).status_code == 404
    assert client_for(members[Role.ADVOCATE]).get(portal_url).status_code == 200
    ask.refresh_from_db()
    assert ask.status == Ask.Status.PENDING


def test_portal_ask_list_query_count(
    org: Any, members: Any, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    advocate = linked_advocate(org, members)
    for _index in range(8):
        Ask.objects.create(
            organization=org,
            request=matching_request(org, members),
            advocate=advocate,
            status=Ask.Status.DECLINED,
            asked_by=members[Role.PROGRAM_MANAGER],
        )
    client = client_for(members[Role.ADVOCATE])
    with django_assert_max_num_queries(14):
        assert client.get(f"/o/{org.slug}/portal/asks/").status_code == 200


# API ---------------------------------------------------------------------------------------------


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_asks(org: Any, other_org: Any, members: Any, other_manager: Any) -> None:
    base = f"/api/v1/orgs/{org.slug}/asks/"
    advocate = healthy_advocate(org)
    advocacy_request = matching_request(org, members)
    manager = api(members[Role.PROGRAM_MANAGER])
    payload = {"request": str(advocacy_request.public_id), "advocate": str(advocate.public_id), "message": "Hi"}
    created = manager.post(base, payload, format="json")
    assert created.status_code == 201, created.content
    ask_id = created.json()["id"]
    assert created.json()["status"] == "pending"
    again = manager.post(base, payload, format="json")
    assert again.status_code == 409
    stranger = healthy_advocate(other_org)
    assert manager.post(base, {**payload, "advocate": str(stranger.public_id)}, format="json").status_code == 404
    assert manager.post(base, {**payload, "message": ""}, format="json").status_code == 400
    listed = manager.get(base, {"request": str(advocacy_request.public_id)}).json()
    assert [row["id"] for row in listed["results"]] == [ask_id]
    assert api(members[Role.SALES]).get(base).status_code == 403
    assert api(other_manager).get(f"{base}{ask_id}/").status_code == 404
    assert manager.post(f"{base}{ask_id}/withdraw/", {"reason": ""}, format="json").status_code == 400
    answered = manager.post(f"{base}{ask_id}/answer/", {"answer": "accept"}, format="json")
    assert answered.status_code == 200 and answered.json()["status"] == "accepted"
    assert manager.post(f"{base}{ask_id}/withdraw/", {"reason": "x"}, format="json").status_code == 409
    advocacy_request.refresh_from_db()
    assert advocacy_request.status == RequestStatus.ACCEPTED


def test_api_soft_rule_needs_a_reason(org: Any, members: Any) -> None:
    advocate = healthy_advocate(org)
    Ask.objects.create(
        organization=org,
        request=matching_request(org, members),
        advocate=advocate,
        status=Ask.Status.DECLINED,
        asked_at=timezone.now() - timedelta(days=3),
    )
    advocacy_request = matching_request(org, members)
    payload = {"request": str(advocacy_request.public_id), "advocate": str(advocate.public_id), "message": "Hi"}
    response = api(members[Role.PROGRAM_MANAGER]).post(f"/api/v1/orgs/{org.slug}/asks/", payload, format="json")
    assert response.status_code == 400
    assert "override_reason" in dict(response.json()["error"]["fields"])


def test_cancelling_a_request_releases_its_advocates(org: Any, members: Any, client_for: Any) -> None:
    waiting, accepted = healthy_advocate(org), healthy_advocate(org, full_name="Ana Souza")
    advocacy_request = matching_request(org, members)
    manager = members[Role.PROGRAM_MANAGER]
    ask = ask_create(advocacy_request=advocacy_request, advocate=waiting, actor=manager, message="Hi")
    response = client_for(members[Role.SALES]).post(
        f"/o/{org.slug}/requests/{advocacy_request.public_id}/cancel/", {"reason": "The deal closed without it."}
    )
    assert response.status_code == 302
    ask.refresh_from_db()
    assert ask.status == Ask.Status.WITHDRAWN
    assert AuditEvent.objects.get(organization=org, verb="ask.withdrawn").data["note"] == "The deal closed without it."
    # A request given up as unfulfilled releases an accepted advocate too.
    second = matching_request(org, members)
    second_ask = ask_create(advocacy_request=second, advocate=accepted, actor=manager, message="Hi")
    client_for(None).post(f"/a/{answer_token(second_ask)}/", {"answer": "accept"})
    second.refresh_from_db()
    assert second.status == RequestStatus.ACCEPTED
    client_for(manager).post(
        f"/o/{org.slug}/requests/{second.public_id}/status/", {"status": "unfulfilled", "reason": "Prospect paused."}
    )
    second_ask.refresh_from_db()
    assert second_ask.status == Ask.Status.WITHDRAWN
