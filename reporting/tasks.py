"""Reporting's Celery tasks."""

from __future__ import annotations

import logging

from celery import shared_task

from advocacy.models import Organization
from advocacy.tasks import TenantTask

from .rollups import rebuild_organization
from .summary_tasks import *  # noqa: F403
from .survey_tasks import *  # noqa: F403

logger = logging.getLogger(__name__)


@shared_task(base=TenantTask, soft_time_limit=600, time_limit=660)
def rebuild_rollups_task(organization: Organization, activities_only: bool = False) -> dict[str, int]:
    """Recounts the organisation's rollups from the raw tables and repairs what differs.

    The nightly run records the check (buckets and mismatches; a mismatch means an increment went
    missing somewhere and is logged). ``activities_only`` is the rebuild after an account's segment
    changed or an advocate moved (activity and appreciation rollups, whose buckets carry the
    segment): the differences are expected, so it is not recorded as a check."""
    check = rebuild_organization(organization, requests=not activities_only, record=not activities_only)
    if check.mismatches and not activities_only:
        logger.warning(
            "Rollup check of %s: %s of %s buckets differed from the raw counts and were repaired: %s",
            organization.slug,
            check.mismatches,
            check.buckets,
            check.details[:3],
        )
    return {"buckets": check.buckets, "mismatches": check.mismatches}


@shared_task(soft_time_limit=60, time_limit=90)
def nightly_rollup_rebuild_task() -> int:
    """The nightly check: one rebuild task per organisation, so one large tenant does not hold up
    the others."""
    organization_ids = list(Organization.objects.order_by("pk").values_list("pk", flat=True))
    for organization_id in organization_ids:
        rebuild_rollups_task.delay(organization_id)
    return len(organization_ids)
