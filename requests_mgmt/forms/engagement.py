"""Forms of scheduling, briefing, completion and feedback. They only parse; the rules live in
``services/scheduling.py`` and ``services/completion.py``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from ..models import Ask, DealResult, TimeSlot

SLOT_FIELDS = ("start_1", "start_2", "start_3")


def slot_value(moment: datetime) -> str:
    """How a proposed time is named in a form: its start in UTC (slots have no public id)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class ProposeTimesForm(forms.Form):
    """Up to three times at once, entered in the viewer's own time zone (the active one)."""

    start_1 = forms.DateTimeField(label=_("Time"), widget=DateTimeLocalInput())
    start_2 = forms.DateTimeField(label=_("Another time (optional)"), required=False, widget=DateTimeLocalInput())
    start_3 = forms.DateTimeField(label=_("Another time (optional)"), required=False, widget=DateTimeLocalInput())
    duration_minutes = forms.IntegerField(label=_("Length (minutes)"), min_value=5, max_value=480, initial=30)
    meeting_location = forms.CharField(label=_("Where (link or address)"), max_length=500, required=False)

    def starts(self) -> list[datetime]:
        return [self.cleaned_data[name] for name in SLOT_FIELDS if self.cleaned_data.get(name)]


class ChooseTimeForm(forms.Form):
    starts_at = forms.ChoiceField(label=_("Time"), widget=forms.RadioSelect)

    def __init__(self, *args: Any, slots: list[TimeSlot], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.slots = {slot_value(slot.starts_at): slot for slot in slots}
        field = self.fields["starts_at"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (value, date_format(timezone.localtime(slot.starts_at), "DATETIME_FORMAT"))
            for value, slot in self.slots.items()
        ]

    def chosen(self) -> datetime:
        return self.slots[self.cleaned_data["starts_at"]].starts_at


class BriefingForm(forms.ModelForm):
    class Meta:
        model = Ask
        fields = ["advocate_briefing", "requester_briefing", "meeting_location"]
        labels = {
            "advocate_briefing": _("Briefing for the advocate"),
            "requester_briefing": _("Briefing for the requester"),
        }
        help_texts = {
            "advocate_briefing": _("Shown in the advocate's portal and invitation. Never the deal value."),
            "requester_briefing": _("Shown only to your team."),
        }
        widgets = {
            "advocate_briefing": forms.Textarea(attrs={"rows": 4}),
            "requester_briefing": forms.Textarea(attrs={"rows": 4}),
        }


class CompleteForm(forms.Form):
    occurred_on = forms.DateField(
        label=_("Date it took place"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for the scheduled day, or today."),
    )
    minutes = forms.IntegerField(label=_("Time it took (minutes)"), required=False, min_value=1, max_value=1440)
    note = forms.CharField(
        label=_("How it went"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The advocate sees this in their history."),
    )


class CancelMeetingForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the meeting called off?"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


CALL_HELD_CHOICES = [("", _("Not known yet")), ("yes", _("Yes")), ("no", _("No"))]


def _call_held(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class OutcomeForm(forms.Form):
    call_held = forms.TypedChoiceField(
        label=_("Did the conversation take place?"),
        choices=CALL_HELD_CHOICES,
        coerce=_call_held,
        empty_value=None,
        required=False,
    )
    deal_result = forms.ChoiceField(label=_("Deal"), choices=[("", "—"), *DealResult.choices], required=False)
    deal_value = forms.DecimalField(label=_("Deal value"), required=False, min_value=0, max_digits=14, decimal_places=2)
    usage = forms.CharField(
        label=_("How the contribution was used"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The advocate is told what you write here."),
    )

    @staticmethod
    def initial_for(outcome: Any) -> dict[str, Any]:
        if outcome is None:
            return {}
        held = {True: "yes", False: "no"}.get(outcome.call_held, "")
        return {
            "call_held": held,
            "deal_result": outcome.deal_result,
            "deal_value": outcome.deal_value,
            "usage": outcome.usage,
        }


RATING_CHOICES = [(value, str(value)) for value in range(1, 6)]


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How did it go for you? (1 = poorly, 5 = very well)"),
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything you would like us to know? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
