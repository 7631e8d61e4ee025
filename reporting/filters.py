"""The filter every report page shares: a date range, the customer segment and an activity type.

A reversed or absurd range is refused with a clear message and the page falls back to the last
twelve months; an activity type that is not the organisation's is ignored as not found."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from advocacy.models import Organization
from advocates.models import ActivityType, Segment

EARLIEST = date(2000, 1, 1)
LONGEST = timedelta(days=3660)  # ten years
NO_SEGMENT = "none"


@dataclass(frozen=True)
class ReportFilter:
    start: date
    end: date
    segment: str = ""  # "" all, NO_SEGMENT accounts without one, else a Segment value
    activity_type: ActivityType | None = None

    @classmethod
    def default(cls, today: date | None = None) -> ReportFilter:
        today = today or timezone.localdate()
        return cls(start=today - timedelta(days=364), end=today)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def segment_value(self) -> str | None:
        """The value stored for the segment filter: None for all, "" for accounts without one."""
        if not self.segment:
            return None
        return "" if self.segment == NO_SEGMENT else self.segment

    def params(self) -> dict[str, str]:
        params = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        if self.segment:
            params["segment"] = self.segment
        if self.activity_type is not None:
            params["activity_type"] = str(self.activity_type.public_id)
        return params

    def querystring(self) -> str:
        return urlencode(self.params())

    def previous(self) -> ReportFilter:
        """The same span just before this one, for comparisons."""
        length = self.end - self.start
        end = self.start - timedelta(days=1)
        return ReportFilter(start=end - length, end=end, segment=self.segment, activity_type=self.activity_type)


class ReportFilterForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    segment = forms.ChoiceField(label=_("Segment"), required=False)
    activity_type = forms.ChoiceField(label=_("Activity type"), required=False)

    def __init__(self, *args: object, organization: Organization, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.organization = organization
        self.not_found: list[str] = []
        self.fields["segment"].choices = [  # type: ignore[attr-defined]
            ("", _("All segments")),
            *Segment.choices,
            (NO_SEGMENT, _("No segment recorded")),
        ]
        self.types = list(ActivityType.objects.filter(organization=organization).order_by("sort_order", "name"))
        self.fields["activity_type"].choices = [  # type: ignore[attr-defined]
            ("", _("All activity types")),
            *((str(item.public_id), item.name) for item in self.types),
        ]

    def clean_activity_type(self) -> ActivityType | None:
        raw = (self.data.get("activity_type") or "").strip()
        if not raw:
            return None
        return next((item for item in self.types if str(item.public_id) == raw), None)

    def clean_segment(self) -> str:
        return self.cleaned_data.get("segment") or ""

    def full_clean(self) -> None:
        # An unknown activity type is ignored, not an error: take it out before choice validation.
        if self.is_bound and self.data.get("activity_type"):
            known = {str(item.public_id) for item in self.types}
            if self.data.get("activity_type") not in known:
                data = self.data.copy()  # type: ignore[attr-defined]
                data["activity_type"] = ""
                self.data = data
                self.not_found.append(str(_("That activity type was not found; all activity types are shown.")))
        super().full_clean()

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        default = ReportFilter.default()
        start = cleaned.get("start") or (
            cleaned["end"] - (default.end - default.start) if cleaned.get("end") else default.start
        )
        end = cleaned.get("end") or default.end
        today = timezone.localdate()
        if start > end:
            raise forms.ValidationError(_("The start date is after the end date."), code="reversed")
        if start < EARLIEST:
            raise forms.ValidationError(
                _("Reports start on %(date)s at the earliest.") % {"date": EARLIEST.isoformat()}, code="too_early"
            )
        if end > today + timedelta(days=366):
            raise forms.ValidationError(_("The range ends more than a year from today."), code="too_late")
        if end - start > LONGEST:
            raise forms.ValidationError(_("A range can cover at most ten years."), code="too_long")
        cleaned["start"], cleaned["end"] = start, end
        return cleaned

    def report_filter(self) -> ReportFilter:
        """The filter to show: the valid one asked for, else the default range (with the errors shown)."""
        if not self.is_valid():
            return ReportFilter.default()
        return ReportFilter(
            start=self.cleaned_data["start"],
            end=self.cleaned_data["end"],
            segment=self.cleaned_data.get("segment") or "",
            activity_type=self.cleaned_data.get("activity_type"),
        )


def parse_filter(data: Any, organization: Organization) -> tuple[ReportFilter, ReportFilterForm]:
    """The filter a page shows and its form. Without a query string: the last twelve months."""
    if not data:
        report_filter = ReportFilter.default()
        return report_filter, ReportFilterForm(initial=report_filter.params(), organization=organization)
    form = ReportFilterForm(data, organization=organization)
    return form.report_filter(), form
