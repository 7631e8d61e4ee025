from __future__ import annotations

import zoneinfo
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from .models import Invitation, Membership, Organization, User
from .roles import Role


def validate_time_zone(value: str) -> None:
    if value and value not in zoneinfo.available_timezones():
        raise forms.ValidationError(
            _("“%(value)s” is not a time zone we know. Use a name such as Europe/Lisbon."),
            params={"value": value},
        )


def time_zone_choices(blank_label: str | None = None) -> list[tuple[str, str]]:
    choices = [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones()) if "/" in name]
    choices.insert(0, ("UTC", "UTC"))
    if blank_label is not None:
        choices.insert(0, ("", blank_label))
    return choices


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "language", "time_zone"]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        language = cast(forms.ChoiceField, self.fields["language"])
        language.choices = [("", _("Organisation default")), *settings.LANGUAGES]
        self.fields["time_zone"] = forms.ChoiceField(
            label=_("Time zone"),
            required=False,
            choices=time_zone_choices(str(_("Organisation default"))),
            help_text=_("Times are shown in this zone."),
        )


class OrganizationSettingsForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["name", "time_zone", "default_language", "require_mfa_for_managers"]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"] = forms.ChoiceField(label=_("Display time zone"), choices=time_zone_choices())


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    message = forms.CharField(
        label=_("Personal message"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional. Shown in the invitation email."),
    )


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=500, help_text=_("Recorded in the audit log.")
    )

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any):
        kwargs.setdefault("initial", {"role": membership.role})
        super().__init__(*args, **kwargs)


class RemoveMemberForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, help_text=_("Recorded in the audit log."))


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("What the token is for, e.g. “CRM sync”."))
    acts_as = forms.ModelChoiceField(
        label=_("Acts as"),
        queryset=User.objects.none(),
        help_text=_("The token has this member's role and nothing more."),
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any):
        super().__init__(*args, **kwargs)
        acts_as = cast(forms.ModelChoiceField, self.fields["acts_as"])
        acts_as.queryset = User.objects.filter(memberships__organization=organization).order_by("email")


class AcceptInvitationForm(forms.Form):
    """For a person who has no account yet: their name and a password."""

    full_name = forms.CharField(label=_("Your name"), max_length=200)
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(
        label=_("Password (again)"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args: Any, invitation: Invitation, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.invitation = invitation

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            try:
                password_validation.validate_password(p1, User(email=self.invitation.email))
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class AuditFilterForm(forms.Form):
    verb = forms.CharField(label=_("Event"), required=False)
    actor = forms.CharField(label=_("Who (email)"), required=False)
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("The end date is before the start date."))
        return data
