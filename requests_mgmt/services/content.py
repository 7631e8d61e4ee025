"""Content approvals: a case-study or testimonial draft goes through legal, PR and the customer, in
that order, before it may be used; each publication then records where it is used and until when.

The workflow of a piece:

- draft: the program team writes it and picks the legal and PR approvers (the customer step is the
  advocate's own); editing keeps the version. Submitting starts the round.
- in review: the first undecided step of the current version is the only one that can be decided,
  by its approver (the advocate in the portal for the customer step) or by the program team on
  their behalf, which needs a note and is logged. A rejection needs a comment.
- changes requested: editing creates the next version with a new round of steps (draft again).
- approved, then published once a publication is recorded; withdrawing the last live publication
  makes the piece withdrawn, and a new publication publishes it again.

Every state change is audit-logged; an approver is emailed when a step becomes theirs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from advocacy.audit import audit_log
from advocacy.errors import ConflictError, ValidationFailed
from advocacy.models import Membership, Organization, User
from advocacy.roles import Capability, Role, role_can
from advocacy.tasks import enqueue_on_commit
from advocates.models import Advocate

from ..models import (
    AdvocacyRequest,
    ApprovalKind,
    ApprovalStep,
    ContentKind,
    ContentPiece,
    ContentStatus,
    Publication,
)

# The order every round follows.
STEP_ORDER: tuple[str, ...] = (ApprovalKind.LEGAL, ApprovalKind.PR, ApprovalKind.CUSTOMER)
INTERNAL_STEPS: tuple[str, ...] = (ApprovalKind.LEGAL, ApprovalKind.PR)
# A permission ending within this many days is flagged on the piece and announced to the program team.
EXPIRY_WARNING_DAYS = 30
EDITABLE_STATUSES = frozenset({ContentStatus.DRAFT, ContentStatus.CHANGES_REQUESTED})
PUBLISHABLE_STATUSES = frozenset({ContentStatus.APPROVED, ContentStatus.PUBLISHED, ContentStatus.WITHDRAWN})
CONTENT_FIELDS = ("title", "body", "draft_url")


def program_team_roles() -> list[str]:
    return [role.value for role in Role if role_can(role, Capability.REQUESTS_TRIAGE)]


def staff_roles() -> list[str]:
    """Every role but the advocate's: the people who may approve internally."""
    return [role.value for role in Role if role != Role.ADVOCATE]


def is_program_team(*, organization: Organization, user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return Membership.objects.filter(organization=organization, user=user, role__in=program_team_roles()).exists()


# Reads -----------------------------------------------------------------------------------------


def approver_candidates(*, organization: Organization) -> QuerySet[User]:
    """Members who may be picked as legal or PR approver."""
    return User.objects.filter(
        memberships__organization=organization, memberships__role__in=staff_roles(), is_active=True
    ).order_by("full_name", "email")


def program_team(*, organization: Organization) -> QuerySet[User]:
    return User.objects.filter(
        memberships__organization=organization, memberships__role__in=program_team_roles(), is_active=True
    ).order_by("pk")


def _earlier_pending() -> Exists:
    """A step of the same piece and version before this one that is not approved yet."""
    return Exists(
        ApprovalStep.objects.filter(
            organization=OuterRef("organization"),
            content=OuterRef("content"),
            version=OuterRef("version"),
            position__lt=OuterRef("position"),
        ).exclude(status=ApprovalStep.Status.APPROVED)
    )


def current_steps(*, organization: Organization) -> QuerySet[ApprovalStep]:
    """The steps that can be decided now: one per piece in review, the first undecided of its version."""
    return (
        ApprovalStep.objects.filter(
            organization=organization,
            status=ApprovalStep.Status.PENDING,
            content__status=ContentStatus.IN_REVIEW,
            content__version=F("version"),
        )
        .exclude(_earlier_pending())
        .order_by("content__updated_at", "pk")
    )


def steps_waiting_for(*, organization: Organization, user: User) -> QuerySet[ApprovalStep]:
    """The "waiting for my approval" list of an internal approver."""
    return (
        current_steps(organization=organization)
        .filter(approver=user)
        .exclude(kind=ApprovalKind.CUSTOMER)
        .select_related("content", "content__advocate", "content__advocate__account", "content__created_by")
    )


def with_usage(queryset: QuerySet[ContentPiece], *, today: date | None = None) -> QuerySet[ContentPiece]:
    """Annotates each piece with its live publications and how many permissions end soon or ended."""
    today = today or timezone.localdate()
    live = Q(publications__withdrawn_at__isnull=True)
    return queryset.annotate(
        live_publications=Count("publications", filter=live, distinct=True),
        expiring_publications=Count(
            "publications",
            filter=live
            & Q(
                publications__permitted_until__gte=today,
                publications__permitted_until__lte=today + timedelta(days=EXPIRY_WARNING_DAYS),
            ),
            distinct=True,
        ),
        expired_publications=Count(
            "publications", filter=live & Q(publications__permitted_until__lt=today), distinct=True
        ),
    )


def content_for_lists(*, organization: Organization) -> QuerySet[ContentPiece]:
    """Pieces with what list pages show: advocate, current steps, usage counts (constant queries)."""
    queryset = (
        ContentPiece.objects.filter(organization=organization)
        .select_related("advocate", "advocate__account", "request")
        .order_by("-updated_at", "-pk")
    )
    steps = current_steps(organization=organization).select_related("approver")
    return with_usage(queryset).prefetch_related(Prefetch("steps", queryset=steps, to_attr="open_steps"))


def visible_content(*, organization: Organization, user: User, program_team_member: bool) -> QuerySet[ContentPiece]:
    """The program team sees every piece; an internal approver sees the pieces they were asked to approve."""
    queryset = content_for_lists(organization=organization)
    if program_team_member:
        return queryset
    mine = ApprovalStep.objects.filter(organization=organization, content=OuterRef("pk"), approver=user).exclude(
        kind=ApprovalKind.CUSTOMER
    )
    return queryset.filter(Exists(mine))


def portal_content(*, advocate: Advocate) -> QuerySet[ContentPiece]:
    """What the advocate sees: their own pieces once a round has reached the customer step (drafts
    still with legal or PR stay internal)."""
    reached = ApprovalStep.objects.filter(
        organization=advocate.organization_id, content=OuterRef("pk"), kind=ApprovalKind.CUSTOMER
    ).exclude(_earlier_pending())
    return (
        ContentPiece.objects.filter(organization=advocate.organization_id, advocate=advocate)
        .filter(Exists(reached))
        .prefetch_related(
            Prefetch(
                "publications",
                queryset=Publication.objects.filter(organization=advocate.organization_id, withdrawn_at__isnull=True),
                to_attr="live_publication_list",
            )
        )
    )


def current_step(content: ContentPiece) -> ApprovalStep | None:
    """The step to decide now, or None when the piece is not in review."""
    if content.status != ContentStatus.IN_REVIEW:
        return None
    return (
        ApprovalStep.objects.filter(
            organization=content.organization_id,
            content=content,
            version=content.version,
            status=ApprovalStep.Status.PENDING,
        )
        .select_related("approver")
        .order_by("position")
        .first()
    )


@dataclass(frozen=True)
class PublicationState:
    key: str  # "live", "expiring", "expired", "withdrawn"
    days_left: int | None


def publication_state(publication: Publication, *, today: date | None = None) -> PublicationState:
    today = today or timezone.localdate()
    if publication.withdrawn_at is not None:
        return PublicationState("withdrawn", None)
    if publication.permitted_until is None:
        return PublicationState("live", None)
    days_left = (publication.permitted_until - today).days
    if days_left < 0:
        return PublicationState("expired", days_left)
    if days_left <= EXPIRY_WARNING_DAYS:
        return PublicationState("expiring", days_left)
    return PublicationState("live", days_left)


def publications_due_for_notice(*, organization: Organization, today: date) -> QuerySet[Publication]:
    """Live publications whose permission ends within the warning window or has already ended."""
    return Publication.objects.filter(
        organization=organization,
        withdrawn_at__isnull=True,
        permitted_until__isnull=False,
        permitted_until__lte=today + timedelta(days=EXPIRY_WARNING_DAYS),
    ).order_by("pk")


# Writes ----------------------------------------------------------------------------------------


def _locked(content: ContentPiece) -> ContentPiece:
    return ContentPiece.objects.select_for_update(of=("self",)).get(organization=content.organization, pk=content.pk)


def _check_approvers(organization: Organization, approvers: dict[str, Any]) -> dict[str, User]:
    errors: dict[str, list[str]] = {}
    candidates = approver_candidates(organization=organization)
    checked: dict[str, User] = {}
    for field, user in approvers.items():
        if user is None:
            errors[field] = [_("Pick an approver.")]
        elif not candidates.filter(pk=user.pk).exists():
            errors[field] = [_("No such member in this organisation.")]
        else:
            checked[field] = user
    if errors:
        raise ValidationFailed(errors)
    return checked


def _create_round(content: ContentPiece, *, legal: User, pr: User) -> list[ApprovalStep]:
    approvers: dict[str, User | None] = {
        ApprovalKind.LEGAL: legal,
        ApprovalKind.PR: pr,
        ApprovalKind.CUSTOMER: content.advocate.user,
    }
    return ApprovalStep.objects.bulk_create(
        [
            ApprovalStep(
                organization=content.organization,
                content=content,
                kind=kind,
                position=position,
                version=content.version,
                approver=approvers[kind],
            )
            for position, kind in enumerate(STEP_ORDER, start=1)
        ]
    )


def round_approvers(content: ContentPiece) -> dict[str, User | None]:
    """The legal and PR approvers of the latest round, to prefill the edit form."""
    steps = ApprovalStep.objects.filter(
        organization=content.organization_id, content=content, version=content.version, kind__in=INTERNAL_STEPS
    ).select_related("approver")
    by_kind = {step.kind: step.approver for step in steps}
    return {"legal_approver": by_kind.get(ApprovalKind.LEGAL), "pr_approver": by_kind.get(ApprovalKind.PR)}


def _clean_content(data: dict[str, Any]) -> dict[str, Any]:
    values = {field: (data.get(field) or "").strip() for field in CONTENT_FIELDS if field in data}
    errors: dict[str, list[str]] = {}
    if "title" in values and not values["title"]:
        errors["title"] = [_("Give the piece a title.")]
    if "body" in values and not values["body"]:
        errors["body"] = [_("Write the draft, or paste it here.")]
    if errors:
        raise ValidationFailed(errors)
    return values


@transaction.atomic
def content_create(
    *,
    organization: Organization,
    actor: User,
    advocate: Advocate,
    kind: str,
    title: str,
    body: str,
    legal_approver: User | None,
    pr_approver: User | None,
    draft_url: str = "",
    advocacy_request: AdvocacyRequest | None = None,
    request: HttpRequest | None = None,
) -> ContentPiece:
    """A new draft (version 1) with its round of steps, not yet sent to anyone."""
    errors: dict[str, list[str]] = {}
    if advocate.organization_id != organization.pk or advocate.anonymised_at is not None:
        errors["advocate"] = [_("No such advocate in this organisation.")]
    if advocacy_request is not None and advocacy_request.organization_id != organization.pk:
        errors["request"] = [_("No such request in this organisation.")]
    if kind not in ContentKind.values:
        errors["kind"] = [_("Choose a case study or a testimonial.")]
    if errors:
        raise ValidationFailed(errors)
    values = _clean_content({"title": title, "body": body, "draft_url": draft_url})
    approvers = _check_approvers(organization, {"legal_approver": legal_approver, "pr_approver": pr_approver})
    content = ContentPiece.objects.create(
        organization=organization,
        request=advocacy_request,
        advocate=advocate,
        kind=kind,
        created_by=actor,
        **values,
    )
    _create_round(content, legal=approvers["legal_approver"], pr=approvers["pr_approver"])
    audit_log(
        organization=organization,
        actor=actor,
        verb="content.created",
        target=content,
        data={
            "kind": kind,
            "advocate": str(advocate.public_id),
            "request": str(advocacy_request.public_id) if advocacy_request else "",
            "legal": approvers["legal_approver"].email,
            "pr": approvers["pr_approver"].email,
        },
        request=request,
    )
    return content


@transaction.atomic
def content_update(
    *, content: ContentPiece, actor: User, data: dict[str, Any], request: HttpRequest | None = None
) -> ContentPiece:
    """Edits a draft. A draft whose changes were requested becomes the next version with a new
    round of steps: every approver reads the new text again."""
    locked = _locked(content)
    if locked.status not in EDITABLE_STATUSES:
        raise ConflictError(
            _("A piece that is “%(status)s” cannot be edited.") % {"status": locked.get_status_display()}
        )
    values = _clean_content(data)
    current = round_approvers(locked)
    picked = {field: data.get(field, current[field]) for field in ("legal_approver", "pr_approver")}
    approvers = _check_approvers(locked.organization, picked)
    previous_status = locked.status
    for field, value in values.items():
        setattr(locked, field, value)
    if previous_status == ContentStatus.CHANGES_REQUESTED:
        locked.version += 1
        locked.status = ContentStatus.DRAFT
        locked.save(update_fields=[*values, "version", "status", "updated_at"])
        _create_round(locked, legal=approvers["legal_approver"], pr=approvers["pr_approver"])
        verb = "content.new_version"
    else:
        locked.save(update_fields=[*values, "updated_at"])
        for kind, field in ((ApprovalKind.LEGAL, "legal_approver"), (ApprovalKind.PR, "pr_approver")):
            ApprovalStep.objects.filter(
                organization=locked.organization, content=locked, version=locked.version, kind=kind
            ).update(approver=approvers[field])
        verb = "content.updated"
    audit_log(
        organization=locked.organization,
        actor=actor,
        verb=verb,
        target=locked,
        data={
            "version": locked.version,
            "status": {"from": previous_status, "to": locked.status},
            "changed": sorted(values),
            "legal": approvers["legal_approver"].email,
            "pr": approvers["pr_approver"].email,
        },
        request=request,
    )
    return locked


@transaction.atomic
def content_submit(*, content: ContentPiece, actor: User, request: HttpRequest | None = None) -> ContentPiece:
    """Starts the round: the legal approver is asked first."""
    locked = _locked(content)
    if locked.status == ContentStatus.CHANGES_REQUESTED:
        raise ConflictError(_("Changes were requested: edit the draft first, then send the new version."))
    if locked.status != ContentStatus.DRAFT:
        raise ConflictError(
            _("A piece that is “%(status)s” cannot be sent for approval.") % {"status": locked.get_status_display()}
        )
    steps = ApprovalStep.objects.filter(organization=locked.organization, content=locked, version=locked.version)
    missing = [step.get_kind_display() for step in steps if step.kind in INTERNAL_STEPS and step.approver_id is None]
    if missing:
        raise ValidationFailed({"__all__": [_("Pick an approver for: %(steps)s.") % {"steps": ", ".join(missing)}]})
    locked.status = ContentStatus.IN_REVIEW
    locked.save(update_fields=["status", "updated_at"])
    audit_log(
        organization=locked.organization,
        actor=actor,
        verb="content.submitted",
        target=locked,
        data={"version": locked.version, "status": {"from": ContentStatus.DRAFT, "to": ContentStatus.IN_REVIEW}},
        request=request,
    )
    _announce_current_step(locked)
    return locked


def _announce_current_step(content: ContentPiece) -> None:
    step = current_step(content)
    if step is not None:
        from ..content_tasks import send_approval_step_task

        enqueue_on_commit(send_approval_step_task, content.organization_id, step.pk)


@transaction.atomic
def step_decide(
    *,
    content: ContentPiece,
    kind: str,
    actor: User,
    approve: bool,
    comment: str = "",
    version: int | None = None,
    request: HttpRequest | None = None,
) -> ApprovalStep:
    """Decides the current step. Only its approver decides (the advocate for the customer step), or
    the program team on their behalf with a note saying how the decision was given; anyone else is
    refused (PermissionDenied, a 403)."""
    locked = _locked(content)
    if kind not in STEP_ORDER:
        raise ValidationFailed({"step": [_("Unknown step.")]})
    if locked.status != ContentStatus.IN_REVIEW:
        raise ConflictError(
            _("A piece that is “%(status)s” has no step to decide.") % {"status": locked.get_status_display()}
        )
    if version is not None and version != locked.version:
        raise ConflictError(_("A newer version of this draft was written since; read it before deciding."))
    step = (
        ApprovalStep.objects.select_for_update(of=("self",))
        .filter(organization=locked.organization, content=locked, version=locked.version, kind=kind)
        .first()
    )
    current = current_step(locked)
    if step is None or current is None or step.pk != current.pk:
        label = current.get_kind_display() if current is not None else "—"
        raise ConflictError(_("This step is not the one to decide now; waiting for: %(step)s.") % {"step": label})
    if kind == ApprovalKind.CUSTOMER:
        own = locked.advocate.user_id is not None and locked.advocate.user_id == actor.pk
    else:
        own = step.approver_id is not None and step.approver_id == actor.pk
    on_behalf = not own
    if on_behalf and not is_program_team(organization=locked.organization, user=actor):
        raise PermissionDenied(_("Only the assigned approver, or the program team on their behalf, decides this step."))
    comment = comment.strip()
    if not approve and not comment:
        raise ValidationFailed({"comment": [_("Say what should change; the author reads it.")]})
    if on_behalf and not comment:
        raise ValidationFailed({"comment": [_("Deciding for someone else: say how they gave their decision.")]})
    step.status = ApprovalStep.Status.APPROVED if approve else ApprovalStep.Status.REJECTED
    step.decided_by = actor
    step.decided_at = timezone.now()
    step.comment = comment
    step.save(update_fields=["status", "decided_by", "decided_at", "comment"])
    previous_status = locked.status
    if not approve:
        locked.status = ContentStatus.CHANGES_REQUESTED
    elif step.position == len(STEP_ORDER):
        locked.status = ContentStatus.APPROVED
    if locked.status != previous_status:
        locked.save(update_fields=["status", "updated_at"])
    else:
        locked.save(update_fields=["updated_at"])
    audit_log(
        organization=locked.organization,
        actor=actor,
        verb="content.step_approved" if approve else "content.step_rejected",
        target=locked,
        data={
            "step": kind,
            "version": locked.version,
            "comment": comment,
            "on_behalf_of": (
                (locked.advocate.email if kind == ApprovalKind.CUSTOMER else getattr(step.approver, "email", ""))
                if on_behalf
                else ""
            ),
            "status": {"from": previous_status, "to": locked.status},
        },
        request=request,
    )
    from ..content_tasks import send_approval_outcome_task

    if locked.status == ContentStatus.IN_REVIEW:
        _announce_current_step(locked)
    elif locked.created_by_id is not None and locked.created_by_id != actor.pk:
        enqueue_on_commit(send_approval_outcome_task, locked.organization_id, locked.pk, locked.version)
    return step


@transaction.atomic
def publication_add(
    *,
    content: ContentPiece,
    actor: User,
    channel: str,
    where: str = "",
    permitted_from: date | None = None,
    permitted_until: date | None = None,
    request: HttpRequest | None = None,
) -> Publication:
    """Records where an approved piece is used and until when it may be."""
    locked = _locked(content)
    if locked.status not in PUBLISHABLE_STATUSES:
        raise ConflictError(
            _("Only approved content can be published; this piece is “%(status)s”.")
            % {"status": locked.get_status_display()}
        )
    today = timezone.localdate()
    permitted_from = permitted_from or today
    errors: dict[str, list[str]] = {}
    if channel not in Publication.Channel.values:
        errors["channel"] = [_("Choose where it is used.")]
    if permitted_until is not None and permitted_until < permitted_from:
        errors["permitted_until"] = [_("The end of the permission cannot come before its start.")]
    elif permitted_until is not None and permitted_until < today:
        errors["permitted_until"] = [_("This permission has already ended.")]
    if errors:
        raise ValidationFailed(errors)
    publication = Publication.objects.create(
        organization=locked.organization,
        content=locked,
        channel=channel,
        where=where.strip(),
        permitted_from=permitted_from,
        permitted_until=permitted_until,
        recorded_by=actor,
    )
    previous_status = locked.status
    locked.status = ContentStatus.PUBLISHED
    locked.save(update_fields=["status", "updated_at"])
    audit_log(
        organization=locked.organization,
        actor=actor,
        verb="content.publication_added",
        target=locked,
        data={
            "channel": channel,
            "where": publication.where,
            "permitted_from": permitted_from.isoformat(),
            "permitted_until": permitted_until.isoformat() if permitted_until else "",
            "status": {"from": previous_status, "to": locked.status},
        },
        request=request,
    )
    return publication


@transaction.atomic
def publication_withdraw(
    *, publication: Publication, actor: User, reason: str = "", request: HttpRequest | None = None
) -> Publication:
    """Takes a piece out of one place. When no place is left, the piece itself counts as withdrawn."""
    locked_content = _locked(publication.content)
    locked = Publication.objects.select_for_update(of=("self",)).get(
        organization=locked_content.organization, content=locked_content, pk=publication.pk
    )
    if locked.withdrawn_at is not None:
        raise ConflictError(_("This publication was already withdrawn."))
    locked.withdrawn_at = timezone.now()
    locked.save(update_fields=["withdrawn_at"])
    previous_status = locked_content.status
    still_live = Publication.objects.filter(
        organization=locked_content.organization, content=locked_content, withdrawn_at__isnull=True
    ).exists()
    if not still_live and locked_content.status == ContentStatus.PUBLISHED:
        locked_content.status = ContentStatus.WITHDRAWN
    locked_content.save(update_fields=["status", "updated_at"])
    audit_log(
        organization=locked_content.organization,
        actor=actor,
        verb="content.publication_withdrawn",
        target=locked_content,
        data={
            "channel": locked.channel,
            "where": locked.where,
            "reason": reason.strip(),
            "status": {"from": previous_status, "to": locked_content.status},
        },
        request=request,
    )
    return locked
