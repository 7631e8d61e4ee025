"""Recognition pages under /o/<org>/appreciation/recognition/: the nominations list with filters,
nominating an advocate (found by name), and the program team's decision."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from advocacy.audit import verb_label
from advocacy.roles import Capability
from advocacy.tenancy import RoleForbidden, TenantRequest, organization_view
from advocates.models import Advocate
from requests_mgmt.views.form_submission import submit_form

from ..forms.recognition import AdvocateSearchForm, NominationDecideForm, NominationFilterForm, NominationForm
from ..models import Nomination
from ..services import recognition as services

SEARCH_RESULTS = 20


@organization_view(Capability.APPRECIATION)
@require_safe
def nomination_list(request: TenantRequest, org_slug: str) -> HttpResponse:
    form = NominationFilterForm(request.GET or None)
    filters: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    nominations = services.nominations_for(organization=request.organization, filters=filters)
    page = Paginator(nominations, 25).get_page(request.GET.get("page"))
    querystring = request.GET.copy()
    querystring.pop("page", None)
    return render(
        request,
        "benefits/recognition_list.html",
        {
            "form": form,
            "page": page,
            "querystring": querystring.urlencode(),
            "can_decide": request.membership.can(Capability.APPRECIATION_MANAGE),
        },
    )


def _advocate_or_404(request: TenantRequest, public_id: Any) -> Advocate:
    """An advocate of this organisation by public id; anything else (another organisation's, a
    malformed id) is a 404, exactly as a missing one."""
    try:
        key = uuid.UUID(str(public_id))
    except ValueError as error:
        raise Http404 from error
    advocates = Advocate.objects.filter(organization=request.organization).select_related("account")
    return get_object_or_404(advocates, public_id=key)


@organization_view(Capability.APPRECIATION)
@require_http_methods(["GET", "POST"])
def nomination_create(request: TenantRequest, org_slug: str) -> HttpResponse:
    advocate: Advocate | None = None
    search_form = AdvocateSearchForm(request.GET or None)
    results: list[Advocate] = []
    if request.method == "POST":
        form = NominationForm(request.POST)
        advocate = _advocate_or_404(request, request.POST.get("advocate", ""))
    else:
        if request.GET.get("advocate"):
            advocate = _advocate_or_404(request, request.GET["advocate"])
        form = NominationForm(initial={"advocate": advocate.public_id if advocate else None})
        if advocate is None and search_form.is_valid() and search_form.cleaned_data["q"].strip():
            query = search_form.cleaned_data["q"].strip()
            results = list(
                services.nominable_advocates(organization=request.organization)
                .filter(Q(full_name__icontains=query) | Q(email__icontains=query))
                .order_by("full_name", "id")[:SEARCH_RESULTS]
            )

    def nominate() -> HttpResponse:
        assert advocate is not None
        nomination = services.nomination_create(
            organization=request.organization,
            advocate=advocate,
            actor=request.user,
            kind=form.cleaned_data["kind"],
            title=form.cleaned_data["title"],
            reason=form.cleaned_data["reason"],
            request=request,
        )
        messages.success(request, _("Thank you: the nomination was sent to the program team."))
        return redirect("recognition:nomination-detail", org_slug=org_slug, public_id=nomination.public_id)

    status = 200
    if form.is_bound:
        outcome = submit_form(form, nominate, field_aliases={"advocate": "__all__"})
        if isinstance(outcome, HttpResponse):
            return outcome
        status = outcome
    return render(
        request,
        "benefits/recognition_form.html",
        {"form": form, "advocate": advocate, "search_form": search_form, "results": results},
        status=status,
    )


def _history_entry(event: Any) -> dict[str, Any]:
    return {"event": event, "label": verb_label(event.verb), "note": event.data.get("note", "")}


def _detail(
    request: TenantRequest,
    nomination: Nomination,
    *,
    decide_form: NominationDecideForm | None = None,
    status: int = 200,
) -> HttpResponse:
    can_decide = request.membership.can(Capability.APPRECIATION_MANAGE)
    if can_decide and decide_form is None and nomination.status == Nomination.Status.NOMINATED:
        decide_form = NominationDecideForm()
    history = [_history_entry(event) for event in services.nomination_history(nomination=nomination)]
    return render(
        request,
        "benefits/recognition_detail.html",
        {"nomination": nomination, "decide_form": decide_form, "history": history},
        status=status,
    )


def _nomination_or_404(request: TenantRequest, public_id: Any) -> Nomination:
    return get_object_or_404(services.nominations_for(organization=request.organization), public_id=public_id)


@organization_view(Capability.APPRECIATION)
@require_safe
def nomination_detail(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    return _detail(request, _nomination_or_404(request, public_id))


@organization_view(Capability.APPRECIATION)
@require_POST
def nomination_decide(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    nomination = _nomination_or_404(request, public_id)
    if not request.membership.can(Capability.APPRECIATION_MANAGE):
        raise RoleForbidden(Capability.APPRECIATION_MANAGE, request.membership)
    form = NominationDecideForm(request.POST)

    def decide() -> HttpResponse:
        decided = services.nomination_decide(
            nomination=nomination,
            decision=form.cleaned_data["decision"],
            actor=request.user,
            note=form.cleaned_data["note"],
            request=request,
        )
        if decided.status == Nomination.Status.ACCEPTED:
            messages.success(request, _("Nomination accepted: the advocate has been told."))
        else:
            messages.success(request, _("Nomination declined."))
        return redirect("recognition:nomination-detail", org_slug=org_slug, public_id=nomination.public_id)

    outcome = submit_form(form, decide)
    if isinstance(outcome, HttpResponse):
        return outcome
    nomination.refresh_from_db()
    return _detail(request, nomination, decide_form=form, status=outcome)
