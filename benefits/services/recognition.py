"""Recognition: spotlight and award nominations.

Anyone on the program side who knows the advocate's work (the program team, CSMs, executives) may
nominate an active advocate, saying why; the program team accepts or declines. Only an accepted
nomination is ever shown to the advocate (in the portal and by email): a declined one stays an
internal record, so nobody learns they were passed over.

The pages and the API both go through these functions.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from advocacy.audit import audit_log
from advocacy.errors import ConflictError, ValidationFailed
from advocacy.models import AuditEvent, Organization, User
from advocacy.tasks import enqueue_on_commit
from advocates.models import Advocate

from ..models import Nomination

DECISIONS = frozenset({Nomination.Status.ACCEPTED, Nomination.Status.DECLINED})


# Reads ------------------------------------------------------------------------------------------


def nominations_for(*, organization: Organization, filters: dict[str, Any] | None = None) -> QuerySet[Nomination]:
    """``status`` and ``kind``: one value each, all when empty; ``advocate``: an advocate's public id."""
    filters = filters or {}
    nominations = Nomination.objects.filter(organization=organization).select_related(
        "advocate", "advocate__account", "nominated_by", "decided_by"
    )
    if filters.get("status"):
        nominations = nominations.filter(status=filters["status"])
    if filters.get("kind"):
        nominations = nominations.filter(kind=filters["kind"])
    if filters.get("advocate"):
        nominations = nominations.filter(advocate__public_id=filters["advocate"])
    return nominations.order_by("-created_at", "-id")


def advocate_recognitions(*, advocate: Advocate, include_pending: bool = False) -> QuerySet[Nomination]:
    """What the advocate has been recognised for, newest first; the staff profile also lists
    nominations still waiting for a decision."""
    statuses = [Nomination.Status.ACCEPTED]
    if include_pending:
        statuses.append(Nomination.Status.NOMINATED)
    return (
        Nomination.objects.filter(organization_id=advocate.organization_id, advocate=advocate, status__in=statuses)
        .select_related("nominated_by")
        .order_by("-decided_at", "-created_at", "-id")
    )


def nomination_history(*, nomination: Nomination) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(
        organization_id=nomination.organization_id, object_type="nomination", object_id=str(nomination.public_id)
    ).order_by("created_at", "id")


def nominable_advocates(*, organization: Organization) -> QuerySet[Advocate]:
    return Advocate.objects.filter(
        organization=organization, status=Advocate.Status.ACTIVE, anonymised_at__isnull=True
    ).select_related("account")


# Writes -----------------------------------------------------------------------------------------


@transaction.atomic
def nomination_create(
    *,
    organization: Organization,
    advocate: Advocate,
    actor: User,
    kind: str,
    title: str,
    reason: str,
    request: HttpRequest | None = None,
) -> Nomination:
    """Nominates an active advocate of the organisation. The same advocate cannot wait on two open
    nominations with the same kind and title (the advocate's row is locked while checking)."""
    if advocate.organization_id != organization.pk:
        raise ValidationFailed({"advocate": [_("No such advocate in this organisation.")]})
    locked = Advocate.objects.select_for_update().get(organization=organization, pk=advocate.pk)
    errors: dict[str, list[str]] = {}
    if locked.anonymised_at is not None:
        errors["advocate"] = [_("This person's data was erased: they cannot be nominated.")]
    elif locked.status != Advocate.Status.ACTIVE:
        errors["advocate"] = [
            _("Only active advocates can be nominated; this one is “%(status)s”.")
            % {"status": locked.get_status_display()}
        ]
    if kind not in Nomination.Kind.values:
        errors["kind"] = [_("Choose spotlight or award.")]
    title = title.strip()
    reason = reason.strip()
    if not title:
        errors["title"] = [_("This field is required.")]
    if not reason:
        errors["reason"] = [_("Say why they deserve it: the program team decides on this.")]
    if not errors and (
        Nomination.objects.filter(
            organization=organization,
            advocate=locked,
            kind=kind,
            title__iexact=title,
            status=Nomination.Status.NOMINATED,
        ).exists()
    ):
        errors["title"] = [_("This advocate is already nominated for this; the program team will decide.")]
    if errors:
        raise ValidationFailed(errors)
    nomination = Nomination.objects.create(
        organization=organization, advocate=locked, kind=kind, title=title, reason=reason, nominated_by=actor
    )
    audit_log(
        organization=organization,
        actor=actor,
        verb="nomination.created",
        target=nomination,
        data={"advocate": str(locked.public_id), "kind": kind, "title": title},
        request=request,
    )
    return nomination


@transaction.atomic
def nomination_decide(
    *,
    nomination: Nomination,
    decision: str,
    actor: User,
    note: str = "",
    request: HttpRequest | None = None,
) -> Nomination:
    """Accepts or declines a nomination (the program team). A decided one is not decided again
    (409). On acceptance the advocate is told by email once the decision is committed."""
    if decision not in DECISIONS:
        raise ValidationFailed({"decision": [_("Choose accept or decline.")]})
    locked = (
        Nomination.objects.select_for_update(of=("self",))
        .select_related("advocate")
        .get(organization_id=nomination.organization_id, pk=nomination.pk)
    )
    if locked.status != Nomination.Status.NOMINATED:
        raise ConflictError(
            _("This nomination was already decided: it is “%(status)s”.") % {"status": locked.get_status_display()}
        )
    if decision == Nomination.Status.ACCEPTED and locked.advocate.anonymised_at is not None:
        raise ConflictError(_("This person's data was erased: the nomination can only be declined."))
    locked.status = decision
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    verb = "nomination.accepted" if decision == Nomination.Status.ACCEPTED else "nomination.declined"
    audit_log(
        organization=nomination.organization,
        actor=actor,
        verb=verb,
        target=locked,
        data={"advocate": str(locked.advocate.public_id), "note": note.strip()},
        request=request,
    )
    if decision == Nomination.Status.ACCEPTED:
        from ..recognition_tasks import send_recognition_task

        enqueue_on_commit(send_recognition_task, locked.organization_id, locked.pk)
    return locked
