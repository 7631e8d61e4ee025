"""The Celery application. Workers: `celery -A advocacy worker`; schedules: `celery -A advocacy beat`."""

import os
from datetime import timedelta

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advocacy.settings.local")

app = Celery("advocacy")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic work. Each entry names a task; the sweeps are idempotent, so a late or doubled run is harmless.
app.conf.beat_schedule = {
    "nightly-tier-recalculation": {
        "task": "advocates.tasks.nightly_tier_recalculation_task",
        "schedule": crontab(hour=2, minute=30),  # UTC, as every schedule here
        "options": {"expires": 6 * 60 * 60},
    },
    "abandoned-imports-sweep": {
        "task": "advocates.import_tasks.abandoned_imports_sweep_task",
        "schedule": crontab(hour=3, minute=15),
        "options": {"expires": 6 * 60 * 60},
    },
    "outreach-sweep": {
        "task": "requests_mgmt.outreach_tasks.outreach_sweep_task",
        "schedule": timedelta(minutes=15),
        "options": {"expires": 14 * 60},
    },
    "appreciation-sweep": {
        "task": "benefits.tasks.appreciation_sweep_task",
        "schedule": timedelta(minutes=15),  # lost thank-yous sent, overdue personal notes escalated
        "options": {"expires": 14 * 60},
    },
    "welcome-sequence-sweep": {
        "task": "advocates.enrollment_tasks.welcome_sequence_sweep_task",
        "schedule": timedelta(minutes=15),
        "options": {"expires": 14 * 60},  # a sweep still queued when the next is due is skipped
    },
    "campaign-closing-sweep": {
        "task": "requests_mgmt.campaign_tasks.close_due_campaigns_sweep_task",
        "schedule": crontab(hour=0, minute=20),  # just after midnight UTC: the day after a campaign's closing day
        "options": {"expires": 6 * 60 * 60},
    },
    "content-permission-expiry-sweep": {
        "task": "requests_mgmt.content_tasks.content_expiry_sweep_task",
        "schedule": crontab(hour=6, minute=45),  # before the program team's working day in Europe
        "options": {"expires": 6 * 60 * 60},
    },
    "reporting-rollup-rebuild": {
        "task": "reporting.tasks.nightly_rollup_rebuild_task",
        "schedule": crontab(hour=1, minute=40),  # rollups recounted from the raw records and compared
        "options": {"expires": 6 * 60 * 60},
    },
    "nps-survey-sweep": {
        "task": "reporting.survey_tasks.nps_survey_sweep_task",
        "schedule": crontab(hour=9, minute=10),  # a round opens when the organisation's interval is up
        "options": {"expires": 6 * 60 * 60},
    },
    "executive-summary-sweep": {
        "task": "reporting.summary_tasks.executive_summary_sweep_task",
        "schedule": crontab(hour=7, minute=5),  # the first days of a quarter: last quarter's summary
        "options": {"expires": 6 * 60 * 60},
    },
}
