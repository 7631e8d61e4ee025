"""The thank-you path with a real Celery worker over Redis: completing an activity gets the thank-you
sent by the worker after commit, once; a thank-you whose task was lost is sent by the organisation's
sweep, once. (The beat's fan-out over organisations is covered in-process.)"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_scopes import scope

from advocacy.models import OutboundMessage
from advocacy.roles import Role
from advocates.models import ActivityType
from advocates.services.activities import activity_record
from benefits.models import ThankYou
from benefits.tasks import appreciation_organization_task
from tests.advocacy.test_worker import wait_for, worker  # noqa: F401  (the worker fixture)
from tests.factories import AdvocateFactory, MembershipFactory, OrganizationFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _sent(thank_you_ids: list[int]) -> int:
    return ThankYou.objects.filter(pk__in=thank_you_ids, sent_at__isnull=False).count()


def _sweeps_done(worker: dict[str, Any]) -> int:  # noqa: F811
    lines = worker["log"].read_text().splitlines()
    return sum(1 for line in lines if "appreciation_organization_task" in line and "succeeded" in line)


def test_the_worker_sends_each_thank_you_once_and_the_sweep_catches_a_lost_one(worker: dict[str, Any]) -> None:  # noqa: F811
    organization = OrganizationFactory(slug="thanks-org", name="Thanks Org")
    manager = MembershipFactory(organization=organization, role=Role.PROGRAM_MANAGER).user
    with scope(organization=organization):
        from advocates.defaults import ensure_program_defaults

        ensure_program_defaults(organization)
        testimonial = ActivityType.objects.get(organization=organization, key="testimonial")
        advocate = AdvocateFactory(organization=organization, email="thanked@customer.example")
        activity = activity_record(
            organization=organization,
            actor=manager,
            data={"advocate": advocate, "activity_type": testimonial, "occurred_on": timezone.localdate()},
        )
        thank_you = ThankYou.objects.get(activity=activity)
        assert thank_you.due_at == thank_you.completed_at + timedelta(hours=24)

        # A thank-you whose task never ran (the worker was down): recorded, never enqueued.
        lost_activity = activity_record(
            organization=organization,
            actor=manager,
            data={"advocate": AdvocateFactory(organization=organization), "activity_type": testimonial,
                  "occurred_on": timezone.localdate()},
        )  # fmt: skip
    lost = ThankYou.objects.get(activity=lost_activity)
    assert wait_for(lambda: _sent([thank_you.pk, lost.pk]) == 2), worker["log"].read_text()[-3000:]
    # Both went out through the worker; now forget one was sent, as if its task had been lost mid-way.
    ThankYou.objects.filter(pk=lost.pk).update(
        sent_at=None, completed_at=timezone.now() - timedelta(minutes=30), message=None
    )
    OutboundMessage.objects.filter(organization=organization, dedupe_key__startswith="thank-you:").filter(
        dedupe_key__endswith=str(lost_activity.public_id)
    ).delete()
    appreciation_organization_task.delay(organization.pk)
    assert wait_for(lambda: _sent([lost.pk]) == 1), worker["log"].read_text()[-3000:]
    # A second sweep finds nothing to send.
    appreciation_organization_task.delay(organization.pk)
    assert wait_for(lambda: _sweeps_done(worker) >= 2, timeout=30), worker["log"].read_text()[-3000:]
    messages = OutboundMessage.objects.filter(organization=organization, purpose=OutboundMessage.Purpose.THANK_YOU)
    assert messages.filter(recipient_email="thanked@customer.example").count() == 1
    assert messages.count() == 2
