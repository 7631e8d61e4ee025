"""The REST API: organisation tokens, tenant isolation, roles, the error shape, pagination."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from advocacy.models import ApiToken, AuditEvent
from advocacy.roles import Role
from advocacy.services.members import api_token_create, api_token_revoke
from tests.factories import AdvocateFactory, CustomerAccountFactory

pytestmark = pytest.mark.django_db


def token_client(organization: Any, user: Any) -> APIClient:
    _token, key = api_token_create(organization=organization, user=user, name="test", created_by=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_token_reads_its_organisation(org: Any, members: Any) -> None:
    advocate = AdvocateFactory(organization=org)
    response = token_client(org, members[Role.PROGRAM_MANAGER]).get(f"/api/v1/orgs/{org.slug}/advocates/")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [str(advocate.public_id)]


def test_token_of_one_organisation_is_404_in_another(
    org: Any, other_org: Any, members: Any, other_manager: Any
) -> None:
    AdvocateFactory(organization=other_org)
    client = token_client(org, members[Role.PROGRAM_MANAGER])
    response = client.get(f"/api/v1/orgs/{other_org.slug}/advocates/")
    assert response.status_code == 404
    assert response.json() == {"error": {"status": 404, "code": "not_found", "message": "Not found.", "fields": {}}}


def test_other_tenants_object_is_404_like_a_missing_one(org: Any, other_org: Any, members: Any) -> None:
    foreign = AdvocateFactory(organization=other_org)
    client = token_client(org, members[Role.PROGRAM_MANAGER])
    assert client.get(f"/api/v1/orgs/{org.slug}/advocates/{foreign.public_id}/").status_code == 404


def test_outsider_session_and_anonymous(org: Any, outsider: Any) -> None:
    client = APIClient()
    assert client.get(f"/api/v1/orgs/{org.slug}/advocates/").status_code == 401
    assert client.get("/api/v1/orgs/no-such-org/advocates/").status_code == 401
    client.force_authenticate(outsider)
    assert client.get(f"/api/v1/orgs/{org.slug}/advocates/").status_code == 404


def test_wrong_role_is_403_with_the_reason(org: Any, members: Any) -> None:
    response = token_client(org, members[Role.SALES]).get(f"/api/v1/orgs/{org.slug}/advocates/")
    assert response.status_code == 403
    assert "Sales" in response.json()["error"]["message"]


def test_revoked_token_is_refused(org: Any, members: Any) -> None:
    manager = members[Role.PROGRAM_MANAGER]
    token, key = api_token_create(organization=org, user=manager, name="ci", created_by=manager)
    api_token_revoke(token=token, actor=manager)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get(f"/api/v1/orgs/{org.slug}/advocates/")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "This API token has been revoked."


def test_tampered_token_is_refused(org: Any, members: Any) -> None:
    manager = members[Role.PROGRAM_MANAGER]
    _token, key = api_token_create(organization=org, user=manager, name="ci", created_by=manager)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key[:-2]}xx")
    assert client.get(f"/api/v1/orgs/{org.slug}/advocates/").status_code == 401


def test_only_a_hash_of_the_key_is_stored(org: Any, members: Any) -> None:
    manager = members[Role.PROGRAM_MANAGER]
    token, key = api_token_create(organization=org, user=manager, name="ci", created_by=manager)
    stored = ApiToken.objects.get(pk=token.pk)
    assert key not in (stored.key_hash, stored.key_prefix) and stored.key_hash == ApiToken.hash_key(key)
    assert AuditEvent.objects.filter(organization=org, verb="api_token.created").exists()


def test_create_api_token_command_prints_a_working_key(org: Any, members: Any, capsys: Any) -> None:
    call_command("create_api_token", "--org", org.slug, "--email", members[Role.ADMIN].email)
    key = capsys.readouterr().out.strip()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(f"/api/v1/orgs/{org.slug}/me/").json()["membership"]["role"] == Role.ADMIN


def test_validation_errors_name_the_fields(org: Any, members: Any) -> None:
    account = CustomerAccountFactory(organization=org)
    client = token_client(org, members[Role.PROGRAM_MANAGER])
    response = client.post(
        f"/api/v1/orgs/{org.slug}/advocates/",
        {"account": str(account.public_id), "full_name": "", "email": "not-an-email", "nps_score": 11},
        format="json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"full_name", "email", "nps_score"}


def test_a_foreign_key_into_another_organisation_is_rejected(org: Any, other_org: Any, members: Any) -> None:
    foreign_account = CustomerAccountFactory(organization=other_org)
    client = token_client(org, members[Role.PROGRAM_MANAGER])
    response = client.post(
        f"/api/v1/orgs/{org.slug}/advocates/",
        {"account": str(foreign_account.public_id), "full_name": "Eve", "email": "eve@example.test"},
        format="json",
    )
    assert response.status_code == 400
    assert "account" in response.json()["error"]["fields"]


def test_create_and_update_are_audited_and_duplicates_refused(org: Any, members: Any) -> None:
    account = CustomerAccountFactory(organization=org)
    client = token_client(org, members[Role.PROGRAM_MANAGER])
    payload = {"account": str(account.public_id), "full_name": "Rita Lopes", "email": "Rita@Example.test"}
    created = client.post(f"/api/v1/orgs/{org.slug}/advocates/", payload, format="json")
    assert created.status_code == 201 and created.json()["email"] == "rita@example.test"
    assert (created.json()["status"], created.json()["tier"]) == ("candidate", "community")
    duplicate = client.post(f"/api/v1/orgs/{org.slug}/advocates/", payload, format="json")
    assert duplicate.status_code == 400 and "email" in duplicate.json()["error"]["fields"]
    url = f"/api/v1/orgs/{org.slug}/advocates/{created.json()['id']}/"
    updated = client.patch(url, {"title": "Head of Data"}, format="json")
    assert updated.status_code == 200 and updated.json()["title"] == "Head of Data"
    event = AuditEvent.objects.get(organization=org, verb="advocate.updated")
    assert event.actor == members[Role.PROGRAM_MANAGER]
    assert event.data == {"title": {"from": "", "to": "Head of Data"}}


def test_tier_is_not_patchable(org: Any, members: Any) -> None:
    advocate = AdvocateFactory(organization=org, tier="gold")
    client = token_client(org, members[Role.PROGRAM_MANAGER])
    url = f"/api/v1/orgs/{org.slug}/advocates/{advocate.public_id}/"
    response = client.patch(url, {"tier": "platinum"}, format="json")
    assert response.status_code == 400
    assert "tier/" in response.json()["error"]["fields"]["tier"][0]
    advocate.refresh_from_db()
    assert advocate.tier == "gold"
    changed = client.post(f"{url}tier/", {"tier": "platinum", "reason": "Keynote speaker."}, format="json")
    assert changed.status_code == 200 and changed.json()["tier"] == "platinum"
    event = AuditEvent.objects.get(organization=org, verb="advocate.tier_changed")
    assert event.data["reason"] == "Keynote speaker." and event.actor == members[Role.PROGRAM_MANAGER]


def test_marketing_may_read_but_not_write_advocates(org: Any, members: Any) -> None:
    account = CustomerAccountFactory(organization=org)
    client = token_client(org, members[Role.MARKETING])
    assert client.get(f"/api/v1/orgs/{org.slug}/advocates/").status_code == 200
    response = client.post(
        f"/api/v1/orgs/{org.slug}/advocates/",
        {"account": str(account.public_id), "full_name": "X", "email": "x@example.test"},
        format="json",
    )
    assert response.status_code == 403


def test_conflicts_answer_409(org: Any, members: Any) -> None:
    admin = members[Role.ADMIN]
    client = token_client(org, admin)
    member_id = client.get(f"/api/v1/orgs/{org.slug}/me/").json()["membership"]["id"]
    response = client.post(f"/api/v1/orgs/{org.slug}/members/{member_id}/role/", {"role": "sales"}, format="json")
    assert response.status_code == 409
    assert "last administrator" in response.json()["error"]["message"]


@pytest.mark.parametrize("size", [1, 50])
def test_advocate_list_uses_a_constant_number_of_queries(
    size: int, org: Any, members: Any, django_assert_max_num_queries: Any
) -> None:
    AdvocateFactory.create_batch(size, organization=org, account=CustomerAccountFactory(organization=org))
    client = token_client(org, members[Role.PROGRAM_MANAGER])
    with django_assert_max_num_queries(8):
        response = client.get(f"/api/v1/orgs/{org.slug}/advocates/?page_size=100")
    assert response.json()["count"] == size


def test_pagination_links(org: Any, members: Any) -> None:
    AdvocateFactory.create_batch(3, organization=org, account=CustomerAccountFactory(organization=org))
    body = (
        token_client(org, members[Role.PROGRAM_MANAGER]).get(f"/api/v1/orgs/{org.slug}/advocates/?page_size=2").json()
    )
    assert body["count"] == 3 and len(body["results"]) == 2 and "page=2" in body["next"]


def test_schema_and_docs_are_public_and_self_hosted(client: Any) -> None:
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/orgs/{org_slug}/advocates/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()
