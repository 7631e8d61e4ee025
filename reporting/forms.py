"""Forms of the opportunities pages: the list's filter and the CSV import."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import OpportunityResult
from .opportunity_import import MAX_UPLOAD_BYTES


class OpportunityListForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Result"), required=False, choices=[("", _("Any result")), *OpportunityResult.choices]
    )
    q = forms.CharField(label=_("CRM ID or name"), required=False, max_length=200)

    def filters(self) -> dict[str, str]:
        if not self.is_valid():
            return {}
        return {name: value.strip() for name, value in self.cleaned_data.items() if value and value.strip()}


class OpportunityImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8, with a header row; at most 5 MB and 20,000 rows."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    valid_rows_only = forms.BooleanField(
        label=_("Import the valid rows only"),
        required=False,
        help_text=_("Without this, nothing is imported while any row has an error."),
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if (upload.size or 0) > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB: split it into several files."))
        return upload
