"""The program NPS survey's background work: the daily sweep that opens a round in each
organisation whose interval is up, and the batches that email a round's links.

Celery finds these through ``reporting.tasks``. The sweep runs on the beat schedule
(``advocacy/celery.py``) and fans out one task per organisation. Both are idempotent: a round opens
once per interval (the start locks the organisation and checks again), and every email carries a
dedupe key, so a batch run twice sends nothing twice. While a round is open, the daily run sends
what a lost batch did not.
"""

from __future__ import annotations

import smtplib

from celery import Task, shared_task

from advocacy.models import Organization
from advocacy.tasks import TenantTask

from .models import NpsSurvey
from .surveys import open_survey, survey_send_batch, survey_start

__all__ = ["nps_survey_organization_task", "nps_survey_sweep_task", "send_nps_survey_batch_task"]

TRANSIENT_ERRORS = (OSError, smtplib.SMTPException)


@shared_task(base=TenantTask, bind=True, max_retries=3, soft_time_limit=240, time_limit=300)
def send_nps_survey_batch_task(self: Task, organization: Organization, survey_id: int, after_pk: int) -> int:
    """Emails the next batch of a round's advocates, then queues the batch after it. Returns how many
    emails this batch sent."""
    survey = NpsSurvey.objects.filter(organization=organization, pk=survey_id).select_related("organization").first()
    if survey is None:
        return 0
    try:
        result = survey_send_batch(survey=survey, after_pk=after_pk)
    except TRANSIENT_ERRORS as exc:
        # The retry starts from the same advocate; the dedupe keys skip those already sent.
        raise self.retry(exc=exc, countdown=60) from exc
    if result.next_after is not None:
        send_nps_survey_batch_task.delay(organization.pk, survey_id, result.next_after)
    return result.sent


@shared_task(base=TenantTask, soft_time_limit=60, time_limit=90)
def nps_survey_organization_task(organization: Organization) -> str | None:
    """Opens a round in one organisation when its interval is up, and catches up on the emails of
    an open round that a lost task left unsent. Returns the public id of the round it opened."""
    current = open_survey(organization)
    if current is not None:
        send_nps_survey_batch_task.delay(organization.pk, current.pk, 0)
        return None
    survey = survey_start(organization=organization, started_by=None, only_if_due=True)
    return str(survey.public_id) if survey is not None else None


@shared_task(soft_time_limit=60, time_limit=90)
def nps_survey_sweep_task() -> int:
    """Every organisation's survey check, each in its own task and tenant scope."""
    count = 0
    for organization_id in Organization.objects.order_by("pk").values_list("pk", flat=True).iterator():
        nps_survey_organization_task.delay(organization_id)
        count += 1
    return count
