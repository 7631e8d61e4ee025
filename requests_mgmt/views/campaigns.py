"""Campaign pages for marketing and the program team: the list, a new campaign, its audience with a
preview of who passes the rules, sending, the responses, and closing."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from advocacy.errors import ConflictError
from advocacy.roles import Capability
from advocacy.tenancy import TenantRequest, organization_view

from .. import selectors_campaigns as selectors
from ..forms.campaigns import AskStatusFilterForm, AudienceForm, CampaignForm, CloseCampaignForm
from ..models import Ask, Campaign
from ..services import campaigns as services
from ..services.completion import ask_complete
from .form_submission import submit_form


def _require_campaigns(request: TenantRequest) -> None:
    if not services.can_run_campaigns(request.membership):
        raise PermissionDenied(_("Campaigns are run by marketing and the program team."))


def _campaign(request: TenantRequest, public_id: Any) -> Campaign:
    _require_campaigns(request)
    campaigns = Campaign.objects.filter(organization=request.organization).select_related(
        "organization", "request", "created_by"
    )
    return get_object_or_404(campaigns, public_id=public_id)


@organization_view(Capability.CAMPAIGNS)
def campaign_list(request: TenantRequest, org_slug: str) -> HttpResponse:
    _require_campaigns(request)
    campaigns = Campaign.objects.filter(organization=request.organization).select_related("created_by")
    page = Paginator(campaigns, 25).get_page(request.GET.get("page"))
    summaries = selectors.campaign_summaries(organization=request.organization, campaigns=list(page))
    rows = [(campaign, summaries[campaign.pk]) for campaign in page]
    return render(request, "requests_mgmt/campaign_list.html", {"page": page, "rows": rows, "querystring": ""})


@organization_view(Capability.CAMPAIGNS)
@require_http_methods(["GET", "POST"])
def campaign_create(request: TenantRequest, org_slug: str) -> HttpResponse:
    _require_campaigns(request)
    form = CampaignForm(request.POST or None)

    def create() -> HttpResponse:
        campaign = services.campaign_create(
            organization=request.organization, actor=request.user, data=form.cleaned_data, request=request
        )
        messages.success(request, _("The campaign was created. Choose who it is for, then send it."))
        return redirect("campaigns:campaign-audience", org_slug=org_slug, public_id=campaign.public_id)

    outcome = submit_form(form, create) if form.is_bound else 200
    if isinstance(outcome, HttpResponse):
        return outcome
    return render(request, "requests_mgmt/campaign_form.html", {"form": form}, status=outcome)


@organization_view(Capability.CAMPAIGNS)
def campaign_detail(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    campaign = _campaign(request, public_id)
    return _render_detail(request, campaign)


def _render_detail(
    request: TenantRequest, campaign: Campaign, *, close_form: CloseCampaignForm | None = None, status: int = 200
) -> HttpResponse:
    filter_form = AskStatusFilterForm(request.GET or None)
    ask_status = filter_form.cleaned_data["status"] if filter_form.is_valid() else ""
    page = Paginator(selectors.campaign_asks(campaign=campaign, status=ask_status), 50).get_page(
        request.GET.get("page")
    )
    querystring = request.GET.copy()
    querystring.pop("page", None)
    return render(
        request,
        "requests_mgmt/campaign_detail.html",
        {
            "campaign": campaign,
            "summary": selectors.campaign_response_summary(campaign=campaign),
            "page": page,
            "querystring": querystring.urlencode(),
            "filter_form": filter_form,
            "message_text": services.campaign_message_text(campaign),
            "sending_log": selectors.campaign_sending_log(campaign=campaign),
            "close_form": close_form or CloseCampaignForm(),
        },
        status=status,
    )


@organization_view(Capability.CAMPAIGNS)
def campaign_audience(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    """Choose who the campaign is for and see, before sending, who passes the rules."""
    campaign = _campaign(request, public_id)
    return _render_audience(request, campaign, AudienceForm(request.GET or None, choices=_choices(request)))


def _choices(request: TenantRequest) -> dict[str, list[tuple[str, str]]]:
    return selectors.audience_choices(organization=request.organization)


def _render_audience(
    request: TenantRequest, campaign: Campaign, form: AudienceForm, *, error: str = "", status: int = 200
) -> HttpResponse:
    preview = None
    audience = None
    if not form.is_bound or form.is_valid():
        audience = selectors.Audience.from_data(form.cleaned_data if form.is_bound else {})
        if campaign.status != Campaign.Status.CLOSED:
            preview = selectors.audience_preview(campaign=campaign, audience=audience)
    return render(
        request,
        "requests_mgmt/campaign_audience.html",
        {
            "campaign": campaign,
            "form": form,
            "preview": preview,
            "audience_items": _audience_items(audience),
            "error": error,
        },
        status=400 if form.is_bound and form.errors else status,
    )


def _audience_items(audience: selectors.Audience | None) -> list[tuple[str, str]]:
    """The chosen filters as (name, value) pairs, carried from the preview to the send form."""
    if audience is None:
        return []
    return [(name, value) for name, values in audience.as_dict().items() for value in values]


@organization_view(Capability.CAMPAIGNS)
@require_POST
def campaign_send(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    campaign = _campaign(request, public_id)
    form = AudienceForm(request.POST, choices=_choices(request))

    def send() -> HttpResponse:
        audience = selectors.Audience.from_data(form.cleaned_data)
        result = services.campaign_send(campaign=campaign, actor=request.user, audience=audience, request=request)
        batch = result.first_batch
        if result.continues_in_background:
            messages.success(
                request,
                _("%(asked)s advocates asked so far; the rest of the %(eligible)s are being asked in the background.")
                % {"asked": batch.asked, "eligible": result.eligible},
            )
        else:
            messages.success(
                request,
                _("%(asked)s advocates asked; %(skipped)s left out by the rules.")
                % {"asked": batch.asked, "skipped": sum(result.left_out.values()) + batch.skipped_total},
            )
        return redirect("campaigns:campaign-detail", org_slug=org_slug, public_id=public_id)

    def refused(reason: str) -> HttpResponse:
        campaign.refresh_from_db()
        return _render_audience(request, campaign, form, error=reason, status=409)

    outcome = submit_form(form, send, on_conflict=refused)
    if isinstance(outcome, HttpResponse):
        return outcome
    return _render_audience(request, campaign, form)


@organization_view(Capability.CAMPAIGNS)
@require_POST
def campaign_close(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    campaign = _campaign(request, public_id)
    form = CloseCampaignForm(request.POST)

    def close() -> HttpResponse:
        services.campaign_close(
            campaign=campaign, actor=request.user, reason=form.cleaned_data["reason"], request=request
        )
        messages.success(request, _("The campaign is closed; invitations still unanswered were withdrawn."))
        return redirect("campaigns:campaign-detail", org_slug=org_slug, public_id=public_id)

    outcome = submit_form(form, close)
    if isinstance(outcome, HttpResponse):
        return outcome
    return _render_detail(request, campaign, close_form=form, status=outcome)


@organization_view(Capability.CAMPAIGNS)
@require_POST
def campaign_ask_done(request: TenantRequest, org_slug: str, ask_id: Any, public_id: Any) -> HttpResponse:
    """Records that an advocate did what the campaign asked (posted the review, gave the
    testimonial, joined the beta)."""
    campaign = _campaign(request, public_id)
    ask: Ask = get_object_or_404(
        Ask.objects.filter(organization=request.organization, request=campaign.request_id).select_related(
            "advocate", "request"
        ),
        public_id=ask_id,
    )
    try:
        ask_complete(ask=ask, actor=request.user, request=request)
    except ConflictError as error:
        messages.error(request, error.message)
        return _render_detail(request, campaign, status=409)
    messages.success(request, _("Recorded as done: %(name)s.") % {"name": ask.advocate.full_name})
    return redirect("campaigns:campaign-detail", org_slug=org_slug, public_id=public_id)
