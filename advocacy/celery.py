"""The Celery application. Workers: `celery -A advocacy worker`; schedules: `celery -A advocacy beat`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advocacy.settings.local")

app = Celery("advocacy")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
