"""Members and roles, organisation settings and API tokens: the admin's settings workflows."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from ..audit import audit_log
from ..errors import ConflictError
from ..models import ApiToken, Membership, Organization, User
from ..roles import Role


def _other_admins_exist(membership: Membership) -> bool:
    return (
        Membership.objects.filter(organization=membership.organization, role=Role.ADMIN)
        .exclude(pk=membership.pk)
        .exists()
    )


@transaction.atomic
def membership_change_role(
    *, membership: Membership, role: str, actor: User, reason: str = "", request: HttpRequest | None = None
) -> Membership:
    membership = Membership.objects.select_for_update().get(pk=membership.pk, organization=membership.organization)
    if membership.role == role:
        return membership
    if membership.role == Role.ADMIN and not _other_admins_exist(membership):
        raise ConflictError(_("The organisation's last administrator cannot lose the administrator role."))
    previous = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit_log(
        organization=membership.organization,
        actor=actor,
        verb="membership.role_changed",
        target=membership,
        data={"email": membership.user.email, "from": previous, "to": role, "reason": reason},
        request=request,
    )
    return membership


@transaction.atomic
def membership_remove(
    *, membership: Membership, actor: User, reason: str = "", request: HttpRequest | None = None
) -> None:
    membership = Membership.objects.select_for_update().get(pk=membership.pk, organization=membership.organization)
    if membership.role == Role.ADMIN and not _other_admins_exist(membership):
        raise ConflictError(_("The organisation's last administrator cannot be removed."))
    organization = membership.organization
    data = {"email": membership.user.email, "role": membership.role, "reason": reason}
    ApiToken.objects.filter(organization=organization, user=membership.user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    audit_log(
        organization=organization,
        actor=actor,
        verb="membership.removed",
        target=membership,
        data=data,
        request=request,
    )
    membership.delete()


ORGANIZATION_SETTINGS_FIELDS = ("name", "time_zone", "default_language", "require_mfa_for_managers")


@transaction.atomic
def organization_update(
    *, organization: Organization, actor: User, changes: dict[str, Any], request: HttpRequest | None = None
) -> Organization:
    changed = {
        field: {"from": getattr(organization, field), "to": value}
        for field, value in changes.items()
        if field in ORGANIZATION_SETTINGS_FIELDS and getattr(organization, field) != value
    }
    if not changed:
        return organization
    for field, change in changed.items():
        setattr(organization, field, change["to"])
    organization.save(update_fields=list(changed))
    audit_log(
        organization=organization,
        actor=actor,
        verb="organization.updated",
        target=organization,
        data=changed,
        request=request,
    )
    return organization


@transaction.atomic
def api_token_create(
    *,
    organization: Organization,
    user: User,
    name: str,
    created_by: User | None,
    request: HttpRequest | None = None,
) -> tuple[ApiToken, str]:
    """Creates a token acting as ``user`` in ``organization``. Returns the token and its key, which
    is shown once and never stored."""
    if not Membership.objects.filter(organization=organization, user=user).exists():
        raise ConflictError(_("API tokens can only act as a member of the organisation."))
    key, prefix, key_hash = ApiToken.generate_key()
    token = ApiToken.objects.create(
        organization=organization,
        user=user,
        name=name,
        key_prefix=prefix,
        key_hash=key_hash,
        created_by=created_by,
    )
    audit_log(
        organization=organization,
        actor=created_by,
        verb="api_token.created",
        target=token,
        data={"name": name, "acts_as": user.email, "prefix": prefix},
        request=request,
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User, request: HttpRequest | None = None) -> None:
    updated = ApiToken.objects.filter(pk=token.pk, organization=token.organization, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if not updated:
        raise ConflictError(_("This token was already revoked."))
    audit_log(
        organization=token.organization,
        actor=actor,
        verb="api_token.revoked",
        target=token,
        data={"name": token.name, "prefix": token.key_prefix},
        request=request,
    )
