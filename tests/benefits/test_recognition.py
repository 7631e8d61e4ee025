"""Recognition: spotlight and award nominations. Anyone who knows an advocate's work nominates, the
program team decides, and an accepted one reaches the advocate (email once, portal, staff profile).
Pages and API, two organisations and an outsider."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.template.loader import render_to_string
from django.utils import timezone
from rest_framework.test import APIClient

from advocacy.models import AuditEvent, OutboundMessage
from advocacy.roles import Role
from advocates.models import Advocate
from benefits.models import Nomination
from benefits.recognition_tasks import send_recognition_task
from tests.factories import AdvocateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def advocate(org: Any, members: Any) -> Advocate:
    return AdvocateFactory(
        organization=org, user=members[Role.ADVOCATE], email="ada@customer.example", full_name="Ada Lovelace"
    )


@pytest.fixture
def beta_advocate(other_org: Any) -> Advocate:
    return AdvocateFactory(organization=other_org, email="bob@beta-customer.example", full_name="Bob Beta")


def make_nomination(advocate: Advocate, **values: Any) -> Nomination:
    fields: dict[str, Any] = {
        "kind": Nomination.Kind.SPOTLIGHT,
        "title": "Customer of the quarter",
        "reason": "Three reference calls in a month.",
    }
    fields.update(values)
    return Nomination.objects.create(organization=advocate.organization, advocate=advocate, **fields)


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def page_url(org: Any, suffix: str = "") -> str:
    return f"/o/{org.slug}/appreciation/recognition/{suffix}"


def api_url(org: Any, suffix: str = "") -> str:
    return f"/api/v1/orgs/{org.slug}/nominations/{suffix}"


def nominate_data(advocate: Advocate, **overrides: Any) -> dict[str, Any]:
    data = {
        "advocate": str(advocate.public_id),
        "kind": "award",
        "title": "Community hero 2025",
        "reason": "Answered forty questions in the community this quarter.",
    }
    data.update(overrides)
    return data


# Nominating and deciding on the pages -------------------------------------------------------------


def test_a_csm_nominates_and_the_program_manager_accepts(
    org: Any, members: Any, advocate: Advocate, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    csm = client_for(members[Role.CSM])
    search = csm.get(page_url(org, "new/"), {"q": "lovelace"}).content.decode()
    assert f"?advocate={advocate.public_id}" in search
    assert "Ada Lovelace" in csm.get(page_url(org, "new/"), {"advocate": str(advocate.public_id)}).content.decode()
    response = csm.post(page_url(org, "new/"), nominate_data(advocate))
    nomination = Nomination.objects.get(organization=org)
    assert response.status_code == 302 and response["Location"] == page_url(org, f"{nomination.public_id}/")
    assert nomination.advocate == advocate and nomination.nominated_by == members[Role.CSM]
    assert nomination.status == Nomination.Status.NOMINATED and nomination.kind == Nomination.Kind.AWARD
    created = AuditEvent.objects.get(organization=org, verb="nomination.created")
    assert created.actor == members[Role.CSM] and created.object_id == str(nomination.public_id)
    # The CSM sees it but cannot decide.
    assert 'name="decision"' not in csm.get(response["Location"]).content.decode()
    assert csm.post(page_url(org, f"{nomination.public_id}/decide/"), {"decision": "accepted"}).status_code == 403

    manager = client_for(members[Role.PROGRAM_MANAGER])
    assert 'name="decision"' in manager.get(response["Location"]).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        decided = manager.post(
            page_url(org, f"{nomination.public_id}/decide/"), {"decision": "accepted", "note": "Well deserved."}
        )
    assert decided.status_code == 302
    nomination.refresh_from_db()
    assert nomination.status == Nomination.Status.ACCEPTED
    assert nomination.decided_by == members[Role.PROGRAM_MANAGER] and nomination.decided_at is not None
    accepted = AuditEvent.objects.get(organization=org, verb="nomination.accepted")
    assert accepted.data["note"] == "Well deserved." and accepted.actor == members[Role.PROGRAM_MANAGER]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ada@customer.example"] and "Community hero 2025" in mail.outbox[0].subject
    message = OutboundMessage.objects.get(organization=org)
    assert message.purpose == OutboundMessage.Purpose.THANK_YOU
    page = manager.get(decided["Location"]).content.decode()
    assert "Nomination accepted" in page and "Well deserved." in page


def test_deciding_twice_is_a_conflict_and_the_email_goes_once(
    org: Any, members: Any, advocate: Advocate, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    nomination = make_nomination(advocate)
    manager = client_for(members[Role.PROGRAM_MANAGER])
    url = page_url(org, f"{nomination.public_id}/decide/")
    with django_capture_on_commit_callbacks(execute=True):
        assert manager.post(url, {"decision": "accepted"}).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        again = manager.post(url, {"decision": "declined"})
    assert again.status_code == 409
    assert "already decided" in again.content.decode()
    nomination.refresh_from_db()
    assert nomination.status == Nomination.Status.ACCEPTED
    # The task run again (a retry, a duplicate delivery) sends nothing more.
    send_recognition_task.delay(org.pk, nomination.pk)
    assert len(mail.outbox) == 1
    assert OutboundMessage.objects.filter(organization=org).count() == 1
    assert AuditEvent.objects.filter(organization=org, verb__startswith="nomination.").count() == 1
    response = api(members[Role.PROGRAM_MANAGER]).post(
        api_url(org, f"{nomination.public_id}/decide/"), {"decision": "declined"}, format="json"
    )
    assert response.status_code == 409 and "already decided" in response.json()["error"]["message"]


def test_a_declined_nomination_is_not_told_to_the_advocate(
    org: Any, members: Any, advocate: Advocate, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    nomination = make_nomination(advocate)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(members[Role.ADMIN]).post(
            page_url(org, f"{nomination.public_id}/decide/"), {"decision": "declined", "note": "Next quarter."}
        )
    assert response.status_code == 302
    nomination.refresh_from_db()
    assert nomination.status == Nomination.Status.DECLINED
    assert AuditEvent.objects.get(organization=org, verb="nomination.declined").data["note"] == "Next quarter."
    assert mail.outbox == []
    assert send_recognition_task.delay(org.pk, nomination.pk).get() is False


def test_a_reason_is_required(org: Any, members: Any, advocate: Advocate, client_for: Any) -> None:
    response = client_for(members[Role.EXECUTIVE]).post(page_url(org, "new/"), nominate_data(advocate, reason="  "))
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["reason"]
    api_response = api(members[Role.EXECUTIVE]).post(api_url(org), nominate_data(advocate, reason=""), format="json")
    assert api_response.status_code == 400
    assert "reason" in api_response.json()["error"]["fields"]
    assert not Nomination.objects.filter(organization=org).exists()


@pytest.mark.parametrize("change", ["paused", "erased"])
def test_an_inactive_or_erased_advocate_cannot_be_nominated(
    org: Any, members: Any, advocate: Advocate, client_for: Any, change: str
) -> None:
    if change == "paused":
        advocate.status = Advocate.Status.PAUSED
        advocate.save(update_fields=["status"])
        expected = "Only active advocates can be nominated"
    else:
        advocate.anonymised_at = timezone.now()
        advocate.save(update_fields=["anonymised_at"])
        expected = "data was erased"
    response = client_for(members[Role.PROGRAM_MANAGER]).post(page_url(org, "new/"), nominate_data(advocate))
    assert response.status_code == 400 and expected in response.content.decode()
    api_response = api(members[Role.PROGRAM_MANAGER]).post(api_url(org), nominate_data(advocate), format="json")
    assert api_response.status_code == 400
    assert expected in " ".join(api_response.json()["error"]["fields"]["advocate"])
    assert not Nomination.objects.filter(organization=org).exists()


def test_the_same_open_nomination_is_not_made_twice(org: Any, members: Any, advocate: Advocate) -> None:
    make_nomination(advocate, kind="award", title="Community Hero 2025")
    response = api(members[Role.CSM]).post(api_url(org), nominate_data(advocate), format="json")
    assert response.status_code == 400 and "already nominated" in response.json()["error"]["fields"]["title"][0]


# The API ------------------------------------------------------------------------------------------


def test_api_nominate_list_retrieve_decide(
    org: Any, members: Any, advocate: Advocate, django_capture_on_commit_callbacks: Any
) -> None:
    created = api(members[Role.CSM]).post(api_url(org), nominate_data(advocate), format="json")
    assert created.status_code == 201
    body = created.json()
    assert body["advocate"] == str(advocate.public_id) and body["status"] == "nominated"
    assert body["nominated_by"]["email"] == "csm@alpha.test"
    make_nomination(advocate, kind="spotlight", title="Spotlight")
    client = api(members[Role.PROGRAM_MANAGER])
    assert client.get(api_url(org)).json()["count"] == 2
    assert [row["title"] for row in client.get(api_url(org), {"kind": "award"}).json()["results"]] == [
        "Community hero 2025"
    ]
    assert client.get(api_url(org), {"status": "bogus"}).status_code == 400
    assert client.get(api_url(org, f"{body['id']}/")).json()["title"] == "Community hero 2025"
    assert (
        api(members[Role.CSM]).post(api_url(org, f"{body['id']}/decide/"), {"decision": "accepted"}).status_code == 403
    )
    with django_capture_on_commit_callbacks(execute=True):
        decided = client.post(api_url(org, f"{body['id']}/decide/"), {"decision": "accepted"}, format="json")
    assert decided.status_code == 200 and decided.json()["status"] == "accepted"
    assert decided.json()["decided_by"]["email"] == "program_manager@alpha.test"
    assert len(mail.outbox) == 1
    assert client.get(api_url(org), {"status": "accepted"}).json()["count"] == 1
    history = client.get(api_url(org, f"{body['id']}/history/")).json()
    assert [event["verb"] for event in history] == ["nomination.created", "nomination.accepted"]


# Tenancy and roles --------------------------------------------------------------------------------


def test_another_organisations_advocate_and_nomination_are_not_found(
    org: Any, members: Any, other_manager: Any, advocate: Advocate, beta_advocate: Advocate, client_for: Any
) -> None:
    manager = client_for(members[Role.PROGRAM_MANAGER])
    assert manager.get(page_url(org, "new/"), {"advocate": str(beta_advocate.public_id)}).status_code == 404
    assert manager.get(page_url(org, "new/"), {"advocate": "not-a-uuid"}).status_code == 404
    assert manager.post(page_url(org, "new/"), nominate_data(beta_advocate)).status_code == 404
    beta_nomination = make_nomination(beta_advocate)
    assert manager.get(page_url(org, f"{beta_nomination.public_id}/")).status_code == 404
    assert (
        manager.post(page_url(org, f"{beta_nomination.public_id}/decide/"), {"decision": "accepted"}).status_code == 404
    )
    client = api(members[Role.PROGRAM_MANAGER])
    assert client.get(api_url(org, f"{beta_nomination.public_id}/")).status_code == 404
    decide = client.post(api_url(org, f"{beta_nomination.public_id}/decide/"), {"decision": "accepted"}, format="json")
    assert decide.status_code == 404
    response = client.post(api_url(org), nominate_data(beta_advocate), format="json")
    assert response.status_code == 400 and "advocate" in response.json()["error"]["fields"]
    assert client.get(api_url(org)).json()["count"] == 0
    beta_nomination.refresh_from_db()
    assert beta_nomination.status == Nomination.Status.NOMINATED
    assert not Nomination.objects.filter(organization=org).exists()
    # The other organisation's manager does not see alpha's nomination either.
    alpha_nomination = make_nomination(advocate)
    assert client_for(other_manager).get(page_url(org, f"{alpha_nomination.public_id}/")).status_code == 404
    assert api(other_manager).get(api_url(org, f"{alpha_nomination.public_id}/")).status_code == 404


@pytest.mark.parametrize("role", [Role.SALES, Role.MARKETING, Role.ADVOCATE])
def test_roles_without_appreciation_are_refused(
    org: Any, members: Any, advocate: Advocate, client_for: Any, role: str
) -> None:
    nomination = make_nomination(advocate)
    client = client_for(members[role])
    assert client.get(page_url(org)).status_code == 403
    assert client.get(page_url(org, "new/")).status_code == 403
    assert client.post(page_url(org, "new/"), nominate_data(advocate)).status_code == 403
    assert client.get(page_url(org, f"{nomination.public_id}/")).status_code == 403
    assert api(members[role]).get(api_url(org)).status_code == 403
    assert api(members[role]).post(api_url(org), nominate_data(advocate), format="json").status_code == 403
    assert Nomination.objects.filter(organization=org).count() == 1


def test_an_outsider_finds_nothing(org: Any, advocate: Advocate, outsider: Any, client_for: Any) -> None:
    nomination = make_nomination(advocate)
    client = client_for(outsider)
    assert client.get(page_url(org)).status_code == 404
    assert client.get(page_url(org, f"{nomination.public_id}/")).status_code == 404
    assert client.post(page_url(org, "new/"), nominate_data(advocate)).status_code == 404
    assert api(outsider).get(api_url(org)).status_code == 404
    assert (
        api(outsider).post(api_url(org, f"{nomination.public_id}/decide/"), {"decision": "accepted"}).status_code == 404
    )
    assert client_for(None).get(page_url(org)).status_code == 302


def test_the_list_filters_and_keeps_its_query_count(
    org: Any, members: Any, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    for number in range(15):
        nominee = AdvocateFactory(organization=org)
        make_nomination(nominee, title=f"Spotlight {number}", nominated_by=members[Role.CSM])
        make_nomination(
            nominee,
            kind="award",
            title=f"Award {number}",
            status=Nomination.Status.ACCEPTED,
            decided_by=members[Role.PROGRAM_MANAGER],
            decided_at=timezone.now(),
        )
    client = client_for(members[Role.EXECUTIVE])
    with django_assert_max_num_queries(10):
        response = client.get(page_url(org))
    assert response.status_code == 200
    with django_assert_max_num_queries(10):
        filtered = client.get(page_url(org), {"status": "accepted", "kind": "award"}).content.decode()
    assert "Award 3" in filtered and "Spotlight 3" not in filtered
    with django_assert_max_num_queries(6):
        api_response = api(members[Role.EXECUTIVE]).get(api_url(org))
    assert api_response.json()["count"] == 30


# Where an accepted nomination shows ---------------------------------------------------------------


def test_the_portal_partial_shows_only_the_advocates_own_accepted_recognition(org: Any, advocate: Advocate) -> None:
    now = timezone.now()
    make_nomination(advocate, title="Own accepted award", status=Nomination.Status.ACCEPTED, decided_at=now)
    make_nomination(advocate, title="Own waiting nomination")
    make_nomination(advocate, title="Own declined nomination", status=Nomination.Status.DECLINED, decided_at=now)
    someone_else = AdvocateFactory(organization=org)
    make_nomination(someone_else, title="Someone else's award", status=Nomination.Status.ACCEPTED, decided_at=now)
    html = render_to_string("benefits/portal/_recognition.html", {"advocate": advocate})
    assert "Own accepted award" in html
    assert "Own waiting nomination" not in html and "Own declined nomination" not in html
    assert "Someone else" not in html
    assert "Recognition" not in render_to_string(
        "benefits/portal/_recognition.html", {"advocate": AdvocateFactory(organization=org)}
    )


def test_the_staff_profile_shows_recognition(org: Any, members: Any, advocate: Advocate, client_for: Any) -> None:
    make_nomination(advocate, title="Accepted award", status=Nomination.Status.ACCEPTED, decided_at=timezone.now())
    make_nomination(advocate, title="Waiting spotlight")
    make_nomination(advocate, title="Declined spotlight", status=Nomination.Status.DECLINED, decided_at=timezone.now())
    url = f"/o/{org.slug}/advocates/{advocate.public_id}/"
    page = client_for(members[Role.PROGRAM_MANAGER]).get(url).content.decode()
    assert "Accepted award" in page and "Waiting spotlight" in page and "Declined spotlight" not in page
    assert f"recognition/new/?advocate={advocate.public_id}" in page
    # Marketing sees the profile but not the appreciation pages: no links into them.
    marketing = client_for(members[Role.MARKETING]).get(url).content.decode()
    assert "Accepted award" in marketing and "recognition/new/" not in marketing
