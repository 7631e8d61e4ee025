"""Fairness and bench strength: whether the asks are spread over the program or fall on a few,
who is close to the yearly cap, and where the bench of eligible advocates is too thin for what
sales and marketing ask for.

Each panel reads the database in a handful of grouped queries (never one row per advocate), so
the page stays fast with tens of thousands of advocates. Eligibility and capacity are the
definitions the advocate directory and the matching use (``advocates.eligibility`` and
``advocates.capacity``), computed in the database."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, Exists, IntegerField, Max, Min, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Upper
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from advocacy.models import Organization
from advocates.capacity import add_months, annotate_capacity_used, frees_on, window_start
from advocates.eligibility import annotate_eligibility
from advocates.models import Activity, Advocate, ProgramPolicy, Region, Segment, Tier
from requests_mgmt.models import AdvocacyRequest, Ask, RequestStatus

from ..charts import Chart, Series
from ..filters import ReportFilter
from ..panels import Figure, Panel, Table, ratio, share
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


# 1. How asks are spread --------------------------------------------------------------------------


def asks_spread_panel(organization: Organization, report_filter: ReportFilter, *, today: date | None = None) -> Panel:
    """Asks per advocate in the range over everyone in the program (three queries)."""
    today = today or timezone.localdate()
    policy = ProgramPolicy.for_organization(organization)
    asks = _asks_in_range(organization, report_filter)
    histogram = ask_histogram(organization, report_filter)
    advocates = sum(histogram.values())
    total_asks = sum(value * count for value, count in histogram.items())
    top, top_percent = top_share(histogram)
    coefficient = gini(histogram)

    never_asked = eligible_advocates(organization, report_filter, policy=policy, today=today).filter(~Exists(asks))
    never_asked_count = never_asked.count()
    shown = list(
        never_asked.annotate(
            last_asked_at=Subquery(
                Ask.objects.filter(organization=organization, advocate=OuterRef("pk"))
                .order_by("-asked_at")
                .values("asked_at")[:1]
            )
        )
        .select_related("account")
        .order_by("-eligibility_score", "full_name", "pk")[:NEVER_ASKED_SHOWN]
    )

    buckets = [histogram.get(value, 0) for value in range(HISTOGRAM_TOP)]
    buckets.append(sum(count for value, count in histogram.items() if value >= HISTOGRAM_TOP))
    labels = [str(value) for value in range(HISTOGRAM_TOP)] + [f"{HISTOGRAM_TOP}+"]
    figures = [
        Figure(_("Asks sent"), total_asks if advocates else None, hint=_("to advocates in the program")),
        Figure(
            _("Share of asks to the top 10 %"),
            top_percent,
            kind="percent",
            hint=_("the %(count)s most-asked of %(total)s advocates") % {"count": top, "total": advocates},
        ),
        Figure(
            _("Gini index of asks"),
            None if coefficient is None else round(100 * coefficient, 1),
            kind="score",
            hint=_("0: asked equally; 100: one advocate asked for everything"),
            higher_is_better=False,
        ),
        Figure(
            _("Eligible advocates never asked"),
            never_asked_count if advocates else None,
            hint=_("in this range"),
            higher_is_better=False,
        ),
    ]
    notes = [
        _(
            "Every ask sent in the range counts, whatever the answer: being asked is the load. Advocates in "
            "the program are those active or paused (n = %(n)s), the ones never asked included with 0. "
            "Top 10 %%: the ceil(10 %% × n) most-asked advocates' share of all asks. Gini coefficient "
            "G = Σᵢ Σⱼ |xᵢ − xⱼ| / (2 n² μ) over the asks per advocate xᵢ (mean μ), shown × 100. Eligible: "
            "active, a healthy account (health ≥ %(health)s), a customer for %(tenure)s months or more and "
            "an NPS promoter (%(nps)s or more), as of today, without an erasure request."
        )
        % {
            "n": advocates,
            "health": policy.health_threshold,
            "tenure": policy.tenure_months,
            "nps": policy.nps_promoter_min,
        }
    ]
    if report_filter.activity_type is not None:
        notes.append(_("Only asks for %(type)s are counted.") % {"type": report_filter.activity_type.name})
    return Panel(
        key="asks-spread",
        title=_("How asks are spread"),
        figures=figures,
        charts=[
            Chart(
                key="asks-histogram",
                title=_("Advocates by number of asks"),
                labels=labels,
                series=[Series(_("Advocates"), [*buckets])],
            )
        ],
        tables=[
            Table(
                key="asks-histogram",
                title=_("Advocates by number of asks"),
                columns=[_("Asks in the range"), _("Advocates"), _("Share of advocates")],
                rows=[[label, count, share(count, advocates)] for label, count in zip(labels, buckets, strict=True)]
                if advocates
                else [],
                numeric=(1, 2),
            ),
            Table(
                key="never-asked",
                title=_("Eligible advocates never asked"),
                columns=[_("Advocate"), _("Tier"), _("Account"), _("Eligibility score"), _("Last asked")],
                rows=[
                    [
                        advocate.full_name,
                        advocate.get_tier_display(),
                        advocate.account.name,
                        advocate.eligibility_score,
                        timezone.localdate(advocate.last_asked_at) if advocate.last_asked_at else None,
                    ]
                    for advocate in shown
                ],
                numeric=(3,),
                caption=_("The %(shown)s most eligible of %(count)s, by eligibility score.")
                % {"shown": len(shown), "count": never_asked_count}
                if never_asked_count > len(shown)
                else "",
            ),
        ],
        note=" ".join(notes),
    )


# 2. Advocates near their cap ---------------------------------------------------------------------


def near_cap_panel(organization: Organization, report_filter: ReportFilter, *, today: date | None = None) -> Panel:
    """Capacity used in the rolling twelve months, as the matching counts it (one query)."""
    today = today or timezone.localdate()
    cap = ProgramPolicy.for_organization(organization).yearly_cap
    threshold = max(cap - 1, 0)
    distribution, near = capacity_use(organization, report_filter, cap=cap, today=today)
    total = sum(distribution.values())
    near_count = sum(count for used, count in distribution.items() if used >= threshold)
    at_cap = sum(count for used, count in distribution.items() if used >= cap)

    labels = [str(used) for used in range(cap)] + [f"{cap}+"]
    counts = [distribution.get(used, 0) for used in range(cap)]
    counts.append(sum(count for used, count in distribution.items() if used >= cap))
    return Panel(
        key="near-cap",
        title=_("Advocates near their cap"),
        figures=[
            Figure(
                _("Near or at the cap"),
                near_count if total else None,
                hint=_("%(threshold)s or more of %(cap)s a year") % {"threshold": threshold, "cap": cap},
                higher_is_better=False,
            ),
            Figure(_("At the cap"), at_cap if total else None, higher_is_better=False),
            Figure(_("Share of the program near the cap"), share(near_count, total), kind="percent"),
        ],
        charts=[
            Chart(
                key="capacity-used",
                title=_("Advocates by activities used in the last 12 months"),
                labels=labels,
                series=[Series(_("Advocates"), [*counts])],
            )
        ],
        tables=[
            Table(
                key="near-cap",
                title=_("Advocates near their cap"),
                columns=[_("Advocate"), _("Tier"), _("Account"), _("Used"), _("Cap"), _("Next capacity freed on")],
                rows=[[row.full_name, row.tier_label, row.account_name, row.used, cap, row.frees_on] for row in near],
                numeric=(3, 4),
                caption=_("The %(shown)s most used of %(count)s.") % {"shown": len(near), "count": near_count}
                if near_count > len(near)
                else "",
            ),
            Table(
                key="capacity-used",
                title=_("Advocates by activities used in the last 12 months"),
                columns=[_("Activities used"), _("Advocates"), _("Share of advocates")],
                rows=[[label, count, share(count, total)] for label, count in zip(labels, counts, strict=True)]
                if total
                else [],
                numeric=(1, 2),
            ),
        ],
        note=_(
            "Capacity used, as the matching counts it: planned and completed activities that count toward "
            "the yearly cap in the last 12 months (as of today), plus asks still waiting for an answer or "
            "accepted but not yet in the ledger. Near the cap: %(threshold)s or more of the %(cap)s a year. "
            "Next capacity freed on: the day the oldest of them stops counting. Advocates in the program "
            "(active or paused); the date range and the activity type filter do not apply."
        )
        % {"threshold": threshold, "cap": cap},
    )


# 3. Bench strength -------------------------------------------------------------------------------

ANY = gettext_lazy("Any")
NOT_RECORDED = gettext_lazy("Not recorded")


@dataclass
class BenchCell:
    """One industry × segment × region. In a cell of requests, "" means the requests left that
    field open (any); in a cell of advocates, that the account does not record it."""

    industry: str
    segment: str
    region: str
    industry_label: str
    demand: bool  # a cell requests name; else one only advocates' accounts fill
    eligible: int = 0
    requests: int = 0

    @property
    def recruit(self) -> int:
        return max(0, self.requests - self.eligible)

    @property
    def gap(self) -> bool:
        return self.requests > 0 and self.requests > self.eligible

    def label(self, value: str, choices: type[Segment] | type[Region], blank: object) -> str:
        if not value:
            return str(blank)
        return str(choices(value).label) if value in choices.values else value

    def labels(self) -> tuple[str, str, str]:
        blank = ANY if self.demand else NOT_RECORDED
        return (
            self.industry_label or str(blank),
            self.label(self.segment, Segment, blank),
            self.label(self.region, Region, blank),
        )


REGION_SHORT: dict[str, Any] = {
    Region.NORTH_AMERICA: gettext_lazy("NA"),
    Region.LATIN_AMERICA: gettext_lazy("LATAM"),
    Region.EMEA: gettext_lazy("EMEA"),
    Region.APAC: gettext_lazy("APAC"),
}


def _chart_label(cell: BenchCell) -> str:
    """A cell named briefly enough to sit under its bar; the table names it in full."""
    industry, segment, region = cell.labels()
    if len(industry) > 14:
        industry = industry[:13].rstrip() + "…"
    return " · ".join((industry, segment, str(REGION_SHORT.get(cell.region, region))))


def _covers(request_cell: tuple[str, str, str], account_cell: tuple[str, str, str]) -> bool:
    """Whether advocates of accounts in ``account_cell`` fit requests in ``request_cell``: each field
    a request names must be the account's; a field left open takes any account."""
    return all(not wanted or wanted == have for wanted, have in zip(request_cell, account_cell, strict=True))


def bench_cells(
    supply: Iterable[tuple[str, str, str, str, int]], demand: Iterable[tuple[str, str, str, str, int]]
) -> list[BenchCell]:
    """Cells from (industry key, segment, region, industry as written, count) rows of eligible
    advocates and of requests, sorted by the most advocates to recruit, then the most requests."""
    supply_rows = {(industry, segment, region): (label, n) for industry, segment, region, label, n in supply}
    cells: dict[tuple[bool, str, str, str], BenchCell] = {}
    for industry, segment, region, label, requests in demand:
        key = (industry, segment, region)
        cell = BenchCell(
            industry,
            segment,
            region,
            supply_rows.get(key, (label, 0))[0] if all(key) else label,
            demand=True,
            requests=requests,
        )
        cell.eligible = sum(n for account_cell, (_label, n) in supply_rows.items() if _covers(key, account_cell))
        cells[(True, *key)] = cell
    for key, (label, n) in supply_rows.items():
        if all(key) and (True, *key) in cells:
            continue  # the same cell as the requests naming it
        cells[(False, *key)] = BenchCell(*key, industry_label=label, demand=False, eligible=n)
    return sorted(
        cells.values(),
        key=lambda cell: (-cell.recruit, -cell.requests, -cell.eligible, cell.labels()),
    )


def bench_panel(organization: Organization, report_filter: ReportFilter, *, today: date | None = None) -> Panel:
    """Eligible advocates per industry × segment × region against the last twelve months' requests
    (two queries)."""
    today = today or timezone.localdate()
    policy = ProgramPolicy.for_organization(organization)
    supply = (
        eligible_advocates(organization, report_filter, policy=policy, today=today)
        .annotate(industry_key=Upper("account__industry"))
        .order_by()
        .values_list("industry_key", "account__segment", "account__region")
        .annotate(label=Max("account__industry"), n=Count("pk"))
    )
    since, before = _day_bounds(add_months(report_filter.end, -12) + timedelta(days=1), report_filter.end)
    requests = AdvocacyRequest.objects.filter(
        organization=organization, campaign__isnull=True, created_at__gte=since, created_at__lt=before
    ).exclude(status=RequestStatus.CANCELLED)
    if report_filter.segment_value is not None:
        requests = requests.filter(prospect_segment=report_filter.segment_value)
    if report_filter.activity_type is not None:
        requests = requests.filter(request_type=report_filter.activity_type.key)
    demand = (
        requests.annotate(industry_key=Upper("prospect_industry"))
        .order_by()
        .values_list("industry_key", "prospect_segment", "prospect_region")
        .annotate(label=Max("prospect_industry"), n=Count("pk"))
    )
    supply_rows = list(supply)
    cells = bench_cells(supply_rows, list(demand))
    gaps = [cell for cell in cells if cell.gap]
    total_requests = sum(cell.requests for cell in cells)
    eligible_total = sum(row[4] for row in supply_rows)  # each advocate once, whatever cells they fit
    charted = gaps[:TOP_GAPS_CHARTED]
    rows = []
    for cell in cells:
        industry, segment, region = cell.labels()
        rows.append(
            [
                industry,
                segment,
                region,
                cell.eligible,
                cell.requests,
                ratio(cell.requests, cell.eligible, digits=1),
                cell.gap,
                cell.recruit,
            ]
        )
    notes = [
        _(
            "Industry, segment and region of the advocate's account against those the request names for "
            "the prospect. Requests: those submitted in the 12 months up to %(end)s, campaigns and "
            "cancelled requests aside. A field a request leaves blank means any: the cell's eligible "
            "advocates are all those matching the fields it does name (industry compared regardless of "
            "case), so one advocate can count in several cells. Gap: a cell with requests and fewer "
            "eligible advocates than requests; to recruit = max(0, requests − eligible advocates). "
            "Eligible as in the first panel, as of today."
        )
        % {"end": report_filter.end.isoformat()}
    ]
    if report_filter.segment_value is not None:
        notes.append(
            _("With a segment chosen, only requests naming it for the prospect and accounts in it are counted.")
        )
    if report_filter.activity_type is not None:
        notes.append(
            _("Only requests for %(type)s are counted; eligibility does not depend on the type.")
            % {"type": report_filter.activity_type.name}
        )
    return Panel(
        key="bench",
        title=_("Bench strength"),
        figures=[
            Figure(
                _("Recruit for"),
                len(gaps) if cells else None,
                hint=_("cells with more requests than eligible advocates"),
                higher_is_better=False,
            ),
            Figure(
                _("Advocates to recruit"),
                sum(cell.recruit for cell in gaps) if cells else None,
                higher_is_better=False,
            ),
            Figure(_("Requests in the last 12 months"), total_requests if cells else None),
            Figure(_("Requests per eligible advocate"), ratio(total_requests, eligible_total, digits=1), kind="score"),
        ],
        charts=[
            Chart(
                key="bench-gaps",
                title=_("Biggest gaps: requests against eligible advocates"),
                description=_("The cells are named in full in the table below the chart."),
                labels=[_chart_label(cell) for cell in charted],
                series=[
                    Series(_("Requests"), [cell.requests for cell in charted]),
                    Series(_("Eligible advocates"), [cell.eligible for cell in charted]),
                ],
            )
        ],
        tables=[
            Table(
                key="bench",
                title=_("Eligible advocates against requests"),
                columns=[
                    _("Industry"),
                    _("Segment"),
                    _("Region"),
                    _("Eligible advocates"),
                    _("Requests (12 months)"),
                    _("Requests per eligible advocate"),
                    _("Gap"),
                    _("To recruit"),
                ],
                rows=rows,
                numeric=(3, 4, 5, 7),
            )
        ],
        note=" ".join(notes),
    )


def build(organization: Organization, report_filter: ReportFilter) -> list[Panel]:
    today = timezone.localdate()
    return [
        asks_spread_panel(organization, report_filter, today=today),
        near_cap_panel(organization, report_filter, today=today),
        bench_panel(organization, report_filter, today=today),
    ]
