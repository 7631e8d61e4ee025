"""Demo data for the request workflow (``seed_demo``): requests at every stage of outreach,
scheduling and completion, a referral, a case study waiting for the customer's approval and a
review campaign. Everything goes through the same services the pages use, so the demo shows the
history, audit trail and messages a real program would have."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from advocacy.errors import ConflictError, ValidationFailed
from advocacy.models import Organization, User
from advocates.models import Advocate, CustomerAccount, Region, Segment

from . import matching
from .models import AdvocacyRequest, ApprovalKind, Ask, RequestStatus, RequestType
from .selectors_campaigns import Audience
from .services import ask_create, request_submit, request_transition
from .services.campaigns import campaign_create, campaign_send
from .services.completion import ask_complete, ask_rate, outcome_record
from .services.content import content_create, content_submit, step_decide
from .services.outreach import ask_accept, ask_decline
from .services.referrals import referral_submit
from .services.scheduling import slot_choose, slots_propose


class _People:
    def __init__(self, organization: Organization):
        self.organization = organization
        self.sales = User.objects.get(email="sales@acme.test")
        self.manager = User.objects.get(email="manager@acme.test")
        self.marketing = User.objects.get(email="marketing@acme.test")
        self.admin = User.objects.get(email="admin@acme.test")
        self.advocate = Advocate.objects.filter(organization=organization, user__email="advocate@acme.test").first()


def _matching_request(people: _People, rng: random.Random, company: str, industry: str, **data: Any) -> AdvocacyRequest:
    values = {
        "request_type": RequestType.REFERENCE_CALL,
        "prospect_company": company,
        "prospect_industry": industry,
        "prospect_segment": rng.choice(list(Segment.values)),
        "prospect_region": rng.choice(list(Region.values)),
        "use_case": "Self-service analytics for finance teams",
        "deal_value": Decimal(rng.randint(60, 400) * 1000),
        "crm_opportunity_id": f"OPP-{rng.randint(10000, 99999)}",
        "needed_by": timezone.localdate() + timedelta(days=rng.randint(8, 25)),
        **data,
    }
    advocacy_request = request_submit(organization=people.organization, requester=people.sales, data=values)
    for status in (RequestStatus.TRIAGED, RequestStatus.MATCHING):
        advocacy_request = request_transition(advocacy_request=advocacy_request, to_status=status, actor=people.manager)
    return advocacy_request


def _ask_someone(
    people: _People, advocacy_request: AdvocacyRequest, *, prefer: Advocate | None = None, skip: set[int] | None = None
) -> Ask | None:
    """Asks ``prefer`` when the rules allow it, else the best-ranked candidate not in ``skip``."""
    message = "Would you share your experience with a peer who is evaluating us? Your story would help them a lot."
    choices: list[Advocate] = [prefer] if prefer is not None else []
    choices += [
        candidate.advocate
        for candidate in matching.rank_candidates(advocacy_request=advocacy_request)
        if candidate.advocate.pk not in (skip or set())
    ]
    for advocate in choices:
        try:
            return ask_create(
                advocacy_request=advocacy_request,
                advocate=advocate,
                actor=people.manager,
                message=message,
                override_reason="The prospect asked to speak with this customer by name." if advocate == prefer else "",
            )
        except (ConflictError, ValidationFailed):
            continue
    return None


def _meet(people: _People, ask: Ask, *, days_ahead: int, hour: int) -> Ask:
    start = (timezone.now() + timedelta(days=days_ahead)).replace(hour=hour, minute=0, second=0, microsecond=0)
    slots_propose(
        ask=ask,
        actor=people.manager,
        starts=[start, start + timedelta(days=1)],
        duration_minutes=30,
        meeting_location="https://meet.example.com/acme-reference",
    )
    return slot_choose(ask=ask, starts_at=start, actor=ask.advocate.user or people.manager)


def seed_request_workflow(*, organization: Organization, rng: random.Random) -> None:
    people = _People(organization)
    demo = people.advocate
    if demo is not None:
        demo.consent_named = demo.consent_quoted = demo.consent_logo = demo.consent_recorded = True
        demo.save(update_fields=["consent_named", "consent_quoted", "consent_logo", "consent_recorded"])
    used: set[int] = set()

    # Closed: the demo advocate took the call, the deal was won, and they were told how it helped.
    closed = _matching_request(people, rng, "Cyberdyne Systems", "Manufacturing")
    ask = _ask_someone(people, closed, prefer=demo)
    if ask is not None:
        used.add(ask.advocate_id)
        ask = ask_accept(ask=ask, actor=ask.advocate.user, via="portal")
        ask = _meet(people, ask, days_ahead=1, hour=15)
        ask = ask_complete(ask=ask, actor=people.manager, occurred_on=timezone.localdate(), minutes=35)
        outcome_record(
            advocacy_request=closed,
            actor=people.sales,
            data={
                "call_held": True,
                "deal_result": "won",
                "deal_value": Decimal("180000"),
                "usage": "The call answered the CFO's questions about rollout; they signed two weeks later.",
            },
        )
        if ask.advocate.user is not None:
            ask_rate(ask=ask, actor=ask.advocate.user, rating=5, comment="A well-prepared, friendly conversation.")

    # Scheduled: another advocate accepted and picked a time.
    scheduled = _matching_request(people, rng, "Vandelay Imports", "Logistics")
    ask = _ask_someone(people, scheduled, skip=used)
    if ask is not None:
        used.add(ask.advocate_id)
        ask = ask_accept(ask=ask, actor=None, via="email link")
        _meet(people, ask, days_ahead=3, hour=14)

    # Outreach: the demo advocate has an invitation waiting in their portal.
    waiting = _matching_request(people, rng, "Hooli Bank", "Financial services", request_type=RequestType.CASE_STUDY)
    _ask_someone(people, waiting, prefer=demo)

    # Back in matching: the advocate asked declined, so the program team picks the next candidate.
    declined = _matching_request(people, rng, "Pied Piper", "Software")
    ask = _ask_someone(people, declined, skip=used)
    if ask is not None:
        ask_decline(ask=ask, actor=None, reason="Travelling for the whole month.", via="email link")

    if demo is not None and demo.user is not None:
        referral_submit(
            organization=organization,
            advocate=demo,
            actor=demo.user,
            data={
                "peer_name": "Morgan Lee",
                "peer_email": "morgan.lee@initrode.example",
                "peer_company": "Initrode",
                "peer_title": "VP Finance",
                "context": "Former colleague; their team is replacing spreadsheets for monthly reporting.",
                "peer_agreed": True,
            },
        )
        piece = content_create(
            organization=organization,
            actor=people.manager,
            advocate=demo,
            kind="case_study",
            title=f"How {demo.account.name if demo.account else demo.full_name} closes the books two days faster",
            body="Challenge, approach and results, in the customer's own words.",
            legal_approver=people.admin,
            pr_approver=people.marketing,
            advocacy_request=closed,
        )
        piece = content_submit(content=piece, actor=people.manager)
        step_decide(content=piece, kind=ApprovalKind.LEGAL, actor=people.admin, approve=True)
        step_decide(content=piece, kind=ApprovalKind.PR, actor=people.marketing, approve=True)

    accounts = list(
        CustomerAccount.objects.filter(organization=organization, health_score__gte=85)
        .order_by("id")
        .values_list("public_id", flat=True)[:12]
    )
    campaign = campaign_create(
        organization=organization,
        actor=people.marketing,
        data={
            "kind": "review",
            "name": "Spring reviews on G2",
            "message": "If you have a few minutes, we would value an honest review of your experience with us.",
            "site_name": "G2",
            "site_url": "https://www.g2.com/products/acme-analytics/reviews",
            "closes_on": timezone.localdate() + timedelta(days=21),
        },
    )
    campaign_send(campaign=campaign, actor=people.marketing, audience=Audience(accounts=tuple(map(str, accounts))))
    # Some answers are in: a few wrote their review already, some said yes, some said no.
    asks = list(Ask.objects.filter(organization=organization, request=campaign.request).order_by("pk")[:9])
    for number, ask in enumerate(asks):
        if number < 6:
            ask = ask_accept(ask=ask, actor=None, via="email link")
            if number < 2:
                ask_complete(ask=ask, actor=people.marketing, occurred_on=timezone.localdate())
        else:
            ask_decline(ask=ask, actor=None, reason="Our policy does not allow public reviews.", via="email link")
