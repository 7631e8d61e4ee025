"""The forms the program team fills in for reporting: a quarter's costs, and the targets and values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from advocates.models import ActivityType
from benefits.services.budgets import quarter_date_errors

from .models import CostKind, ProgramCost
from .policy import TARGET_LABELS, ReportingPolicy, Targets
from .services import (
    ATTRIBUTION_BOUNDS,
    MONEY_MAX_DIGITS,
    SURVEY_INTERVAL_BOUNDS,
    SURVEY_OPEN_BOUNDS,
    TARGET_BOUNDS,
    CostEntry,
    quarter_errors,
)

NOTE_MAX_LENGTH = 300


def _money_field(label: Any, help_text: Any = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=0,
        max_digits=MONEY_MAX_DIGITS,
        decimal_places=2,
        help_text=help_text,
    )


class QuarterForm(forms.Form):
    """The quarter picker: any day of the quarter to show."""

    quarter = forms.DateField(label=_("Quarter"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean_quarter(self) -> date | None:
        day: date | None = self.cleaned_data.get("quarter")
        if day is not None and (errors := quarter_date_errors(day)):
            raise forms.ValidationError(errors)
        return day


class ProgramCostsForm(forms.Form):
    """One amount and note per kind of cost for one quarter. An emptied amount removes the cost."""

    quarter = forms.DateField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in CostKind:
            self.fields[f"{kind.value}_amount"] = _money_field(_("Amount"))
            self.fields[f"{kind.value}_note"] = forms.CharField(
                label=_("Note"), required=False, max_length=NOTE_MAX_LENGTH
            )

    @staticmethod
    def initial_for(quarter: date, costs: Sequence[ProgramCost]) -> dict[str, Any]:
        initial: dict[str, Any] = {"quarter": quarter}
        for cost in costs:
            initial[f"{cost.kind}_amount"] = cost.amount
            initial[f"{cost.kind}_note"] = cost.note
        return initial

    def kind_rows(self) -> list[tuple[Any, forms.BoundField, forms.BoundField]]:
        """(label, amount field, note field) per kind, for the page's table."""
        return [(kind.label, self[f"{kind.value}_amount"], self[f"{kind.value}_note"]) for kind in CostKind]

    def clean_quarter(self) -> date:
        day: date = self.cleaned_data["quarter"]
        if errors := quarter_errors(day):
            raise forms.ValidationError(errors)
        return day

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for kind in CostKind:
            note = (cleaned.get(f"{kind.value}_note") or "").strip()
            cleaned[f"{kind.value}_note"] = note
            if note and cleaned.get(f"{kind.value}_amount") is None and f"{kind.value}_amount" not in self.errors:
                self.add_error(f"{kind.value}_amount", _("Give the amount this note is about, or clear the note."))
        return cleaned

    def entries(self) -> dict[str, CostEntry | None]:
        """What to save per kind: its amount and note, or None to remove it."""
        entries: dict[str, CostEntry | None] = {}
        for kind in CostKind:
            amount: Decimal | None = self.cleaned_data.get(f"{kind.value}_amount")
            note = self.cleaned_data.get(f"{kind.value}_note") or ""
            entries[kind.value] = None if amount is None else CostEntry(amount=amount, note=note)
        return entries


def _bounded_field(name: str) -> forms.Field:
    low, high = TARGET_BOUNDS[name]
    if name == "review_average":
        return forms.DecimalField(
            label=TARGET_LABELS[name], min_value=low, max_value=high, max_digits=3, decimal_places=1
        )
    return forms.IntegerField(label=TARGET_LABELS[name], min_value=low, max_value=high)


class ReportSettingsForm(forms.Form):
    """Every yearly target, the share of won revenue attributed to the program, a value for each
    active activity type, the survey rhythm and the quarterly summary email."""

    attribution_percent = forms.IntegerField(
        label=_("Share of won revenue attributed to the program (%)"),
        min_value=ATTRIBUTION_BOUNDS[0],
        max_value=ATTRIBUTION_BOUNDS[1],
        help_text=_("Of the won value of deals the program supported, the part counted as its value in the ROI."),
    )
    survey_interval_days = forms.IntegerField(
        label=_("Days between two NPS surveys"),
        min_value=SURVEY_INTERVAL_BOUNDS[0],
        max_value=SURVEY_INTERVAL_BOUNDS[1],
    )
    survey_open_days = forms.IntegerField(
        label=_("Days a survey stays open"), min_value=SURVEY_OPEN_BOUNDS[0], max_value=SURVEY_OPEN_BOUNDS[1]
    )
    executive_summary = forms.BooleanField(label=_("Email the executive summary every quarter"), required=False)

    def __init__(self, *args: Any, activity_types: Sequence[ActivityType], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.activity_types = list(activity_types)
        self.target_names = [item.name for item in fields(Targets)]
        for name in self.target_names:
            self.fields[f"target_{name}"] = _bounded_field(name)
        for activity_type in self.activity_types:
            self.fields[f"value_{activity_type.key}"] = _money_field(
                activity_type.name, _("Leave empty when this activity has no value in the ROI.")
            )

    @staticmethod
    def initial_for(policy: ReportingPolicy, activity_types: Sequence[ActivityType]) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "attribution_percent": policy.attribution_percent,
            "survey_interval_days": policy.survey_interval_days,
            "survey_open_days": policy.survey_open_days,
            "executive_summary": policy.executive_summary,
        }
        for item in fields(Targets):
            initial[f"target_{item.name}"] = getattr(policy.targets, item.name)
        for activity_type in activity_types:
            initial[f"value_{activity_type.key}"] = policy.activity_values.get(activity_type.key)
        return initial

    def target_fields(self) -> list[forms.BoundField]:
        return [self[f"target_{name}"] for name in self.target_names]

    def value_fields(self) -> list[forms.BoundField]:
        return [self[f"value_{activity_type.key}"] for activity_type in self.activity_types]

    def survey_fields(self) -> list[forms.BoundField]:
        return [self["survey_interval_days"], self["survey_open_days"], self["executive_summary"]]

    def settings_data(self) -> dict[str, Any]:
        """The settings as ``report_settings_set`` takes them."""
        data = self.cleaned_data
        return {
            "targets": {name: data[f"target_{name}"] for name in self.target_names},
            "attribution_percent": data["attribution_percent"],
            "activity_values": {
                activity_type.key: data.get(f"value_{activity_type.key}") for activity_type in self.activity_types
            },
            "survey_interval_days": data["survey_interval_days"],
            "survey_open_days": data["survey_open_days"],
            "executive_summary": bool(data.get("executive_summary")),
        }
