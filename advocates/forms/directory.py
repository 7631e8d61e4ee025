"""Filters of the advocate directory and the account page's health form."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Advocate, Region, Segment, Tier

SORT_CHOICES = [
    ("name", _("Name (A–Z)")),
    ("-name", _("Name (Z–A)")),
    ("account", _("Account")),
    ("tier", _("Tier")),
    ("last_activity", _("Most recent activity")),
    ("joined", _("Most recently joined")),
]


def _with_any(choices: Any, label: Any = None) -> list[tuple[str, Any]]:
    return [("", label or _("Any")), *choices]


class AdvocateFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.SearchInput(attrs={"placeholder": _("Name, email or account")}),
    )
    tier = forms.ChoiceField(label=_("Tier"), required=False, choices=_with_any(Tier.choices))
    status = forms.ChoiceField(label=_("Status"), required=False, choices=_with_any(Advocate.Status.choices))
    segment = forms.ChoiceField(label=_("Segment"), required=False, choices=_with_any(Segment.choices))
    region = forms.ChoiceField(label=_("Region"), required=False, choices=_with_any(Region.choices))
    industry = forms.ChoiceField(label=_("Industry"), required=False)
    product = forms.ChoiceField(label=_("Product"), required=False)
    min_capacity_remaining = forms.IntegerField(
        label=_("Asks left this year, at least"), required=False, min_value=0, max_value=50
    )
    last_activity_before = forms.DateField(
        label=_("Last activity before"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    last_activity_after = forms.DateField(
        label=_("Last activity after"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)

    def __init__(self, *args: Any, industries: list[str], products: list[str] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["industry"]).choices = _with_any([(name, name) for name in industries])
        cast(forms.ChoiceField, self.fields["product"]).choices = _with_any([(name, name) for name in products or []])


class HealthForm(forms.Form):
    health_score = forms.IntegerField(label=_("New health score"), min_value=0, max_value=100)
