"""The advocate's benefits in the portal: what they received and what is waiting for them, choosing
among offered options, the shipping address when one is needed, declining a gift, and "I prefer no
gifts". Only the signed-in advocate's own rewards are reachable (anyone else's is a 404)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from advocacy.errors import ConflictError, ValidationFailed
from advocacy.roles import Capability
from advocacy.tenancy import TenantRequest, organization_view
from advocates.models import Advocate
from advocates.views.portal import advocate_page

from ..forms import GiftPreferenceForm, RewardChooseForm, ShippingAddressForm
from ..models import Benefit, Reward, RewardStatus
from ..services import rewards

RECEIVED_STATUSES = (RewardStatus.ORDERED, RewardStatus.SHIPPED, RewardStatus.DELIVERED)


def _own_rewards(request: TenantRequest, advocate: Advocate) -> Any:
    return Reward.objects.filter(organization=request.organization, advocate=advocate)


def _page(
    request: TenantRequest, advocate: Advocate, *, errors: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    own = _own_rewards(request, advocate).select_related("benefit", "activity__activity_type")
    pending = list(own.filter(status__in=rewards.PENDING_STATUSES).prefetch_related("options"))
    return render(
        request,
        "benefits/portal/benefits.html",
        {
            "advocate": advocate,
            "pending": pending,
            "received": own.filter(status__in=RECEIVED_STATUSES),
            "gift_form": GiftPreferenceForm(initial={"prefers_no_gifts": advocate.gifts_declined_at is not None}),
            "errors": errors or {},
            "section": "benefits",
        },
        status=status,
    )


@organization_view(Capability.PORTAL)
@advocate_page
@require_safe
def benefits_home(request: TenantRequest, org_slug: str, advocate: Advocate) -> HttpResponse:
    return _page(request, advocate)


def _act(request: TenantRequest, advocate: Advocate, public_id: Any, action: Any, success: str) -> HttpResponse:
    reward = get_object_or_404(_own_rewards(request, advocate), public_id=public_id)
    try:
        action(reward)
    except ValidationFailed as error:
        return _page(request, advocate, errors={str(reward.public_id): error.errors}, status=400)
    except ConflictError as error:
        return _page(request, advocate, errors={str(reward.public_id): {"__all__": [error.message]}}, status=409)
    messages.success(request, success)
    return redirect("portal_benefits:home", org_slug=request.organization.slug)


@organization_view(Capability.PORTAL)
@advocate_page
@require_POST
def reward_choose(request: TenantRequest, org_slug: str, advocate: Advocate, public_id: Any) -> HttpResponse:
    form = RewardChooseForm(request.POST)

    def choose(reward: Reward) -> None:
        benefit = None
        if form.is_valid():
            benefit = Benefit.objects.filter(
                organization=request.organization, public_id=form.cleaned_data["benefit"]
            ).first()
        if benefit is None:
            raise ValidationFailed({"benefit": [_("Choose one of the options offered.")]})
        rewards.reward_choose(reward=reward, advocate=advocate, benefit=benefit, actor=request.user, request=request)

    return _act(request, advocate, public_id, choose, _("Thank you for choosing. We will take it from here."))


@organization_view(Capability.PORTAL)
@advocate_page
@require_POST
def reward_address(request: TenantRequest, org_slug: str, advocate: Advocate, public_id: Any) -> HttpResponse:
    form = ShippingAddressForm(request.POST)

    def give(reward: Reward) -> None:
        if not form.is_valid():
            raise ValidationFailed({"shipping_address": [_("Give the address to send it to.")]})
        rewards.reward_give_address(
            reward=reward,
            advocate=advocate,
            address=form.cleaned_data["shipping_address"],
            actor=request.user,
            request=request,
        )

    return _act(request, advocate, public_id, give, _("Thank you: we will send it to this address."))


@organization_view(Capability.PORTAL)
@advocate_page
@require_POST
def reward_decline(request: TenantRequest, org_slug: str, advocate: Advocate, public_id: Any) -> HttpResponse:
    def decline(reward: Reward) -> None:
        rewards.reward_transition(reward=reward, to_status=RewardStatus.DECLINED, actor=request.user, request=request)

    return _act(request, advocate, public_id, decline, _("Understood: this one will not be sent."))


@organization_view(Capability.PORTAL)
@advocate_page
@require_POST
def gift_preference(request: TenantRequest, org_slug: str, advocate: Advocate) -> HttpResponse:
    form = GiftPreferenceForm(request.POST)
    form.is_valid()
    prefers_no_gifts = bool(form.cleaned_data.get("prefers_no_gifts"))
    rewards.advocate_set_gift_preference(
        advocate=advocate, prefers_no_gifts=prefers_no_gifts, actor=request.user, request=request
    )
    if prefers_no_gifts:
        messages.success(request, _("Noted: we will thank you without gifts."))
    else:
        messages.success(request, _("Noted: gifts are welcome again."))
    return redirect("portal_benefits:home", org_slug=org_slug)
