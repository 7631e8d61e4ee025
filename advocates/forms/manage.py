"""The program team's forms for one advocate: profile, lifecycle (nomination, invitation, status,
tier) and recorded activities."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from advocacy.forms import time_zone_choices
from advocacy.models import Organization, User
from advocacy.roles import Role

from ..models import LANGUAGE_CHOICES, Activity, ActivityType, Advocate, CustomerAccount, Tier


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the history."),
    )


class NominateForm(ReasonForm):
    reason = forms.CharField(
        label=_("Why would they make a good advocate?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The program team reads this when deciding whom to invite."),
    )


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.display_name} ({obj.email})"


class InviteForm(forms.Form):
    sender = MemberChoiceField(
        label=_("Sent in the name of"),
        queryset=User.objects.none(),
        help_text=_("Platinum invitations go out in an executive's name."),
    )
    message = forms.CharField(
        label=_("Personal message"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Say why you thought of them and what taking part would mean."),
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any):
        super().__init__(*args, **kwargs)
        sender = cast(MemberChoiceField, self.fields["sender"])
        sender.queryset = User.objects.filter(
            memberships__organization=organization,
            memberships__role__in=[Role.EXECUTIVE, Role.PROGRAM_MANAGER, Role.ADMIN],
        ).order_by("full_name", "email")


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"))
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, advocate: Advocate, **kwargs: Any):
        super().__init__(*args, **kwargs)
        allowed = [
            (value, label)
            for value, label in Advocate.Status.choices
            if advocate.can_transition_to(value) and value not in (Advocate.Status.INVITED, Advocate.Status.NOMINATED)
        ]
        cast(forms.ChoiceField, self.fields["status"]).choices = allowed


class TierOverrideForm(forms.Form):
    tier = forms.ChoiceField(label=_("Tier"), choices=Tier.choices)
    reason = forms.CharField(
        label=_("Why this tier?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required, and kept with the change. The advocate never sees it."),
    )


class ActivityForm(forms.ModelForm):
    # The queryset is the organisation's types, set per form: nothing is listed before that.
    activity_type = forms.ModelChoiceField(label=_("Activity"), queryset=None)  # type: ignore[var-annotated]

    class Meta:
        model = Activity
        fields = [
            "activity_type",
            "occurred_on",
            "status",
            "minutes",
            "outcome",
            "crm_opportunity_id",
            "value",
            "rating",
        ]
        widgets = {
            "occurred_on": forms.DateInput(attrs={"type": "date"}),
            "outcome": forms.Textarea(attrs={"rows": 2}),
            "rating": forms.NumberInput(attrs={"min": 1, "max": 5}),
        }

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any):
        kwargs.setdefault("initial", {"occurred_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        activity_type = cast(forms.ModelChoiceField, self.fields["activity_type"])
        activity_type.queryset = ActivityType.objects.filter(organization=organization, active=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        occurred_on = data.get("occurred_on")
        if occurred_on and data.get("status") == Activity.Status.COMPLETED and occurred_on > timezone.localdate():
            self.add_error("occurred_on", _("A completed activity cannot be in the future."))
        activity_type = data.get("activity_type")
        if data.get("rating") is not None and activity_type is not None and not activity_type.is_review:
            self.add_error(
                "rating", _("Only a review-site review has a star rating: leave it empty for this activity.")
            )
        return data


class AdvocateProfileForm(forms.ModelForm):
    """Who the advocate is. Tier and status change through their own actions, with reasons."""

    account = forms.ModelChoiceField(label=_("Account"), queryset=None)  # type: ignore[var-annotated]
    language_codes = forms.MultipleChoiceField(
        label=_("Languages"), required=False, choices=LANGUAGE_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    time_zone = forms.ChoiceField(label=_("Time zone"), required=False)
    nps_score = forms.IntegerField(
        label=_("Latest NPS"),
        required=False,
        min_value=0,
        max_value=10,
        help_text=_("Recorded in the NPS history with today's date."),
    )

    class Meta:
        model = Advocate
        fields = [
            "account",
            "full_name",
            "email",
            "title",
            "seniority",
            "time_zone",
            "preferred_channel",
            "outcomes",
            "use_cases",
            "tags",
        ]
        widgets = {"outcomes": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"tags": _("Separated by commas.")}

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any):
        instance = kwargs.get("instance")
        if instance is not None and instance.pk:
            kwargs.setdefault("initial", {})
            kwargs["initial"].update(language_codes=instance.language_codes, nps_score=instance.nps_score)
        super().__init__(*args, **kwargs)
        account = cast(forms.ModelChoiceField, self.fields["account"])
        account.queryset = CustomerAccount.objects.filter(organization=organization).order_by("name")
        cast(forms.ChoiceField, self.fields["time_zone"]).choices = time_zone_choices(str(_("Not known")))

    def service_data(self) -> dict[str, Any]:
        data = {field: self.cleaned_data[field] for field in self.Meta.fields}
        data["languages"] = " ".join(self.cleaned_data["language_codes"])
        if self.cleaned_data.get("nps_score") is not None:
            data["nps_score"] = self.cleaned_data["nps_score"]
        return data
