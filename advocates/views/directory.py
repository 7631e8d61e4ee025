"""The advocate directory, advocate profiles, and customer accounts."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from advocacy.errors import ValidationFailed
from advocacy.messaging import messages_for_advocate
from advocacy.roles import Capability, Role
from advocacy.tenancy import TenantRequest, organization_view

from .. import selectors, services
from ..capacity import advocate_capacity, annotate_capacity_used
from ..eligibility import annotate_eligibility, eligibility_breakdown, ineligibility_reasons
from ..forms import (
    ActivityForm,
    AdvocateFilterForm,
    HealthForm,
    InviteForm,
    NominateForm,
    StatusForm,
    TierOverrideForm,
)
from ..models import Advocate, Consent, Product, ProgramPolicy, Tier, TierPolicy


@organization_view(Capability.ADVOCATES)
def advocate_list(request: TenantRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    form = AdvocateFilterForm(
        request.GET or None,
        industries=selectors.industries(organization=organization),
        products=list(Product.objects.filter(organization=organization).values_list("name", flat=True)),
    )
    filters: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    advocates = selectors.advocate_directory(organization=organization, membership=request.membership, filters=filters)
    if "capacity_used" not in advocates.query.annotations:
        advocates = annotate_capacity_used(advocates)
    page = Paginator(advocates, 25).get_page(request.GET.get("page"))
    querystring = request.GET.copy()
    querystring.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "querystring": querystring.urlencode(),
        "cap": ProgramPolicy.for_organization(organization).yearly_cap,
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "advocates/advocate_list.html#results", context)
    return render(request, "advocates/advocate_list.html", context)


def visible_advocate(request: TenantRequest, public_id: Any, *, annotated: bool = False) -> Any:
    advocates = selectors.visible_advocates(organization=request.organization, membership=request.membership)
    advocates = advocates.select_related("account", "account__csm", "user", "invited_by")
    if annotated:
        advocates = annotate_eligibility(advocates, policy=ProgramPolicy.for_organization(request.organization))
    return get_object_or_404(advocates, public_id=public_id)


def _timeline(request: TenantRequest, advocate: Any) -> list[dict[str, Any]]:
    """Activities, status, tier and consent changes and messages sent, newest first."""
    organization = request.organization
    current_tz = timezone.get_current_timezone()
    events: list[dict[str, Any]] = []
    for activity in advocate.activities.filter(organization=organization).select_related("activity_type")[:50]:
        events.append(
            {
                "when": timezone.make_aware(datetime.combine(activity.occurred_on, time(12)), current_tz),
                "date_only": True,
                "kind": "activity",
                "title": activity.activity_type.name
                if activity.rating is None
                else _("%(activity)s (%(stars)d of 5 stars)")
                % {"activity": activity.activity_type.name, "stars": activity.rating},
                "detail": activity.outcome,
                "badge": activity.get_status_display(),
            }
        )
    for change in advocate.status_changes.filter(organization=organization).select_related("actor")[:50]:
        events.append(
            {
                "when": change.created_at,
                "kind": "status",
                "title": _("Status: %(status)s") % {"status": change.get_to_status_display()},
                "detail": change.reason,
                "actor": change.actor,
            }
        )
    for change in advocate.tier_changes.filter(organization=organization).select_related("actor")[:50]:
        events.append(
            {
                "when": change.created_at,
                "kind": "tier",
                "title": _("%(kind)s: %(tier)s")
                % {"kind": change.get_kind_display(), "tier": change.get_to_tier_display()},
                "detail": change.reason,
                "actor": change.actor,
            }
        )
    for change in advocate.consent_changes.filter(organization=organization).select_related("actor")[:50]:
        events.append(
            {
                "when": change.created_at,
                "kind": "consent",
                "title": (_("Consent given: %(consent)s") if change.granted else _("Consent withdrawn: %(consent)s"))
                % {"consent": change.get_consent_display()},
                "detail": change.get_source_display(),
                "actor": change.actor,
            }
        )
    for message in messages_for_advocate(advocate=advocate):
        events.append(
            {
                "when": message.created_at,
                "kind": "message",
                "title": _("Email: %(subject)s") % {"subject": message.subject},
                "detail": f"{message.get_purpose_display()} · {message.get_status_display()}",
                "actor": message.sender,
            }
        )
    events.sort(key=lambda event: event["when"], reverse=True)
    return events[:80]


@organization_view(Capability.ADVOCATES)
def advocate_detail(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    organization = request.organization
    advocate = visible_advocate(request, public_id, annotated=True)
    policy = ProgramPolicy.for_organization(organization)
    can_manage = request.membership.can(Capability.ADVOCATES_MANAGE)
    tier_policy = TierPolicy.objects.filter(organization=organization, tier=advocate.tier).first()
    context = {
        "advocate": advocate,
        "capacity": advocate_capacity(advocate),
        "score_parts": eligibility_breakdown(advocate, policy=policy),
        "ineligible_because": ineligibility_reasons(advocate, policy=policy),
        "tier_policy": tier_policy,
        "preferences": advocate.activity_preferences.filter(organization=organization).select_related("activity_type"),
        "blackouts": advocate.blackouts.filter(organization=organization, ends_on__gte=timezone.localdate()),
        "consent_changes": {
            change.consent: change
            for change in reversed(list(advocate.consent_changes.filter(organization=organization)[:100]))
        },
        "timeline": _timeline(request, advocate),
        "can_manage": can_manage,
        "can_invite": can_manage and advocate.can_transition_to(Advocate.Status.INVITED),
        "can_nominate": request.membership.can(Capability.ADVOCATES_NOMINATE),
        "tier_form": TierOverrideForm(initial={"tier": advocate.suggested_tier or advocate.tier}),
        "status_form": StatusForm(advocate=advocate),
        "nominate_form": NominateForm(),
        "invite_form": InviteForm(organization=organization),
        "activity_form": ActivityForm(organization=organization),
        "platinum": Tier.PLATINUM,
        "consent_labels": Consent.choices,
    }
    return render(request, "advocates/advocate_detail.html", context)


@organization_view(Capability.ADVOCATES)
def account_list(request: TenantRequest, org_slug: str) -> HttpResponse:
    query = request.GET.get("q", "")
    accounts = selectors.account_directory(
        organization=request.organization, membership=request.membership, query=query
    )
    page = Paginator(accounts, 25).get_page(request.GET.get("page"))
    return render(request, "advocates/account_list.html", {"page": page, "query": query})


def _visible_account(request: TenantRequest, public_id: Any) -> Any:
    accounts = selectors.account_directory(organization=request.organization, membership=request.membership)
    return get_object_or_404(accounts.prefetch_related("products"), public_id=public_id)


def _can_record_health(request: TenantRequest, account: Any) -> bool:
    return request.membership.can(Capability.ADVOCATES_MANAGE) or (
        request.membership.role == Role.CSM and account.csm_id == request.user.pk
    )


@organization_view(Capability.ADVOCATES)
def account_detail(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    account = _visible_account(request, public_id)
    advocates = account.advocates.filter(organization=request.organization).order_by("full_name")
    tiers = dict(advocates.values_list("tier").annotate(n=Count("id")).values_list("tier", "n"))
    return render(
        request,
        "advocates/account_detail.html",
        {
            "account": account,
            "advocates": advocates,
            "tier_counts": [(t.label, tiers.get(t.value, 0)) for t in Tier],
            "health_history": account.health_history.filter(organization=request.organization).select_related(
                "recorded_by"
            )[:24],
            "health_form": HealthForm(),
            "can_record_health": _can_record_health(request, account),
            "policy": ProgramPolicy.for_organization(request.organization),
        },
    )


@organization_view(Capability.ADVOCATES)
@require_POST
def account_record_health(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    account = _visible_account(request, public_id)
    if not _can_record_health(request, account):
        from advocacy.tenancy import RoleForbidden

        raise RoleForbidden(Capability.ADVOCATES_MANAGE, request.membership)
    form = HealthForm(request.POST)
    if form.is_valid():
        try:
            services.health_record(
                account=account, score=form.cleaned_data["health_score"], actor=request.user, request=request
            )
        except ValidationFailed as error:
            messages.error(request, " ".join(error.errors.get("health_score", [])))
        else:
            messages.success(request, _("Health score recorded."))
    else:
        messages.error(request, _("A health score is a whole number from 0 to 100."))
    return redirect("accounts:account-detail", org_slug=org_slug, public_id=account.public_id)
