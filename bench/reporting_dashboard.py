"""Benchmark: the "Program health" dashboard of one organisation with 1,000,000 activities, two ways
side by side in one run, interleaved:

  (a) ``reporting.selectors.health.build(org, ReportFilter.default())``: the panels as the page
      computes them (activity and request volumes from the daily rollups);
  (b) the same figures with the volumes aggregated from the raw tables (the ledger, the requests
      with their first "accepted" and "completed" changes and their outcomes) and "Thanked within 24
      hours" from every thank-you of the range and its personal note; the panels' other queries
      (advocates, asks, bench) are the same in both and run in both.

    DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/advocacy_bench_reporting \\
        .venv/bin/python bench/reporting_dashboard.py            # generates the data first if not there
    # … --regenerate          # drop and build the data again (2 to 3 minutes)
    # … --iterations 30       # timed runs of each way (after 3 warm-ups)

Both must give the same figures; a difference is reported. Target (the issue): (a) p50 <= 100 ms.
It also times the nightly rebuild (``rebuild_organization``), which recounts every bucket.

The data lives in a database of its own (``advocacy_bench_reporting`` on 127.0.0.1; any other host
is refused), created and migrated here. One organisation: ~8,000 accounts (segments weighted, 5 %
without one), 40,000 advocates (tiers and statuses weighted), 1,000,000 activities over four years
(the ten default types weighted: 30 % reference calls, 20 % testimonials, 20 % reviews, 12 %
referrals, 1 % case studies …; 80 % completed, 10 % planned, 10 % cancelled; reviews rated 1-5),
a thank-you per completed activity (90 % sent within 24 hours) and a personal note for the
high-commitment ones (most written within the day, some late, 5 % never), 60,000 requests over
four years with their status history (submitted, accepted, completed or the end they came to) and
an outcome for two thirds of the fulfilled ones, a few thousand asks. Rows go in with ``INSERT … SELECT
generate_series`` (seeded), then ``VACUUM (ANALYZE)``; the rollups are then built by
``rebuild_organization``. A complete build is reused.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# DEBUG keeps every SQL statement in memory: it would measure Django's debug log, not the work.
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advocacy.settings.local")
os.environ.setdefault("DATABASE_URL", "postgres://postgres:postgres@127.0.0.1:5432/advocacy_bench_reporting")

SLUG = "bench-reporting"
ACCOUNTS = 8_000
ADVOCATES = 40_000
ACTIVITIES = 1_000_000
REQUESTS = 60_000
DAYS = 4 * 365
TARGET_P50_MS = 100.0
README = Path(__file__).resolve().parent / "README.md"


def database_settings() -> dict[str, Any]:
    """The target database from DATABASE_URL; refuses anything but PostgreSQL on 127.0.0.1."""
    url = urlsplit(os.environ["DATABASE_URL"])
    if url.scheme not in ("postgres", "postgresql"):
        raise SystemExit("The reporting benchmark measures PostgreSQL: DATABASE_URL must be postgres://…")
    if url.hostname != "127.0.0.1":
        raise SystemExit(f"The benchmark only ever targets 127.0.0.1, not {url.hostname}.")
    name = url.path.lstrip("/")
    if not name.startswith("advocacy_bench"):
        raise SystemExit(f"The benchmark drops and rebuilds its database: {name!r} must start with advocacy_bench.")
    return {"host": url.hostname, "port": url.port or 5432, "user": url.username or "postgres",
            "password": url.password or "", "name": name}  # fmt: skip


def prepare_database(regenerate: bool) -> None:
    import psycopg2

    target = database_settings()
    admin = psycopg2.connect(
        host=target["host"], port=target["port"], user=target["user"], password=target["password"], dbname="postgres"
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [target["name"]])
        exists = cursor.fetchone() is not None
        if exists and regenerate:
            cursor.execute(f'DROP DATABASE "{target["name"]}" WITH (FORCE)')
            exists = False
        if not exists:
            cursor.execute(f'CREATE DATABASE "{target["name"]}"')
    admin.close()


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


# --- the data -------------------------------------------------------------------------------------

GENERATE_SQL = """
SELECT setseed(0.20261129);

INSERT INTO advocates_customeraccount
    (public_id, organization_id, name, industry, segment, region, country, health_score, customer_since,
     crm_id, created_at, updated_at)
SELECT gen_random_uuid(), %(org)s, 'Account ' || n,
       (ARRAY['Software','Financial services','Healthcare','Retail','Manufacturing'])[1 + n %% 5],
       CASE WHEN r < 0.05 THEN '' WHEN r < 0.24 THEN 'enterprise' WHEN r < 0.52 THEN 'mid_market' ELSE 'smb' END,
       (ARRAY['north_america','emea','apac','latin_america'])[1 + n %% 4], 'US', 50 + n %% 50,
       %(today)s::date - (365 + n %% 2000), 'CRM-' || n, now(), now()
FROM (SELECT n, random() AS r FROM generate_series(1, %(accounts)s) AS n) AS s;

CREATE TEMP TABLE bench_accounts AS
SELECT row_number() OVER (ORDER BY id) AS n, id FROM advocates_customeraccount WHERE organization_id = %(org)s;

INSERT INTO advocates_advocate
    (public_id, organization_id, account_id, full_name, email, title, seniority, languages, time_zone, tier,
     suggested_tier, suggested_tier_reason, status, outcomes, use_cases, tags, preferred_channel,
     consent_named, consent_quoted, consent_logo, consent_recorded, consent_speak_publicly,
     invitation_message, joined_at, created_at, updated_at)
SELECT gen_random_uuid(), %(org)s, a.id, 'Advocate ' || s.n, 'advocate' || s.n || '@bench.example', 'Head of Data',
       (ARRAY['executive','manager','practitioner'])[1 + s.n %% 3], 'en', 'UTC',
       CASE WHEN s.t < 0.04 THEN 'platinum' WHEN s.t < 0.21 THEN 'gold' WHEN s.t < 0.56 THEN 'silver'
            ELSE 'community' END,
       '', '',
       CASE WHEN s.r < 0.72 THEN 'active' WHEN s.r < 0.78 THEN 'paused' WHEN s.r < 0.84 THEN 'alumni'
            WHEN s.r < 0.92 THEN 'candidate' WHEN s.r < 0.95 THEN 'nominated' WHEN s.r < 0.98 THEN 'invited'
            ELSE 'declined' END,
       '', '', '', 'email', true, true, s.n %% 2 = 0, s.n %% 3 = 0, s.n %% 4 = 0, '',
       %(today)s::date - (s.n %% 1600), now(), now()
FROM (SELECT n, random() AS r, random() AS t, 1 + floor(random() * %(accounts)s)::int AS account
      FROM generate_series(1, %(advocates)s) AS n) AS s
JOIN bench_accounts a ON a.n = s.account;

CREATE TEMP TABLE bench_advocates AS
SELECT row_number() OVER (ORDER BY id) AS n, id FROM advocates_advocate WHERE organization_id = %(org)s;
-- How often each default type happens (per cent): calls, testimonials, reviews and referrals are most
-- of the ledger; case studies, talks and advisory boards are a few a month.
CREATE TEMP TABLE bench_types AS
SELECT t.id, t.key, w.low, w.high
FROM advocates_activitytype t
JOIN (VALUES ('reference_call', 0, 30), ('testimonial', 30, 50), ('review', 50, 70), ('referral', 70, 82),
             ('community_leadership', 82, 88), ('beta', 88, 92), ('event', 92, 95), ('speaking', 95, 97),
             ('advisory_board', 97, 99), ('case_study', 99, 100)) AS w (key, low, high) ON w.key = t.key
WHERE t.organization_id = %(org)s;

INSERT INTO advocates_advocatestatuschange (organization_id, advocate_id, from_status, to_status, reason, created_at)
SELECT %(org)s, id, 'active', 'alumni', 'Left the company', now() - (n %% 1400) * interval '1 day'
FROM bench_advocates WHERE n %% 17 = 0;

INSERT INTO advocates_activity
    (public_id, organization_id, advocate_id, activity_type_id, occurred_on, minutes, status, outcome,
     crm_opportunity_id, value, rating, created_at)
SELECT gen_random_uuid(), %(org)s, v.id, t.id, s.day,
       CASE WHEN s.st < 0.9 THEN 15 + floor(s.m * 225)::int END,
       CASE WHEN s.day > %(today)s::date THEN 'planned' WHEN s.st < 0.8 THEN 'completed'
            WHEN s.st < 0.9 THEN 'planned' ELSE 'cancelled' END,
       '', '',
       CASE WHEN s.m < 0.2 THEN round((s.m * 5000)::numeric, 2) END,
       CASE WHEN t.key = 'review' AND s.st < 0.8 AND s.m > 0.1 THEN 1 + floor(s.m * 4.99)::int END,
       now()
FROM (SELECT n, random() AS st, random() AS m, 1 + floor(random() * %(advocates)s)::int AS advocate,
             %(today)s::date - floor(random() * %(days)s)::int + 30 * (n %% 40 = 0)::int AS day,
             random() * 100 AS kind
      FROM generate_series(1, %(activities)s) AS n) AS s
JOIN bench_advocates v ON v.n = s.advocate
JOIN bench_types t ON s.kind >= t.low AND s.kind < t.high;

UPDATE advocates_advocate v SET last_activity_at = a.last
FROM (SELECT advocate_id, max(occurred_on) AS last FROM advocates_activity
      WHERE organization_id = %(org)s AND status = 'completed' GROUP BY advocate_id) AS a
WHERE v.id = a.advocate_id;

INSERT INTO benefits_thankyou (organization_id, activity_id, advocate_id, completed_at, due_at, sent_at)
SELECT %(org)s, id, advocate_id, occurred_on + time '17:00', occurred_on + time '17:00' + interval '24 hours',
       occurred_on + time '17:00' + (CASE WHEN id %% 10 = 0 THEN 30 ELSE 1 + id %% 20 END) * interval '1 hour'
FROM advocates_activity WHERE organization_id = %(org)s AND status = 'completed';

-- High-commitment work also earns a personal note: most written within the day, some late, a few never.
INSERT INTO benefits_personalnote (organization_id, activity_id, advocate_id, due_at, note, written_at, created_at)
SELECT %(org)s, a.id, a.advocate_id, a.occurred_on + time '17:00' + interval '24 hours', 'Thank you.',
       CASE WHEN a.id %% 20 <> 0 THEN a.occurred_on + time '17:00' + (2 + a.id %% 30) * interval '1 hour' END,
       now()
FROM advocates_activity a JOIN advocates_activitytype t ON t.id = a.activity_type_id AND t.commitment = 'high'
WHERE a.organization_id = %(org)s AND a.status = 'completed';

INSERT INTO requests_mgmt_advocacyrequest
    (public_id, organization_id, request_type, status, requester_id, prospect_company, prospect_industry,
     prospect_segment, prospect_region, products, use_case, seniority_wanted, language, deal_value,
     crm_opportunity_id, needed_by, notes, created_at, updated_at)
SELECT gen_random_uuid(), %(org)s,
       (ARRAY['reference_call','reference_call','reference_call','case_study','testimonial','review',
              'speaking','referral'])[1 + floor(s.k * 8)::int],
       CASE WHEN s.age < 30 AND s.st < 0.6 THEN
                (ARRAY['submitted','triaged','matching','outreach','accepted','scheduled'])[1 + floor(s.st * 10)::int]
            WHEN s.st < 0.55 THEN 'closed' WHEN s.st < 0.7 THEN 'completed' WHEN s.st < 0.85 THEN 'unfulfilled'
            ELSE 'cancelled' END,
       %(requester)s, 'Prospect ' || s.n, 'Software',
       (ARRAY['', 'enterprise', 'mid_market', 'smb'])[1 + floor(s.k2 * 4)::int], 'emea', '', '', '', 'en',
       CASE WHEN s.k2 < 0.6 THEN round((20000 + s.k2 * 500000)::numeric, 2) END,
       CASE WHEN s.k < 0.5 THEN 'OPP-' || s.n ELSE '' END,
       %(today)s::date - s.age + 14, '',
       now() - s.age * interval '1 day' - s.k * interval '20 hours', now()
FROM (SELECT n, random() AS st, random() AS k, random() AS k2, floor(random() * %(days)s)::int AS age
      FROM generate_series(1, %(requests)s) AS n) AS s;

INSERT INTO requests_mgmt_requeststatuschange (organization_id, request_id, from_status, to_status, note, created_at)
SELECT %(org)s, id, '', 'submitted', '', created_at FROM requests_mgmt_advocacyrequest WHERE organization_id = %(org)s;
INSERT INTO requests_mgmt_requeststatuschange (organization_id, request_id, from_status, to_status, note, created_at)
SELECT %(org)s, id, 'outreach', 'accepted', '', created_at + (4 + id %% 200) * interval '1 hour'
FROM requests_mgmt_advocacyrequest
WHERE organization_id = %(org)s AND status IN ('accepted', 'scheduled', 'completed', 'closed');
INSERT INTO requests_mgmt_requeststatuschange (organization_id, request_id, from_status, to_status, note, created_at)
SELECT %(org)s, id, 'scheduled', 'completed', '', created_at + (240 + id %% 500) * interval '1 hour'
FROM requests_mgmt_advocacyrequest WHERE organization_id = %(org)s AND status IN ('completed', 'closed');
INSERT INTO requests_mgmt_requeststatuschange (organization_id, request_id, from_status, to_status, note, created_at)
SELECT %(org)s, id, 'matching', status, 'No advocate in the segment was free in time.',
       created_at + (48 + id %% 300) * interval '1 hour'
FROM requests_mgmt_advocacyrequest WHERE organization_id = %(org)s AND status IN ('unfulfilled', 'cancelled');

INSERT INTO requests_mgmt_requestoutcome (organization_id, request_id, call_held, deal_result, deal_value, usage,
                                          recorded_at, updated_at)
SELECT %(org)s, id, true, (ARRAY['won', 'won', 'lost', 'open', ''])[1 + id %% 5],
       CASE WHEN id %% 3 = 0 THEN round((10000 + (id %% 97) * 7000)::numeric, 2) END, '', now(), now()
FROM requests_mgmt_advocacyrequest
WHERE organization_id = %(org)s AND status IN ('completed', 'closed') AND id %% 3 <> 1;

INSERT INTO requests_mgmt_ask (public_id, organization_id, request_id, advocate_id, status, message, override_reason,
                               asked_at, decline_reason, scheduled_minutes, meeting_location, advocate_briefing,
                               requester_briefing, calendar_sequence, advocate_comment)
SELECT gen_random_uuid(), %(org)s, r.id, v.id, CASE WHEN r.status IN ('accepted', 'scheduled') THEN 'accepted'
       ELSE 'pending' END, '', '', r.created_at, '', 30, '', '', '', 0, ''
FROM requests_mgmt_advocacyrequest r
JOIN bench_advocates v ON v.n = 1 + (r.id * 7919) %% %(advocates)s
WHERE r.organization_id = %(org)s AND r.status IN ('outreach', 'accepted', 'scheduled');
"""


def ensure_data(regenerate: bool) -> tuple[Any, dict[str, float]]:
    """The organisation, generated unless a complete build is there; and how long each step took."""
    from django.core.management import call_command
    from django.db import connection
    from django_scopes import scope

    from advocacy.models import Organization, User
    from advocates.defaults import ensure_program_defaults
    from advocates.models import Activity
    from reporting.rollups import rebuild_organization

    steps: dict[str, float] = {}
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    steps["migrate"] = time.perf_counter() - started
    organization = Organization.objects.filter(slug=SLUG).first()
    if organization is not None:
        with scope(organization=organization):
            if Activity.objects.filter(organization=organization).count() >= ACTIVITIES * 0.95:
                return organization, steps
        raise SystemExit("An incomplete build is in the database: run again with --regenerate.")
    started = time.perf_counter()
    organization = Organization.objects.create(slug=SLUG, name="Bench Reporting", time_zone="UTC")
    requester = User.objects.create(email="requester@bench-reporting.example", full_name="Requester")
    with scope(organization=organization):
        ensure_program_defaults(organization)
        with connection.cursor() as cursor:
            cursor.execute(
                GENERATE_SQL,
                {
                    "org": organization.pk,
                    "requester": requester.pk,
                    "today": date.today(),
                    "accounts": ACCOUNTS,
                    "advocates": ADVOCATES,
                    "activities": ACTIVITIES,
                    "requests": REQUESTS,
                    "days": DAYS,
                },
            )
        steps["generate (INSERT … SELECT)"] = time.perf_counter() - started
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
        steps["VACUUM (ANALYZE)"] = time.perf_counter() - started
        started = time.perf_counter()
        check = rebuild_organization(organization)
        steps[f"first rebuild, from empty rollups ({check.buckets:,} buckets)"] = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute(
                "VACUUM (ANALYZE) reporting_activityrollup, reporting_requestrollup, reporting_appreciationrollup"
            )
    return organization, steps


# --- (b): the same figures from the raw tables ------------------------------------------------------


def raw_figures(organization: Any, report_filter: Any) -> dict[str, Any]:
    """What the rollup-backed parts of the panels show, counted from the raw tables, plus the
    panels' other queries (the same in both ways)."""
    from django.db.models import Count, DurationField, ExpressionWrapper, F, OuterRef, Q, Subquery, Sum
    from django.db.models.functions import TruncMonth

    from advocates.models import Activity
    from reporting.selectors import common, health
    from requests_mgmt.models import OPEN_STATUSES, AdvocacyRequest, RequestStatusChange

    figures: dict[str, Any] = {}
    ledger = Activity.objects.filter(
        organization=organization,
        status__in=Activity.COUNTING_STATUSES,
        occurred_on__gte=report_filter.start,
        occurred_on__lte=report_filter.end,
    )
    done = Q(status=Activity.Status.COMPLETED)
    rows = list(
        ledger.annotate(month=TruncMonth("occurred_on"))
        .values("activity_type__name", "month")
        .annotate(
            completed=Count("id", filter=done),
            planned=Count("id", filter=Q(status=Activity.Status.PLANNED)),
            minutes=Sum("minutes", filter=done),
        )
        .order_by()
    )
    by_type: dict[str, list[int]] = {}
    by_month: dict[Any, list[int]] = {}
    for row in rows:
        totals = by_type.setdefault(row["activity_type__name"], [0, 0, 0])
        totals[0] += row["completed"]
        totals[1] += row["planned"]
        totals[2] += row["minutes"] or 0
        month = by_month.setdefault(row["month"], [0, 0])
        month[0] += row["completed"]
        month[1] += row["planned"]
    figures["activity by type"] = {name: (c, p, round(m / 60, 1)) for name, (c, p, m) in by_type.items()}
    figures["activity by month"] = {common.month_label(m): tuple(v) for m, v in by_month.items() if any(v)}

    def first(status: str) -> Subquery:
        return Subquery(
            RequestStatusChange.objects.filter(request=OuterRef("pk"), to_status=status)
            .order_by("created_at", "id")
            .values("created_at")[:1]
        )

    def hours(field: str) -> ExpressionWrapper:
        return ExpressionWrapper(F(field) - F("created_at"), output_field=DurationField())

    requests = (
        AdvocacyRequest.objects.filter(
            organization=organization,
            campaign__isnull=True,
            created_at__date__gte=report_filter.start,
            created_at__date__lte=report_filter.end,
        )
        .annotate(accepted_at=first("accepted"), completed_at=first("completed"))
        .values("request_type")
        .annotate(
            submitted=Count("id"),
            open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
            fulfilled=Count("id", filter=Q(status__in=["completed", "closed"])),
            unfulfilled=Count("id", filter=Q(status="unfulfilled")),
            cancelled=Count("id", filter=Q(status="cancelled")),
            matched=Count("accepted_at"),
            match_time=Sum(hours("accepted_at")),
        )
        .order_by()
    )
    figures["requests by type"] = {
        row["request_type"]: (
            row["submitted"],
            row["fulfilled"],
            row["unfulfilled"],
            row["cancelled"],
            row["open"],
            round(row["match_time"].total_seconds() / 3600 / 24 / row["matched"], 1) if row["matched"] else None,
        )
        for row in requests
    }
    since = health.engaged_since(report_filter)
    figures["capacity activities"] = Activity.objects.filter(
        organization=organization,
        status__in=Activity.COUNTING_STATUSES,
        occurred_on__gte=since,
        occurred_on__lte=report_filter.end,
        activity_type__counts_toward_cap=True,
    ).count()
    # The queries that read no rollup, as the panels run them (the unfulfilled reasons as in
    # requests_panel).
    health.advocates_panel(organization, report_filter)
    figures["thanked within 24 hours"] = raw_thanked_within_24h(organization, report_filter)
    list(
        RequestStatusChange.objects.filter(
            organization=organization,
            to_status="unfulfilled",
            request__campaign__isnull=True,
            created_at__date__gte=report_filter.start,
            created_at__date__lte=report_filter.end,
        )
        .order_by("-created_at")
        .values_list("created_at", "request__request_type", "request__prospect_company", "note")[:20]
    )
    from advocates.models import Advocate
    from requests_mgmt.models import Ask

    Ask.objects.filter(organization=organization, status__in=Ask.COUNTING_STATUSES).count()
    Advocate.objects.filter(organization=organization).in_program().count()
    return figures


def raw_thanked_within_24h(organization: Any, report_filter: Any) -> tuple[Any, str]:
    """ "Thanked within 24 hours" from every thank-you of the range and its personal note (what the
    panel read before the appreciation rollup): (share, "on time of owed")."""
    from datetime import UTC, datetime, time, timedelta

    from django.db.models import Count, Exists, F, OuterRef, Q
    from django.utils import timezone

    from benefits.models import PersonalNote, ThankYou

    notes = PersonalNote.objects.filter(activity_id=OuterRef("activity_id"))
    rows = ThankYou.objects.filter(organization=organization).annotate(
        has_note=Exists(notes),
        note_on_time=Exists(notes.filter(written_at__lte=OuterRef("due_at"))),
        note_written=Exists(notes.filter(written_at__isnull=False)),
    )
    on_time = Q(sent_at__lte=F("due_at")) & (Q(has_note=False) | Q(note_on_time=True))
    settled = Q(sent_at__isnull=False) & (Q(has_note=False) | Q(note_written=True))
    counts = rows.filter(
        Q(due_at__lte=timezone.now()) | settled,
        completed_at__gte=datetime.combine(report_filter.start, time.min, tzinfo=UTC),
        completed_at__lt=datetime.combine(report_filter.end + timedelta(days=1), time.min, tzinfo=UTC),
    ).aggregate(owed=Count("id"), on_time=Count("id", filter=on_time))
    owed, thanked = counts["owed"], counts["on_time"]
    return (round(100 * thanked / owed, 1) if owed else None, f"{thanked} of {owed}")


def dashboard_figures(panels: list[Any]) -> dict[str, Any]:
    """The same figures as read off the dashboard's panels."""
    tables = {table.key: table for panel in panels for table in panel.tables}
    figures: dict[str, Any] = {
        "activity by type": {row[0]: (row[1], row[2], row[3]) for row in tables["activity-types"].rows},
        "activity by month": {row[0]: (row[1], row[2]) for row in tables["activity-months"].rows if row[1] or row[2]},
    }
    from requests_mgmt.models import RequestType

    labels = {str(label): key for key, label in RequestType.choices}
    figures["requests by type"] = {
        labels[row[0]]: (row[1], row[2], row[3], row[4], row[5], row[7]) for row in tables["request-types"].rows
    }
    thanked = next(panel for panel in panels if panel.key == "appreciation-capacity").figures[0]
    figures["thanked within 24 hours"] = (thanked.value, str(thanked.hint))
    return figures


# --- timing -----------------------------------------------------------------------------------------


class QueryLog:
    """Times every statement (``connection.execute_wrapper``) to find the ones that dominate."""

    def __init__(self) -> None:
        self.samples: dict[str, list[float]] = {}
        self.current: list[tuple[str, float]] = []

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.current.append((sql, (time.perf_counter() - started) * 1000))


def label_query(sql: str) -> str:
    tables = [
        name
        for name in (
            "reporting_activityrollup",
            "reporting_requestrollup",
            "reporting_appreciationrollup",
            "advocates_activity",
            "benefits_thankyou",
            "requests_mgmt_requeststatuschange",
            "requests_mgmt_advocacyrequest",
            "requests_mgmt_ask",
            "advocates_advocatestatuschange",
            "advocates_tierpolicy",
            "advocates_programpolicy",
            "advocates_advocate",
        )
        if f'FROM "{name}"' in sql
    ]
    return tables[0] if tables else sql[:60]


def run(options: argparse.Namespace) -> dict[str, Any]:
    import django

    prepare_database(options.regenerate)
    django.setup()
    from django.db import connection
    from django_scopes import scope

    from reporting.filters import ReportFilter
    from reporting.rollups import rebuild_organization

    health_file = ROOT / "reporting" / "selectors" / "health.py"
    while "def build(" not in health_file.read_text():
        print("waiting for reporting/selectors/health.py to define build() …", flush=True)
        time.sleep(30)
    from reporting.selectors import health

    organization, steps = ensure_data(options.regenerate)
    for name, seconds in steps.items():
        print(f"  {name}: {seconds:.1f} s", flush=True)
    report_filter = ReportFilter.default()
    result: dict[str, Any] = {"steps": steps}
    with scope(organization=organization):
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM advocates_activity WHERE organization_id = %s", [organization.pk])
            result["activities"] = cursor.fetchone()[0]
            cursor.execute(
                "SELECT count(*) FROM requests_mgmt_advocacyrequest WHERE organization_id = %s", [organization.pk]
            )
            result["requests"] = cursor.fetchone()[0]
            cursor.execute(
                "SELECT count(*) FROM reporting_activityrollup WHERE organization_id = %s", [organization.pk]
            )
            result["activity buckets"] = cursor.fetchone()[0]
            cursor.execute("SELECT count(*) FROM reporting_requestrollup WHERE organization_id = %s", [organization.pk])
            result["request buckets"] = cursor.fetchone()[0]
            cursor.execute("SELECT count(*) FROM benefits_thankyou WHERE organization_id = %s", [organization.pk])
            result["thank-yous"] = cursor.fetchone()[0]
            cursor.execute("SHOW server_version")
            result["postgres"] = cursor.fetchone()[0]

        rebuilds = []
        for _ in range(3):
            started = time.perf_counter()
            check = rebuild_organization(organization)
            rebuilds.append(time.perf_counter() - started)
            result["rebuild check"] = (check.buckets, check.mismatches)
        result["rebuild s"] = rebuilds
        with connection.cursor() as cursor:
            # The first rebuild may have filled a rollup table the data was built without.
            cursor.execute("VACUUM (ANALYZE) reporting_appreciationrollup")
            cursor.execute(
                "SELECT count(*) FROM reporting_appreciationrollup WHERE organization_id = %s", [organization.pk]
            )
            result["appreciation buckets"] = cursor.fetchone()[0]

        log = QueryLog()
        a_times: list[float] = []
        b_times: list[float] = []
        per_panel: dict[str, list[float]] = {}
        queries: dict[str, list[float]] = {}
        panel_queries: dict[str, int] = {}
        with connection.execute_wrapper(log):
            for iteration in range(options.iterations + 3):
                log.current = []
                started = time.perf_counter()
                panels = []
                for panel in health.PANELS:
                    panel_started = time.perf_counter()
                    before = len(log.current)
                    panels.append(panel(organization, report_filter))
                    per_panel.setdefault(panel.__name__, []).append((time.perf_counter() - panel_started) * 1000)
                    panel_queries[panel.__name__] = len(log.current) - before
                elapsed = (time.perf_counter() - started) * 1000
                if iteration >= 3:
                    a_times.append(elapsed)
                    for sql, ms in log.current:
                        queries.setdefault(label_query(sql), []).append(ms)
                started = time.perf_counter()
                raw = raw_figures(organization, report_filter)
                if iteration >= 3:
                    b_times.append((time.perf_counter() - started) * 1000)
        built = health.build(organization, report_filter)
        shown = dashboard_figures(built)
        differences = [key for key in shown if shown[key] != raw[key]]
        capacity = next(panel for panel in built if panel.key == "appreciation-capacity")
        result.update(
            a=a_times,
            b=b_times,
            per_panel={name: percentile(times[3:], 0.5) for name, times in per_panel.items()},
            panel_queries=panel_queries,
            queries={name: (percentile(times, 0.5), len(times) // len(a_times)) for name, times in queries.items()},
            differences=differences,
            shown=shown,
            raw=raw,
            capacity_hint=str(capacity.figures[1].hint),
        )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--iterations", type=int, default=30)
    options = parser.parse_args()
    database_settings()
    result = run(options)
    a50, a95 = percentile(result["a"], 0.5), percentile(result["a"], 0.95)
    b50, b95 = percentile(result["b"], 0.5), percentile(result["b"], 0.95)
    print(
        f"\n{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"PostgreSQL {result['postgres']}: {result['activities']:,} activities, {result['requests']:,} requests, "
        f"{result['thank-yous']:,} thank-yous; {result['activity buckets']:,} activity, "
        f"{result['request buckets']:,} request and {result['appreciation buckets']:,} appreciation buckets"
    )
    print(f"(a) build() from the rollups: p50 {a50:.1f} ms, p95 {a95:.1f} ms ({len(result['a'])} runs)")
    print(f"(b) the same from raw tables: p50 {b50:.1f} ms, p95 {b95:.1f} ms; (b) / (a) = {b50 / a50:.1f}x")
    print(f"target (a) p50 <= {TARGET_P50_MS:.0f} ms: {'met' if a50 <= TARGET_P50_MS else 'NOT met'}")
    print("same figures: " + ("yes" if not result["differences"] else f"NO: {result['differences']}"))
    for key in result["differences"]:
        print(f"  {key}: dashboard {result['shown'][key]}\n  {key}: raw       {result['raw'][key]}")
    print("panels (p50, queries):")
    for name, ms in result["per_panel"].items():
        print(f"  {name}: {ms:.1f} ms, {result['panel_queries'][name]} queries")
    print("queries of (a) by table read first (p50 each, per build):")
    for name, (ms, count) in sorted(result["queries"].items(), key=lambda item: -item[1][0] * item[1][1]):
        print(f"  {name}: {ms:.1f} ms x {count}")
    rebuilds = ", ".join(f"{s:.1f} s" for s in result["rebuild s"])
    print(f"nightly rebuild (rebuild_organization), 3 runs: {rebuilds}; last check {result['rebuild check']}")


if __name__ == "__main__":
    main()
