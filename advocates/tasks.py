"""Background work of the advocates app. The worker registers every task imported here."""

from __future__ import annotations

from celery import Task, shared_task

from advocacy.models import Organization
from advocacy.tasks import TenantTask

# The worker registers the tasks of every module imported here.
from . import enrollment_tasks, import_tasks  # noqa: F401
from .tiers import recalculate_suggested_tiers


@shared_task(base=TenantTask, bind=True, soft_time_limit=600, time_limit=900)
def recalculate_tiers_task(self: Task, organization: Organization) -> int:
    """Refreshes every advocate's suggested tier in one organisation. Idempotent: only changed
    suggestions are written and recorded."""
    return recalculate_suggested_tiers(organization=organization)


@shared_task(soft_time_limit=60, time_limit=120)
def nightly_tier_recalculation_task() -> int:
    """The nightly sweep: one recalculation task per organisation, so one large tenant does not
    hold up the others."""
    organization_ids = list(Organization.objects.values_list("pk", flat=True))
    for organization_id in organization_ids:
        recalculate_tiers_task.delay(organization_id)
    return len(organization_ids)
