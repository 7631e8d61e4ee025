from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from advocates.models import Tier

from ..models import Benefit, RewardStatus
from ..services.budgets import quarter_date_errors


class ProposeRewardForm(forms.Form):
    """Proposes a reward to the advocate (found by email address), optionally for one of their
    activities; the program manager ticks ``confirm`` after reading a value-exchange warning."""

    advocate_email = forms.EmailField(label=_("Advocate's email address"))
    activity = forms.UUIDField(label=_("For the activity"), required=False, widget=forms.HiddenInput)
    benefit: forms.ModelChoiceField[Benefit] = forms.ModelChoiceField(
        queryset=Benefit.objects.none(), label=_("Benefit"), required=False, to_field_name="public_id"
    )
    options: forms.ModelMultipleChoiceField[Benefit] = forms.ModelMultipleChoiceField(
        queryset=Benefit.objects.none(),
        label=_("Or let the advocate choose among"),
        required=False,
        to_field_name="public_id",
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    confirm = forms.BooleanField(label=_("I have read the warning; propose it anyway"), required=False)

    def __init__(self, *args: Any, benefits: QuerySet[Benefit], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["benefit"].queryset = benefits  # type: ignore[attr-defined]
        self.fields["options"].queryset = benefits  # type: ignore[attr-defined]


class RewardApproveForm(forms.Form):
    confirm = forms.BooleanField(label=_("I have read the warning; approve it anyway"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class RewardStatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Move to"),
        choices=[
            (status.value, status.label)
            for status in (RewardStatus.ORDERED, RewardStatus.SHIPPED, RewardStatus.DELIVERED, RewardStatus.CANCELLED)
        ],
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class RewardChooseForm(forms.Form):
    benefit = forms.UUIDField(label=_("Your choice"))


class ShippingAddressForm(forms.Form):
    shipping_address = forms.CharField(
        label=_("Shipping address"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Used only to send this and erased once it is delivered."),
    )


class GiftPreferenceForm(forms.Form):
    prefers_no_gifts = forms.BooleanField(label=_("I prefer no gifts"), required=False)


class BudgetForm(forms.Form):
    quarter_start = forms.DateField(
        label=_("Quarter starting"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The first day of the quarter: 1 January, 1 April, 1 July or 1 October."),
    )
    tier = forms.ChoiceField(label=_("Tier"), choices=[("", _("The whole program")), *Tier.choices], required=False)
    amount = forms.DecimalField(label=_("Amount"), min_value=0, max_digits=12, decimal_places=2)
    enforced = forms.BooleanField(label=_("Refuse rewards beyond it"), required=False)

    def clean_quarter_start(self) -> date:
        day: date = self.cleaned_data["quarter_start"]
        if errors := quarter_date_errors(day):
            raise forms.ValidationError(errors)
        return day


class SpendQuarterForm(forms.Form):
    quarter = forms.DateField(label=_("Quarter"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean_quarter(self) -> date | None:
        day: date | None = self.cleaned_data.get("quarter")
        if day is not None and (errors := quarter_date_errors(day)):
            raise forms.ValidationError(errors)
        return day
