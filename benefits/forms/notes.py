"""The personal note an executive, a CSM or the program team writes to an advocate."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..services.thank_yous import NOTE_MAX_LENGTH


class PersonalNoteForm(forms.Form):
    note = forms.CharField(
        label=_("Your note"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Sent to the advocate in your name, and kept on their timeline."),
    )
