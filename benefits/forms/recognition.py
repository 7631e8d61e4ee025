"""Forms for recognition nominations. They only parse; the rules live in services/recognition.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Nomination


class NominationFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All")), *Nomination.Status.choices])
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All")), *Nomination.Kind.choices])


class AdvocateSearchForm(forms.Form):
    q = forms.CharField(label=_("Find an advocate"), required=False, max_length=100)


class NominationForm(forms.ModelForm):
    advocate = forms.UUIDField(widget=forms.HiddenInput)

    class Meta:
        model = Nomination
        fields = ["kind", "title", "reason"]
        widgets = {"kind": forms.RadioSelect, "reason": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "title": _("For example “Customer of the quarter” or “Community hero 2025”."),
            "reason": _("What they did that deserves it. The program team reads this before deciding."),
        }

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class NominationDecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        choices=[(Nomination.Status.ACCEPTED, _("Accept")), (Nomination.Status.DECLINED, _("Decline"))],
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For the program team's records; the advocate does not see it."),
    )
