"""The advocate is emailed when a reward needs them (a choice, an address) and when it is on its
way, once per moment, in the portal's words."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from advocacy.roles import Role
from benefits.models import Benefit, BenefitKind, RewardStatus
from benefits.services import rewards
from tests.factories import AdvocateFactory

pytestmark = pytest.mark.django_db


def benefit(org: Any, name: str, **values: Any) -> Benefit:
    defaults: dict[str, Any] = {"kind": BenefitKind.SWAG, "value": 40, "cost": 30}
    return Benefit.objects.create(organization=org, name=name, **(defaults | values))


def to(advocate: Any) -> list[Any]:
    return [message for message in mail.outbox if message.to == [advocate.email]]


def test_choosing_shipping_and_sending_each_email_once(
    org: Any, members: Any, django_capture_on_commit_callbacks: Any
) -> None:
    manager = members[Role.PROGRAM_MANAGER]
    advocate = AdvocateFactory(organization=org, user=members[Role.ADVOCATE], tier="gold")
    hoodie = benefit(org, "Hoodie", needs_shipping=True)
    charity = benefit(org, "Charity donation", kind=BenefitKind.CHARITY, digital=True, value=50, cost=50)
    with django_capture_on_commit_callbacks(execute=True):
        reward = rewards.reward_propose(
            organization=org, actor=manager, advocate=advocate, options=[hoodie, charity], confirm=True
        )
    [choose] = to(advocate)
    assert (
        choose.subject == "Choose your thank-you" and "- Hoodie" in choose.body and "/portal/benefits/" in choose.body
    )
    with django_capture_on_commit_callbacks(execute=True):
        reward = rewards.reward_choose(reward=reward, advocate=advocate, benefit=hoodie, actor=members[Role.ADVOCATE])
        reward = rewards.reward_approve(reward=reward, actor=manager, confirm=True)
    assert [m.subject for m in to(advocate)][1:] == ["Where should we send your thank-you?"]
    with django_capture_on_commit_callbacks(execute=True):
        reward = rewards.reward_give_address(
            reward=reward, advocate=advocate, actor=members[Role.ADVOCATE], address="1 Main Street, Springfield"
        )
        reward = rewards.reward_transition(reward=reward, to_status=RewardStatus.ORDERED, actor=manager)
        reward = rewards.reward_transition(reward=reward, to_status=RewardStatus.SHIPPED, actor=manager)
    assert [m.subject for m in to(advocate)][2:] == ["Your Hoodie is on its way"]
    # A digital reward is sent on approval.
    with django_capture_on_commit_callbacks(execute=True):
        second = rewards.reward_propose(
            organization=org, actor=manager, advocate=advocate, benefit=charity, confirm=True
        )
        rewards.reward_approve(reward=second, actor=manager, confirm=True)
    assert [m.subject for m in to(advocate)][3:] == ["We sent you Charity donation"]


def test_an_option_withdrawn_from_the_catalogue_cannot_be_chosen(org: Any, members: Any) -> None:
    from advocacy.errors import ConflictError

    advocate = AdvocateFactory(organization=org, user=members[Role.ADVOCATE], tier="gold")
    hoodie, mug = benefit(org, "Hoodie"), benefit(org, "Mug", stock=0)
    reward = rewards.reward_propose(
        organization=org, actor=members[Role.PROGRAM_MANAGER], advocate=advocate, options=[hoodie, mug], confirm=True
    )
    Benefit.objects.filter(pk=hoodie.pk).update(active=False)
    for option in (hoodie, mug):
        option.refresh_from_db()
        with pytest.raises(ConflictError, match="no longer available"):
            rewards.reward_choose(reward=reward, advocate=advocate, benefit=option, actor=members[Role.ADVOCATE])
