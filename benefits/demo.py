"""Demo data for appreciation (``seed_demo``): a benefit catalogue, this quarter's budget, a reward
waiting for the demo advocate's choice and a spotlight nomination. Thank-yous and personal notes
come from the demo's completed activities on their own."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from advocacy.models import Organization, User
from advocates.models import Advocate, Tier

from .models import BenefitKind, Nomination
from .services.budgets import budget_set, quarter_start
from .services.catalogue import benefit_create
from .services.recognition import nomination_create
from .services.rewards import reward_propose

CATALOGUE = [
    ("Executive thank-you call", BenefitKind.PRIVATE_RECOGNITION, "0", "0", [], None, False, False),
    ("Customer spotlight on the blog", BenefitKind.PUBLIC_RECOGNITION, "0", "0", [], None, False, False),
    ("Roadmap preview session", BenefitKind.EXCLUSIVE_ACCESS, "0", "0", [], None, False, False),
    ("Premium hoodie", BenefitKind.SWAG, "60", "35", [], 120, False, True),
    ("Donation to a charity of your choice", BenefitKind.CHARITY, "100", "100", [], None, True, False),
    (
        "Conference pass with travel",
        BenefitKind.EXPERIENCE,
        "1500",
        "1800",
        [Tier.PLATINUM, Tier.GOLD],
        10,
        False,
        False,
    ),
    ("Gift card", BenefitKind.GIFT, "100", "100", [], None, True, False),
]


def seed_appreciation(*, organization: Organization) -> None:
    manager = User.objects.get(email="manager@acme.test")
    csm = User.objects.get(email="csm@acme.test")
    benefits = {}
    for name, kind, value, cost, tiers, stock, digital, shipping in CATALOGUE:
        benefits[name] = benefit_create(
            organization=organization,
            actor=manager,
            data={
                "name": name,
                "kind": kind,
                "description": "",
                "value": Decimal(value),
                "cost": Decimal(cost),
                "tiers": list(tiers),
                "stock": stock,
                "digital": digital,
                "needs_shipping": shipping,
                "active": True,
            },
        )
    budget_set(
        organization=organization,
        actor=manager,
        data={"quarter_start": quarter_start(timezone.localdate()), "amount": Decimal("25000"), "enforced": False},
    )
    demo = Advocate.objects.filter(organization=organization, user__email="advocate@acme.test").first()
    if demo is None:
        return
    activity = demo.activities.filter(status="completed").order_by("-occurred_on").first()
    reward_propose(
        organization=organization,
        actor=manager,
        advocate=demo,
        activity=activity,
        options=[benefits["Premium hoodie"], benefits["Donation to a charity of your choice"]],
        note="Thank you for the reference call with Cyberdyne Systems.",
        confirm=True,
    )
    nomination_create(
        organization=organization,
        advocate=demo,
        actor=csm,
        kind=Nomination.Kind.SPOTLIGHT,
        title="Customer of the quarter",
        reason="Three references this year, each one decisive for the deal.",
    )
