"""Advocate workflows, split by resource. Import them from here: ``from advocates import services``."""

from .accounts import account_create, account_update, health_record
from .activities import activity_record, activity_type_create, activity_type_update, activity_update_status
from .advocates import (
    ADVOCATE_EDITABLE_FIELDS,
    advocate_change_status,
    advocate_create,
    advocate_finish_onboarding,
    advocate_invite,
    advocate_nominate,
    advocate_respond_to_invitation,
    advocate_update,
    blackout_add,
    blackout_remove,
    consent_set,
    nps_record,
    preferences_set,
)

__all__ = [
    "ADVOCATE_EDITABLE_FIELDS",
    "account_create",
    "account_update",
    "activity_record",
    "activity_type_create",
    "activity_type_update",
    "activity_update_status",
    "advocate_change_status",
    "advocate_create",
    "advocate_finish_onboarding",
    "advocate_invite",
    "advocate_nominate",
    "advocate_respond_to_invitation",
    "advocate_update",
    "blackout_add",
    "blackout_remove",
    "consent_set",
    "health_record",
    "nps_record",
    "preferences_set",
]
