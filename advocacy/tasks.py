"""Tenant-aware Celery tasks.

Tasks take ids, never model instances; ``TenantTask`` loads the organisation and runs the body inside
its scope, so a task cannot read another tenant's rows. ``enqueue_on_commit`` sends a task only once
the surrounding transaction has committed, so a worker never looks for a row that is not there yet.
"""

from __future__ import annotations

import smtplib
from typing import Any

from celery import Task, shared_task
from django.db import transaction
from django.utils import timezone, translation
from django_scopes import scope

from .models import Invitation, Organization


class TenantTask(Task):
    """Base class: the first argument is the organisation's id; the body runs in its scope."""

    abstract = True

    def __call__(self, organization_id: int, *args: Any, **kwargs: Any) -> Any:
        organization = Organization.objects.filter(pk=organization_id).first()
        if organization is None:
            return None  # the organisation was deleted since: nothing left to do
        with scope(organization=organization), translation.override(organization.default_language):
            return super().__call__(organization, *args, **kwargs)


def enqueue_on_commit(task: Any, *args: Any, **kwargs: Any) -> None:
    transaction.on_commit(lambda: task.delay(*args, **kwargs))


@shared_task(base=TenantTask, bind=True, max_retries=3, soft_time_limit=60, time_limit=90)
def send_invitation_email_task(self: Task, organization: Organization, invitation_id: int) -> bool:
    """Sends an invitation once. Idempotent: an invitation already sent, accepted or revoked is
    left alone, and the send is claimed by a conditional update so two workers cannot both send."""
    from .services.invitations import invitation_send_email

    claimed = Invitation.objects.filter(
        organization=organization, pk=invitation_id, status=Invitation.Status.PENDING, sent_at__isnull=True
    ).update(sent_at=timezone.now())
    if not claimed:
        return False
    invitation = Invitation.objects.get(organization=organization, pk=invitation_id)
    try:
        invitation_send_email(invitation=invitation)
    except Exception as exc:
        # Release the claim whatever went wrong, so the invitation is not left marked as sent.
        Invitation.objects.filter(organization=organization, pk=invitation_id).update(sent_at=None)
        if isinstance(exc, OSError | smtplib.SMTPException):  # mail server down or refusing: try later
            raise self.retry(exc=exc, countdown=60) from exc
        raise
    return True
