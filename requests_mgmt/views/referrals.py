"""Referral pages: the sales team's queue and detail page (owner, status, history), and the
advocate's own referrals in the portal (introduce a peer, follow where each one stands)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from advocacy.audit import verb_label
from advocacy.models import AuditEvent
from advocacy.roles import Capability
from advocacy.tenancy import RoleForbidden, TenantRequest, organization_view
from advocates.models import Advocate
from advocates.views.portal import advocate_page

from ..forms.referrals import ReferralAssignForm, ReferralFilterForm, ReferralForm, ReferralTransitionForm
from ..models import REFERRAL_TRANSITIONS, Referral, ReferralStatus
from ..services import referrals as services
from .form_submission import submit_form

# Sales team -------------------------------------------------------------------------------------


@organization_view(Capability.REQUESTS)
@require_safe
def referral_list(request: TenantRequest, org_slug: str) -> HttpResponse:
    owners = list(services.referral_owner_candidates(organization=request.organization))
    form = ReferralFilterForm(request.GET or None, owners=owners)
    filters: dict[str, Any] = form.cleaned_data if form.is_valid() else {"status": "open"}
    referrals = services.filtered_referrals(
        organization=request.organization, membership=request.membership, filters=filters
    )
    page = Paginator(referrals, 25).get_page(request.GET.get("page"))
    querystring = request.GET.copy()
    querystring.pop("page", None)
    unassigned = services.visible_referrals(organization=request.organization, membership=request.membership)
    return render(
        request,
        "requests_mgmt/referral_list.html",
        {
            "form": form,
            "page": page,
            "querystring": querystring.urlencode(),
            "unassigned_count": unassigned.filter(
                status__in=services.OPEN_REFERRAL_STATUSES, owner__isnull=True
            ).count(),
        },
    )


def _visible_referral(request: TenantRequest, public_id: Any) -> Referral:
    referrals = services.visible_referrals(organization=request.organization, membership=request.membership)
    return get_object_or_404(referrals, public_id=public_id)


def _history_entry(event: AuditEvent) -> dict[str, Any]:
    """One line of the history: what happened, and the new status or owner where it says."""
    detail = ""
    if event.verb == "referral.status_changed" and event.data.get("to") in ReferralStatus.values:
        detail = str(ReferralStatus(event.data["to"]).label)
    elif event.verb == "referral.assigned":
        detail = event.data.get("to") or _("Unassigned")
    return {"event": event, "label": verb_label(event.verb), "detail": detail, "note": event.data.get("note", "")}


def _detail(
    request: TenantRequest,
    referral: Referral,
    *,
    assign_form: ReferralAssignForm | None = None,
    transition_form: ReferralTransitionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    membership = request.membership
    can_assign = services.can_assign_referrals(membership) and referral.status in services.OPEN_REFERRAL_STATUSES
    can_move = services.can_move_referral(membership, referral) and bool(REFERRAL_TRANSITIONS[referral.status])
    if can_assign and assign_form is None:
        owners = list(services.referral_owner_candidates(organization=request.organization))
        initial = {"owner": str(referral.owner.public_id) if referral.owner else ""}
        assign_form = ReferralAssignForm(initial=initial, owners=owners)
    if can_move and transition_form is None:
        transition_form = ReferralTransitionForm(referral=referral)
    history = [_history_entry(event) for event in services.referral_history(referral=referral)]
    return render(
        request,
        "requests_mgmt/referral_detail.html",
        {
            "referral": referral,
            "known_contact": services.known_contact_for(referral=referral),
            "history": history,
            # A refused form is shown with its reason even when nothing more can be done.
            "assign_form": assign_form,
            "transition_form": transition_form,
        },
        status=status,
    )


@organization_view(Capability.REQUESTS)
@require_safe
def referral_detail(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    return _detail(request, _visible_referral(request, public_id))


@organization_view(Capability.REQUESTS)
@require_POST
def referral_assign(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    referral = _visible_referral(request, public_id)
    if not services.can_assign_referrals(request.membership):
        raise RoleForbidden(Capability.REQUESTS_TRIAGE, request.membership)
    owners = list(services.referral_owner_candidates(organization=request.organization))
    form = ReferralAssignForm(request.POST, owners=owners)

    def assign() -> HttpResponse:
        services.referral_assign(
            referral=referral, owner=form.cleaned_data["owner"], actor=request.user, request=request
        )
        messages.success(request, _("The owner was saved."))
        return redirect("referrals:referral-detail", org_slug=org_slug, public_id=referral.public_id)

    outcome = submit_form(form, assign)
    if isinstance(outcome, HttpResponse):
        return outcome
    return _detail(request, referral, assign_form=form, status=outcome)


@organization_view(Capability.REQUESTS)
@require_POST
def referral_transition(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    referral = _visible_referral(request, public_id)
    if not services.can_move_referral(request.membership, referral):
        raise RoleForbidden(Capability.REQUESTS_TRIAGE, request.membership)
    form = ReferralTransitionForm(request.POST, referral=referral)

    def move() -> HttpResponse:
        services.referral_transition(
            referral=referral,
            to_status=form.cleaned_data["status"],
            actor=request.user,
            note=form.cleaned_data["note"],
            crm_opportunity_id=form.cleaned_data["crm_opportunity_id"],
            opportunity_value=form.cleaned_data["opportunity_value"],
            request=request,
        )
        messages.success(request, _("The referral moved on."))
        return redirect("referrals:referral-detail", org_slug=org_slug, public_id=referral.public_id)

    outcome = submit_form(form, move)
    if isinstance(outcome, HttpResponse):
        return outcome
    return _detail(request, referral, transition_form=form, status=outcome)


# Advocate portal --------------------------------------------------------------------------------


def _portal_referrals(advocate: Advocate) -> Any:
    return Referral.objects.filter(organization_id=advocate.organization_id, advocate=advocate)


def _with_portal_status(referrals: Any) -> list[tuple[Referral, Any]]:
    return [(referral, services.PORTAL_STATUS_LABELS[referral.status]) for referral in referrals]


@organization_view(Capability.PORTAL)
@advocate_page
@require_safe
def portal_referral_list(request: TenantRequest, org_slug: str, advocate: Advocate) -> HttpResponse:
    referrals = _portal_referrals(advocate).order_by("-created_at", "-id")
    return render(
        request,
        "requests_mgmt/portal/referral_list.html",
        {"advocate": advocate, "section": "referrals", "referrals": _with_portal_status(referrals)},
    )


@organization_view(Capability.PORTAL)
@advocate_page
@require_http_methods(["GET", "POST"])
def portal_referral_create(request: TenantRequest, org_slug: str, advocate: Advocate) -> HttpResponse:
    form = ReferralForm(request.POST or None)

    def refer() -> HttpResponse:
        referral = services.referral_submit(
            organization=request.organization,
            advocate=advocate,
            actor=request.user,
            data=form.cleaned_data,
            request=request,
        )
        messages.success(
            request,
            _("Thank you! We have received your referral; our sales team will get in touch with them."),
        )
        return redirect("referrals:portal-detail", org_slug=org_slug, public_id=referral.public_id)

    outcome = submit_form(form, refer) if form.is_bound else 200
    if isinstance(outcome, HttpResponse):
        return outcome
    return render(
        request,
        "requests_mgmt/portal/referral_form.html",
        {"advocate": advocate, "section": "referrals", "form": form},
        status=outcome,
    )


@organization_view(Capability.PORTAL)
@advocate_page
@require_safe
def portal_referral_detail(request: TenantRequest, org_slug: str, advocate: Advocate, public_id: Any) -> HttpResponse:
    referral = get_object_or_404(_portal_referrals(advocate), public_id=public_id)
    return render(
        request,
        "requests_mgmt/portal/referral_detail.html",
        {
            "advocate": advocate,
            "section": "referrals",
            "referral": referral,
            "portal_status": services.PORTAL_STATUS_LABELS[referral.status],
        },
    )
