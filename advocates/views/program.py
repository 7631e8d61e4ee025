"""Program settings for administrators: the numbers the rules use, tier policies, activity types."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from advocacy.audit import audit_log
from advocacy.errors import ValidationFailed
from advocacy.roles import Capability
from advocacy.tenancy import TenantRequest, organization_view

from .. import services
from ..forms import ActivityTypeForm, ProgramPolicyForm, TierPolicyForm
from ..models import ActivityType, ProgramPolicy, Tier, TierPolicy


@organization_view(Capability.SETTINGS)
@require_http_methods(["GET", "POST"])
def program_policy(request: TenantRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    current = ProgramPolicy.for_organization(organization)
    form = ProgramPolicyForm.for_policy(current, request.POST or None)
    if request.method == "POST" and form.is_valid():
        changes = {
            key: {"from": getattr(current, key), "to": value}
            for key, value in form.cleaned_data.items()
            if getattr(current, key) != value
        }
        if changes:
            with transaction.atomic():
                organization.settings = {**(organization.settings or {}), "program": form.cleaned_data}
                organization.save(update_fields=["settings"])
                audit_log(
                    organization=organization,
                    actor=request.user,
                    verb="program.policy_changed",
                    target=organization,
                    data=changes,
                    request=request,
                )
        messages.success(request, _("Program rules saved."))
        return redirect("program:policy", org_slug=org_slug)
    policies = {policy.tier: policy for policy in TierPolicy.objects.filter(organization=organization)}
    return render(
        request,
        "advocates/program_policy.html",
        {
            "form": form,
            "tier_policies": [(tier, policies.get(tier.value)) for tier in Tier],
            "section": "program",
        },
        status=400 if form.errors else 200,
    )


@organization_view(Capability.SETTINGS)
@require_http_methods(["GET", "POST"])
def tier_policy_edit(request: TenantRequest, org_slug: str, tier: str) -> HttpResponse:
    if tier not in Tier.values:
        raise Http404
    organization = request.organization
    policy = TierPolicy.objects.filter(organization=organization, tier=tier).first() or TierPolicy(
        organization=organization, tier=tier, expected_min=0, expected_max=0
    )
    before = {field: getattr(policy, field) for field in TierPolicyForm.Meta.fields}
    form = TierPolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save()
            audit_log(
                organization=organization,
                actor=request.user,
                verb="program.tier_policy_changed",
                target=organization,
                data={
                    "tier": tier,
                    **{
                        field: {"from": before[field], "to": getattr(saved, field)}
                        for field in form.changed_data
                        if field in before
                    },
                },
                request=request,
            )
        messages.success(request, _("The %(tier)s tier policy was saved.") % {"tier": Tier(tier).label})
        return redirect("program:policy", org_slug=org_slug)
    return render(
        request,
        "advocates/program_tier_form.html",
        {"form": form, "tier_label": Tier(tier).label, "section": "program"},
        status=400 if form.errors else 200,
    )


@organization_view(Capability.SETTINGS)
def activity_type_list(request: TenantRequest, org_slug: str) -> HttpResponse:
    types = ActivityType.objects.filter(organization=request.organization)
    return render(request, "advocates/program_activity_types.html", {"types": types, "section": "activity_types"})


@organization_view(Capability.SETTINGS)
@require_http_methods(["GET", "POST"])
def activity_type_edit(request: TenantRequest, org_slug: str, public_id: Any = None) -> HttpResponse:
    organization = request.organization
    if public_id is None:
        activity_type = ActivityType(organization=organization)
    else:
        activity_type = get_object_or_404(ActivityType, organization=organization, public_id=public_id)
    form = ActivityTypeForm(request.POST or None, instance=activity_type)
    if request.method == "POST" and form.is_valid():
        data = {field: form.cleaned_data[field] for field in form.changed_data}
        try:
            if activity_type.pk is None:
                data = {**form.cleaned_data, "key": _unused_key(organization, form.cleaned_data["name"])}
                saved = services.activity_type_create(
                    organization=organization, actor=request.user, data=data, request=request
                )
            else:
                activity_type.refresh_from_db()
                saved = services.activity_type_update(
                    activity_type=activity_type, actor=request.user, data=data, request=request
                )
        except ValidationFailed as error:
            for field, field_messages in error.errors.items():
                for message in field_messages:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("“%(name)s” was saved.") % {"name": saved.name})
            return redirect("program:activity-types", org_slug=org_slug)
    return render(
        request,
        "advocates/program_activity_type_form.html",
        {"form": form, "activity_type": activity_type, "section": "activity_types"},
        status=400 if form.errors else 200,
    )


def _unused_key(organization: Any, name: str) -> str:
    base = slugify(name)[:30] or "activity"
    key, number = base, 2
    while ActivityType.objects.filter(organization=organization, key=key).exists():
        key, number = f"{base}-{number}", number + 1
    return key
