"""Request intake, status page and cancellation, in the pages and the API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from advocacy.models import AuditEvent
from advocacy.roles import Role
from requests_mgmt.models import AdvocacyRequest, RequestStatus
from tests.factories import AdvocacyRequestFactory

pytestmark = pytest.mark.django_db


def form_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "request_type": "reference_call",
        "prospect_company": "Initech",
        "prospect_industry": "Software",
        "prospect_segment": "enterprise",
        "prospect_region": "emea",
        "deal_value": "120000",
        "crm_opportunity_id": "OPP-1",
        "needed_by": (timezone.localdate() + timedelta(days=7)).isoformat(),
        "notes": "CFO wants a peer in banking",
    }
    data.update(overrides)
    return data


def test_sales_submits_and_follows_the_request(org: Any, members: Any, client_for: Any) -> None:
    client = client_for(members[Role.SALES])
    response = client.post(f"/o/{org.slug}/requests/new/", form_data())
    advocacy_request = AdvocacyRequest.objects.get(organization=org)
    assert response.status_code == 302
    assert response["Location"] == f"/o/{org.slug}/requests/{advocacy_request.public_id}/"
    assert advocacy_request.requester == members[Role.SALES]
    assert advocacy_request.status == RequestStatus.SUBMITTED
    page = client.get(response["Location"]).content.decode()
    assert "Submitted" in page and "Initech" in page
    assert AuditEvent.objects.filter(organization=org, verb="request.submitted").exists()
    assert "Initech" in client.get(f"/o/{org.slug}/requests/").content.decode()


def test_bad_input_re_renders_with_errors_and_keeps_the_values(org: Any, members: Any, client_for: Any) -> None:
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client_for(members[Role.SALES]).post(
        f"/o/{org.slug}/requests/new/", form_data(needed_by=yesterday, prospect_company="", deal_value="-5")
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "cannot be in the past" in body
    assert "A reference call needs the prospect&#x27;s company." in body
    assert "CFO wants a peer in banking" in body  # nothing typed is lost
    assert not AdvocacyRequest.objects.exists()


def test_each_face_offers_its_own_request_types(org: Any, members: Any, client_for: Any) -> None:
    sales_form = client_for(members[Role.SALES]).get(f"/o/{org.slug}/requests/new/").content.decode()
    assert 'value="reference_call"' in sales_form and 'value="testimonial"' not in sales_form
    marketing_form = client_for(members[Role.MARKETING]).get(f"/o/{org.slug}/requests/new/").content.decode()
    assert 'value="testimonial"' in marketing_form and 'value="reference_call"' not in marketing_form
    refused = client_for(members[Role.SALES]).post(f"/o/{org.slug}/requests/new/", form_data(request_type="review"))
    assert refused.status_code == 400


def test_cancel_with_reason_then_409_on_a_second_try(org: Any, members: Any, client_for: Any) -> None:
    advocacy_request = AdvocacyRequestFactory(organization=org, requester=members[Role.SALES])
    client = client_for(members[Role.SALES])
    url = f"/o/{org.slug}/requests/{advocacy_request.public_id}/cancel/"
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "Deal lost"}).status_code == 302
    advocacy_request.refresh_from_db()
    assert advocacy_request.status == RequestStatus.CANCELLED
    assert list(advocacy_request.status_changes.values_list("to_status", "note")) == [
        (RequestStatus.CANCELLED, "Deal lost")
    ]
    assert client.post(url, {"reason": "again"}).status_code == 409


def test_triage_queue_marks_overdue_and_due_soon(org: Any, members: Any, client_for: Any) -> None:
    today = timezone.localdate()
    AdvocacyRequestFactory(organization=org, prospect_company="LateCo", needed_by=today - timedelta(days=1))
    AdvocacyRequestFactory(organization=org, prospect_company="SoonCo", needed_by=today + timedelta(days=2))
    AdvocacyRequestFactory(organization=org, prospect_company="LaterCo", needed_by=today + timedelta(days=30))
    page = client_for(members[Role.PROGRAM_MANAGER]).get(f"/o/{org.slug}/requests/").content.decode()
    assert page.index("LateCo") < page.index("SoonCo") < page.index("LaterCo")
    assert page.count("Overdue") == 1 and page.count("Due within 72 hours") == 1


def test_request_list_query_count_is_constant(
    org: Any, members: Any, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    AdvocacyRequestFactory.create_batch(20, organization=org)
    client = client_for(members[Role.PROGRAM_MANAGER])
    with django_assert_max_num_queries(12):
        assert client.get(f"/o/{org.slug}/requests/").status_code == 200


def test_api_submit_list_cancel(org: Any, other_org: Any, members: Any, other_manager: Any) -> None:
    client = APIClient()
    client.force_authenticate(members[Role.SALES])
    payload = form_data()
    created = client.post(f"/api/v1/orgs/{org.slug}/requests/", payload, format="json")
    assert created.status_code == 201
    public_id = created.json()["id"]
    assert [row["id"] for row in client.get(f"/api/v1/orgs/{org.slug}/requests/").json()["results"]] == [public_id]
    past = client.post(f"/api/v1/orgs/{org.slug}/requests/", form_data(needed_by="2020-01-01"), format="json").json()
    assert past["error"]["fields"] == {"needed_by": ["The needed-by date cannot be in the past."]}
    wrong_type = client.post(f"/api/v1/orgs/{org.slug}/requests/", form_data(request_type="speaking"), format="json")
    assert wrong_type.status_code == 400 and "request_type" in wrong_type.json()["error"]["fields"]
    cancelled = client.post(f"/api/v1/orgs/{org.slug}/requests/{public_id}/cancel/", {"reason": "no"}, format="json")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = client.post(f"/api/v1/orgs/{org.slug}/requests/{public_id}/cancel/", {"reason": "no"}, format="json")
    assert again.status_code == 409
    history = client.get(f"/api/v1/orgs/{org.slug}/requests/{public_id}/history/").json()
    assert [step["to_status"] for step in history] == ["submitted", "cancelled"]
    other = APIClient()
    other.force_authenticate(other_manager)
    assert other.get(f"/api/v1/orgs/{other_org.slug}/requests/{public_id}/").status_code == 404
