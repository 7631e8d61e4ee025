from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html, format_html_join

from ..audit import verb_label as _verb_label

register = template.Library()


@register.filter
def verb_label(verb: str) -> str:
    return _verb_label(verb)


@register.simple_tag
def audit_details(data: dict[str, Any]) -> str:
    """Renders an event's payload as short 'key: value' lines; changes show as 'from → to'."""
    if not data:
        return ""
    rows = []
    for key, value in data.items():
        if isinstance(value, dict) and set(value) == {"from", "to"}:
            value = f"{value['from'] if value['from'] not in (None, '') else '—'} → {value['to']}"
        elif isinstance(value, list):
            value = ", ".join(str(item) for item in value)
        rows.append((key.replace("_", " "), value))
    return format_html("<dl class='facts'>{}</dl>", format_html_join("", "<dt>{}</dt><dd>{}</dd>", rows))
