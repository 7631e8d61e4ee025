"""Forms of content approvals: the draft, a decision on a step, a publication, and the list filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from advocacy.models import Organization, User
from advocates.models import Advocate

from ..models import AdvocacyRequest, ApprovalKind, ContentKind, ContentStatus, Publication, RequestType
from ..services.content import approver_candidates


class ApproverChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.display_name} ({obj.email})" if obj.full_name else str(obj.email)


class ContentDraftForm(forms.Form):
    """The draft and who approves it. Advocate, kind and request are chosen once, at creation."""

    advocate: forms.ModelChoiceField[Advocate] = forms.ModelChoiceField(
        label=_("Advocate"), queryset=Advocate.objects.none(), to_field_name="public_id"
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=ContentKind.choices)
    request: forms.ModelChoiceField[AdvocacyRequest] = forms.ModelChoiceField(
        label=_("For the request"),
        queryset=AdvocacyRequest.objects.none(),
        to_field_name="public_id",
        required=False,
        widget=forms.HiddenInput,
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Draft"), max_length=20000, widget=forms.Textarea(attrs={"rows": 14}))
    draft_url = forms.URLField(
        label=_("Link to the draft"),
        required=False,
        help_text=_("Optional: where the designed version lives."),
    )
    legal_approver = ApproverChoiceField(label=_("Legal approver"), queryset=User.objects.none())
    pr_approver = ApproverChoiceField(label=_("PR approver"), queryset=User.objects.none())

    def __init__(self, *args: Any, organization: Organization, creating: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        candidates = approver_candidates(organization=organization)
        self.fields["legal_approver"].queryset = candidates  # type: ignore[attr-defined]
        self.fields["pr_approver"].queryset = candidates  # type: ignore[attr-defined]
        if creating:
            self.fields["advocate"].queryset = (  # type: ignore[attr-defined]
                Advocate.objects.filter(organization=organization, anonymised_at__isnull=True)
                .select_related("account")
                .order_by("full_name")
            )
            self.fields["request"].queryset = AdvocacyRequest.objects.filter(  # type: ignore[attr-defined]
                organization=organization, request_type__in=(RequestType.CASE_STUDY, RequestType.TESTIMONIAL)
            )
        else:
            for name in ("advocate", "kind", "request"):
                del self.fields[name]


class StepDecisionForm(forms.Form):
    step = forms.ChoiceField(choices=ApprovalKind.choices, widget=forms.HiddenInput)
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label=_("Your decision"),
        choices=[("approve", _("Approve")), ("reject", _("Ask for changes"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you ask for changes."),
    )


class PublicationForm(forms.Form):
    """Where the piece is used; the rules on the dates are the service's."""

    channel = forms.ChoiceField(label=_("Channel"), choices=Publication.Channel.choices)
    where = forms.CharField(
        label=_("Where exactly"),
        required=False,
        max_length=500,
        help_text=_("A page address, a deck, an event: enough to find it again."),
    )
    permitted_from = forms.DateField(
        label=_("May be used from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Today when left empty."),
    )
    permitted_until = forms.DateField(
        label=_("May be used until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty when the permission has no end."),
    )


class WithdrawPublicationForm(forms.Form):
    reason = forms.CharField(label=_("Why (optional)"), required=False, max_length=500)


class ContentFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All")), *ContentStatus.choices])
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Any")), *ContentKind.choices])
    usage = forms.ChoiceField(
        label=_("Permissions"),
        required=False,
        choices=[("", _("Any")), ("expiring", _("Expiring within 30 days")), ("expired", _("Expired"))],
    )
