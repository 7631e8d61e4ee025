"""Rewards for the program team: the list, proposing one (with suggestions and the value-exchange
check), its page with fulfilment history, approval and fulfilment moves."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from advocacy.roles import Capability
from advocacy.tenancy import TenantRequest, organization_view
from advocates.models import Activity, Advocate
from requests_mgmt.views.form_submission import submit_form

from ..forms import ProposeRewardForm, RewardApproveForm, RewardStatusForm
from ..models import Reward, RewardStatus
from ..services import catalogue, rewards


@organization_view(Capability.APPRECIATION)
@require_safe
def reward_list(request: TenantRequest, org_slug: str) -> HttpResponse:
    status = request.GET.get("status", "")
    queryset = Reward.objects.filter(organization=request.organization).select_related(
        "advocate", "advocate__account", "benefit", "activity__activity_type"
    )
    if status in RewardStatus.values:
        queryset = queryset.filter(status=status)
    page = Paginator(queryset, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "benefits/reward_list.html",
        {
            "page": page,
            "status": status,
            "statuses": RewardStatus.choices,
            "querystring": f"status={status}" if status else "",
            "can_manage": request.membership.can(Capability.APPRECIATION_MANAGE),
        },
    )


def _get_reward(request: TenantRequest, public_id: Any) -> Reward:
    return get_object_or_404(
        Reward.objects.filter(organization=request.organization).select_related(
            "advocate", "advocate__account", "benefit", "activity__activity_type", "created_by"
        ),
        public_id=public_id,
    )


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _advocate_and_activity(request: TenantRequest) -> tuple[Advocate | None, Activity | None]:
    """Who the reward is for: the posted email address (and activity), else ``?activity=`` or
    ``?advocate=`` from the link that led here (the advocate's or the activity's page)."""
    organization = request.organization
    activities = Activity.objects.filter(organization=organization).select_related(
        "activity_type", "request", "advocate", "organization"
    )
    advocates = Advocate.objects.filter(organization=organization, anonymised_at__isnull=True).select_related(
        "organization"
    )
    source = request.POST if request.method == "POST" else request.GET
    activity_id = source.get("activity")
    activity = activities.filter(public_id=str(activity_id)).first() if _is_uuid(activity_id) else None
    advocate: Advocate | None = None
    if request.method == "POST":
        email = source.get("advocate_email", "").strip()
        advocate = advocates.filter(email__iexact=email).first() if email else None
    elif activity is not None:
        advocate = activity.advocate
    elif _is_uuid(source.get("advocate")):
        advocate = advocates.filter(public_id=source["advocate"]).first()
    if activity is not None and (advocate is None or activity.advocate_id != advocate.pk):
        activity = None
    return advocate, activity


@organization_view(Capability.APPRECIATION_MANAGE)
@require_http_methods(["GET", "POST"])
def reward_propose(request: TenantRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    advocate, activity = _advocate_and_activity(request)
    benefits = catalogue.offered_benefits(organization=organization, advocate=advocate)
    initial: dict[str, Any] = {}
    if advocate is not None:
        initial["advocate_email"] = advocate.email
    if activity is not None:
        initial["activity"] = activity.public_id
    form = ProposeRewardForm(request.POST or None, benefits=benefits, initial=initial)

    def propose() -> HttpResponse:
        if advocate is None:
            form.add_error("advocate_email", _("No advocate with this email address in the program."))
            return _propose_page(request, form, advocate, activity, status=400)
        reward = rewards.reward_propose(
            organization=organization,
            actor=request.user,
            advocate=advocate,
            activity=activity,
            benefit=form.cleaned_data["benefit"],
            options=form.cleaned_data["options"],
            note=form.cleaned_data["note"],
            confirm=form.cleaned_data["confirm"],
            request=request,
        )
        messages.success(request, _("The reward was proposed."))
        return redirect("rewards:reward-detail", org_slug=org_slug, public_id=reward.public_id)

    outcome = submit_form(form, propose) if form.is_bound else 200
    if isinstance(outcome, HttpResponse):
        return outcome
    return _propose_page(request, form, advocate, activity, status=outcome)


def _propose_page(
    request: TenantRequest,
    form: ProposeRewardForm,
    advocate: Advocate | None,
    activity: Activity | None,
    *,
    status: int,
) -> HttpResponse:
    suggestion = rewards.suggest_benefits(advocate=advocate, activity=activity) if advocate is not None else None
    return render(
        request,
        "benefits/reward_form.html",
        {
            "form": form,
            "advocate": advocate,
            "activity": activity,
            "suggestion": suggestion,
            "review_work": rewards.is_review_work(activity),
            "needs_confirm": bool(form.errors.get("confirm")),
        },
        status=status,
    )


def _detail_page(
    request: TenantRequest,
    reward: Reward,
    *,
    approve_form: RewardApproveForm | None = None,
    status_form: RewardStatusForm | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "benefits/reward_detail.html",
        {
            "reward": reward,
            "history": reward.status_changes.filter(organization=request.organization).select_related("actor"),
            "options": reward.options.filter(organization=request.organization),
            "can_manage": request.membership.can(Capability.APPRECIATION_MANAGE),
            "approve_form": approve_form or RewardApproveForm(),
            "status_form": status_form or RewardStatusForm(),
            "needs_address": rewards.needs_address(reward),
            "needs_confirm": bool(approve_form is not None and approve_form.errors.get("confirm")),
        },
        status=status,
    )


@organization_view(Capability.APPRECIATION)
@require_safe
def reward_detail(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    return _detail_page(request, _get_reward(request, public_id))


@organization_view(Capability.APPRECIATION_MANAGE)
@require_POST
def reward_approve(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    reward = _get_reward(request, public_id)
    form = RewardApproveForm(request.POST)

    def approve() -> HttpResponse:
        approved = rewards.reward_approve(
            reward=reward,
            actor=request.user,
            confirm=form.cleaned_data["confirm"],
            note=form.cleaned_data["note"],
            request=request,
        )
        if approved.status == RewardStatus.DELIVERED:
            messages.success(request, _("Approved and sent: the advocate can see it in their portal."))
        else:
            messages.success(request, _("The reward was approved."))
        return redirect("rewards:reward-detail", org_slug=org_slug, public_id=public_id)

    outcome = submit_form(form, approve)
    if isinstance(outcome, HttpResponse):
        return outcome
    return _detail_page(request, reward, approve_form=form, status=outcome)


@organization_view(Capability.APPRECIATION_MANAGE)
@require_POST
def reward_status(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    reward = _get_reward(request, public_id)
    form = RewardStatusForm(request.POST)

    def move() -> HttpResponse:
        rewards.reward_transition(
            reward=reward,
            to_status=form.cleaned_data["status"],
            actor=request.user,
            note=form.cleaned_data["note"],
            request=request,
        )
        messages.success(request, _("The reward moved on."))
        return redirect("rewards:reward-detail", org_slug=org_slug, public_id=public_id)

    outcome = submit_form(form, move)
    if isinstance(outcome, HttpResponse):
        return outcome
    return _detail_page(request, reward, status_form=form, status=outcome)
