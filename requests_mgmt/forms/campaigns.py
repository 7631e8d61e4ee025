from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from advocates.models import LANGUAGE_CHOICES, Region, Segment, Tier

from ..models import Ask, Campaign


class CampaignForm(forms.ModelForm):
    """Parses the campaign; the rules (neutral review wording, a future closing day) are the
    service's, so the web and the API refuse the same things."""

    class Meta:
        model = Campaign
        fields = ["kind", "name", "message", "site_name", "site_url", "closes_on"]
        widgets = {
            "closes_on": forms.DateInput(attrs={"type": "date"}),
            "message": forms.Textarea(attrs={"rows": 6}),
        }
        help_texts = {
            "message": _(
                "For a review campaign, ask for an honest review: never a positive one, and never with a reward."
            ),
            "site_name": _("Review campaigns only."),
            "site_url": _("Review campaigns only: where advocates write the review."),
        }

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["closes_on"].widget.attrs["min"] = timezone.localdate().isoformat()
        for name in ("message", "site_name", "site_url"):
            # Required or not depends on the kind: the service says which.
            self.fields[name].required = False


class AudienceForm(forms.Form):
    """Who the campaign is for. Empty filters mean everyone."""

    tiers = forms.MultipleChoiceField(
        label=_("Tier"), required=False, choices=Tier.choices, widget=forms.CheckboxSelectMultiple
    )
    segments = forms.MultipleChoiceField(
        label=_("Segment"), required=False, choices=Segment.choices, widget=forms.CheckboxSelectMultiple
    )
    regions = forms.MultipleChoiceField(
        label=_("Region"), required=False, choices=Region.choices, widget=forms.CheckboxSelectMultiple
    )
    industries = forms.MultipleChoiceField(label=_("Industry"), required=False)
    accounts = forms.MultipleChoiceField(label=_("Account"), required=False)
    languages = forms.MultipleChoiceField(
        label=_("Language"), required=False, choices=LANGUAGE_CHOICES, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, choices: dict[str, list[tuple[str, str]]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["industries"].choices = choices["industries"]  # type: ignore[attr-defined]
        self.fields["accounts"].choices = choices["accounts"]  # type: ignore[attr-defined]
        for name in ("industries", "accounts"):
            self.fields[name].widget.attrs["size"] = 6


class CloseCampaignForm(forms.Form):
    reason = forms.CharField(
        label=_("Note (optional)"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class AskStatusFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All")), *Ask.Status.choices])
