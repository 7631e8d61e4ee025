"""Inviting people: one-use, expiring links; accepting creates or links the account."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from advocacy.models import AuditEvent, Invitation, Membership, User
from advocacy.roles import Role
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def invite(client: Any, org: Any, email: str, role: str = Role.SALES, message: str = "") -> Any:
    return client.post(
        f"/o/{org.slug}/settings/invitations/",
        {"email": email, "role": role, "message": message},
    )


def accept_link(message: Any) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/invitations/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_admin_invites_and_the_email_carries_a_one_use_link(
    org: Any, members: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(client_for(members[Role.ADMIN]), org, "New.Person@Example.test", message="Welcome!")
    assert response.status_code == 302
    invitation = Invitation.objects.get(organization=org)
    assert invitation.email == "new.person@example.test" and invitation.sent_at is not None
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["new.person@example.test"]
    assert org.name in sent.subject and "Welcome!" in sent.body
    assert accept_link(sent) == f"/accounts/invitations/{invitation.token}/"
    assert sent.alternatives and "Accept the invitation" in sent.alternatives[0][0]
    assert AuditEvent.objects.filter(organization=org, verb="invitation.created", actor=members[Role.ADMIN]).exists()


def test_new_person_accepts_creates_account_and_lands_on_their_face(
    org: Any, members: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        invite(client_for(members[Role.ADMIN]), org, "rep@example.test")
    link = accept_link(mail.outbox[0])
    visitor = client_for(None)
    assert visitor.get(link).status_code == 200
    mismatch = visitor.post(link, {"full_name": "Rep", "password1": "a-long-password-1", "password2": "different"})
    assert mismatch.status_code == 400 and not User.objects.filter(email="rep@example.test").exists()
    response = visitor.post(link, {"full_name": "Rep Person", "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302 and response["Location"] == f"/o/{org.slug}/requests/"
    user = User.objects.get(email="rep@example.test")
    assert Membership.objects.get(organization=org, user=user).role == Role.SALES
    assert visitor.get(f"/o/{org.slug}/requests/").status_code == 200  # signed in
    assert AuditEvent.objects.filter(organization=org, verb="invitation.accepted", actor=user).exists()
    # The link is used up: a clear page, nothing changed.
    again = client_for(None).get(link)
    assert again.status_code == 410 and "already been accepted" in again.content.decode()


def test_existing_account_must_sign_in_with_the_invited_address(
    org: Any, other_manager: Any, members: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        invite(client_for(members[Role.ADMIN]), org, other_manager.email, role=Role.MARKETING)
    link = accept_link(mail.outbox[0])
    anonymous = client_for(None).post(link)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    wrong_person = client_for(members[Role.SALES]).post(link)
    assert wrong_person.status_code == 409
    assert not Membership.objects.filter(organization=org, user=other_manager).exists()
    response = client_for(other_manager).post(link)
    assert response.status_code == 302
    assert Membership.objects.get(organization=org, user=other_manager).role == Role.MARKETING
    # Still a member of their own organisation too.
    assert Membership.objects.filter(user=other_manager).count() == 2


def test_expired_and_revoked_invitations_change_nothing(org: Any, members: Any, client_for: Any) -> None:
    admin_client = client_for(members[Role.ADMIN])
    invite(admin_client, org, "late@example.test")
    invitation = Invitation.objects.get(organization=org, email="late@example.test")
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    link = f"/accounts/invitations/{invitation.token}/"
    expired = client_for(None).post(link, {"full_name": "Late", "password1": PASSWORD, "password2": PASSWORD})
    assert expired.status_code == 410 and "expired" in expired.content.decode()
    assert not User.objects.filter(email="late@example.test").exists()

    invite(admin_client, org, "gone@example.test")
    revoked = Invitation.objects.get(organization=org, email="gone@example.test")
    admin_client.post(f"/o/{org.slug}/settings/invitations/{revoked.public_id}/revoke/")
    response = client_for(None).get(f"/accounts/invitations/{revoked.token}/")
    assert response.status_code == 410 and "withdrawn" in response.content.decode()
    assert client_for(None).get("/accounts/invitations/not-a-token/").status_code == 410


def test_duplicate_and_member_invitations_are_field_errors(org: Any, members: Any, client_for: Any) -> None:
    client = client_for(members[Role.ADMIN])
    invite(client, org, "twice@example.test")
    again = invite(client, org, "Twice@example.test")
    assert again.status_code == 400 and "already pending" in again.content.decode()
    member = invite(client, org, members[Role.SALES].email)
    assert member.status_code == 400 and "already a member" in member.content.decode()
    bad = invite(client, org, "not-an-email")
    assert bad.status_code == 400 and 'value="not-an-email"' in bad.content.decode()


def test_resend_issues_a_new_link_and_kills_the_old_one(
    org: Any, members: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(members[Role.ADMIN])
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, org, "again@example.test")
    invitation = Invitation.objects.get(organization=org)
    old_token = invitation.token
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/o/{org.slug}/settings/invitations/{invitation.public_id}/resend/")
    invitation.refresh_from_db()
    assert invitation.token != old_token and len(mail.outbox) == 2
    assert client_for(None).get(f"/accounts/invitations/{old_token}/").status_code == 410


def test_another_organisations_invitation_cannot_be_revoked(
    org: Any, other_org: Any, other_manager: Any, members: Any, client_for: Any
) -> None:
    invite(client_for(members[Role.ADMIN]), org, "keep@example.test")
    invitation = Invitation.objects.get(organization=org)
    outsider_admin = UserFactory()
    Membership.objects.create(organization=other_org, user=outsider_admin, role=Role.ADMIN)
    response = client_for(outsider_admin).post(
        f"/o/{other_org.slug}/settings/invitations/{invitation.public_id}/revoke/"
    )
    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING


def test_sending_is_idempotent_and_a_failure_releases_the_claim(org: Any, members: Any, monkeypatch: Any) -> None:
    from advocacy import tasks
    from advocacy.services import invitations as invitation_services

    invitation = Invitation.objects.create(
        organization=org, email="once@example.test", role=Role.SALES, token=Invitation.new_token()
    )
    assert tasks.send_invitation_email_task.delay(org.pk, invitation.pk).get() is True
    assert tasks.send_invitation_email_task.delay(org.pk, invitation.pk).get() is False
    assert len(mail.outbox) == 1

    broken = Invitation.objects.create(
        organization=org, email="broken@example.test", role=Role.SALES, token=Invitation.new_token()
    )

    def explode(**kwargs: Any) -> None:
        raise ValueError("template error")

    monkeypatch.setattr(invitation_services, "invitation_send_email", explode)
    with pytest.raises(ValueError, match="template error"):
        tasks.send_invitation_email_task.delay(org.pk, broken.pk)
    broken.refresh_from_db()
    assert broken.sent_at is None  # not marked as sent: the next attempt will send it
