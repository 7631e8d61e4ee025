from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import AdvocacyRequest, RequestStatus, RequestType


class AdvocacyRequestForm(forms.ModelForm):
    """The intake form. Which request types are offered depends on who is asking."""

    class Meta:
        model = AdvocacyRequest
        fields = [
            "request_type",
            "prospect_company",
            "prospect_industry",
            "prospect_segment",
            "prospect_region",
            "products",
            "use_case",
            "seniority_wanted",
            "language",
            "deal_value",
            "crm_opportunity_id",
            "needed_by",
            "notes",
        ]
        labels = {"request_type": _("What do you need?")}
        widgets = {
            "needed_by": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "prospect_company": _("Who the advocate would talk to or be shown to."),
            "deal_value": _("Expected value of the opportunity, if there is one."),
            "crm_opportunity_id": _("Links the request to your CRM so its impact can be measured."),
        }

    def __init__(self, *args: Any, allowed_types: tuple[str, ...], **kwargs: Any):
        super().__init__(*args, **kwargs)
        labels = dict(RequestType.choices)
        self.fields["request_type"].choices = [(value, labels[value]) for value in allowed_types]  # type: ignore[attr-defined]
        self.fields["needed_by"].widget.attrs["min"] = timezone.localdate().isoformat()

    def clean_needed_by(self) -> Any:
        needed_by = self.cleaned_data["needed_by"]
        if needed_by < timezone.localdate():
            raise forms.ValidationError(_("The needed-by date cannot be in the past."))
        return needed_by

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("request_type") == RequestType.REFERENCE_CALL and not data.get("prospect_company"):
            self.add_error("prospect_company", _("A reference call needs the prospect's company."))
        return data


class CancelRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is it no longer needed?"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class RequestFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("open", _("Open")), ("", _("All")), *RequestStatus.choices],
    )
    request_type = forms.ChoiceField(label=_("Type"), required=False, choices=[("", _("Any")), *RequestType.choices])


class TransitionForm(forms.Form):
    status = forms.ChoiceField(label=_("Move to"))
    reason = forms.CharField(
        label=_("Note for the requester"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when the request is given up as unfulfilled."),
    )

    def __init__(self, *args: Any, advocacy_request: AdvocacyRequest, **kwargs: Any):
        super().__init__(*args, **kwargs)
        labels = dict(RequestStatus.choices)
        choices = [(status, labels[status]) for status in advocacy_request.manual_next_statuses()]
        self.fields["status"].choices = choices  # type: ignore[attr-defined]
