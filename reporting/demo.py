"""Demo data for the reports: two years of requests with their outcomes, the CRM opportunities they
supported and a comparison set without advocacy, program costs, review ratings, NPS survey rounds
and advocates who left, so every report page has something true to show."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from advocacy.models import Organization, User
from advocates.models import Activity, Advocate, AdvocateStatusChange, NpsResponse, Region, Segment
from benefits.services.budgets import quarter_start
from requests_mgmt.models import (
    AdvocacyRequest,
    DealResult,
    RequestOutcome,
    RequestStatus,
    RequestStatusChange,
    RequestType,
)

from .models import CostKind, NpsSurvey, Opportunity, OpportunityResult, ProgramCost
from .policy import ReportingPolicy, Targets
from .rollups import rebuild_organization

INDUSTRIES = ["Software", "Financial services", "Healthcare", "Retail", "Manufacturing", "Logistics", "Energy"]
ACTIVITY_VALUES = {
    "reference_call": Decimal("250"),
    "case_study": Decimal("2500"),
    "testimonial": Decimal("150"),
    "review": Decimal("100"),
    "speaking": Decimal("1200"),
    "event": Decimal("300"),
    "advisory_board": Decimal("600"),
    "beta": Decimal("100"),
    "referral": Decimal("200"),
}
QUARTERLY_COSTS = {CostKind.PLATFORM: 9000, CostKind.STAFF: 45000, CostKind.EVENTS: 15000}


def seed_reporting(*, organization: Organization, rng: random.Random) -> None:
    today = timezone.localdate()
    sales = User.objects.filter(memberships__organization=organization, memberships__role="sales").first()
    manager = User.objects.filter(memberships__organization=organization, memberships__role="program_manager").first()
    if sales is None or manager is None:
        return
    ReportingPolicy(targets=Targets(), activity_values=dict(ACTIVITY_VALUES)).save(organization)
    supported = _past_requests(organization, rng, today, sales, manager)
    _opportunities(organization, rng, today, supported)
    _costs(organization, today, manager)
    _review_ratings(organization, rng)
    _leavers(organization, rng, today, manager)
    _recent_joiners(organization, rng, today)
    _surveys(organization, rng, today)
    rebuild_organization(organization)


def _past_requests(
    organization: Organization, rng: random.Random, today: date, sales: User, manager: User
) -> list[tuple[str, date, str]]:
    """About 160 requests over two years, each taken to its end; returns (opportunity id, opened on,
    deal result) for the ones that were fulfilled."""
    supported: list[tuple[str, date, str]] = []
    kinds = [RequestType.REFERENCE_CALL] * 6 + [RequestType.CASE_STUDY, RequestType.REFERENCE_CALL]
    for number in range(160):
        created = timezone.now() - timedelta(days=rng.randint(20, 720), hours=rng.randint(0, 23))
        kind = rng.choice(kinds)
        roll = rng.random()
        final = RequestStatus.CLOSED if roll < 0.78 else RequestStatus.CANCELLED
        if 0.78 <= roll < 0.92:
            final = RequestStatus.UNFULFILLED
        opportunity = f"OPP-{20000 + number}"
        value = Decimal(rng.randint(15, 350) * 1000)
        advocacy_request = AdvocacyRequest.objects.create(
            organization=organization,
            requester=sales,
            request_type=kind,
            status=final,
            prospect_company=f"Prospect {number + 1}",
            prospect_industry=rng.choice(INDUSTRIES),
            prospect_segment=rng.choice(list(Segment.values)),
            prospect_region=rng.choice(list(Region.values)),
            use_case="Self-service analytics for finance teams",
            deal_value=value,
            crm_opportunity_id=opportunity,
            needed_by=(created + timedelta(days=rng.randint(7, 30))).date(),
        )
        AdvocacyRequest.objects.filter(pk=advocacy_request.pk).update(created_at=created)
        if final == RequestStatus.CLOSED:
            match_days, done_days = rng.uniform(0.5, 6), rng.uniform(4, 16)
            steps = [
                (RequestStatus.TRIAGED, 0.2),
                (RequestStatus.MATCHING, 0.3),
                (RequestStatus.OUTREACH, 0.4),
                (RequestStatus.ACCEPTED, match_days),
                (RequestStatus.SCHEDULED, match_days + 1),
                (RequestStatus.COMPLETED, match_days + done_days),
                (RequestStatus.CLOSED, match_days + done_days + 2),
            ]
        elif final == RequestStatus.UNFULFILLED:
            steps = [(RequestStatus.TRIAGED, 0.2), (RequestStatus.MATCHING, 0.3), (RequestStatus.UNFULFILLED, 9)]
        else:
            steps = [(RequestStatus.CANCELLED, 1)]
        previous = RequestStatus.SUBMITTED
        for status, days in steps:
            RequestStatusChange.objects.create(
                organization=organization,
                request=advocacy_request,
                from_status=previous,
                to_status=status,
                actor=manager,
                note=rng.choice(UNFULFILLED_REASONS) if status == RequestStatus.UNFULFILLED else "",
                created_at=created + timedelta(days=days),
            )
            previous = status
        if final == RequestStatus.CLOSED:
            result = rng.choices([DealResult.WON, DealResult.LOST, DealResult.OPEN], weights=[55, 30, 15])[0]
            RequestOutcome.objects.create(
                organization=organization,
                request=advocacy_request,
                call_held=True,
                deal_result=result,
                deal_value=value if result != DealResult.OPEN else None,
                usage="The prospect heard how the customer rolled out self-service reporting.",
                recorded_by=sales,
                recorded_at=created + timedelta(days=30),
            )
            supported.append((opportunity, created.date(), result))
    return supported


UNFULFILLED_REASONS = [
    "No eligible advocate in the prospect's industry and region.",
    "Every matching advocate was at their yearly limit.",
    "The candidates declined: quarter-end at their companies.",
    "Needed within two days; too short for anyone available.",
]


def _opportunities(
    organization: Organization, rng: random.Random, today: date, supported: list[tuple[str, date, str]]
) -> None:
    """The supported opportunities as the CRM has them, plus 240 without advocacy to compare with."""
    rows = []
    for crm_id, opened, result in supported:
        closed = None if result == DealResult.OPEN else min(opened + timedelta(days=rng.randint(45, 110)), today)
        rows.append((crm_id, opened, closed, result))
    for number in range(240):
        opened = today - timedelta(days=rng.randint(60, 720))
        roll = rng.random()
        result = OpportunityResult.WON if roll < 0.38 else OpportunityResult.LOST if roll < 0.85 else "open"
        closed = None if result == "open" else min(opened + timedelta(days=rng.randint(60, 150)), today)
        rows.append((f"OPP-{40000 + number}", opened, closed, result))
    Opportunity.objects.bulk_create(
        [
            Opportunity(
                organization=organization,
                crm_id=crm_id,
                name=f"{crm_id} · {rng.choice(INDUSTRIES)}",
                segment=rng.choice(list(Segment.values)),
                amount=Decimal(rng.randint(15, 350) * 1000),
                opened_on=opened,
                closed_on=closed,
                result=result,
            )
            for crm_id, opened, closed, result in rows
        ]
    )


def _costs(organization: Organization, today: date, manager: User) -> None:
    quarter = quarter_start(today)
    for back in range(8):
        if back:
            quarter = quarter_start(quarter - timedelta(days=1))
        for kind, amount in QUARTERLY_COSTS.items():
            ProgramCost.objects.get_or_create(
                organization=organization,
                quarter_start=quarter,
                kind=kind,
                defaults={"amount": Decimal(amount), "entered_by": manager},
            )


def _review_ratings(organization: Organization, rng: random.Random) -> None:
    reviews = list(
        Activity.objects.filter(
            organization=organization, activity_type__is_review=True, status=Activity.Status.COMPLETED
        )
    )
    for activity in reviews:
        activity.rating = rng.choices([5, 4, 3], weights=[60, 32, 8])[0]
    Activity.objects.bulk_update(reviews, ["rating"], batch_size=2000)


def _leavers(organization: Organization, rng: random.Random, today: date, manager: User) -> None:
    """Alumni leave a dated trace, so retention and "left the program" have history to read."""
    alumni = Advocate.objects.filter(organization=organization, status=Advocate.Status.ALUMNI)
    AdvocateStatusChange.objects.bulk_create(
        [
            AdvocateStatusChange(
                organization=organization,
                advocate=advocate,
                from_status=Advocate.Status.ACTIVE,
                to_status=Advocate.Status.ALUMNI,
                reason="Changed roles.",
                actor=manager,
                created_at=timezone.now() - timedelta(days=rng.randint(5, 700)),
            )
            for advocate in alumni
            if not advocate.status_changes.filter(to_status=Advocate.Status.ALUMNI).exists()
        ]
    )


def _recent_joiners(organization: Organization, rng: random.Random, today: date) -> None:
    """Some active advocates with nothing in the ledger yet joined this year, so the program grows
    on the dashboard as a real one does."""
    idle = list(
        Advocate.objects.filter(
            organization=organization, status=Advocate.Status.ACTIVE, activities__isnull=True
        ).order_by("pk")[:45]
    )
    for advocate in idle:
        advocate.joined_at = today - timedelta(days=rng.randint(10, 330))
    Advocate.objects.bulk_update(idle, ["joined_at"])


def _surveys(organization: Organization, rng: random.Random, today: date) -> None:
    """Three past rounds, six months apart, answered by about 40 % of the active advocates, and a
    round opened three days ago that a quarter have answered (the demo advocate not yet)."""
    active = list(Advocate.objects.filter(organization=organization, status=Advocate.Status.ACTIVE, user__isnull=True))
    for back, mood, answered in ((549, 0.0, 0.4), (367, 0.05, 0.4), (185, 0.1, 0.4), (3, 0.12, 0.25)):
        opened = timezone.now() - timedelta(days=back)
        survey = NpsSurvey.objects.create(
            organization=organization, opened_at=opened, closes_at=opened + timedelta(days=14), recipients=len(active)
        )
        responses = []
        for advocate in rng.sample(active, k=int(len(active) * answered)):
            score = rng.choices(range(11), weights=[1, 1, 1, 1, 2, 3, 4, 8, 18, 28 + 100 * mood, 33 + 100 * mood])[0]
            responses.append(
                NpsResponse(
                    organization=organization,
                    advocate=advocate,
                    score=score,
                    responded_on=min((opened + timedelta(days=rng.randint(0, 13))).date(), today),
                    source="survey",
                    survey=survey,
                    comment=rng.choice(COMMENTS) if rng.random() < 0.15 else "",
                )
            )
        NpsResponse.objects.bulk_create(responses)


COMMENTS = [
    "The reference calls are well prepared; the briefing helps.",
    "Please space the asks a little more in the last quarter of the year.",
    "Loved the advisory board session.",
    "Would like more peer events in Europe.",
    "The thank-you note from your CEO was a nice touch.",
]
