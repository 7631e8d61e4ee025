"""How long an activity takes, worded for people ("30–45 minutes", "2–4 hours"), in the language
the template is rendered in."""

from __future__ import annotations

from typing import Any

from django import template

from ..forms.portal import time_range_label

register = template.Library()


@register.filter
def time_range(activity_type: Any) -> str:
    """``{{ activity_type|time_range }}`` for anything with ``min_minutes`` and ``max_minutes``."""
    if activity_type is None:
        return ""
    return time_range_label(activity_type.min_minutes, activity_type.max_minutes)
