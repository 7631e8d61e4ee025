from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import AdvocacyRequest


def default_ask_message(advocacy_request: AdvocacyRequest) -> str:
    """A starting point for the personal message, carrying the request's specifics; the program
    manager edits it before sending."""
    facts = [
        f"{label}: {value}"
        for label, value in (
            (_("Industry"), advocacy_request.prospect_industry),
            (_("Segment"), advocacy_request.get_prospect_segment_display()),
            (_("Region"), advocacy_request.get_prospect_region_display()),
        )
        if value
    ]
    lines = [
        _("We are looking for a customer for a %(what)s.")
        % {"what": advocacy_request.get_request_type_display().lower()}
    ]
    if facts:
        lines.append(_("About the prospect: %(facts)s.") % {"facts": "; ".join(facts)})
    if advocacy_request.use_case:
        lines.append(_("They want to hear about: %(use_case)s.") % {"use_case": advocacy_request.use_case})
    lines.append(_("Your experience would help a lot. Would you be open to it?"))
    return "\n\n".join(lines)


class InviteForm(forms.Form):
    """Asks one or more advocates at once, with one personal message."""

    advocates = forms.MultipleChoiceField(label=gettext_lazy("Advocates to ask"), widget=forms.CheckboxSelectMultiple)
    message = forms.CharField(
        label=gettext_lazy("Personal message"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("Each advocate is greeted by name; the request's specifics are added below it."),
    )
    override_reason = forms.CharField(
        label=gettext_lazy("Why ask despite a soft rule"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy(
            "Only needed for someone inside their cooldown, outside their own preferences or on leave. "
            "The yearly cap and consent can never be overridden."
        ),
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["advocates"].choices = choices  # type: ignore[attr-defined]


class WithdrawAskForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why withdraw it?"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label=gettext_lazy("Your answer"),
        choices=[("accept", gettext_lazy("Yes, I can help")), ("decline", gettext_lazy("No, not this time"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=gettext_lazy("Anything you want us to know (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
