"""Program settings: the program policy, the tier policies and the activity types."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import ActivityType, ProgramPolicy, TierPolicy
from ..services.activities import ACTIVITY_TYPE_FIELDS, ACTIVITY_TYPE_FIXED_FIELDS


class ProgramPolicyForm(forms.Form):
    yearly_cap = forms.IntegerField(
        label=_("Most activities asked of one advocate in 12 months"), min_value=1, max_value=24
    )
    health_threshold = forms.IntegerField(label=_("Lowest account health to be eligible"), min_value=0, max_value=100)
    tenure_months = forms.IntegerField(label=_("Months as a customer to be eligible"), min_value=0, max_value=120)
    nps_promoter_min = forms.IntegerField(label=_("Lowest NPS that counts as a promoter"), min_value=0, max_value=10)
    cooldown_days = forms.IntegerField(label=_("Days to wait after an ask"), min_value=0, max_value=365)
    ask_answer_days = forms.IntegerField(
        label=_("Days an advocate has to answer an ask"),
        min_value=1,
        max_value=60,
        help_text=_("One reminder goes out halfway; then the ask expires and the program team is told."),
    )

    @classmethod
    def for_policy(cls, policy: ProgramPolicy, data: Any = None) -> ProgramPolicyForm:
        return cls(data, initial=policy.as_dict())


class TierPolicyForm(forms.ModelForm):
    class Meta:
        model = TierPolicy
        fields = [
            "expected_min",
            "expected_max",
            "share_min",
            "share_max",
            "touch_model",
            "benefits",
            "advocate_wording",
        ]
        widgets = {"benefits": forms.Textarea(attrs={"rows": 2}), "advocate_wording": forms.Textarea(attrs={"rows": 2})}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("expected_min"), data.get("expected_max")
        if low is not None and high is not None and high < low:
            self.add_error("expected_max", _("The upper bound is below the lower one."))
        share_min, share_max = data.get("share_min"), data.get("share_max")
        if (share_min is None) != (share_max is None):
            self.add_error("share_max", _("Give both bounds of the target share, or neither."))
        elif share_min is not None and share_max is not None and share_max < share_min:
            self.add_error("share_max", _("The upper bound is below the lower one."))
        return data


class ActivityTypeForm(forms.ModelForm):
    class Meta:
        model = ActivityType
        # The key and the review flag are fixed at creation; the order is kept by the program.
        fields = [
            field for field in ACTIVITY_TYPE_FIELDS if field not in ACTIVITY_TYPE_FIXED_FIELDS and field != "sort_order"
        ]
