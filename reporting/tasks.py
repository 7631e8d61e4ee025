"""Reporting's Celery tasks."""

from __future__ import annotations

from .summary_tasks import *  # noqa: F403
from .survey_tasks import *  # noqa: F403
