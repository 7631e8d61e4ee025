"""Background work for CSV imports: the dry run and the import itself.

Each task claims its job with a conditional update (uploaded → validating, validated → importing), so a
task delivered twice, or queued for a job cancelled meanwhile, does nothing. Progress is written to the
job as rows are read, for the page that follows it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone
from django.utils.translation import gettext as _

from advocacy.audit import audit_log
from advocacy.errors import ConflictError
from advocacy.models import Organization, User
from advocacy.tasks import TenantTask

from . import imports
from .models import ImportJob

logger = logging.getLogger(__name__)

# A large file takes minutes, not the seconds the project's default limits allow.
SOFT_TIME_LIMIT = 30 * 60
TIME_LIMIT = SOFT_TIME_LIMIT + 120


@shared_task(base=TenantTask, bind=True, max_retries=3, soft_time_limit=SOFT_TIME_LIMIT, time_limit=TIME_LIMIT)
def validate_import_task(self: Task, organization: Organization, job_id: int) -> bool:
    """The dry run: checks every row of an uploaded file whose columns have been mapped."""
    claimed = ImportJob.objects.filter(organization=organization, pk=job_id, status=ImportJob.Status.UPLOADED).update(
        status=ImportJob.Status.VALIDATING, processed_rows=0, error_rows=0
    )
    if not claimed:
        return False
    job = ImportJob.objects.select_related("organization").get(organization=organization, pk=job_id)
    _run_claimed(
        self,
        job,
        lambda: imports.import_validate(job=job),
        working=ImportJob.Status.VALIDATING,
        release_to=ImportJob.Status.UPLOADED,
        failure=_("Something went wrong while checking the file, and nothing was imported. Try again."),
    )
    return True


@shared_task(base=TenantTask, bind=True, max_retries=3, soft_time_limit=SOFT_TIME_LIMIT, time_limit=TIME_LIMIT)
def run_import_task(self: Task, organization: Organization, job_id: int, actor_id: int | None = None) -> bool:
    """The import of a checked file, confirmed by ``actor_id``."""
    claimed = ImportJob.objects.filter(
        organization=organization, pk=job_id, status=ImportJob.Status.VALIDATED, valid_rows__gt=0
    ).update(status=ImportJob.Status.IMPORTING, processed_rows=0, error_rows=0)
    if not claimed:
        return False
    job = ImportJob.objects.select_related("organization").get(organization=organization, pk=job_id)
    actor = User.objects.filter(pk=actor_id).first() if actor_id is not None else None
    _run_claimed(
        self,
        job,
        lambda: imports.import_run(job=job, actor=actor),
        working=ImportJob.Status.IMPORTING,
        release_to=ImportJob.Status.VALIDATED,
        failure=_(
            "The import stopped because of an unexpected error. Rows imported before it are kept; importing "
            "the same file again is safe: it updates those rows instead of adding them twice."
        ),
    )
    return True


def _run_claimed(
    task: Task, job: ImportJob, body: Callable[[], Any], *, working: str, release_to: str, failure: str
) -> None:
    """Runs the body of a claimed job. A database that is briefly unreachable releases the claim and
    tries again later (reading the file again is harmless, and the import is an upsert); anything
    else ends the job as failed, with a message for the person following it."""
    try:
        body()
    except SoftTimeLimitExceeded:
        imports.import_mark_failed(job=job, message=_("The file took too long to process: split it and try again."))
    except OperationalError as error:
        if task.request.retries < (task.max_retries or 0):
            ImportJob.objects.filter(organization=job.organization, pk=job.pk, status=working).update(status=release_to)
            raise task.retry(exc=error, countdown=60) from error
        logger.exception("Import %s failed: the database stayed unreachable", job.public_id)
        imports.import_mark_failed(job=job, message=failure)
    except Exception:
        logger.exception("Import %s failed", job.public_id)
        imports.import_mark_failed(job=job, message=failure)


@shared_task(base=TenantTask, bind=True, soft_time_limit=120, time_limit=180)
def cancel_abandoned_imports_task(self: Task, organization: Organization) -> int:
    """Cancels uploads that were never confirmed and deletes their files. Idempotent."""
    cutoff = timezone.now() - timedelta(days=settings.IMPORT_ABANDONED_DAYS)
    abandoned = ImportJob.objects.filter(
        organization=organization,
        status__in=(ImportJob.Status.UPLOADED, ImportJob.Status.VALIDATED),
        created_at__lt=cutoff,
    )
    cancelled = 0
    for job in abandoned:
        try:
            imports.import_cancel(job=job)
        except ConflictError:
            continue  # started meanwhile
        cancelled += 1
    if cancelled:
        audit_log(organization=organization, actor=None, verb="import.expired", data={"cancelled": cancelled})
    return cancelled


@shared_task(soft_time_limit=60, time_limit=120)
def abandoned_imports_sweep_task() -> int:
    organization_ids = list(Organization.objects.values_list("pk", flat=True))
    for organization_id in organization_ids:
        cancel_abandoned_imports_task.delay(organization_id)
    return len(organization_ids)
