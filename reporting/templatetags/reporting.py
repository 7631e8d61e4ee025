"""How report figures and table cells read on the page (the CSV keeps the plain values)."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

register = template.Library()


def _number(value: Any, digits: int) -> str:
    """Rounded half up, then localised: Django's number formatting would cut the digits off."""
    quantum = Decimal(1).scaleb(-digits)
    return number_format(Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP), digits)


@register.filter
def figure(value: Any, kind: str = "count") -> str:
    if value is None:
        return _("no data yet")
    if kind == "percent":
        return _("%(value)s %%") % {"value": _number(value, 1)}
    if kind == "money":
        return intcomma(_number(value, 0))
    if kind == "hours":
        return _("%(value)s h") % {"value": _number(value, 1)}
    if kind == "days":
        return _("%(value)s days") % {"value": _number(value, 1)}
    if kind == "rating":
        return _("%(value)s / 5") % {"value": _number(value, 2)}
    if kind == "ratio":
        return _("%(value)s×") % {"value": _number(value, 2)}
    if kind == "score":
        return _number(value, 1)
    return intcomma(value)


@register.filter
def cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, date):
        return date_format(value, "DATE_FORMAT")
    if isinstance(value, float):
        return _number(value, 1)
    if isinstance(value, Decimal):
        return intcomma(_number(value, 2))
    if isinstance(value, int):
        return intcomma(value)
    return str(value)
