"""Request forms for sales and marketing, the status page, and the program team's triage list."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from advocacy.roles import Capability
from advocacy.tenancy import TenantRequest, organization_view

from .. import selectors, services
from ..forms import AdvocacyRequestForm, CancelRequestForm, RequestFilterForm, TransitionForm
from ..models import Ask
from .form_submission import submit_form


@organization_view(Capability.REQUESTS)
def request_list(request: TenantRequest, org_slug: str) -> HttpResponse:
    form = RequestFilterForm(request.GET or None)
    filters: dict[str, Any] = form.cleaned_data if form.is_valid() else {"status": "open"}
    requests = selectors.filtered_requests(
        organization=request.organization, membership=request.membership, filters=filters
    )
    page = Paginator(requests, 25).get_page(request.GET.get("page"))
    querystring = request.GET.copy()
    querystring.pop("page", None)
    return render(
        request,
        "requests_mgmt/request_list.html",
        {
            "form": form,
            "page": page,
            "querystring": querystring.urlencode(),
            "is_triage": request.membership.can(Capability.REQUESTS_TRIAGE),
        },
    )


@organization_view(Capability.REQUESTS)
@require_http_methods(["GET", "POST"])
def request_create(request: TenantRequest, org_slug: str) -> HttpResponse:
    allowed = selectors.request_types_for(request.membership)
    initial = {"request_type": request.GET.get("type")} if request.GET.get("type") in allowed else {}
    form = AdvocacyRequestForm(request.POST or None, allowed_types=allowed, initial=initial)

    def submit() -> HttpResponse:
        advocacy_request = services.request_submit(
            organization=request.organization,
            requester=request.user,
            data=form.cleaned_data,
            request=request,
        )
        messages.success(request, _("Your request was submitted. The program team will pick it up; follow it here."))
        return redirect("requests_mgmt:request-detail", org_slug=org_slug, public_id=advocacy_request.public_id)

    outcome = submit_form(form, submit) if form.is_bound else 200
    if isinstance(outcome, HttpResponse):
        return outcome
    return render(request, "requests_mgmt/request_form.html", {"form": form}, status=outcome)


def _visible_request(request: TenantRequest, public_id: Any) -> Any:
    requests = selectors.visible_requests(organization=request.organization, membership=request.membership)
    return get_object_or_404(requests, public_id=public_id)


def _detail_page(
    request: TenantRequest,
    advocacy_request: Any,
    *,
    cancel_form: CancelRequestForm | None = None,
    transition_form: TransitionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The request's page. The requester sees who agreed to help (with contact details) only once
    an advocate has accepted; the program team sees every ask."""
    organization = request.organization
    is_triage = request.membership.can(Capability.REQUESTS_TRIAGE)
    asks = Ask.objects.filter(organization=organization, request=advocacy_request).select_related(
        "advocate", "advocate__account", "asked_by"
    )
    if not is_triage:
        asks = asks.filter(status__in=(Ask.Status.ACCEPTED, Ask.Status.COMPLETED))
    return render(
        request,
        "requests_mgmt/request_detail.html",
        {
            "advocacy_request": advocacy_request,
            "history": advocacy_request.status_changes.filter(organization=organization).select_related("actor"),
            "asks": list(asks),
            "is_triage": is_triage,
            "cancel_form": cancel_form or CancelRequestForm(),
            "transition_form": transition_form
            if transition_form is not None
            else _transition_form(request, advocacy_request),
        },
        status=status,
    )


@organization_view(Capability.REQUESTS)
def request_detail(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    return _detail_page(request, _visible_request(request, public_id))


def _transition_form(request: TenantRequest, advocacy_request: Any, data: Any = None) -> TransitionForm | None:
    if not request.membership.can(Capability.REQUESTS_TRIAGE) or not advocacy_request.manual_next_statuses():
        return None
    return TransitionForm(data, advocacy_request=advocacy_request)


@organization_view(Capability.REQUESTS_TRIAGE)
@require_POST
def request_transition(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    advocacy_request = _visible_request(request, public_id)
    form = _transition_form(request, advocacy_request, request.POST)
    if form is None:  # nowhere this member may move the request by hand
        return _detail_page(request, advocacy_request, status=409)

    def move() -> HttpResponse:
        services.request_transition(
            advocacy_request=advocacy_request,
            to_status=form.cleaned_data["status"],
            actor=request.user,
            reason=form.cleaned_data["reason"],
            request=request,
        )
        messages.success(request, _("The request moved on; the requester can see it."))
        return redirect("requests_mgmt:request-detail", org_slug=org_slug, public_id=public_id)

    outcome = submit_form(form, move)
    if isinstance(outcome, HttpResponse):
        return outcome
    return _detail_page(request, advocacy_request, transition_form=form, status=outcome)


@organization_view(Capability.REQUESTS)
@require_POST
def request_cancel(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    advocacy_request = _visible_request(request, public_id)
    form = CancelRequestForm(request.POST)

    def cancel() -> HttpResponse:
        services.request_cancel(
            advocacy_request=advocacy_request,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            request=request,
        )
        messages.success(request, _("The request was cancelled."))
        return redirect("requests_mgmt:request-detail", org_slug=org_slug, public_id=public_id)

    outcome = submit_form(form, cancel)
    if isinstance(outcome, HttpResponse):
        return outcome
    return _detail_page(request, advocacy_request, cancel_form=form, status=outcome)
