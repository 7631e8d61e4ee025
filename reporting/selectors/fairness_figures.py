"""The figures behind the fairness and bench strength page (its panels are in ``fairness``).

Fairness and bench strength: whether the asks are spread over the program or fall on a few,
who is close to the yearly cap, and where the bench of eligible advocates is too thin for what
sales and marketing ask for.

Each panel reads the database in a handful of grouped queries (never one row per advocate), so
the page stays fast with tens of thousands of advocates. Eligibility and capacity are the
definitions the advocate directory and the matching use (``advocates.eligibility`` and
``advocates.capacity``), computed in the database."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, IntegerField, Min, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from advocacy.models import Organization
from advocates.capacity import annotate_capacity_used, frees_on, window_start
from advocates.eligibility import annotate_eligibility
from advocates.models import Activity, Advocate, ProgramPolicy, Tier
from requests_mgmt.models import Ask

from ..filters import ReportFilter
from ..panels import share
from .common import account_segment_filter

HISTOGRAM_TOP = 6  # the last bar of the asks histogram holds everyone asked this often or more
NEVER_ASKED_SHOWN = 20
NEAR_CAP_SHOWN = 100
TOP_GAPS_CHARTED = 10


# The arithmetic, on a histogram ------------------------------------------------------------------


def gini(histogram: dict[int, int]) -> float | None:
    """The Gini coefficient of a distribution given as {value: how many have it}.

    G = Σ_i Σ_j |x_i − x_j| / (2 n² μ), which for the values sorted ascending equals
    Σ_i (2i − n − 1) x_(i) / (n Σ x). A run of ``c`` equal values ``v`` taking ranks k+1 … k+c
    contributes v · c · (2k + c − n), so the histogram is enough. None without values or when every
    value is zero (nothing to share out)."""
    n = sum(histogram.values())
    total = sum(value * count for value, count in histogram.items())
    if not n or not total:
        return None
    weighted, rank = 0, 0
    for value in sorted(histogram):
        count = histogram[value]
        weighted += value * count * (2 * rank + count - n)
        rank += count
    return weighted / (n * total)


def top_share(histogram: dict[int, int], fraction: float = 0.1) -> tuple[int, float | None]:
    """How many make up the top ``fraction`` (rounded up: ceil(fraction · n)) and the percentage of
    the total they hold, reading the histogram from the highest value down."""
    n = sum(histogram.values())
    total = sum(value * count for value, count in histogram.items())
    top = math.ceil(round(fraction * n, 9))
    left, held = top, 0
    for value in sorted(histogram, reverse=True):
        taken = min(left, histogram[value])
        held += value * taken
        left -= taken
        if not left:
            break
    return top, share(held, total)


# Shared pieces -----------------------------------------------------------------------------------


def _day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The first instant of ``start`` and of the day after ``end`` in the current time zone, so the
    asks' index on ``asked_at`` is used as it is."""
    return (
        timezone.make_aware(datetime.combine(start, time.min)),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min)),
    )


def _in_program(organization: Organization, report_filter: ReportFilter) -> QuerySet[Advocate]:
    return Advocate.objects.filter(organization=organization, **account_segment_filter(report_filter)).in_program()


def eligible_advocates(
    organization: Organization, report_filter: ReportFilter, *, policy: ProgramPolicy, today: date
) -> QuerySet[Any]:
    """Active advocates the program may ask today: healthy, tenured promoters (the eligibility
    rule), never those whose personal data is erased or who asked for it to be."""
    advocates = Advocate.objects.filter(
        organization=organization,
        status=Advocate.Status.ACTIVE,
        anonymised_at__isnull=True,
        erasure_requested_at__isnull=True,
        **account_segment_filter(report_filter),
    )
    annotated: QuerySet[Any] = annotate_eligibility(advocates, policy=policy, today=today)
    return annotated.filter(is_eligible=True)


def _asks_in_range(organization: Organization, report_filter: ReportFilter) -> QuerySet[Ask]:
    """Asks sent in the range to the advocate of the outer row, whatever their answer."""
    since, before = _day_bounds(report_filter.start, report_filter.end)
    asks = Ask.objects.filter(
        organization=organization, advocate=OuterRef("pk"), asked_at__gte=since, asked_at__lt=before
    )
    if report_filter.activity_type is not None:
        asks = asks.filter(request__request_type=report_filter.activity_type.key)
    return asks


# Asks per advocate, and capacity used, grouped in the database --------------------------------
#
# Both read every advocate in the program. A subquery per advocate (the ORM's way, kept below as the
# reference and for other databases) costs an index probe each: seconds at 40,000 advocates and a
# million activities. On PostgreSQL one statement groups the asks (or the ledger) once and joins
# the counts to the advocates; the tests compare both ways on the same data.

ASK_HISTOGRAM_SQL = """
SELECT COALESCE(k.asked, 0) AS asked, COUNT(*)
FROM advocates_advocate v
JOIN advocates_customeraccount c ON c.id = v.account_id
LEFT JOIN (
    SELECT k.advocate_id, COUNT(*) AS asked
    FROM requests_mgmt_ask k
    {request_join}
    WHERE k.organization_id = %(org)s AND k.asked_at >= %(since)s AND k.asked_at < %(before)s {request_type}
    GROUP BY k.advocate_id
) k ON k.advocate_id = v.id
WHERE v.organization_id = %(org)s AND v.status = ANY(%(in_program)s) {segment}
GROUP BY 1
"""

CAPACITY_SQL = """
WITH used AS (
    SELECT v.id, v.full_name, v.tier, c.name AS account_name,
           COALESCE(l.capped, 0) + COALESCE(k.holding, 0) AS used, l.first_on, k.first_at
    FROM advocates_advocate v
    JOIN advocates_customeraccount c ON c.id = v.account_id
    LEFT JOIN (
        SELECT a.advocate_id, COUNT(*) AS capped, MIN(a.occurred_on) AS first_on
        FROM advocates_activity a
        JOIN advocates_activitytype t ON t.id = a.activity_type_id AND t.counts_toward_cap
        WHERE a.organization_id = %(org)s AND a.status = ANY(%(counting_activities)s) AND a.occurred_on > %(start)s
        GROUP BY a.advocate_id
    ) l ON l.advocate_id = v.id
    LEFT JOIN (
        SELECT k.advocate_id, COUNT(*) AS holding, MIN(k.asked_at) AS first_at
        FROM requests_mgmt_ask k
        WHERE k.organization_id = %(org)s AND k.status = ANY(%(counting_asks)s) AND k.activity_id IS NULL
          AND {asked_on} > %(start)s
        GROUP BY k.advocate_id
    ) k ON k.advocate_id = v.id
    WHERE v.organization_id = %(org)s AND v.status = ANY(%(in_program)s) {segment}
)
(SELECT NULL::bigint, NULL::text, NULL::text, NULL::text, used, COUNT(*), NULL::date, NULL::timestamptz
 FROM used GROUP BY used)
UNION ALL
(SELECT id, full_name, tier, account_name, used, NULL, first_on, first_at
 FROM used WHERE used >= %(threshold)s ORDER BY used DESC, full_name, id LIMIT %(limit)s)
"""


@dataclass(frozen=True)
class NearCapRow:
    full_name: str
    tier: str
    account_name: str
    used: int
    oldest_activity_on: date | None
    oldest_hold_at: datetime | None

    @property
    def tier_label(self) -> str:
        return str(Tier(self.tier).label) if self.tier in Tier.values else self.tier

    @property
    def frees_on(self) -> date | None:
        """The day the oldest activity or ask counted stops counting."""
        days = [self.oldest_activity_on]
        if self.oldest_hold_at is not None:
            days.append(timezone.localdate(self.oldest_hold_at))
        known = [day for day in days if day is not None]
        return frees_on(min(known)) if known else None


def _hand_written_sql() -> bool:
    return connection.vendor == "postgresql"


def _base_params(organization: Organization, report_filter: ReportFilter) -> tuple[dict[str, Any], str]:
    params: dict[str, Any] = {
        "org": organization.pk,
        "in_program": [Advocate.Status.ACTIVE.value, Advocate.Status.PAUSED.value],
        "segment": report_filter.segment_value,
    }
    return params, "AND c.segment = %(segment)s" if report_filter.segment_value is not None else ""


def ask_histogram(organization: Organization, report_filter: ReportFilter) -> dict[int, int]:
    """{asks in the range: advocates in the program asked that often}, the never asked under 0."""
    if not _hand_written_sql():
        return ask_histogram_orm(organization, report_filter)
    params, segment = _base_params(organization, report_filter)
    params["since"], params["before"] = _day_bounds(report_filter.start, report_filter.end)
    request_join = request_type = ""
    if report_filter.activity_type is not None:
        request_join = "JOIN requests_mgmt_advocacyrequest r ON r.id = k.request_id"
        request_type = "AND r.request_type = %(request_type)s"
        params["request_type"] = report_filter.activity_type.key
    sql = ASK_HISTOGRAM_SQL.format(request_join=request_join, request_type=request_type, segment=segment)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


def ask_histogram_orm(organization: Organization, report_filter: ReportFilter) -> dict[int, int]:
    """``ask_histogram`` with a subquery per advocate."""
    per_advocate = (
        _asks_in_range(organization, report_filter).order_by().values("advocate").annotate(n=Count("pk")).values("n")
    )
    return dict(
        _in_program(organization, report_filter)
        .annotate(asked=Coalesce(Subquery(per_advocate, output_field=IntegerField()), Value(0)))
        .order_by()
        .values("asked")
        .annotate(advocates=Count("pk"))
        .values_list("asked", "advocates")
    )


def capacity_use(
    organization: Organization, report_filter: ReportFilter, *, cap: int, today: date, limit: int = NEAR_CAP_SHOWN
) -> tuple[dict[int, int], list[NearCapRow]]:
    """{capacity used: advocates in the program}, and the ``limit`` advocates using the most, from
    ``cap`` − 1 up (one statement). Used as ``annotate_capacity_used`` counts it, which the
    matching's rules share."""
    if not _hand_written_sql():
        return capacity_use_orm(organization, report_filter, cap=cap, today=today, limit=limit)
    params, segment = _base_params(organization, report_filter)
    params |= {
        "start": window_start(today),
        "counting_activities": [str(status) for status in Activity.COUNTING_STATUSES],
        "counting_asks": [str(status) for status in Ask.COUNTING_STATUSES],
        "threshold": max(cap - 1, 0),
        "limit": limit,
    }
    # An ask's day is read in the current time zone, as ``asked_at__date`` reads it.
    tzname = timezone.get_current_timezone_name() if settings.USE_TZ else None
    asked_on, tz_params = connection.ops.datetime_cast_date_sql("k.asked_at", (), tzname)
    for index, value in enumerate(tz_params):
        asked_on = asked_on.replace("%s", f"%(tz_{index})s", 1)
        params[f"tz_{index}"] = value
    distribution: dict[int, int] = {}
    near: list[NearCapRow] = []
    with connection.cursor() as cursor:
        cursor.execute(CAPACITY_SQL.format(asked_on=asked_on, segment=segment), params)
        for pk, full_name, tier, account_name, used, count, first_on, first_at in cursor.fetchall():
            if pk is None:
                distribution[used] = count
            else:
                near.append(NearCapRow(full_name, tier, account_name, used, first_on, first_at))
    return distribution, near


def capacity_use_orm(
    organization: Organization, report_filter: ReportFilter, *, cap: int, today: date, limit: int = NEAR_CAP_SHOWN
) -> tuple[dict[int, int], list[NearCapRow]]:
    """``capacity_use`` through ``annotate_capacity_used``, a subquery per advocate (two queries)."""
    advocates: QuerySet[Any] = annotate_capacity_used(_in_program(organization, report_filter), today=today)
    distribution = dict(
        advocates.order_by().values("capacity_used").annotate(n=Count("pk")).values_list("capacity_used", "n")
    )
    start = window_start(today)
    own = {"organization": organization, "advocate": OuterRef("pk")}
    oldest_activity = (
        Activity.objects.filter(
            **own, occurred_on__gt=start, status__in=Activity.COUNTING_STATUSES, activity_type__counts_toward_cap=True
        )
        .order_by()
        .values("advocate")
        .annotate(first=Min("occurred_on"))
        .values("first")
    )
    oldest_hold = (
        Ask.objects.filter(**own, status__in=Ask.COUNTING_STATUSES, activity__isnull=True, asked_at__date__gt=start)
        .order_by()
        .values("advocate")
        .annotate(first=Min("asked_at"))
        .values("first")
    )
    rows = (
        advocates.filter(capacity_used__gte=max(cap - 1, 0))
        .annotate(oldest_activity_on=Subquery(oldest_activity), oldest_hold_at=Subquery(oldest_hold))
        .order_by("-capacity_used", "full_name", "pk")
        .values_list("full_name", "tier", "account__name", "capacity_used", "oldest_activity_on", "oldest_hold_at")
    )
    return distribution, [NearCapRow(*row) for row in rows[:limit]]
