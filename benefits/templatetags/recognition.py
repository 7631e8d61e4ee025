"""Recognition on the advocate's pages: ``{% advocate_recognition advocate as items %}`` gives what
the advocate was recognised for (accepted nominations only, the advocate's own); the staff profile
passes ``include_pending=True`` to also list nominations waiting for a decision."""

from __future__ import annotations

from typing import Any

from django import template

from advocacy.roles import Capability
from advocates.models import Advocate

from ..models import Nomination
from ..services.recognition import advocate_recognitions

register = template.Library()


@register.simple_tag
def advocate_recognition(advocate: Advocate | None, include_pending: bool = False) -> list[Nomination]:
    if advocate is None or advocate.pk is None:
        return []
    return list(advocate_recognitions(advocate=advocate, include_pending=include_pending))


@register.simple_tag(takes_context=True)
def may_nominate(context: dict[str, Any]) -> bool:
    """Whether the viewer may nominate and open nominations (the appreciation pages)."""
    membership = context.get("membership")
    return bool(membership is not None and membership.can(Capability.APPRECIATION))
