"""``{% if membership|can:"appreciation_manage" %}``: what the person's role may do, in templates."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def can(membership: Any, capability: str) -> bool:
    return membership is not None and bool(membership.can(capability))
