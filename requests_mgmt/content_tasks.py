"""Background work of content approvals: telling approvers a step is theirs, telling the author how a
round ended, and the daily sweep of permissions that end soon or have ended.

Every send carries a dedupe key, so a task that runs twice, or two sweeps that overlap, still send
each message once. ``content_expiry_sweep_task`` runs on the beat schedule (``advocacy/celery.py``)
and fans out one task per organisation, which fans out one task per publication due for a notice.
"""

from __future__ import annotations

import smtplib

from celery import Task, shared_task
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from advocacy.messaging import send_message
from advocacy.models import Organization, OutboundMessage
from advocacy.tasks import TenantTask

from .models import ApprovalKind, ApprovalStep, ContentPiece, ContentStatus, Publication
from .services.content import current_step, program_team, publication_state, publications_due_for_notice

TRANSIENT_ERRORS = (OSError, smtplib.SMTPException)


def content_url(content: ContentPiece) -> str:
    return settings.SITE_URL + reverse(
        "content:content-detail", kwargs={"org_slug": content.organization.slug, "public_id": content.public_id}
    )


def portal_content_url(content: ContentPiece) -> str:
    return settings.SITE_URL + reverse(
        "content:portal-detail", kwargs={"org_slug": content.organization.slug, "public_id": content.public_id}
    )


@shared_task(base=TenantTask, bind=True, max_retries=3, soft_time_limit=60, time_limit=90)
def send_approval_step_task(self: Task, organization: Organization, step_id: int) -> bool:
    """Asks the approver of a step that has just become the one to decide; the advocate gets the
    link to their portal. Nothing is sent for a step decided or replaced in the meantime."""
    step = (
        ApprovalStep.objects.filter(organization=organization, pk=step_id)
        .select_related("approver", "content", "content__organization", "content__advocate__user")
        .first()
    )
    if step is None:
        return False
    content = step.content
    current = current_step(content)
    if current is None or current.pk != step.pk:
        return False
    context = {"content": content, "step": step, "organization": organization}
    try:
        if step.kind == ApprovalKind.CUSTOMER:
            advocate = content.advocate
            message = send_message(
                organization=organization,
                to_email=advocate.user.email if advocate.user is not None else advocate.email,
                user=advocate.user,
                advocate=advocate,
                template="approval_customer",
                context={**context, "url": portal_content_url(content), "advocate": advocate},
                purpose=OutboundMessage.Purpose.APPROVAL,
                related=content,
                dedupe_key=f"approval-step:{step.pk}",
            )
        else:
            if step.approver is None or not step.approver.is_active:
                return False
            message = send_message(
                organization=organization,
                to_email=step.approver.email,
                user=step.approver,
                template="approval_step",
                context={**context, "url": content_url(content)},
                purpose=OutboundMessage.Purpose.APPROVAL,
                related=content,
                dedupe_key=f"approval-step:{step.pk}",
            )
    except TRANSIENT_ERRORS as exc:  # mail server down or refusing: the failed message is claimed again
        raise self.retry(exc=exc, countdown=60) from exc
    return message.status == OutboundMessage.Status.SENT


@shared_task(base=TenantTask, bind=True, max_retries=3, soft_time_limit=60, time_limit=90)
def send_approval_outcome_task(self: Task, organization: Organization, content_id: int, version: int) -> bool:
    """Tells the author that a version was approved by everyone, or that changes were requested."""
    content = (
        ContentPiece.objects.filter(organization=organization, pk=content_id)
        .select_related("organization", "created_by", "advocate")
        .first()
    )
    if (
        content is None
        or content.created_by is None
        or content.version != version
        or content.status not in (ContentStatus.APPROVED, ContentStatus.CHANGES_REQUESTED)
    ):
        return False
    rejected = (
        ApprovalStep.objects.filter(
            organization=organization, content=content, version=version, status=ApprovalStep.Status.REJECTED
        )
        .select_related("decided_by")
        .first()
    )
    try:
        message = send_message(
            organization=organization,
            to_email=content.created_by.email,
            user=content.created_by,
            template="approval_outcome",
            context={
                "content": content,
                "approved": content.status == ContentStatus.APPROVED,
                "rejected_step": rejected,
                "url": content_url(content),
            },
            purpose=OutboundMessage.Purpose.PROGRAM_TEAM,
            related=content,
            dedupe_key=f"approval-outcome:{content.pk}:{version}:{content.status}",
        )
    except TRANSIENT_ERRORS as exc:
        raise self.retry(exc=exc, countdown=60) from exc
    return message.status == OutboundMessage.Status.SENT


@shared_task(base=TenantTask, bind=True, max_retries=3, soft_time_limit=60, time_limit=90)
def send_publication_expiry_task(self: Task, organization: Organization, publication_id: int) -> int:
    """Tells each member of the program team that a permission ends soon, or has ended while the
    piece is still in use. Once per publication, end date and state: an extended permission is
    announced again when its new end comes near."""
    publication = (
        Publication.objects.filter(organization=organization, pk=publication_id)
        .select_related("content", "content__organization", "content__advocate")
        .first()
    )
    if publication is None or publication.permitted_until is None:
        return 0
    state = publication_state(publication, today=timezone.localdate())
    if state.key not in ("expiring", "expired"):
        return 0
    sent = 0
    for member in program_team(organization=organization):
        try:
            message = send_message(
                organization=organization,
                to_email=member.email,
                user=member,
                template="approval_expiry",
                context={
                    "content": publication.content,
                    "publication": publication,
                    "expired": state.key == "expired",
                    "days_left": state.days_left,
                    "url": content_url(publication.content),
                },
                purpose=OutboundMessage.Purpose.PROGRAM_TEAM,
                related=publication.content,
                dedupe_key=(
                    f"approval-expiry:{publication.pk}:{publication.permitted_until.isoformat()}:{state.key}:{member.pk}"
                ),
            )
        except TRANSIENT_ERRORS as exc:
            raise self.retry(exc=exc, countdown=60) from exc
        sent += message.status == OutboundMessage.Status.SENT
    return sent


@shared_task(base=TenantTask, soft_time_limit=60, time_limit=90)
def content_expiry_organization_task(organization: Organization) -> int:
    """Queues a notice for each live publication of one organisation whose permission ends within
    the warning window or has ended. Returns how many."""
    due = list(
        publications_due_for_notice(organization=organization, today=timezone.localdate()).values_list("pk", flat=True)
    )
    for publication_id in due:
        send_publication_expiry_task.delay(organization.pk, publication_id)
    return len(due)


@shared_task(soft_time_limit=60, time_limit=90)
def content_expiry_sweep_task() -> int:
    """Every organisation's expiry sweep, each in its own task and tenant scope."""
    count = 0
    for organization_id in Organization.objects.order_by("pk").values_list("pk", flat=True).iterator():
        content_expiry_organization_task.delay(organization_id)
        count += 1
    return count
