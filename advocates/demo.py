"""Realistic generated program data for the demo (``seed_demo``) and for benchmarks.

Accounts with products and health history, advocates across tiers with consent, preferences and
NPS history, and two to three years of activity history that matches each tier's participation and
never breaks the yearly cap.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from advocacy.models import Organization, User

from .capacity import add_months
from .defaults import ensure_program_defaults
from .models import (
    AccountProduct,
    Activity,
    ActivityPreference,
    ActivityType,
    Advocate,
    AdvocateStatusChange,
    BlackoutPeriod,
    ConsentChange,
    ConsentSource,
    CustomerAccount,
    HealthScoreChange,
    NpsResponse,
    Product,
    ProgramPolicy,
    Region,
    Segment,
    Seniority,
    Tier,
    TierChange,
)

INDUSTRIES = [
    "Software", "Financial services", "Healthcare", "Retail", "Manufacturing",
    "Education", "Logistics", "Media", "Telecommunications", "Energy",
]  # fmt: skip
PRODUCTS = ["Dashboards", "Data Pipelines", "Embedded Analytics", "Forecasting", "Governance"]
COUNTRIES = {
    Region.NORTH_AMERICA: ["US", "CA"],
    Region.LATIN_AMERICA: ["BR", "MX", "AR", "CL"],
    Region.EMEA: ["GB", "DE", "FR", "PT", "NL", "ES"],
    Region.APAC: ["JP", "AU", "SG", "IN"],
}
TIME_ZONES = {
    Region.NORTH_AMERICA: ["America/New_York", "America/Chicago", "America/Los_Angeles", "America/Toronto"],
    Region.LATIN_AMERICA: ["America/Sao_Paulo", "America/Mexico_City", "America/Argentina/Buenos_Aires"],
    Region.EMEA: ["Europe/London", "Europe/Berlin", "Europe/Lisbon", "Europe/Paris", "Europe/Madrid"],
    Region.APAC: ["Asia/Tokyo", "Australia/Sydney", "Asia/Singapore", "Asia/Kolkata"],
}
FIRST_NAMES = {
    "en": ["Olivia", "Liam", "Emma", "Noah", "Ava", "James", "Sophia", "Lucas", "Grace", "Henry", "Chloe", "Daniel"],
    "pt": ["Ana", "João", "Mariana", "Pedro", "Beatriz", "Rafael", "Camila", "Thiago", "Larissa", "Gustavo"],
    "ja": ["Haruto", "Yui", "Sota", "Hina", "Ren", "Aoi", "Yuto", "Sakura", "Kaito", "Mei"],
}
LAST_NAMES = {
    "en": ["Smith", "Johnson", "Brown", "Taylor", "Wilson", "Clark", "Walker", "Hall", "Young", "King"],
    "pt": ["Silva", "Santos", "Oliveira", "Souza", "Lima", "Pereira", "Costa", "Ferreira", "Almeida", "Ribeiro"],
    "ja": ["Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura", "Kobayashi", "Kato"],
}
COMPANY_WORDS = [
    "Northwind", "Bluefin", "Cedar", "Summit", "Harbor", "Quantum", "Aurora", "Granite", "Vertex", "Sakura",
    "Ipanema", "Lumen", "Orbit", "Pioneer", "Silverline", "Tidal", "Meridian", "Atlas", "Nimbus", "Horizon",
]  # fmt: skip
COMPANY_SUFFIXES = ["Systems", "Labs", "Group", "Holdings", "Logistics", "Health", "Bank", "Retail", "Energia", "Works"]
TITLES: dict[str, list[str]] = {
    Seniority.EXECUTIVE: ["CIO", "CTO", "VP Engineering", "Chief Data Officer", "VP Operations"],
    Seniority.MANAGER: ["Head of Analytics", "IT Manager", "Data Platform Lead", "Director of BI"],
    Seniority.PRACTITIONER: ["Data Analyst", "Analytics Engineer", "BI Developer", "Data Scientist"],
}
OUTCOMES = [
    "Cut month-end reporting from 10 days to 2.",
    "Saved 1,200 analyst hours a year.",
    "Raised forecast accuracy by 18 %.",
    "Moved 40 dashboards off spreadsheets in one quarter.",
    "Gave 300 store managers self-service sales data.",
]
USE_CASES = [
    "Finance reporting",
    "Supply chain visibility",
    "Customer 360",
    "Embedded customer dashboards",
    "Forecasting",
]
# Completed activities a year, by tier (low, high), and the types each tier tends to do.
PARTICIPATION = {Tier.PLATINUM: (4, 6), Tier.GOLD: (2, 3), Tier.SILVER: (1, 1), Tier.COMMUNITY: (0, 0)}
# Share of advocates whose latest year drifts one activity up or down: the tier review's queue.
DRIFT = 0.05
TYPE_WEIGHTS = {
    Tier.PLATINUM: {"reference_call": 4, "case_study": 2, "speaking": 2, "advisory_board": 3, "testimonial": 1},
    Tier.GOLD: {"reference_call": 5, "testimonial": 3, "speaking": 1, "case_study": 1, "review": 1},
    Tier.SILVER: {"testimonial": 3, "review": 4, "reference_call": 1, "beta": 1},
    Tier.COMMUNITY: {"review": 3, "beta": 2, "event": 1, "community_leadership": 1},
}
CONSENTS_BY_TIER: dict[str, tuple[str, ...]] = {
    Tier.PLATINUM: ("named", "quoted", "logo", "recorded", "speak_publicly"),
    Tier.GOLD: ("named", "quoted", "logo", "recorded"),
    Tier.SILVER: ("named", "quoted"),
    Tier.COMMUNITY: ("named",),
}
CONSENT_FIELD = {
    "named": "consent_named",
    "quoted": "consent_quoted",
    "logo": "consent_logo",
    "recorded": "consent_recorded",
    "speak_publicly": "consent_speak_publicly",
}


@dataclass
class ProgramSize:
    accounts: int
    tiers: dict[str, int]  # active advocates per tier
    others: int  # candidates, nominees, paused, alumni… not counted in the tiers
    years: int = 3


def _spaced_dates(rng: random.Random, start: date, end: date, count: int) -> list[date]:
    span = (end - start).days
    if span <= 0 or count <= 0:
        return []
    return sorted(start + timedelta(days=rng.randint(0, span)) for _ in range(count))


def respecting_cap(dates: list[date], cap: int) -> list[date]:
    """Keeps dates in order while no twelve-month window holds more than ``cap`` of them."""
    kept: list[date] = []
    window: deque[date] = deque()
    for day in dates:
        while window and add_months(window[0], 12) <= day:
            window.popleft()
        if len(window) < cap:
            window.append(day)
            kept.append(day)
    return kept


def generate_program(
    organization: Organization,
    *,
    size: ProgramSize,
    rng: random.Random,
    csm: User | None = None,
    recorder: User | None = None,
) -> None:
    """Fills an empty organisation with a living program. Not idempotent by itself: callers check
    that the organisation has no accounts yet."""
    ensure_program_defaults(organization)
    today = timezone.localdate()
    now = timezone.now()
    policy = ProgramPolicy.for_organization(organization)
    types = {
        activity_type.key: activity_type for activity_type in ActivityType.objects.filter(organization=organization)
    }

    products = Product.objects.bulk_create([Product(organization=organization, name=name) for name in PRODUCTS])
    accounts = _accounts(organization, size.accounts, rng, today, csm)
    CustomerAccount.objects.bulk_create(accounts, batch_size=1000)
    accounts = list(CustomerAccount.objects.filter(organization=organization).order_by("pk"))
    AccountProduct.objects.bulk_create(
        [
            AccountProduct(organization=organization, account=account, product=product)
            for account in accounts
            for product in rng.sample(products, rng.randint(1, 3))
        ],
        batch_size=2000,
    )
    HealthScoreChange.objects.bulk_create(
        [
            HealthScoreChange(
                organization=organization,
                account=account,
                score=max(0, min(100, (account.health_score or 70) + rng.randint(-8, 8))),
                source="crm",
                recorded_at=now - timedelta(days=days),
            )
            for account in accounts
            for days in (270, 180, 90)
        ]
        + [
            HealthScoreChange(
                organization=organization,
                account=account,
                score=account.health_score or 70,
                source="crm",
                recorded_at=now - timedelta(days=7),
            )
            for account in accounts
        ],
        batch_size=2000,
    )

    tenured_since = add_months(today, -policy.tenure_months)
    healthy = [
        account
        for account in accounts
        if (account.health_score or 0) >= policy.health_threshold
        and account.customer_since is not None
        and account.customer_since <= tenured_since
    ]
    plan = [(tier, Advocate.Status.ACTIVE) for tier, count in size.tiers.items() for _ in range(count)]
    others = [
        Advocate.Status.CANDIDATE,
        Advocate.Status.CANDIDATE,
        Advocate.Status.CANDIDATE,
        Advocate.Status.NOMINATED,
        Advocate.Status.INVITED,
        Advocate.Status.PAUSED,
        Advocate.Status.ALUMNI,
        Advocate.Status.DECLINED,
    ]
    plan += [(Tier.COMMUNITY, others[index % len(others)]) for index in range(size.others)]
    advocates = []
    emails: set[str] = set()
    for tier, status in plan:
        culture = rng.choices(["en", "pt", "ja"], weights=[5, 3, 2])[0]
        first, last = rng.choice(FIRST_NAMES[culture]), rng.choice(LAST_NAMES[culture])
        # Active advocates come from healthy accounts; unhealthy ones are never asked.
        account = rng.choice(healthy if status == Advocate.Status.ACTIVE and healthy else accounts)
        domain = account.name.lower().replace(" ", "") + ".example"
        email = f"{first}.{last}@{domain}".lower()
        suffix = 2
        while email in emails:
            email = f"{first}.{last}{suffix}@{domain}".lower()
            suffix += 1
        emails.add(email)
        by_tier: dict[str, str] = {
            Tier.PLATINUM: Seniority.EXECUTIVE,
            Tier.GOLD: rng.choice([Seniority.EXECUTIVE, Seniority.MANAGER]),
        }
        seniority = by_tier.get(tier, rng.choice(list(Seniority)))
        joined = today - timedelta(days=rng.randint(400, size.years * 365))
        in_program = status in (Advocate.Status.ACTIVE, Advocate.Status.PAUSED, Advocate.Status.ALUMNI)
        consents = CONSENTS_BY_TIER[tier] if in_program else ()
        promoter_weights = [6, 5, 1, 0, 0] if in_program else [5, 4, 2, 1, 1]
        nps = rng.choices([10, 9, 8, 7, 6], weights=promoter_weights)[0]
        advocates.append(
            Advocate(
                organization=organization,
                account=account,
                full_name=f"{first} {last}",
                email=email,
                title=rng.choice(TITLES[seniority]),
                seniority=seniority,
                languages={"en": "en", "pt": "pt en", "ja": "ja en"}[culture],
                time_zone=rng.choice(TIME_ZONES[Region(account.region)]) if account.region else "",
                tier=tier,
                suggested_tier="",
                status=status,
                nps_score=nps,
                nps_recorded_on=today - timedelta(days=rng.randint(10, 200)),
                outcomes=rng.choice(OUTCOMES) if rng.random() < 0.7 else "",
                use_cases=rng.choice(USE_CASES),
                tags=rng.choice(["", "champion", "early adopter", "cab alumni", "multi-product"]),
                joined_at=joined if in_program else None,
                enrolled_at=now - timedelta(days=(today - joined).days) if in_program else None,
                onboarded_at=now - timedelta(days=(today - joined).days - 3) if in_program else None,
                **{CONSENT_FIELD[consent]: True for consent in consents},
            )
        )
    Advocate.objects.bulk_create(advocates, batch_size=1000)
    advocates = list(Advocate.objects.filter(organization=organization).order_by("pk"))
    _histories(organization, advocates, rng, now, today, recorder)
    _ledger(organization, advocates, types, rng, today, size.years, policy.yearly_cap, recorder)


def _accounts(
    organization: Organization, count: int, rng: random.Random, today: date, csm: User | None
) -> list[CustomerAccount]:
    accounts = []
    names_used: set[str] = set()
    for index in range(count):
        region = rng.choice(list(COUNTRIES))
        name = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_SUFFIXES)}"
        while name in names_used:
            name = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_SUFFIXES)}"
            if len(names_used) > 350:
                name = f"{name} {index}"
        names_used.add(name)
        segment = rng.choices(list(Segment.values), weights=[2, 3, 5])[0]
        employees = {"enterprise": (5000, 80000), "mid_market": (500, 4999), "smb": (20, 499)}[segment]
        accounts.append(
            CustomerAccount(
                organization=organization,
                name=name,
                industry=rng.choice(INDUSTRIES),
                segment=segment,
                employee_count=rng.randint(*employees),
                region=region,
                country=rng.choice(COUNTRIES[region]),
                arr=Decimal(rng.randint(10, 900) * 1000),
                health_score=rng.randint(80, 99) if rng.random() < 0.85 else rng.randint(35, 79),
                health_updated_at=timezone.now() - timedelta(days=7),
                customer_since=today - timedelta(days=rng.randint(150, 9 * 365)),
                csm=csm if csm and index % 3 == 0 else None,
                crm_id=f"ACC-{organization.slug.upper()}-{index + 1:05d}",
            )
        )
    return accounts


def _histories(
    organization: Organization,
    advocates: list[Advocate],
    rng: random.Random,
    now: Any,
    today: date,
    recorder: User | None,
) -> None:
    status_changes, tier_changes, consents, nps, preferences, blackouts = [], [], [], [], [], []
    types = list(ActivityType.objects.filter(organization=organization))
    by_key = {activity_type.key: activity_type for activity_type in types}
    for advocate in advocates:
        created = now - timedelta(days=(today - (advocate.joined_at or today)).days + 30)
        status_changes.append(
            AdvocateStatusChange(
                organization=organization,
                advocate=advocate,
                to_status=Advocate.Status.CANDIDATE,
                reason="Imported from the CRM.",
                created_at=created,
            )
        )
        if advocate.joined_at:
            status_changes.append(
                AdvocateStatusChange(
                    organization=organization,
                    advocate=advocate,
                    from_status=Advocate.Status.INVITED,
                    to_status=Advocate.Status.ACTIVE,
                    reason="First activity completed.",
                    created_at=now - timedelta(days=(today - advocate.joined_at).days),
                )
            )
            tier_changes.append(
                TierChange(
                    organization=organization,
                    advocate=advocate,
                    kind=TierChange.Kind.INITIAL,
                    to_tier=advocate.tier,
                    reason="Tier at enrollment.",
                    actor=recorder,
                    created_at=now - timedelta(days=(today - advocate.joined_at).days),
                )
            )
            for consent, field in CONSENT_FIELD.items():
                if getattr(advocate, field):
                    consents.append(
                        ConsentChange(
                            organization=organization,
                            advocate=advocate,
                            consent=consent,
                            granted=True,
                            source=ConsentSource.PORTAL,
                            created_at=now - timedelta(days=(today - advocate.joined_at).days - 2),
                        )
                    )
            for key in TYPE_WEIGHTS[Tier(advocate.tier)]:
                if key in by_key:
                    preferences.append(
                        ActivityPreference(
                            organization=organization,
                            advocate=advocate,
                            activity_type=by_key[key],
                            max_per_year=4 if key == "reference_call" and rng.random() < 0.3 else None,
                        )
                    )
            if rng.random() < 0.08:
                start = today + timedelta(days=rng.randint(5, 90))
                blackouts.append(
                    BlackoutPeriod(
                        organization=organization,
                        advocate=advocate,
                        starts_on=start,
                        ends_on=start + timedelta(days=rng.randint(7, 30)),
                        note=rng.choice(["Parental leave", "Quarter close", "Holiday", ""]),
                    )
                )
        if advocate.nps_score is not None:
            nps.append(
                NpsResponse(
                    organization=organization,
                    advocate=advocate,
                    score=max(0, min(10, advocate.nps_score + rng.choice([-1, 0, 0, 1]))),
                    responded_on=(advocate.nps_recorded_on or today) - timedelta(days=182),
                    source="survey",
                )
            )
            nps.append(
                NpsResponse(
                    organization=organization,
                    advocate=advocate,
                    score=advocate.nps_score,
                    responded_on=advocate.nps_recorded_on or today,
                    source="survey",
                )
            )
    AdvocateStatusChange.objects.bulk_create(status_changes, batch_size=2000)
    TierChange.objects.bulk_create(tier_changes, batch_size=2000)
    ConsentChange.objects.bulk_create(consents, batch_size=2000)
    NpsResponse.objects.bulk_create(nps, batch_size=2000)
    ActivityPreference.objects.bulk_create(preferences, batch_size=2000)
    BlackoutPeriod.objects.bulk_create(blackouts, batch_size=2000)


def _ledger(
    organization: Organization,
    advocates: list[Advocate],
    types: dict[str, ActivityType],
    rng: random.Random,
    today: date,
    years: int,
    cap: int,
    recorder: User | None,
) -> None:
    activities: list[Activity] = []
    last_activity: dict[int, date] = {}
    for advocate in advocates:
        if advocate.joined_at is None:
            continue
        tier = Tier(advocate.tier)
        low, high = PARTICIPATION[tier]
        dates: list[date] = []
        for year in range(years):
            end = today - timedelta(days=365 * year)
            start = max(end - timedelta(days=364), advocate.joined_at)
            count = rng.randint(low, high)
            if year == 0 and rng.random() < DRIFT:
                count = max(0, count + rng.choice([-1, 1]))
            dates += _spaced_dates(rng, start, end, count)
        weights = TYPE_WEIGHTS[tier]
        keys = [key for key in weights if key in types]
        used_in_year: dict[tuple[str, int], int] = {}
        for day in respecting_cap(sorted(dates), cap):
            key = rng.choices(keys, weights=[weights[k] for k in keys])[0]
            activity_type = types[key]
            year = (today - day).days // 365
            if (
                activity_type.limit_per_year is not None
                and used_in_year.get((key, year), 0) >= activity_type.limit_per_year
            ):
                key = "reference_call" if "reference_call" in types else key
                activity_type = types[key]
            used_in_year[(key, year)] = used_in_year.get((key, year), 0) + 1
            activities.append(
                Activity(
                    organization=organization,
                    advocate=advocate,
                    activity_type=activity_type,
                    occurred_on=day,
                    minutes=rng.randint(activity_type.min_minutes, activity_type.max_minutes),
                    status=Activity.Status.COMPLETED,
                    outcome=rng.choice(["", "Prospect signed.", "Published on the website.", "Great feedback."]),
                    value=Decimal(rng.randint(5, 200) * 1000) if key == "reference_call" else None,
                    recorded_by=recorder,
                )
            )
            last_activity[advocate.pk] = max(day, last_activity.get(advocate.pk, day))
    Activity.objects.bulk_create(activities, batch_size=2000)
    for advocate in advocates:
        advocate.last_activity_at = last_activity.get(advocate.pk)
    Advocate.objects.bulk_update(advocates, ["last_activity_at"], batch_size=2000)
