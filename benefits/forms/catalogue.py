from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from advocates.models import Tier

from ..models import Benefit


class BenefitForm(forms.ModelForm):
    tiers = forms.MultipleChoiceField(
        label=_("Tiers it is offered to"),
        choices=Tier.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every tier."),
    )

    class Meta:
        model = Benefit
        fields = [
            "name",
            "kind",
            "description",
            "value",
            "cost",
            "tiers",
            "stock",
            "digital",
            "needs_shipping",
            "active",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("digital") and data.get("needs_shipping"):
            self.add_error("needs_shipping", _("A benefit delivered digitally does not need a shipping address."))
        return data

    def _post_clean(self) -> None:
        # Uniqueness and the rest are the service's to check: the instance is not saved by the form.
        pass
