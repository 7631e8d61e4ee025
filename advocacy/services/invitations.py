"""Inviting people into an organisation and accepting invitations."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ..audit import audit_log
from ..errors import ConflictError, ValidationFailed
from ..messaging import Purpose, send_message
from ..models import Invitation, Membership, Organization, User
from ..roles import Role
from ..tasks import enqueue_on_commit, send_invitation_email_task


def invitation_url(invitation: Invitation) -> str:
    return settings.SITE_URL + reverse("invitation-accept", kwargs={"token": invitation.token})


@transaction.atomic
def invitation_create(
    *,
    organization: Organization,
    invited_by: User | None,
    email: str,
    role: str,
    message: str = "",
    request: HttpRequest | None = None,
) -> Invitation:
    email = email.strip().lower()
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ValidationFailed({"email": [_("This person is already a member of the organisation.")]})
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                organization=organization,
                email=email,
                role=role,
                message=message,
                token=Invitation.new_token(),
                invited_by=invited_by,
            )
    except IntegrityError:
        raise ValidationFailed(
            {"email": [_("An invitation to this address is already pending. Resend or revoke it.")]}
        ) from None
    audit_log(
        organization=organization,
        actor=invited_by,
        verb="invitation.created",
        target=invitation,
        data={"email": email, "role": role},
        request=request,
    )
    enqueue_on_commit(send_invitation_email_task, organization.pk, invitation.pk)
    return invitation


def invitation_send_email(*, invitation: Invitation) -> None:
    """Sends the invitation's email. An invitation to the advocate role made for someone invited to
    the program is the program invitation itself: the advocates app writes that one."""
    if invitation.role == Role.ADVOCATE:
        from advocates.enrollment import send_program_invitation_for_account_invitation

        if send_program_invitation_for_account_invitation(invitation=invitation, url=invitation_url(invitation)):
            return
    organization = invitation.organization
    inviter = invitation.invited_by
    send_message(
        organization=organization,
        to_email=invitation.email,
        template="invitation",
        purpose=Purpose.INVITATION,
        user=User.objects.filter(email__iexact=invitation.email).first(),
        related=invitation,
        context={
            "inviter": inviter.display_name if inviter else organization.name,
            "role": Role(invitation.role).label,
            "message": invitation.message,
            "url": invitation_url(invitation),
            "expires_at": invitation.expires_at,
        },
    )


@transaction.atomic
def invitation_resend(*, invitation: Invitation, actor: User, request: HttpRequest | None = None) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk, organization=invitation.organization)
    if invitation.status != Invitation.Status.PENDING:
        raise ConflictError(_("Only a pending invitation can be sent again."))
    invitation.token = Invitation.new_token()
    invitation.expires_at = timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS)
    invitation.sent_at = None
    invitation.save(update_fields=["token", "expires_at", "sent_at"])
    audit_log(
        organization=invitation.organization,
        actor=actor,
        verb="invitation.resent",
        target=invitation,
        data={"email": invitation.email},
        request=request,
    )
    enqueue_on_commit(send_invitation_email_task, invitation.organization_id, invitation.pk)
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: User, request: HttpRequest | None = None) -> None:
    updated = Invitation.objects.filter(
        pk=invitation.pk, organization=invitation.organization, status=Invitation.Status.PENDING
    ).update(status=Invitation.Status.REVOKED)
    if not updated:
        raise ConflictError(_("This invitation is no longer pending."))
    audit_log(
        organization=invitation.organization,
        actor=actor,
        verb="invitation.revoked",
        target=invitation,
        data={"email": invitation.email},
        request=request,
    )


@transaction.atomic
def invitation_accept(
    *,
    invitation: Invitation,
    user: User | None,
    full_name: str = "",
    password: str = "",
    request: HttpRequest | None = None,
) -> tuple[User, Membership]:
    """Accepts a usable invitation: links the signed-in account, or creates one for the invited
    address. The invitation is claimed under a row lock, so it can be used exactly once."""
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk, organization=invitation.organization)
    if locked.status != Invitation.Status.PENDING:
        raise ConflictError(_("This invitation has already been used or was revoked."))
    if locked.is_expired:
        raise ConflictError(_("This invitation has expired. Ask an administrator to send a new one."))
    if user is None:
        if User.objects.filter(email__iexact=locked.email).exists():
            raise ConflictError(_("An account with this email already exists. Sign in to accept."))
        user = User.objects.create_user(email=locked.email, password=password, full_name=full_name)
        _mark_email_verified(user)
    elif user.email.lower() != locked.email.lower():
        raise ConflictError(
            _("This invitation was sent to %(email)s. Sign in with that address to accept it.")
            % {"email": locked.email}
        )
    membership, created = Membership.objects.get_or_create(
        organization=locked.organization, user=user, defaults={"role": locked.role}
    )
    locked.status = Invitation.Status.ACCEPTED
    locked.accepted_by = user
    locked.accepted_at = timezone.now()
    locked.save(update_fields=["status", "accepted_by", "accepted_at"])
    data: dict[str, Any] = {"email": user.email, "role": membership.role, "new_membership": created}
    audit_log(
        organization=locked.organization,
        actor=user,
        verb="invitation.accepted",
        target=locked,
        data=data,
        request=request,
    )
    return user, membership


def _mark_email_verified(user: User) -> None:
    from allauth.account.models import EmailAddress

    EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
