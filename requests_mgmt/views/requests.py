"""Request forms for sales and marketing, the status page, and the program team's triage list."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from advocacy.errors import ConflictError, ValidationFailed
from advocacy.roles import Capability
from advocacy.tenancy import TenantRequest, organization_view
from advocates.models import Advocate, ProgramPolicy

from .. import matching, selectors, services
from ..forms import AdvocacyRequestForm, CancelRequestForm, RequestFilterForm, TransitionForm


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
    if request.method == "POST" and form.is_valid():
        try:
            advocacy_request = services.request_submit(
                organization=request.organization,
                requester=request.user,
                data=form.cleaned_data,
                request=request,
            )
        except ValidationFailed as error:
            for field, field_messages in error.errors.items():
                for message in field_messages:
                    form.add_error(field if field != "__all__" else None, message)
        else:
            messages.success(
                request, _("Your request was submitted. The program team will pick it up; follow it here.")
            )
            return redirect("requests_mgmt:request-detail", org_slug=org_slug, public_id=advocacy_request.public_id)
    return render(request, "requests_mgmt/request_form.html", {"form": form}, status=400 if form.errors else 200)


def _visible_request(request: TenantRequest, public_id: Any) -> Any:
    requests = selectors.visible_requests(organization=request.organization, membership=request.membership)
    return get_object_or_404(requests, public_id=public_id)


@organization_view(Capability.REQUESTS)
def request_detail(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    advocacy_request = _visible_request(request, public_id)
    history = advocacy_request.status_changes.filter(organization=request.organization).select_related("actor")
    return render(
        request,
        "requests_mgmt/request_detail.html",
        {
            "advocacy_request": advocacy_request,
            "history": history,
            "cancel_form": CancelRequestForm(),
            "transition_form": _transition_form(request, advocacy_request),
        },
    )


def _transition_form(request: TenantRequest, advocacy_request: Any, data: Any = None) -> TransitionForm | None:
    if not request.membership.can(Capability.REQUESTS_TRIAGE) or not advocacy_request.manual_next_statuses():
        return None
    return TransitionForm(data, advocacy_request=advocacy_request)


@organization_view(Capability.REQUESTS_TRIAGE)
@require_POST
def request_transition(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    advocacy_request = _visible_request(request, public_id)
    form = _transition_form(request, advocacy_request, request.POST)
    status = 409
    if form is not None and form.is_valid():
        try:
            services.request_transition(
                advocacy_request=advocacy_request,
                to_status=form.cleaned_data["status"],
                actor=request.user,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationFailed as error:
            for field, field_messages in error.errors.items():
                for message in field_messages:
                    form.add_error(field if field in form.fields else None, message)
            status = 400
        except ConflictError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The request moved on; the requester can see it."))
            return redirect("requests_mgmt:request-detail", org_slug=org_slug, public_id=public_id)
    elif form is not None:
        status = 400
    history = advocacy_request.status_changes.filter(organization=request.organization).select_related("actor")
    return render(
        request,
        "requests_mgmt/request_detail.html",
        {
            "advocacy_request": advocacy_request,
            "history": history,
            "cancel_form": CancelRequestForm(),
            "transition_form": form,
        },
        status=status,
    )


@organization_view(Capability.REQUESTS)
@require_POST
def request_cancel(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    advocacy_request = _visible_request(request, public_id)
    form = CancelRequestForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.request_cancel(
                advocacy_request=advocacy_request,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ConflictError as error:
            form.add_error(None, error.message)
            status = 409
        else:
            messages.success(request, _("The request was cancelled."))
            return redirect("requests_mgmt:request-detail", org_slug=org_slug, public_id=public_id)
    history = advocacy_request.status_changes.filter(organization=request.organization).select_related("actor")
    return render(
        request,
        "requests_mgmt/request_detail.html",
        {"advocacy_request": advocacy_request, "history": history, "cancel_form": form},
        status=status,
    )


@organization_view(Capability.REQUESTS_TRIAGE)
def request_matching(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    """Ranked candidates with each one's score parts, and "why not?" for anyone left out."""
    advocacy_request = _visible_request(request, public_id)
    candidates = matching.rank_candidates(advocacy_request=advocacy_request)
    query = request.GET.get("why_not", "").strip()
    looked_up: list[tuple[Any, list[matching.Reason]]] = []
    if query:
        people = (
            Advocate.objects.filter(organization=request.organization)
            .select_related("account")
            .filter(Q(full_name__icontains=query) | Q(email__iexact=query))[:5]
        )
        looked_up = [
            (advocate, matching.why_not(advocacy_request=advocacy_request, advocate=advocate)) for advocate in people
        ]
    return render(
        request,
        "requests_mgmt/request_matching.html",
        {
            "advocacy_request": advocacy_request,
            "candidates": candidates,
            "query": query,
            "looked_up": looked_up,
            "policy": ProgramPolicy.for_organization(request.organization),
        },
    )
