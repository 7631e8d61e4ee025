"""The advocate portal's forms: answering the invitation, preferences and blackout periods, consent
and the erasure request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from advocacy.forms import time_zone_choices

from ..models import CONSENT_FIELDS, ActivityPreference, ActivityType, Advocate, Channel, Consent
from ..models.choices import LANGUAGE_CHOICES


class PlainLabelsForm(forms.Form):
    """Labels without the trailing colon: they sit beside checkboxes and above short fields."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class InvitationAnswerForm(PlainLabelsForm):
    answer = forms.ChoiceField(choices=[("accept", gettext_lazy("Accept")), ("decline", gettext_lazy("Decline"))])
    reason = forms.CharField(
        label=gettext_lazy("Would you tell us why? (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# Friendly frequencies and the limits they stand for: (at most per 12 months, at least days apart).
FREQUENCY_PRESETS: dict[str, tuple[int, int]] = {
    "monthly": (12, 30),
    "quarterly": (4, 90),
    "twice_a_year": (2, 180),
    "yearly": (1, 365),
}
FREQUENCY_CHOICES = [
    ("", gettext_lazy("No limit of my own")),
    ("monthly", gettext_lazy("At most once a month")),
    ("quarterly", gettext_lazy("At most once a quarter")),
    ("twice_a_year", gettext_lazy("At most twice a year")),
    ("yearly", gettext_lazy("At most once a year")),
    ("custom", gettext_lazy("My own numbers")),
]


def _minutes_label(minutes: int) -> tuple[float, str]:
    if minutes < 60:
        return minutes, "minutes"
    if minutes < 1440:
        return minutes / 60, "hours"
    return minutes / 1440, "days"


def time_range_label(low: int, high: int) -> str:
    """How long an activity takes, in the largest unit that fits: “30–45 minutes”, “2–4 hours”."""
    low_value, low_unit = _minutes_label(low)
    high_value, high_unit = _minutes_label(high)
    units: dict[str, Callable[[str, float], str]] = {
        "minutes": lambda text, n: ngettext("%(n)s minute", "%(n)s minutes", round(n)) % {"n": text},
        "hours": lambda text, n: ngettext("%(n)s hour", "%(n)s hours", round(n)) % {"n": text},
        "days": lambda text, n: ngettext("%(n)s day", "%(n)s days", round(n)) % {"n": text},
    }
    if low_unit == high_unit:
        text = f"{low_value:g}" if low == high else f"{low_value:g}–{high_value:g}"
        return units[high_unit](text, high_value)
    return _("%(low)s to %(high)s") % {
        "low": units[low_unit](f"{low_value:g}", low_value),
        "high": units[high_unit](f"{high_value:g}", high_value),
    }


class PortalPreferencesForm(PlainLabelsForm):
    """What the advocate is willing to do, with their own limits per activity type, and how they like
    to be reached. The per-type fields are named after the activity type's key."""

    preferred_channel = forms.ChoiceField(label=gettext_lazy("How we reach you best"), choices=Channel.choices)
    time_zone = forms.ChoiceField(label=gettext_lazy("Your time zone"), required=False)
    languages = forms.MultipleChoiceField(
        label=gettext_lazy("Languages you are happy to speak with peers"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        *args: Any,
        advocate: Advocate,
        activity_types: list[ActivityType],
        preferences: dict[int, ActivityPreference],
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.activity_types = activity_types
        self.has_stated_preferences = bool(preferences)
        self.fields["time_zone"].choices = time_zone_choices(str(_("Not set")))  # type: ignore[attr-defined]
        known = {code for code, _label in LANGUAGE_CHOICES}
        extra = [(code, code) for code in advocate.language_codes if code not in known]
        self.fields["languages"].choices = [*LANGUAGE_CHOICES, *extra]  # type: ignore[attr-defined]
        self.initial.update(
            preferred_channel=advocate.preferred_channel,
            time_zone=advocate.time_zone,
            languages=advocate.language_codes,
        )
        for activity_type in activity_types:
            key = activity_type.key
            self.fields[f"{key}-willing"] = forms.BooleanField(label=activity_type.name, required=False)
            self.fields[f"{key}-frequency"] = forms.ChoiceField(
                label=gettext_lazy("How often"), choices=FREQUENCY_CHOICES, required=False
            )
            self.fields[f"{key}-max"] = forms.IntegerField(
                label=gettext_lazy("At most, per 12 months"), required=False, min_value=1, max_value=52
            )
            self.fields[f"{key}-interval"] = forms.IntegerField(
                label=gettext_lazy("At least, days apart"), required=False, min_value=1, max_value=1095
            )
            preference = preferences.get(activity_type.pk)
            if preference is None:
                continue
            self.initial[f"{key}-willing"] = True
            limits = (preference.max_per_year, preference.min_interval_days)
            preset = next((name for name, values in FREQUENCY_PRESETS.items() if values == limits), None)
            if preset is not None:
                self.initial[f"{key}-frequency"] = preset
            elif limits != (None, None):
                self.initial.update(
                    {f"{key}-frequency": "custom", f"{key}-max": limits[0], f"{key}-interval": limits[1]}
                )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.activity_types and not any(data.get(f"{t.key}-willing") for t in self.activity_types):
            # No stated preference means “anything”; someone who wants a break adds a blackout period.
            self.add_error(
                None,
                _(
                    "Choose at least one kind of activity. If you would rather not be asked for a while, "
                    "add a period when you are unavailable instead."
                ),
            )
        return data

    def willing(self) -> dict[int, dict[str, int | None]]:
        """Activity type id → the advocate's own limits, for ``preferences_set``."""
        willing: dict[int, dict[str, int | None]] = {}
        for activity_type in self.activity_types:
            key = activity_type.key
            if not self.cleaned_data.get(f"{key}-willing"):
                continue
            frequency = self.cleaned_data.get(f"{key}-frequency") or ""
            max_per_year: int | None
            interval: int | None
            if frequency in FREQUENCY_PRESETS:
                max_per_year, interval = FREQUENCY_PRESETS[frequency]
            else:
                max_per_year, interval = self.cleaned_data.get(f"{key}-max"), self.cleaned_data.get(f"{key}-interval")
            willing[activity_type.pk] = {"max_per_year": max_per_year, "min_interval_days": interval}
        return willing

    def type_rows(self) -> list[dict[str, Any]]:
        """Each activity type with its fields and what the program itself asks, for the template."""
        return [
            {
                "type": activity_type,
                "time_range": time_range_label(activity_type.min_minutes, activity_type.max_minutes),
                "willing": self[f"{activity_type.key}-willing"],
                "frequency": self[f"{activity_type.key}-frequency"],
                "max": self[f"{activity_type.key}-max"],
                "interval": self[f"{activity_type.key}-interval"],
            }
            for activity_type in self.activity_types
        ]


class BlackoutForm(PlainLabelsForm):
    starts_on = forms.DateField(label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=gettext_lazy("Until"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(
        label=gettext_lazy("Note (optional)"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("For example “parental leave” or “year-end closing”."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The end date is before the start date."))
        elif ends_on and ends_on < timezone.localdate():
            self.add_error("ends_on", _("This period is already over."))
        return data


class BlackoutRemoveForm(forms.Form):
    blackout = forms.IntegerField(widget=forms.HiddenInput)


# Plain words for what each consent allows.
CONSENT_EXPLANATIONS: dict[str, Any] = {
    Consent.NAMED: gettext_lazy(
        "We may mention your name and your company when we talk about your experience, for example "
        "to a prospect before a reference call or in a case study."
    ),
    Consent.QUOTED: gettext_lazy(
        "We may use your words as a written quote, for example on our website, in a presentation or in a case study."
    ),
    Consent.LOGO: gettext_lazy(
        "We may show your company's logo among our customers, for example on our website or in a "
        "presentation. Only agree if you may decide this for your company."
    ),
    Consent.RECORDED: gettext_lazy("We may record a call, webinar or talk you take part in, and share the recording."),
    Consent.SPEAK_PUBLICLY: gettext_lazy(
        "You are happy to be invited to speak in public: at conferences, webinars, panels or podcasts."
    ),
}


class ConsentForm(PlainLabelsForm):
    def __init__(self, *args: Any, advocate: Advocate, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for consent in Consent:
            self.fields[consent.value] = forms.BooleanField(label=consent.label, required=False)
            self.initial[consent.value] = getattr(advocate, CONSENT_FIELDS[consent])


class ErasureRequestForm(PlainLabelsForm):
    confirm = forms.BooleanField(
        label=gettext_lazy("I understand that my data will be erased and that this cannot be undone."),
        error_messages={"required": gettext_lazy("Tick the box to confirm that you want your data erased.")},
    )
