"""Fairness and bench strength: how asks are spread, who is near the cap, and where the bench is
thin against demand (the figures are computed in ``fairness_figures``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Exists, Max, OuterRef, Subquery
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from advocacy.models import Organization
from advocates.capacity import add_months
from advocates.models import ProgramPolicy, Region, Segment
from requests_mgmt.models import AdvocacyRequest, Ask, RequestStatus

from ..charts import Chart, Series
from ..filters import ReportFilter
from ..panels import Figure, Panel, Table, ratio, share
from .fairness_figures import (
    HISTOGRAM_TOP,
    NEVER_ASKED_SHOWN,
    TOP_GAPS_CHARTED,
    _asks_in_range,
    _day_bounds,
    ask_histogram,
    capacity_use,
    eligible_advocates,
    gini,
    top_share,
)

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
