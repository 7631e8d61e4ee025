"""Tags for the schedule and outcome panels, which pages of other views include: each panel builds
its own context from what the including page already has (the request, or the ask)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def request_schedule(context: template.Context) -> dict[str, Any]:
    """``{% request_schedule as schedule %}`` on a request page (needs ``advocacy_request``)."""
    from ..views.engagement_panels import request_schedule as build

    return build(context["request"], context["advocacy_request"])


@register.simple_tag(takes_context=True)
def request_outcome(context: template.Context) -> dict[str, Any]:
    """``{% request_outcome as outcome_panel %}`` on a request page (needs ``advocacy_request``)."""
    from ..views.engagement_panels import request_outcome as build

    return build(context["request"], context["advocacy_request"])


@register.simple_tag(takes_context=True)
def ask_engagement(context: template.Context) -> dict[str, Any]:
    """``{% ask_engagement as engagement %}`` on a portal ask page (needs ``ask`` and ``advocate``)."""
    from ..views.engagement_panels import ask_engagement as build

    return build(context["request"], context["ask"], context["advocate"])
