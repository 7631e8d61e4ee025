from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class AppreciationRulesForm(forms.Form):
    value_per_hour_min = forms.IntegerField(
        label=_("Warn when a reward is worth less than this per hour given"), min_value=0, max_value=100_000
    )
    value_per_hour_max = forms.IntegerField(
        label=_("Warn when a reward is worth more than this per hour given"), min_value=0, max_value=100_000
    )
    experience_after_activities = forms.IntegerField(
        label=_("Activities in a year that earn a premium thank-you"), min_value=1, max_value=24
    )
    executive_note_threshold = forms.DecimalField(
        label=_("Value from which an executive writes the personal note"),
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text=_("The activity's value, or the deal value of the request it served. Platinum advocates always."),
    )
