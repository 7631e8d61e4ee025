from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Advocate, Region, Segment, Tier

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
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)

    def __init__(self, *args: Any, industries: list[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["industry"].choices = _with_any([(name, name) for name in industries])  # type: ignore[attr-defined]
