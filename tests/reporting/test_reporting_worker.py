"""Reporting's periodic work with a real Celery worker over Redis: the nightly rollup check repairs a
drifted bucket and records it; the NPS survey sweep opens one round and emails each active advocate
once, however often it runs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_scopes import scope

from advocacy.models import OutboundMessage
from advocates.defaults import ensure_program_defaults
from advocates.models import ActivityType, Advocate
from reporting.models import ActivityRollup, NpsSurvey, RollupCheck
from reporting.survey_tasks import nps_survey_sweep_task
from reporting.tasks import nightly_rollup_rebuild_task
from tests.advocacy.test_worker import wait_for, worker  # noqa: F401  (the worker fixture)
from tests.factories import ActivityFactory, AdvocateFactory, OrganizationFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_the_nightly_check_repairs_a_drifted_bucket(worker: dict[str, Any]) -> None:  # noqa: F811
    organization = OrganizationFactory(slug="rollup-org", name="Rollup Org")
    with scope(organization=organization):
        ensure_program_defaults(organization)
        calls = ActivityType.objects.get(organization=organization, key="reference_call")
        advocate = AdvocateFactory(organization=organization)
        for _ in range(3):
            ActivityFactory(
                organization=organization,
                advocate=advocate,
                activity_type=calls,
                occurred_on=timezone.localdate() - timedelta(days=3),
            )
    bucket = ActivityRollup.objects.get(organization=organization, activity_type=calls)
    assert bucket.completed == 3  # kept current as the activities were written
    ActivityRollup.objects.filter(pk=bucket.pk).update(completed=7)  # drifted

    nightly_rollup_rebuild_task.delay()
    assert wait_for(lambda: RollupCheck.objects.filter(organization=organization).exists()), worker["log"].read_text()[
        -3000:
    ]
    check = RollupCheck.objects.get(organization=organization)
    assert check.mismatches == 1 and check.details[0]["stored"]["completed"] == 7
    assert ActivityRollup.objects.get(pk=bucket.pk).completed == 3


def _succeeded(worker: dict[str, Any], task: str) -> int:  # noqa: F811
    return sum(1 for line in worker["log"].read_text().splitlines() if task in line and "succeeded" in line)


def test_the_survey_sweep_opens_one_round_and_emails_each_advocate_once(worker: dict[str, Any]) -> None:  # noqa: F811
    organization = OrganizationFactory(slug="survey-org", name="Survey Org")
    with scope(organization=organization):
        ensure_program_defaults(organization)
        AdvocateFactory.create_batch(3, organization=organization)
        AdvocateFactory(organization=organization, status=Advocate.Status.CANDIDATE)  # not asked

    def survey_mail() -> int:
        return OutboundMessage.objects.filter(
            organization=organization, purpose=OutboundMessage.Purpose.NPS_SURVEY
        ).count()

    nps_survey_sweep_task.delay()
    assert wait_for(lambda: survey_mail() == 3), worker["log"].read_text()[-3000:]
    nps_survey_sweep_task.delay()
    assert wait_for(lambda: _succeeded(worker, "nps_survey_organization_task") >= 2), worker["log"].read_text()[-3000:]
    survey = NpsSurvey.objects.get(organization=organization)
    assert survey.recipients == 3 and NpsSurvey.objects.filter(organization=organization).count() == 1
    assert survey_mail() == 3
