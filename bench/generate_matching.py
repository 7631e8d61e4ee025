"""Generates the matching benchmark's data set: one large organisation (100,000 advocates at 20,000
accounts, about 1,000,000 activities over three years, a few thousand asks) and 200 small ones
(about 50 advocates each, through ``advocates.demo.generate_program``).

    DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/advocacy_bench_matching \\
        .venv/bin/python bench/generate_matching.py            # drops and rebuilds the database
    # … --reuse                                                 # keeps a complete earlier build

The database is the benchmark's own: it is dropped and created again (then migrated) unless
``--reuse`` finds a complete build in it. Rows go in through ``bulk_create``, 2,000 advocates and
everything that hangs off them at a time, so memory stays flat whatever the size. ``VACUUM ANALYZE``
runs at the end, as autovacuum would have by the time such a program is in use.

``bench/matching_bench.py`` calls this first (with ``--reuse`` unless told otherwise).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# DEBUG keeps every SQL statement in memory: it would measure Django's debug log, not the work.
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advocacy.settings.local")
DEFAULT_DATABASE_URL = "postgres://postgres:postgres@127.0.0.1:5432/advocacy_bench_matching"
os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)

BIG_SLUG = "bench-matching-big"
BIG_ADVOCATES = 100_000
BIG_ACCOUNTS = 20_000
SMALL_ORGANIZATIONS = 200
CHUNK = 2_000  # advocates generated and inserted at a time, with their preferences and activities
BATCH = 2_000  # rows per INSERT statement
YEARS = 3
SEED = 20261129

# The world the big organisation sells into.
INDUSTRY_WEIGHTS = {
    "Software": 18, "Financial services": 14, "Healthcare": 11, "Retail": 10, "Manufacturing": 12,
    "Education": 6, "Logistics": 8, "Media": 6, "Telecommunications": 7, "Energy": 8,
}  # fmt: skip
REGION_WEIGHTS = {"north_america": 40, "emea": 30, "apac": 18, "latin_america": 12}
SEGMENT_WEIGHTS = {"enterprise": 2, "mid_market": 3, "smb": 5}
# Bigger customers have more people in the program.
ADVOCATES_PER_ACCOUNT_WEIGHT = {"enterprise": 10.0, "mid_market": 5.0, "smb": 2.5}
LANGUAGES_BY_REGION = {
    "north_america": {"en": 85, "en es": 15},
    "latin_america": {"pt en": 50, "es en": 40, "pt": 10},
    "emea": {"en": 40, "de en": 20, "fr en": 15, "es en": 10, "pt en": 10, "de": 5},
    "apac": {"ja en": 40, "en": 45, "ja": 15},
}
STATUS_WEIGHTS = {
    "active": 72, "paused": 6, "alumni": 5, "candidate": 8, "nominated": 3, "invited": 4, "declined": 2,
}  # fmt: skip
IN_PROGRAM = ("active", "paused", "alumni")
TIER_WEIGHTS = {"platinum": 4, "gold": 17, "silver": 35, "community": 44}
# Activities that count toward the yearly cap, per year and tier (low, high): the cap trims the top.
CAPPED_PER_YEAR = {"platinum": (5, 8), "gold": (4, 6), "silver": (2, 5), "community": (1, 3)}
# Referrals and community leadership do not count toward the cap.
UNCAPPED_PER_YEAR = {"platinum": (0, 3), "gold": (0, 3), "silver": (0, 3), "community": (1, 4)}
CANCELLED_SHARE = 0.10
PREFERENCES_SHARE = 0.35  # advocates who have stated which activities they are willing to do
BLACKOUT_SHARE = 0.08


def set_scale(scale: float) -> None:
    """Shrinks the data set for a quick smoke run of the generator (never for figures)."""
    global BIG_ADVOCATES, BIG_ACCOUNTS, SMALL_ORGANIZATIONS
    if scale != 1.0:
        BIG_ADVOCATES, BIG_ACCOUNTS = int(BIG_ADVOCATES * scale), int(BIG_ACCOUNTS * scale)
        SMALL_ORGANIZATIONS = max(int(SMALL_ORGANIZATIONS * scale), 1)


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


class Timer:
    """Prints each step's wall time as it finishes and keeps them for the summary."""

    def __init__(self) -> None:
        self.steps: dict[str, float] = {}

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        seconds = time.perf_counter() - started
        self.steps[name] = round(seconds, 1)
        print(f"  {name}: {seconds:.1f} s (peak RSS {peak_rss_mb():.0f} MB)", flush=True)


# --- the database -------------------------------------------------------------------------------------


def database_settings() -> dict[str, Any]:
    """The target database from DATABASE_URL; refuses anything but PostgreSQL on 127.0.0.1."""
    url = urlsplit(os.environ["DATABASE_URL"])
    if url.scheme not in ("postgres", "postgresql"):
        raise SystemExit("The matching benchmark measures PostgreSQL: DATABASE_URL must be postgres://…")
    if url.hostname != "127.0.0.1":
        raise SystemExit(f"The benchmark only ever targets 127.0.0.1, not {url.hostname}.")
    name = url.path.lstrip("/")
    if not name.startswith("advocacy_bench"):
        raise SystemExit(f"The benchmark drops and rebuilds its database: {name!r} must start with advocacy_bench.")
    return {
        "host": url.hostname,
        "port": url.port or 5432,
        "user": url.username or "postgres",
        "password": url.password or "",
        "name": name,
    }


def _maintenance_connection() -> Any:
    import psycopg2

    target = database_settings()
    connection = psycopg2.connect(
        host=target["host"], port=target["port"], user=target["user"], password=target["password"], dbname="postgres"
    )
    connection.autocommit = True
    return connection


def database_exists() -> bool:
    name = database_settings()["name"]
    with _maintenance_connection() as connection, connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def recreate_database() -> None:
    from psycopg2 import sql

    name = database_settings()["name"]
    connection = _maintenance_connection()
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        connection.close()


def setup_django() -> None:
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def complete_build() -> dict[str, Any] | None:
    """The big organisation's build record when an earlier run finished, else None."""
    from django.db import connection

    if "advocacy_organization" not in connection.introspection.table_names():
        return None
    from advocacy.models import Organization

    organization = Organization.objects.filter(slug=BIG_SLUG).first()
    if organization is None:
        return None
    build = (organization.settings or {}).get("bench") or {}
    return build if build.get("complete") else None


# --- the big organisation ------------------------------------------------------------------------------


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _accounts(organization: Any, rng: random.Random, today: date, count: int) -> None:
    from advocates.demo import COMPANY_SUFFIXES, COMPANY_WORDS, COUNTRIES
    from advocates.models import CustomerAccount

    employees = {"enterprise": (5000, 80000), "mid_market": (500, 4999), "smb": (20, 499)}
    arr = {"enterprise": (200, 2000), "mid_market": (40, 300), "smb": (5, 60)}
    now = _now()
    accounts = []
    for index in range(count):
        region = _weighted(rng, REGION_WEIGHTS)
        segment = _weighted(rng, SEGMENT_WEIGHTS)
        accounts.append(
            CustomerAccount(
                organization=organization,
                name=f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_SUFFIXES)} {index + 1:05d}",
                industry=_weighted(rng, INDUSTRY_WEIGHTS),
                segment=segment,
                employee_count=rng.randint(*employees[segment]),
                region=region,
                country=rng.choice(COUNTRIES[region]),  # type: ignore[index]
                arr=Decimal(rng.randint(*arr[segment]) * 1000),
                # ~85 % healthy (the default threshold is 80), a few without a score yet.
                health_score=(
                    None if rng.random() < 0.01 else rng.randint(80, 99) if rng.random() < 0.85 else rng.randint(30, 79)
                ),
                health_updated_at=now - timedelta(days=rng.randint(1, 30)),
                customer_since=today - timedelta(days=rng.randint(90, 12 * 365)),
                crm_id=f"ACC-{index + 1:06d}",
            )
        )
    CustomerAccount.objects.bulk_create(accounts, batch_size=BATCH)


def _account_products(organization: Any, rng: random.Random, accounts: list[tuple[int, str]], products: list[Any]):
    from advocates.models import AccountProduct

    rows = []
    for account_id, segment in accounts:
        used = {"enterprise": (2, 4), "mid_market": (1, 3), "smb": (1, 2)}[segment]
        for product in rng.sample(products, rng.randint(*used)):
            rows.append(AccountProduct(organization=organization, account_id=account_id, product=product))
    AccountProduct.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def _now() -> Any:
    from django.utils import timezone

    return timezone.now()


def _activity_dates(
    rng: random.Random, tier: str, status: str, joined: date, today: date, cap: int
) -> tuple[list[date], list[date], list[date]]:
    """(capped, uncapped, cancelled) dates for one advocate, oldest first, the capped ones never
    more than ``cap`` in any twelve months (``advocates.demo.respecting_cap``)."""
    from advocates.demo import respecting_cap

    capped: list[date] = []
    uncapped: list[date] = []
    low, high = CAPPED_PER_YEAR[tier]
    ulow, uhigh = UNCAPPED_PER_YEAR[tier]
    for year in range(YEARS):
        if status == "alumni" and year == 0:
            continue  # alumni stopped taking part
        end = today - timedelta(days=365 * year + 1)
        start = max(end - timedelta(days=364), joined)
        span = (end - start).days
        if span <= 0:
            continue
        count = rng.randint(low, high)
        if status == "paused" and year == 0:
            count //= 2
        capped += [start + timedelta(days=rng.randint(0, span)) for _ in range(count)]
        uncapped += [start + timedelta(days=rng.randint(0, span)) for _ in range(rng.randint(ulow, uhigh))]
    capped = respecting_cap(sorted(capped), cap)
    cancelled = sorted(day for day in capped if rng.random() < CANCELLED_SHARE)
    kept = set(cancelled)
    capped = [day for day in capped if day not in kept]
    return capped, sorted(uncapped), cancelled


class TypePicker:
    """Chooses an activity type per date by tier, keeping each type's own limit and interval."""

    CAPPED_WEIGHTS = {
        "platinum": {"reference_call": 4, "case_study": 2, "speaking": 2, "advisory_board": 3, "testimonial": 2,
                     "event": 1},
        "gold": {"reference_call": 5, "testimonial": 3, "speaking": 1, "case_study": 1, "review": 1, "event": 1},
        "silver": {"testimonial": 3, "review": 2, "reference_call": 3, "beta": 2, "event": 1},
        "community": {"review": 2, "beta": 3, "event": 2, "reference_call": 1},
    }  # fmt: skip
    UNCAPPED_WEIGHTS = {"referral": 3, "community_leadership": 2}

    def __init__(self, types: dict[str, Any]) -> None:
        self.types = types

    def pick(self, rng: random.Random, tier: str, days: list[date], *, capped: bool) -> list[tuple[date, Any]]:
        weights = self.CAPPED_WEIGHTS[tier] if capped else self.UNCAPPED_WEIGHTS
        keys, values = list(weights), list(weights.values())
        history: dict[str, list[date]] = defaultdict(list)
        chosen = []
        for day in days:
            key = rng.choices(keys, weights=values)[0]
            activity_type = self.types[key]
            if not self._fits(activity_type, history[key], day):
                key = "reference_call" if capped else "referral"
                activity_type = self.types[key]
            history[key].append(day)
            chosen.append((day, activity_type))
        return chosen

    @staticmethod
    def _fits(activity_type: Any, earlier: list[date], day: date) -> bool:
        if activity_type.min_interval_days and earlier and (day - earlier[-1]).days < activity_type.min_interval_days:
            return False
        if activity_type.limit_per_year is not None:
            recent = sum(1 for other in earlier if (day - other).days < 365)
            if recent >= activity_type.limit_per_year:
                return False
        return True


def _advocate_chunk(
    organization: Any,
    rng: random.Random,
    today: date,
    start_number: int,
    size: int,
    accounts: list[tuple[int, str, str, str]],
    account_weights: list[float],
    types: dict[str, Any],
    picker: TypePicker,
    cap: int,
    eligible_pool: dict[str, list[int]],
) -> dict[str, int]:
    """Generates and inserts ``size`` advocates with their preferences, blackouts and activities."""
    from advocates.demo import CONSENT_FIELD, CONSENTS_BY_TIER, FIRST_NAMES, LAST_NAMES, TITLES, USE_CASES
    from advocates.models import Activity, ActivityPreference, Advocate, BlackoutPeriod

    now = _now()
    chosen_accounts = rng.choices(accounts, cum_weights=account_weights, k=size)
    advocates: list[Advocate] = []
    plans: list[dict[str, Any]] = []
    for offset, (account_id, region, industry, _segment) in enumerate(chosen_accounts):
        number = start_number + offset
        status = _weighted(rng, STATUS_WEIGHTS)
        in_program = status in IN_PROGRAM
        tier = _weighted(rng, TIER_WEIGHTS) if in_program else "community"
        if tier == "platinum":
            seniority = "executive"
        elif tier == "gold":
            seniority = rng.choice(["executive", "manager"])
        else:
            seniority = rng.choices(["executive", "manager", "practitioner"], weights=[15, 35, 50])[0]
        languages = _weighted(rng, LANGUAGES_BY_REGION[region])
        culture = languages.split()[0] if languages.split()[0] in FIRST_NAMES else "en"
        first, last = rng.choice(FIRST_NAMES[culture]), rng.choice(LAST_NAMES[culture])
        consents: set[str] = set()
        if in_program:
            consents = {consent for consent in CONSENTS_BY_TIER[tier] if rng.random() < 0.9}
            consents |= {consent for consent in CONSENT_FIELD if rng.random() < 0.1}
        elif rng.random() < 0.3:
            consents = {"named"}
        joined = today - timedelta(days=rng.randint(60, 2200)) if in_program else None
        stated = in_program and rng.random() < PREFERENCES_SHARE
        advocates.append(
            Advocate(
                organization=organization,
                account_id=account_id,
                full_name=f"{first} {last}",
                email=f"{first}.{last}.{number:06d}@customer.example".lower(),
                title=rng.choice(TITLES[seniority]),
                seniority=seniority,
                languages=languages,
                tier=tier,
                status=status,
                nps_score=None
                if rng.random() < 0.1
                else rng.choices(range(11), weights=[1] * 6 + [2, 4, 8, 14, 12])[0],
                nps_recorded_on=today - timedelta(days=rng.randint(10, 400)),
                outcomes=rng.choice(["", "Cut month-end reporting from 10 days to 2.", "Saved 1,200 analyst hours."]),
                use_cases=", ".join(rng.sample(USE_CASES, rng.choice([1, 1, 2]))),
                tags=rng.choice(["", "", "champion", "early adopter", "cab alumni", "multi-product"]),
                preferences_stated_at=now - timedelta(days=rng.randint(5, 700)) if stated else None,
                joined_at=joined,
                enrolled_at=now - timedelta(days=(today - joined).days) if joined else None,
                **{CONSENT_FIELD[consent]: True for consent in consents},
            )
        )
        plan: dict[str, Any] = {"tier": tier, "status": status, "stated": stated, "region": region}
        if joined:
            capped, uncapped, cancelled = _activity_dates(rng, tier, status, joined, today, cap)
            plan["activities"] = (
                [(day, t, "completed") for day, t in picker.pick(rng, tier, capped, capped=True)]
                + [(day, t, "completed") for day, t in picker.pick(rng, tier, uncapped, capped=False)]
                + [(day, t, "cancelled") for day, t in picker.pick(rng, tier, cancelled, capped=True)]
            )
            if status == "active" and rng.random() < 0.04:  # agreed, still to happen
                plan["activities"].append(
                    (today + timedelta(days=rng.randint(1, 60)), types["reference_call"], "planned")
                )
            done = [day for day, _t, state in plan["activities"] if state == "completed"]
            advocates[-1].last_activity_at = max(done) if done else None
        plan["industry"] = industry
        plans.append(plan)

    Advocate.objects.bulk_create(advocates, batch_size=BATCH)  # PostgreSQL returns the new keys

    preferences: list[ActivityPreference] = []
    blackouts: list[BlackoutPeriod] = []
    activities: list[Activity] = []
    all_types = list(types.values())
    for advocate, plan in zip(advocates, plans, strict=True):
        if plan["status"] == "active":
            eligible_pool[plan["industry"]].append(advocate.pk)
        if plan["stated"]:
            favourites = list(TypePicker.CAPPED_WEIGHTS[plan["tier"]])
            willing = set(rng.sample(favourites, rng.randint(1, min(4, len(favourites)))))
            willing |= {activity_type.key for activity_type in rng.sample(all_types, rng.randint(0, 2))}
            for key in sorted(willing):
                own_limit = rng.random() < 0.2
                preferences.append(
                    ActivityPreference(
                        organization=organization,
                        advocate_id=advocate.pk,
                        activity_type=types[key],
                        max_per_year=rng.randint(1, 3) if own_limit and rng.random() < 0.6 else None,
                        min_interval_days=rng.choice([30, 60, 90, 120]) if own_limit else None,
                    )
                )
        if plan["status"] in IN_PROGRAM and rng.random() < BLACKOUT_SHARE:
            kind = rng.random()
            if kind < 0.3:  # on leave now
                starts = today - timedelta(days=rng.randint(1, 20))
            elif kind < 0.85:  # coming up
                starts = today + timedelta(days=rng.randint(1, 90))
            else:  # over
                starts = today - timedelta(days=rng.randint(60, 400))
            blackouts.append(
                BlackoutPeriod(
                    organization=organization,
                    advocate_id=advocate.pk,
                    starts_on=starts,
                    ends_on=starts + timedelta(days=rng.randint(5, 45)),
                    note=rng.choice(["Parental leave", "Quarter close", "Holiday", ""]),
                )
            )
        for day, activity_type, state in plan.get("activities", ()):
            activities.append(
                Activity(
                    organization=organization,
                    advocate_id=advocate.pk,
                    activity_type=activity_type,
                    occurred_on=day,
                    minutes=activity_type.min_minutes,
                    status=state,
                    value=Decimal(rng.randint(5, 200) * 1000) if activity_type.key == "reference_call" else None,
                    created_at=now,
                )
            )
    ActivityPreference.objects.bulk_create(preferences, batch_size=BATCH)
    BlackoutPeriod.objects.bulk_create(blackouts, batch_size=BATCH)
    Activity.objects.bulk_create(activities, batch_size=BATCH)
    return {
        "advocates": len(advocates),
        "preferences": len(preferences),
        "blackouts": len(blackouts),
        "activities": len(activities),
    }


REQUEST_TYPE_TO_ACTIVITY = {
    "reference_call": "reference_call",
    "case_study": "case_study",
    "testimonial": "testimonial",
    "review": "review",
    "speaking": "speaking",
    "event": "event",
    "beta": "beta",
    "referral": "referral",
}


# Fulfilled asks of past requests become completed (as requests_mgmt.services.completion marks them),
# and about four in five of them carry the advocate's own rating of how it went (mean about 3.9): the
# past feedback the matching score reads. One statement, keyed on the ids alone (the generator is
# seeded and the database new, so ids repeat from build to build): a build made before ratings existed
# gets exactly what a new build has. It only touches asks still "accepted" with an activity, so
# running it twice changes nothing.
RATE_COMPLETED_ASKS = """
UPDATE requests_mgmt_ask k
SET status = 'completed',
    completed_at = (a.occurred_on + time '17:00') AT TIME ZONE 'UTC',
    advocate_rating = CASE
        WHEN (k.id * 37 + k.advocate_id * 11) %% 100 < 20 THEN NULL
        WHEN (k.id * 37 + k.advocate_id * 11) %% 100 < 24 THEN 1
        WHEN (k.id * 37 + k.advocate_id * 11) %% 100 < 30 THEN 2
        WHEN (k.id * 37 + k.advocate_id * 11) %% 100 < 45 THEN 3
        WHEN (k.id * 37 + k.advocate_id * 11) %% 100 < 70 THEN 4
        ELSE 5 END,
    rated_at = CASE WHEN (k.id * 37 + k.advocate_id * 11) %% 100 < 20 THEN NULL
                    ELSE (a.occurred_on + time '17:00') AT TIME ZONE 'UTC' + interval '2 days' END
FROM advocates_activity a
WHERE k.organization_id = %(org)s AND k.status = 'accepted' AND k.activity_id = a.id
RETURNING k.advocate_rating
"""


def rate_completed_asks(organization_id: int) -> tuple[int, int]:
    """Runs ``RATE_COMPLETED_ASKS``: (asks it marked completed, how many of those are rated)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(RATE_COMPLETED_ASKS, {"org": organization_id})
        ratings = [row[0] for row in cursor.fetchall()]
    return len(ratings), sum(rating is not None for rating in ratings)


def _requests_and_asks(
    organization: Any,
    rng: random.Random,
    today: date,
    requester: Any,
    types: dict[str, Any],
    eligible_pool: dict[str, list[int]],
) -> dict[str, int]:
    """Past requests (closed, with declined, expired and completed asks, most of the completed ones
    rated by the advocate) and open ones (pending and accepted asks): the cooldown, open-ask and
    pending filters and past feedback see realistic numbers. Asks go to advocates in the prospect's
    industry, as a program manager following the ranking would."""
    from advocates.models import Activity
    from requests_mgmt.models import AdvocacyRequest, Ask

    now = _now()
    kinds = {"reference_call": 6, "case_study": 1, "testimonial": 2, "review": 1, "speaking": 1, "referral": 1}
    specs = [("closed", today - timedelta(days=rng.randint(20, 365))) for _ in range(1000)]
    specs += [("open", today + timedelta(days=rng.randint(3, 40))) for _ in range(220)]
    requests = []
    for state, needed_by in specs:
        status = (
            rng.choice(["closed", "closed", "completed", "unfulfilled"])
            if state == "closed"
            else rng.choice(["matching", "outreach", "outreach", "accepted"])
        )
        requests.append(
            AdvocacyRequest(
                organization=organization,
                request_type=_weighted(rng, kinds),
                status=status,
                requester=requester,
                prospect_company=f"Prospect {rng.randint(1, 9999):04d}",
                prospect_industry=_weighted(rng, INDUSTRY_WEIGHTS),
                prospect_segment=_weighted(rng, SEGMENT_WEIGHTS),
                prospect_region=_weighted(rng, REGION_WEIGHTS),
                deal_value=Decimal(rng.randint(10, 900) * 1000),
                needed_by=needed_by,
                crm_opportunity_id=f"OPP-HIST-{len(requests):05d}",
            )
        )
    AdvocacyRequest.objects.bulk_create(requests, batch_size=BATCH)

    asks: list[Ask] = []
    fulfilled: list[tuple[Ask, Activity]] = []
    for advocacy_request in requests:
        pool = eligible_pool[advocacy_request.prospect_industry]
        is_open = advocacy_request.status not in ("closed", "completed", "unfulfilled")
        chosen = rng.sample(pool, min(len(pool), rng.randint(3, 10) if is_open else rng.randint(3, 7)))
        if is_open:
            base = now - timedelta(days=rng.randint(1, 20))
        else:
            base = now - timedelta(days=(today - advocacy_request.needed_by).days + rng.randint(5, 20))
        accepted_one = False
        for advocate_id in chosen:
            asked_at = base + timedelta(hours=rng.randint(0, 72))
            if is_open:
                status = rng.choices(["pending", "accepted", "declined"], weights=[60, 20, 20])[0]
            else:
                status = rng.choices(["declined", "expired", "accepted"], weights=[45, 25, 30])[0]
                if status == "accepted" and accepted_one:
                    status = "declined"
                accepted_one = accepted_one or status == "accepted"
            ask = Ask(
                organization=organization,
                request=advocacy_request,
                advocate_id=advocate_id,
                status=status,
                asked_by=requester,
                asked_at=asked_at,
                expires_at=asked_at + timedelta(days=7),
                responded_at=asked_at + timedelta(days=rng.randint(1, 5))
                if status in ("accepted", "declined")
                else None,
                decline_reason="Too busy this quarter." if status == "declined" else "",
            )
            asks.append(ask)
            if status == "accepted" and not is_open:
                activity_type = types[REQUEST_TYPE_TO_ACTIVITY[advocacy_request.request_type]]
                fulfilled.append(
                    (
                        ask,
                        Activity(
                            organization=organization,
                            advocate_id=advocate_id,
                            activity_type=activity_type,
                            occurred_on=advocacy_request.needed_by,
                            minutes=activity_type.min_minutes,
                            status="completed",
                            request=advocacy_request,
                            created_at=now,
                        ),
                    )
                )
    Activity.objects.bulk_create([activity for _ask, activity in fulfilled], batch_size=BATCH)
    for ask, activity in fulfilled:
        ask.activity = activity
    Ask.objects.bulk_create(asks, batch_size=BATCH)
    counts: dict[str, int] = defaultdict(int)
    for ask in asks:
        counts[f"asks_{ask.status}"] += 1
    counts["asks_completed"], counts["asks_rated"] = rate_completed_asks(organization.pk)
    counts["asks_accepted"] -= counts["asks_completed"]
    return {"requests": len(requests), "asks": len(asks), "ask_activities": len(fulfilled), **counts}


def generate_big_organization(rng: random.Random, today: date, timer: Timer) -> tuple[Any, dict[str, int]]:
    from django.db import transaction

    from advocacy.models import Membership, Organization, User
    from advocacy.roles import Role
    from advocates.defaults import ensure_program_defaults
    from advocates.demo import PRODUCTS
    from advocates.models import ActivityType, CustomerAccount, Product, ProgramPolicy

    counts: dict[str, int] = {}
    with timer.step("big organisation: accounts and products"), transaction.atomic():
        organization = Organization.objects.create(name="Bench Matching (large)", slug=BIG_SLUG)
        ensure_program_defaults(organization)
        requester = User.objects.create_user(email="sales@bench-matching.example", full_name="Bench Sales")
        Membership.objects.create(organization=organization, user=requester, role=Role.SALES)
        products = Product.objects.bulk_create(
            [Product(organization=organization, name=name) for name in [*PRODUCTS, "Alerts", "Data Catalog"]]
        )
        _accounts(organization, rng, today, BIG_ACCOUNTS)
        accounts = list(
            CustomerAccount.objects.filter(organization=organization)
            .order_by("pk")
            .values_list("pk", "region", "industry", "segment")
        )
        counts["accounts"] = len(accounts)
        counts["account_products"] = _account_products(
            organization, rng, [(pk, segment) for pk, _r, _i, segment in accounts], products
        )

    types = {
        activity_type.key: activity_type for activity_type in ActivityType.objects.filter(organization=organization)
    }
    cap = ProgramPolicy.for_organization(organization).yearly_cap
    picker = TypePicker(types)
    cumulative, total = [], 0.0
    for _pk, _region, _industry, segment in accounts:
        total += ADVOCATES_PER_ACCOUNT_WEIGHT[segment]
        cumulative.append(total)
    eligible_pool: dict[str, list[int]] = defaultdict(list)
    with timer.step("big organisation: advocates, preferences, blackouts, activities"):
        for start in range(0, BIG_ADVOCATES, CHUNK):
            with transaction.atomic():
                chunk = _advocate_chunk(
                    organization,
                    rng,
                    today,
                    start,
                    min(CHUNK, BIG_ADVOCATES - start),
                    accounts,
                    cumulative,
                    types,
                    picker,
                    cap,
                    eligible_pool,
                )
            for key, value in chunk.items():
                counts[key] = counts.get(key, 0) + value
            if (start // CHUNK) % 10 == 9:
                print(
                    f"    {counts['advocates']:,} advocates, {counts['activities']:,} activities "
                    f"(peak RSS {peak_rss_mb():.0f} MB)",
                    flush=True,
                )
    with timer.step("big organisation: requests and asks"), transaction.atomic():
        for key, value in _requests_and_asks(organization, rng, today, requester, types, eligible_pool).items():
            counts[key] = value
        counts["activities"] += counts["ask_activities"]
    return organization, counts


def generate_small_organizations(rng: random.Random, timer: Timer) -> int:
    from django.db import transaction

    from advocacy.models import Organization
    from advocates.demo import ProgramSize, generate_program

    size = ProgramSize(accounts=12, tiers={"platinum": 2, "gold": 8, "silver": 15, "community": 15}, others=10)
    with timer.step(f"{SMALL_ORGANIZATIONS} small organisations (advocates.demo.generate_program)"):
        for number in range(SMALL_ORGANIZATIONS):
            with transaction.atomic():
                organization = Organization.objects.create(
                    name=f"Bench small {number + 1:03d}", slug=f"bench-small-{number + 1:03d}"
                )
                generate_program(organization, size=size, rng=rng)  # calls ensure_program_defaults
    return SMALL_ORGANIZATIONS


def vacuum_analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")


def table_sizes() -> list[tuple[str, int, str]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT relname, n_live_tup, pg_size_pretty(pg_total_relation_size(relid))
            FROM pg_stat_user_tables
            WHERE relname IN ('advocates_advocate', 'advocates_activity', 'advocates_customeraccount',
                              'advocates_activitypreference', 'advocates_blackoutperiod', 'requests_mgmt_ask',
                              'advocates_accountproduct')
            ORDER BY pg_total_relation_size(relid) DESC
            """
        )
        return list(cursor.fetchall())


def ensure_data(*, reuse: bool) -> dict[str, Any]:
    """Makes sure the benchmark database holds a complete build; returns its record."""
    database_settings()
    if reuse and database_exists():
        setup_django()
        migrate()
        build = complete_build()
        if build is not None:
            print(
                f"Reusing the data generated on {build['generated_on']} ({build['counts']['activities']:,} activities)."
            )
            return with_ratings(build)
        from django.db import connections

        connections.close_all()
        print("No complete build to reuse: generating.")
    return generate()


def with_ratings(build: dict[str, Any]) -> dict[str, Any]:
    """A build made before the generator rated completed asks gets them now, through the same single
    ``RATE_COMPLETED_ASKS`` statement (instead of a new build), and its record says so."""
    if "asks_rated" in build["counts"]:
        return build
    from django.db import connection, transaction
    from django.utils import timezone

    from advocacy.models import Organization

    organization = Organization.objects.get(slug=BIG_SLUG)
    with transaction.atomic():
        completed, rated = rate_completed_asks(organization.pk)
        counts = build["counts"]
        counts["asks_accepted"] = counts.get("asks_accepted", 0) - completed
        counts["asks_completed"], counts["asks_rated"] = completed, rated
        build["ratings_added_on"] = timezone.localdate().isoformat()
        organization.settings = {**(organization.settings or {}), "bench": build}
        organization.save(update_fields=["settings"])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE requests_mgmt_ask")
    print(f"Marked {completed:,} fulfilled asks completed, {rated:,} of them rated by the advocate (one UPDATE).")
    return build


def generate() -> dict[str, Any]:
    from django.db import connections
    from django.utils import timezone
    from django_scopes import scopes_disabled

    timer = Timer()
    started = time.perf_counter()
    print(f"Generating into {database_settings()['name']} on 127.0.0.1 (this takes several minutes).", flush=True)
    with timer.step("drop, create and migrate the database"):
        connections.close_all()
        recreate_database()
        setup_django()
        connections.close_all()
        migrate()
    rng = random.Random(SEED)
    today = timezone.localdate()
    with scopes_disabled():
        organization, counts = generate_big_organization(rng, today, timer)
        counts["small_organizations"] = generate_small_organizations(rng, timer)
    with timer.step("VACUUM (ANALYZE)"):
        vacuum_analyze()
    build = {
        "complete": True,
        "generated_on": today.isoformat(),
        "seconds": {**timer.steps, "total": round(time.perf_counter() - started, 1)},
        "peak_rss_mb": round(peak_rss_mb()),
        "counts": counts,
    }
    organization.settings = {**(organization.settings or {}), "bench": build}
    organization.save(update_fields=["settings"])
    print(f"Generated in {build['seconds']['total']:.0f} s, peak RSS {build['peak_rss_mb']} MB:")
    for key, value in counts.items():
        print(f"  {key}: {value:,}")
    for name, rows, size in table_sizes():
        print(f"  {name}: {rows:,} rows, {size}")
    return build


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reuse", action="store_true", help="keep a complete earlier build instead of rebuilding")
    parser.add_argument("--scale", type=float, default=1.0, help=argparse.SUPPRESS)  # smoke runs: --scale 0.01
    options = parser.parse_args()
    set_scale(options.scale)
    ensure_data(reuse=options.reuse)


if __name__ == "__main__":
    main()
