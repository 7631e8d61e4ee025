"""Organisation settings: members and roles, organisation settings, API tokens, the audit log, MFA."""

from __future__ import annotations

from typing import Any

import pytest

from advocacy.models import ApiToken, AuditEvent, Membership
from advocacy.roles import Role
from advocacy.services.members import api_token_create

pytestmark = pytest.mark.django_db


def membership_of(org: Any, user: Any) -> Membership:
    return Membership.objects.get(organization=org, user=user)


def test_admin_changes_a_role_with_a_reason_and_it_is_audited(org: Any, members: Any, client_for: Any) -> None:
    target = membership_of(org, members[Role.SALES])
    response = client_for(members[Role.ADMIN]).post(
        f"/o/{org.slug}/settings/members/{target.public_id}/",
        {"role": Role.MARKETING, "reason": "moved team"},
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.role == Role.MARKETING
    event = AuditEvent.objects.get(organization=org, verb="membership.role_changed")
    assert event.actor == members[Role.ADMIN]
    assert event.data["from"] == Role.SALES and event.data["to"] == Role.MARKETING
    assert event.data["reason"] == "moved team"


def test_the_last_admin_keeps_the_role(org: Any, members: Any, client_for: Any) -> None:
    own = membership_of(org, members[Role.ADMIN])
    response = client_for(members[Role.ADMIN]).post(
        f"/o/{org.slug}/settings/members/{own.public_id}/", {"role": Role.SALES}
    )
    assert response.status_code == 409
    assert "last administrator" in response.content.decode()
    own.refresh_from_db()
    assert own.role == Role.ADMIN


def test_removing_a_member_needs_a_reason_and_revokes_their_tokens(org: Any, members: Any, client_for: Any) -> None:
    leaver = members[Role.CSM]
    token, _key = api_token_create(organization=org, user=leaver, name="sync", created_by=members[Role.ADMIN])
    target = membership_of(org, leaver)
    client = client_for(members[Role.ADMIN])
    no_reason = client.post(f"/o/{org.slug}/settings/members/{target.public_id}/remove/", {"reason": ""})
    assert no_reason.status_code == 400 and Membership.objects.filter(pk=target.pk).exists()
    response = client.post(f"/o/{org.slug}/settings/members/{target.public_id}/remove/", {"reason": "left"})
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=target.pk).exists()
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert client_for(leaver).get(f"/o/{org.slug}/advocates/").status_code == 404


def test_organisation_settings_are_saved_and_audited(org: Any, members: Any, client_for: Any) -> None:
    client = client_for(members[Role.ADMIN])
    response = client.post(
        f"/o/{org.slug}/settings/",
        {
            "name": "Alpha Inc",
            "time_zone": "Asia/Tokyo",
            "default_language": "ja",
            "require_mfa_for_managers": "on",
        },
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.name, org.time_zone, org.default_language, org.require_mfa_for_managers) == (
        "Alpha Inc",
        "Asia/Tokyo",
        "ja",
        True,
    )
    event = AuditEvent.objects.get(organization=org, verb="organization.updated")
    assert event.data["time_zone"] == {"from": "UTC", "to": "Asia/Tokyo"}


def test_invalid_organisation_settings_re_render_with_errors(org: Any, members: Any, client_for: Any) -> None:
    response = client_for(members[Role.ADMIN]).post(
        f"/o/{org.slug}/settings/", {"name": "", "time_zone": "Mars/Base", "default_language": "en"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "This field is required" in body and "Select a valid choice" in body
    org.refresh_from_db()
    assert org.name == "Alpha Analytics"


def test_api_token_is_shown_once(org: Any, members: Any, client_for: Any) -> None:
    client = client_for(members[Role.ADMIN])
    response = client.post(
        f"/o/{org.slug}/settings/api-tokens/",
        {"name": "CRM sync", "acts_as": members[Role.PROGRAM_MANAGER].pk},
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(organization=org)
    assert f"adv_{token.key_prefix}_" in response.content.decode()
    listing = client.get(f"/o/{org.slug}/settings/api-tokens/").content.decode()
    assert f"adv_{token.key_prefix}_…" in listing and token.key_hash not in listing


def test_api_token_cannot_act_as_someone_outside_the_organisation(
    org: Any, members: Any, other_manager: Any, client_for: Any
) -> None:
    response = client_for(members[Role.ADMIN]).post(
        f"/o/{org.slug}/settings/api-tokens/", {"name": "x", "acts_as": other_manager.pk}
    )
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_audit_log_filters_by_event_and_dates(org: Any, members: Any, client_for: Any) -> None:
    client = client_for(members[Role.ADMIN])
    client.post(f"/o/{org.slug}/settings/invitations/", {"email": "a@example.test", "role": Role.SALES})
    target = membership_of(org, members[Role.SALES])
    client.post(f"/o/{org.slug}/settings/members/{target.public_id}/", {"role": Role.CSM})
    page = client.get(
        f"/o/{org.slug}/settings/audit/?verb=membership.role_changed", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Role changed" in page and "a@example.test" not in page
    reversed_dates = client.get(f"/o/{org.slug}/settings/audit/?since=2026-02-01&until=2026-01-01")
    assert "The end date is before the start date." in reversed_dates.content.decode()
    partial = client.get(f"/o/{org.slug}/settings/audit/?verb=invitation.created", HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode() and "Invitation sent" in partial.content.decode()


def test_audit_log_shows_only_this_organisations_events(
    org: Any, other_org: Any, members: Any, other_manager: Any, client_for: Any
) -> None:
    AuditEvent.objects.create(organization=other_org, verb="invitation.created", object_label="secret-beta")
    page = client_for(members[Role.ADMIN]).get(f"/o/{org.slug}/settings/audit/").content.decode()
    assert "secret-beta" not in page


def test_required_mfa_sends_managers_to_set_it_up(org: Any, members: Any, client_for: Any) -> None:
    org.require_mfa_for_managers = True
    org.save()
    manager = client_for(members[Role.PROGRAM_MANAGER])
    response = manager.get(f"/o/{org.slug}/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/totp/activate/")
    # Account pages stay reachable so the manager can comply (allauth asks to confirm the password).
    setup = manager.get("/accounts/2fa/totp/activate/", follow=True)
    assert setup.status_code == 200 and setup.redirect_chain[-1][0].startswith("/accounts/reauthenticate/")
    # Roles outside the policy are not affected.
    assert client_for(members[Role.SALES]).get(f"/o/{org.slug}/requests/").status_code == 200


def test_managers_with_totp_pass_the_mfa_policy(org: Any, members: Any, client_for: Any) -> None:
    from allauth.mfa.models import Authenticator

    org.require_mfa_for_managers = True
    org.save()
    Authenticator.objects.create(user=members[Role.PROGRAM_MANAGER], type=Authenticator.Type.TOTP, data={})
    assert client_for(members[Role.PROGRAM_MANAGER]).get(f"/o/{org.slug}/").status_code == 200
