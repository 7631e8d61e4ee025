"""Forms for referrals: the advocate's introduction in the portal, and the sales team's filters,
owner assignment and status moves. They only parse; the rules live in services/referrals.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from advocacy.models import User

from ..models import REFERRAL_TRANSITIONS, Referral, ReferralStatus


class ReferralForm(forms.ModelForm):
    class Meta:
        model = Referral
        fields = ["peer_name", "peer_email", "peer_company", "peer_title", "context", "peer_agreed"]
        widgets = {"context": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "context": _("What they are looking for, and how you know them. Only our sales team reads this."),
        }

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["peer_agreed"].required = True
        self.fields["peer_agreed"].label = _("They agreed that our sales team may contact them")
        self.fields["peer_agreed"].error_messages["required"] = _(
            "Please confirm they agreed to be contacted before you refer them."
        )


class ReferralFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        initial="open",
        choices=[("open", _("Open")), ("", _("All")), *ReferralStatus.choices],
    )
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    mine = forms.BooleanField(label=_("Only mine"), required=False)

    def __init__(self, *args: Any, owners: list[User], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [  # type: ignore[attr-defined]
            ("", _("Anyone")),
            ("unassigned", _("Unassigned")),
            *[(str(user.public_id), user.display_name) for user in owners],
        ]


class ReferralAssignForm(forms.Form):
    owner = forms.ChoiceField(label=_("Sales owner"), required=False)

    def __init__(self, *args: Any, owners: list[User], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.owners = {str(user.public_id): user for user in owners}
        self.fields["owner"].choices = [  # type: ignore[attr-defined]
            ("", _("Unassigned")),
            *[(key, user.display_name) for key, user in self.owners.items()],
        ]

    def clean_owner(self) -> User | None:
        return self.owners.get(self.cleaned_data["owner"])


class ReferralTransitionForm(forms.Form):
    status = forms.ChoiceField(label=_("Move to"))
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For the sales team only; required when it is lost or not taken up."),
    )
    crm_opportunity_id = forms.CharField(label=_("CRM opportunity ID"), required=False, max_length=64)
    opportunity_value = forms.DecimalField(
        label=_("Opportunity value"), required=False, min_value=0, max_digits=14, decimal_places=2
    )

    def __init__(self, *args: Any, referral: Referral, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # Any status parses, so a move the workflow refuses reaches the service and answers 409 with
        # the reason; the menu offers only the moves allowed from here.
        self.fields["status"].choices = ReferralStatus.choices  # type: ignore[attr-defined]
        self.fields["status"].widget.choices = [
            (value, label) for value, label in ReferralStatus.choices if value in REFERRAL_TRANSITIONS[referral.status]
        ]
        self.initial.setdefault("crm_opportunity_id", referral.crm_opportunity_id)
        self.initial.setdefault("opportunity_value", referral.opportunity_value)
