"""The organisation's appreciation rules: the value-for-time bounds, when a year of contributions
earns the premium level, and the value from which an executive writes the personal note."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from advocacy.audit import audit_log
from advocacy.errors import ValidationFailed
from advocacy.models import Organization, User

from .rewards import appreciation_settings
from .thank_yous import executive_note_threshold


def appreciation_rules(organization: Organization) -> dict[str, Any]:
    return {**appreciation_settings(organization), "executive_note_threshold": executive_note_threshold(organization)}


@transaction.atomic
def appreciation_rules_set(
    *, organization: Organization, actor: User, data: dict[str, Any], request: HttpRequest | None = None
) -> dict[str, Any]:
    locked = Organization.objects.select_for_update().get(pk=organization.pk)
    current = appreciation_rules(locked)
    low, high = data["value_per_hour_min"], data["value_per_hour_max"]
    if high < low:
        raise ValidationFailed({"value_per_hour_max": [_("The upper bound cannot be below the lower one.")]})
    stored = {
        "value_per_hour_min": int(low),
        "value_per_hour_max": int(high),
        "experience_after_activities": int(data["experience_after_activities"]),
        "executive_note_threshold": str(Decimal(data["executive_note_threshold"])),
    }
    changes = {
        key: {"from": str(current[key]), "to": str(value)}
        for key, value in stored.items()
        if str(current[key]) != str(value)
    }
    if changes:
        locked.settings = {**(locked.settings or {}), "appreciation": stored}
        locked.save(update_fields=["settings"])
        audit_log(
            organization=locked,
            actor=actor,
            verb="appreciation.rules_changed",
            target=locked,
            data=changes,
            request=request,
        )
    organization.settings = locked.settings
    return appreciation_rules(locked)
