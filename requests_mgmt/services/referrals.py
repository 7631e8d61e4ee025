"""Referrals: an advocate introduces a peer who agreed to be contacted, and a sales owner takes it
from there (submitted → accepted → opportunity → won or lost; "not taken up" as an early exit).

The portal, the staff pages and the API all go through these functions.

Duplicates and self-referrals, decided here once for every entry point:

- **Self-referral** (the peer's address is the advocate's own, or their portal account's) is
  refused on ``peer_email``.
- **An open referral for the same address** in this organisation (submitted, accepted or
  opportunity) is refused on ``peer_email``: the person is already with the sales team, and a
  second owner calling them would be worse than useless. The message never says who referred them.
- **A closed earlier referral** (won, lost or not taken up) does not block a new one: circumstances
  change. The new referral points at the latest closed one (``duplicate_of``) so sales sees what
  happened last time.
- **A peer who is already an advocate or contact at one of our customer accounts** is accepted
  too (an introduction inside a customer can be expansion business), but flagged: the staff list
  and page warn that the person is known, with their account (``known_contact``).
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from advocacy.audit import audit_log
from advocacy.errors import ConflictError, ValidationFailed
from advocacy.models import AuditEvent, Membership, Organization, User
from advocacy.roles import Capability, Role, role_can
from advocacy.tasks import enqueue_on_commit
from advocates.models import Advocate

from ..models import Referral, ReferralStatus

OPEN_REFERRAL_STATUSES = frozenset({ReferralStatus.SUBMITTED, ReferralStatus.ACCEPTED, ReferralStatus.OPPORTUNITY})
CLOSED_REFERRAL_STATUSES = frozenset({ReferralStatus.WON, ReferralStatus.LOST, ReferralStatus.DECLINED})
# Closing without the deal needs a reason for the sales team's records (the advocate never sees it).
NOTE_REQUIRED = frozenset({ReferralStatus.LOST, ReferralStatus.DECLINED})

# What the advocate sees in the portal: where their introduction stands, in their words, without
# the sales team's internal vocabulary.
PORTAL_STATUS_LABELS: dict[str, Any] = {
    ReferralStatus.SUBMITTED: gettext_lazy("Received"),
    ReferralStatus.ACCEPTED: gettext_lazy("With our sales team"),
    ReferralStatus.OPPORTUNITY: gettext_lazy("In conversation"),
    ReferralStatus.WON: gettext_lazy("Became a customer"),
    ReferralStatus.LOST: gettext_lazy("Did not go ahead"),
    ReferralStatus.DECLINED: gettext_lazy("Not taken up"),
}

REFERRAL_INPUT_FIELDS = ("peer_name", "peer_email", "peer_company", "peer_title", "context", "peer_agreed")


def normalize_email(address: str) -> str:
    return address.strip().lower()


# Who may do what --------------------------------------------------------------------------------


def can_see_all_referrals(membership: Membership) -> bool:
    """The program team and sales work the whole queue; other members see the ones they own."""
    return membership.can(Capability.REQUESTS_TRIAGE) or membership.role == Role.SALES


def can_assign_referrals(membership: Membership) -> bool:
    return can_see_all_referrals(membership)


def can_move_referral(membership: Membership, referral: Referral) -> bool:
    """The owner and the program team move a referral on; sales may also pick up an unassigned one
    (accepting it makes them the owner)."""
    if membership.can(Capability.REQUESTS_TRIAGE) or referral.owner_id == membership.user_id:
        return True
    return referral.owner_id is None and membership.role == Role.SALES


# Reads ------------------------------------------------------------------------------------------


def _known_contact(organization: Organization) -> Exists:
    return Exists(Advocate.objects.filter(organization=organization, email__iexact=OuterRef("peer_email")))


def visible_referrals(*, organization: Organization, membership: Membership) -> QuerySet[Referral]:
    referrals = (
        Referral.objects.filter(organization=organization)
        .select_related("advocate", "advocate__account", "owner", "duplicate_of")
        .annotate(known_contact=_known_contact(organization))
    )
    if not can_see_all_referrals(membership):
        referrals = referrals.filter(owner=membership.user)
    return referrals


def filtered_referrals(
    *, organization: Organization, membership: Membership, filters: dict[str, Any]
) -> QuerySet[Referral]:
    """``status``: "open" (default), "" for all, or one status; ``owner``: a user's public id or
    "unassigned"; ``mine``: only the caller's."""
    referrals = visible_referrals(organization=organization, membership=membership)
    status = filters.get("status", "open")
    if status == "open":
        referrals = referrals.filter(status__in=OPEN_REFERRAL_STATUSES)
    elif status:
        referrals = referrals.filter(status=status)
    owner = filters.get("owner") or ""
    if owner == "unassigned":
        referrals = referrals.filter(owner__isnull=True)
    elif owner:
        referrals = referrals.filter(owner__public_id=owner)
    if filters.get("mine"):
        referrals = referrals.filter(owner=membership.user)
    return referrals.order_by("-created_at", "-id")


def referral_owner_candidates(*, organization: Organization) -> QuerySet[User]:
    """Members who may own a referral: everyone whose role works with requests."""
    roles = [role for role in Role.values if role_can(role, Capability.REQUESTS)]
    return User.objects.filter(
        memberships__organization=organization, memberships__role__in=roles, is_active=True
    ).order_by("full_name", "email")


def referral_history(*, referral: Referral) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(
        organization_id=referral.organization_id, object_type="referral", object_id=str(referral.public_id)
    ).order_by("created_at", "id")


def known_contact_for(*, referral: Referral) -> Advocate | None:
    return (
        Advocate.objects.filter(organization_id=referral.organization_id, email__iexact=referral.peer_email)
        .select_related("account")
        .first()
    )


# Writes -----------------------------------------------------------------------------------------


def _lock_peer_address(organization: Organization, email: str) -> None:
    """Serialises submissions for one address in one organisation, so two advocates referring the
    same person at the same moment cannot both pass the open-duplicate check. SQLite (the zero-
    service demo) serialises writers anyway."""
    if connection.vendor != "postgresql":
        return
    digest = hashlib.blake2b(f"referral:{organization.pk}:{email}".encode(), digest_size=8).digest()
    key = int.from_bytes(digest, "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


@transaction.atomic
def referral_submit(
    *,
    organization: Organization,
    advocate: Advocate,
    actor: User,
    data: dict[str, Any],
    request: HttpRequest | None = None,
) -> Referral:
    """Records a referral and sends the advocate an acknowledgement once it is committed. ``actor``
    is the advocate's own account in the portal, or a program-team member entering it for them."""
    if advocate.organization_id != organization.pk or advocate.anonymised_at is not None:
        raise ValidationFailed({"advocate": [_("No such advocate in this organisation.")]})
    values = {field: data[field] for field in REFERRAL_INPUT_FIELDS if field in data}
    errors: dict[str, list[str]] = {}
    for field in ("peer_name", "peer_email", "peer_company", "context"):
        values[field] = str(values.get(field) or "").strip()
        if not values[field]:
            errors[field] = [_("This field is required.")]
    if values.get("peer_agreed") is not True:
        errors["peer_agreed"] = [_("Please confirm they agreed to be contacted before you refer them.")]
    if errors:
        raise ValidationFailed(errors)
    email = normalize_email(values["peer_email"])
    by_self = advocate.user_id is not None and advocate.user_id == actor.pk
    own_addresses = {normalize_email(advocate.email)}
    if advocate.user is not None:
        own_addresses.add(normalize_email(advocate.user.email))
    if email in own_addresses:
        message = (
            _("This is your own email address: a referral introduces someone else.")
            if by_self
            else _("This is the advocate's own email address: a referral introduces someone else.")
        )
        raise ValidationFailed({"peer_email": [message]})

    _lock_peer_address(organization, email)
    earlier = Referral.objects.filter(organization=organization, peer_email__iexact=email)
    if earlier.filter(status__in=OPEN_REFERRAL_STATUSES).exists():
        raise ValidationFailed(
            {"peer_email": [_("This person has already been referred and is with our sales team. Thank you!")]}
        )
    duplicate_of = earlier.filter(status__in=CLOSED_REFERRAL_STATUSES).order_by("-created_at", "-id").first()
    known_contact = Advocate.objects.filter(organization=organization, email__iexact=email).exists()

    referral = Referral.objects.create(
        organization=organization,
        advocate=advocate,
        peer_name=values["peer_name"],
        peer_email=email,
        peer_company=values["peer_company"],
        peer_title=str(values.get("peer_title") or "").strip(),
        context=values["context"],
        peer_agreed=True,
        duplicate_of=duplicate_of,
    )
    audit_log(
        organization=organization,
        actor=actor,
        verb="referral.submitted",
        target=referral,
        data={
            "advocate": str(advocate.public_id),
            "on_behalf": not by_self,
            "duplicate_of": str(duplicate_of.public_id) if duplicate_of else None,
            "known_contact": known_contact,
        },
        request=request,
    )
    from ..referral_tasks import send_referral_acknowledgement_task

    enqueue_on_commit(send_referral_acknowledgement_task, organization.pk, referral.pk)
    return referral


def _lock(referral: Referral) -> Referral:
    return (
        Referral.objects.select_for_update(of=("self",))
        .select_related("advocate", "owner")
        .get(organization_id=referral.organization_id, pk=referral.pk)
    )


@transaction.atomic
def referral_assign(
    *, referral: Referral, owner: User | None, actor: User, request: HttpRequest | None = None
) -> Referral:
    """Gives the referral a sales owner (or takes it back to the unassigned queue). The owner must be
    a member of this organisation whose role works with requests."""
    organization = referral.organization
    locked = _lock(referral)
    if locked.status not in OPEN_REFERRAL_STATUSES:
        raise ConflictError(
            _("A referral that is “%(status)s” is closed and keeps its owner.")
            % {"status": locked.get_status_display()}
        )
    if owner is not None and not referral_owner_candidates(organization=organization).filter(pk=owner.pk).exists():
        raise ValidationFailed({"owner": [_("Choose a member of this organisation who works with requests.")]})
    if locked.owner_id == (owner.pk if owner else None):
        return locked
    previous = locked.owner
    locked.owner = owner
    locked.save(update_fields=["owner", "updated_at"])
    audit_log(
        organization=organization,
        actor=actor,
        verb="referral.assigned",
        target=locked,
        data={"from": previous.email if previous else None, "to": owner.email if owner else None},
        request=request,
    )
    return locked


@transaction.atomic
def referral_transition(
    *,
    referral: Referral,
    to_status: str,
    actor: User,
    note: str = "",
    crm_opportunity_id: str = "",
    opportunity_value: Decimal | None = None,
    request: HttpRequest | None = None,
) -> Referral:
    """Moves a referral along its workflow. A move the workflow does not allow is refused with the
    reason (409). An opportunity needs its CRM opportunity ID and a won referral its value, so the
    program's influenced pipeline and revenue can be measured; both may have been given earlier.
    Losing or not taking it up needs a note. Accepting an unassigned referral makes the person who
    accepts it its owner. The advocate hears about a win."""
    organization = referral.organization
    locked = _lock(referral)
    if to_status not in ReferralStatus.values:
        raise ValidationFailed({"status": [_("Unknown status.")]})
    if not locked.can_transition_to(to_status):
        raise ConflictError(
            _("A referral that is “%(current)s” cannot become “%(target)s”.")
            % {"current": locked.get_status_display(), "target": ReferralStatus(to_status).label}
        )
    note = note.strip()
    crm_opportunity_id = crm_opportunity_id.strip() or locked.crm_opportunity_id
    value = opportunity_value if opportunity_value is not None else locked.opportunity_value
    errors: dict[str, list[str]] = {}
    if to_status in NOTE_REQUIRED and not note:
        errors["note"] = [_("Say why, for the sales team's records.")]
    if to_status == ReferralStatus.OPPORTUNITY and not crm_opportunity_id:
        errors["crm_opportunity_id"] = [_("Give the CRM opportunity ID so its pipeline can be measured.")]
    if value is not None and value < 0:
        errors["opportunity_value"] = [_("The value cannot be negative.")]
    elif to_status == ReferralStatus.WON and value is None:
        errors["opportunity_value"] = [_("Give the value of the deal that was won.")]
    if errors:
        raise ValidationFailed(errors)

    previous = locked.status
    fields = ["status", "status_note", "crm_opportunity_id", "opportunity_value", "updated_at"]
    locked.status = to_status
    locked.status_note = note
    locked.crm_opportunity_id = crm_opportunity_id
    locked.opportunity_value = value
    if to_status == ReferralStatus.ACCEPTED and locked.owner_id is None:
        locked.owner = actor
        fields.append("owner")
    locked.save(update_fields=fields)
    audit_log(
        organization=organization,
        actor=actor,
        verb="referral.status_changed",
        target=locked,
        data={
            "from": previous,
            "to": to_status,
            "note": note,
            "crm_opportunity_id": crm_opportunity_id,
            "opportunity_value": str(value) if value is not None else None,
            "owner": locked.owner.email if locked.owner else None,
        },
        request=request,
    )
    if to_status == ReferralStatus.WON:
        from ..referral_tasks import send_referral_won_task

        enqueue_on_commit(send_referral_won_task, organization.pk, locked.pk)
    return locked
