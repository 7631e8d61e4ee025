"""Forms of the advocates app, split like the views: ``directory``, ``manage``, ``program`` and the
advocate ``portal``. Import them from here: ``from ..forms import InviteForm``."""

from .directory import SORT_CHOICES, AdvocateFilterForm, HealthForm
from .manage import (
    ActivityForm,
    AdvocateProfileForm,
    InviteForm,
    MemberChoiceField,
    NominateForm,
    ReasonForm,
    StatusForm,
    TierOverrideForm,
)
from .portal import (
    CONSENT_EXPLANATIONS,
    FREQUENCY_CHOICES,
    FREQUENCY_PRESETS,
    BlackoutForm,
    BlackoutRemoveForm,
    ConsentForm,
    ErasureRequestForm,
    InvitationAnswerForm,
    PlainLabelsForm,
    PortalPreferencesForm,
    time_range_label,
)
from .program import ActivityTypeForm, ProgramPolicyForm, TierPolicyForm

__all__ = [
    "CONSENT_EXPLANATIONS",
    "FREQUENCY_CHOICES",
    "FREQUENCY_PRESETS",
    "SORT_CHOICES",
    "ActivityForm",
    "ActivityTypeForm",
    "AdvocateFilterForm",
    "AdvocateProfileForm",
    "BlackoutForm",
    "BlackoutRemoveForm",
    "ConsentForm",
    "ErasureRequestForm",
    "HealthForm",
    "InvitationAnswerForm",
    "InviteForm",
    "MemberChoiceField",
    "NominateForm",
    "PlainLabelsForm",
    "PortalPreferencesForm",
    "ProgramPolicyForm",
    "ReasonForm",
    "StatusForm",
    "TierOverrideForm",
    "TierPolicyForm",
    "time_range_label",
]
