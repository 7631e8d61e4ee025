from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from advocacy.forms import time_zone_choices
from advocacy.models import Organization, User
from advocacy.roles import Role

from .models import (
    LANGUAGE_CHOICES,
    Activity,
    ActivityType,
    Advocate,
    CustomerAccount,
    ProgramPolicy,
    Region,
    Segment,
    Tier,
    TierPolicy,
)
from .services.activities import ACTIVITY_TYPE_FIELDS, ACTIVITY_TYPE_FIXED_FIELDS

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
        fields = ["activity_type", "occurred_on", "status", "minutes", "outcome", "crm_opportunity_id", "value"]
        widgets = {
            "occurred_on": forms.DateInput(attrs={"type": "date"}),
            "outcome": forms.Textarea(attrs={"rows": 2}),
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
        return data


class HealthForm(forms.Form):
    health_score = forms.IntegerField(label=_("New health score"), min_value=0, max_value=100)


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
