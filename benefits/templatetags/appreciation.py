"""Appreciation in templates: the 24-hour clock of a thank-you or note, and what an advocate has
been sent (for the portal).

``{% load appreciation %}`` then ``{% appreciation_clock item as clock %}``,
``{% advocate_thank_yous advocate as items %}``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import template
from django.utils import timezone
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _

from advocacy.models import User
from advocates.models import Advocate

from ..models import PersonalNote, ThankYou
from ..services.thank_yous import advocate_appreciation, done_at

register = template.Library()


@dataclass(frozen=True)
class Clock:
    """``state``: due, overdue, on_time or late; ``label``: the words to show."""

    state: str
    label: str

    @property
    def overdue(self) -> bool:
        return self.state in ("overdue", "late")


def clock_for(item: ThankYou | PersonalNote, *, now: datetime | None = None) -> Clock:
    now = now or timezone.now()
    finished = item.sent_at if isinstance(item, ThankYou) else item.written_at
    if finished is not None:
        if finished <= item.due_at:
            return Clock("on_time", _("Done in time"))
        return Clock("late", _("Done %(time)s late") % {"time": timesince(item.due_at, finished, depth=1)})
    if now <= item.due_at:
        return Clock("due", _("Due in %(time)s") % {"time": timeuntil(item.due_at, now, depth=1)})
    return Clock("overdue", _("Overdue by %(time)s") % {"time": timesince(item.due_at, now, depth=1)})


@register.simple_tag
def appreciation_clock(item: ThankYou | PersonalNote) -> Clock:
    return clock_for(item)


@dataclass(frozen=True)
class ReceivedThanks:
    kind: str  # "thank_you" or "note"
    when: datetime
    activity_name: str
    occurred_on: Any
    note: str
    writer: User | None


@register.simple_tag
def advocate_thank_yous(advocate: Advocate | None) -> list[ReceivedThanks]:
    """The thank-yous and personal notes the advocate was sent, newest first."""
    if advocate is None:
        return []
    return [
        ReceivedThanks(
            kind="thank_you" if isinstance(item, ThankYou) else "note",
            when=done_at(item),
            activity_name=item.activity.activity_type.name,
            occurred_on=item.activity.occurred_on,
            note=item.note if isinstance(item, PersonalNote) else "",
            writer=item.written_by if isinstance(item, PersonalNote) else None,
        )
        for item in advocate_appreciation(advocate=advocate)
    ]
