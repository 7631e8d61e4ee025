"""Business impact figures: references provided, the pipeline and revenue requests touched, win
rate and cycle length of deals with versus without advocacy, content produced, and referrals
(the panels that show them are in ``impact``).

Activity and request volumes come from the daily rollups; opportunities, content pieces and
referrals are aggregated in SQL from their own tables, one query each.

An opportunity "had advocacy" when its CRM id is named by a fulfilled (completed or closed)
request or by a completed activity of the organisation, whenever that happened."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import BooleanField, Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from advocacy.models import Organization
from advocates.models import Activity
from requests_mgmt.models import (
    AdvocacyRequest,
    ContentPiece,
    Publication,
    Referral,
    ReferralStatus,
    RequestStatus,
    RequestType,
)

from ..filters import ReportFilter
from ..models import Opportunity, OpportunityResult
from ..panels import share
from .common import account_segment_filter, activity_rollups, request_rollups

REFERENCE_KEY = "reference_call"
CASE_STUDY_KEY = "case_study"
TESTIMONIAL_KEY = "testimonial"
FULFILLED_REQUEST_STATUSES = (RequestStatus.COMPLETED, RequestStatus.CLOSED)
CLOSED_RESULTS = (OpportunityResult.WON, OpportunityResult.LOST)


# Shared helpers ------------------------------------------------------------------------------------


def _percent_change(numerator: float | None, denominator: float | None) -> float | None:
    """(numerator / denominator − 1) as a percentage; None without both figures."""
    if numerator is None or not denominator:
        return None
    return round(100 * (numerator / denominator - 1), 1)


def _rate(part: int, whole: int) -> float | None:
    """A percentage of ``whole`` kept unrounded for further arithmetic; None when ``whole`` is 0."""
    return 100 * part / whole if whole else None


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def had_advocacy(organization: Organization) -> Q:
    """Condition on ``Opportunity`` rows: its CRM id is named by a fulfilled request or a completed
    activity of the organisation. Both are uncorrelated ``IN`` subqueries, so the database reads each
    list once per query however many opportunities it checks."""
    request_ids = (
        AdvocacyRequest.objects.filter(organization=organization, status__in=FULFILLED_REQUEST_STATUSES)
        .exclude(crm_opportunity_id="")
        .values("crm_opportunity_id")
    )
    activity_ids = (
        Activity.objects.filter(organization=organization, status=Activity.Status.COMPLETED)
        .exclude(crm_opportunity_id="")
        .values("crm_opportunity_id")
    )
    return Q(crm_id__in=request_ids) | Q(crm_id__in=activity_ids)


def with_advocacy_flag(organization: Organization, opportunities: Any) -> Any:
    """``opportunities`` annotated with ``had_advocacy`` (a boolean)."""
    return opportunities.annotate(
        had_advocacy=ExpressionWrapper(had_advocacy(organization), output_field=BooleanField())
    )


def opportunity_segment_filter(report_filter: ReportFilter) -> dict[str, str]:
    return account_segment_filter(report_filter, "segment")


def _day_bounds(report_filter: ReportFilter) -> tuple[datetime, datetime]:
    """The range as aware datetimes in the current time zone: [start 00:00, day after end 00:00)."""
    zone = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(report_filter.start, time.min), zone),
        timezone.make_aware(datetime.combine(report_filter.end + timedelta(days=1), time.min), zone),
    )


# Activities (from the rollups) ---------------------------------------------------------------------


@dataclass
class TypeTotals:
    key: str
    name: str
    is_review: bool
    completed: int = 0
    rating_sum: int = 0
    rating_count: int = 0

    @property
    def average_rating(self) -> float | None:
        return round(self.rating_sum / self.rating_count, 2) if self.rating_count else None


@dataclass
class ActivityFigures:
    """Completed references, case studies, testimonials and reviews, per type and per month."""

    types: dict[str, TypeTotals] = field(default_factory=dict)
    by_month: dict[tuple[date, str], int] = field(default_factory=dict)

    def completed(self, key: str) -> int:
        totals = self.types.get(key)
        return totals.completed if totals else 0

    @property
    def review_types(self) -> list[TypeTotals]:
        return [totals for totals in self.types.values() if totals.is_review]

    @property
    def reviews(self) -> int:
        return sum(totals.completed for totals in self.review_types)

    @property
    def review_average(self) -> float | None:
        count = sum(totals.rating_count for totals in self.review_types)
        total = sum(totals.rating_sum for totals in self.review_types)
        return round(total / count, 2) if count else None

    def monthly(self, month_list: list[date], keys: list[str]) -> list[int]:
        return [sum(self.by_month.get((month, key), 0) for key in keys) for month in month_list]


def activity_figures(organization: Organization, report_filter: ReportFilter) -> ActivityFigures:
    """One query over the activity rollups, grouped by month and activity type."""
    rows = (
        activity_rollups(organization, report_filter)
        .filter(
            Q(activity_type__key__in=(REFERENCE_KEY, CASE_STUDY_KEY, TESTIMONIAL_KEY))
            | Q(activity_type__is_review=True)
        )
        .annotate(month=TruncMonth("day"))
        .values("month", "activity_type__key", "activity_type__name", "activity_type__is_review")
        .annotate(completed_sum=Sum("completed"), ratings=Sum("rating_sum"), rated=Sum("rating_count"))
        .order_by()
    )
    figures = ActivityFigures()
    for row in rows:
        key = row["activity_type__key"]
        totals = figures.types.setdefault(
            key, TypeTotals(key=key, name=row["activity_type__name"], is_review=row["activity_type__is_review"])
        )
        totals.completed += row["completed_sum"] or 0
        totals.rating_sum += row["ratings"] or 0
        totals.rating_count += row["rated"] or 0
        month = row["month"]
        figures.by_month[(month, key)] = figures.by_month.get((month, key), 0) + (row["completed_sum"] or 0)
    return figures


# Requests (from the rollups) -----------------------------------------------------------------------


@dataclass
class RequestTotals:
    request_type: str
    submitted: int = 0
    fulfilled: int = 0
    unfulfilled: int = 0
    linked: int = 0
    pipeline: Decimal = Decimal(0)
    won: int = 0
    lost: int = 0
    won_value: Decimal = Decimal(0)

    @property
    def label(self) -> str:
        try:
            return str(RequestType(self.request_type).label)
        except ValueError:
            return self.request_type

    @property
    def close_rate(self) -> float | None:
        """Fulfilled as a share of the requests that ended (fulfilled or unfulfilled)."""
        return share(self.fulfilled, self.fulfilled + self.unfulfilled)

    @property
    def win_rate(self) -> float | None:
        return share(self.won, self.won + self.lost)


@dataclass
class RequestFigures:
    types: list[RequestTotals] = field(default_factory=list)

    def of_type(self, request_type: str) -> RequestTotals:
        return next(
            (totals for totals in self.types if totals.request_type == request_type), RequestTotals(request_type)
        )

    @property
    def total(self) -> RequestTotals:
        total = RequestTotals("")
        for totals in self.types:
            for name in ("submitted", "fulfilled", "unfulfilled", "linked", "pipeline", "won", "lost", "won_value"):
                setattr(total, name, getattr(total, name) + getattr(totals, name))
        return total


def request_figures(organization: Organization, report_filter: ReportFilter) -> RequestFigures:
    """One query over the request rollups (requests submitted in the range), grouped by type."""
    rows = (
        request_rollups(organization, report_filter)
        .values("request_type")
        .annotate(
            submitted_sum=Sum("submitted"),
            fulfilled_sum=Sum("fulfilled"),
            unfulfilled_sum=Sum("unfulfilled"),
            linked_sum=Sum("linked"),
            pipeline_sum=Sum("pipeline"),
            won_sum=Sum("won"),
            lost_sum=Sum("lost"),
            won_value_sum=Sum("won_value"),
        )
        .order_by("request_type")
    )
    order = {value: index for index, value in enumerate(RequestType.values)}
    types = [
        RequestTotals(
            request_type=row["request_type"],
            submitted=row["submitted_sum"] or 0,
            fulfilled=row["fulfilled_sum"] or 0,
            unfulfilled=row["unfulfilled_sum"] or 0,
            linked=row["linked_sum"] or 0,
            pipeline=row["pipeline_sum"] or Decimal(0),
            won=row["won_sum"] or 0,
            lost=row["lost_sum"] or 0,
            won_value=row["won_value_sum"] or Decimal(0),
        )
        for row in rows
    ]
    types.sort(key=lambda totals: order.get(totals.request_type, len(order)))
    return RequestFigures(types=types)


# Opportunities: with versus without advocacy -------------------------------------------------------


@dataclass
class DealGroup:
    """Deals closed in the range on one side of the comparison."""

    won: int = 0
    lost: int = 0
    won_days: int = 0  # days from opening to closing, summed over the won deals
    won_amount: Decimal = Decimal(0)

    @property
    def closed(self) -> int:
        return self.won + self.lost

    @property
    def exact_win_rate(self) -> float | None:
        return _rate(self.won, self.closed)

    @property
    def win_rate(self) -> float | None:
        return _round(self.exact_win_rate)

    @property
    def exact_cycle_days(self) -> float | None:
        return self.won_days / self.won if self.won else None

    @property
    def cycle_days(self) -> float | None:
        return _round(self.exact_cycle_days)


@dataclass
class OpportunityComparison:
    with_advocacy: DealGroup = field(default_factory=DealGroup)
    without_advocacy: DealGroup = field(default_factory=DealGroup)
    opened: int = 0  # opened in the range
    opened_supported: int = 0  # of those, had advocacy
    opened_amount: Decimal | None = None  # their summed amount; None when no amount is known

    @property
    def win_rate_lift(self) -> float | None:
        """How much higher the win rate is with advocacy, in percent of the rate without."""
        return _percent_change(self.with_advocacy.exact_win_rate, self.without_advocacy.exact_win_rate)

    @property
    def cycle_reduction(self) -> float | None:
        """How much shorter won deals' cycles are with advocacy, in percent of the cycle without."""
        with_days, without_days = self.with_advocacy.exact_cycle_days, self.without_advocacy.exact_cycle_days
        if with_days is None or not without_days:
            return None
        return round(100 * (1 - with_days / without_days), 1)

    @property
    def supported_share(self) -> float | None:
        return share(self.opened_supported, self.opened)


def opportunity_comparison(organization: Organization, report_filter: ReportFilter) -> OpportunityComparison:
    """One grouped query over the opportunities closed (won or lost) or opened in the range."""
    start, end = report_filter.start, report_filter.end
    closed_in_range = Q(closed_on__gte=start, closed_on__lte=end, result__in=CLOSED_RESULTS)
    opened_in_range = Q(opened_on__gte=start, opened_on__lte=end)
    opportunities = Opportunity.objects.filter(
        closed_in_range | opened_in_range, organization=organization, **opportunity_segment_filter(report_filter)
    )
    cycle = ExpressionWrapper(F("closed_on") - F("opened_on"), output_field=DurationField())
    rows = (
        with_advocacy_flag(organization, opportunities)
        .annotate(
            closed_in_range=ExpressionWrapper(closed_in_range, output_field=BooleanField()),
            opened_in_range=ExpressionWrapper(opened_in_range, output_field=BooleanField()),
        )
        .values("had_advocacy", "closed_in_range", "opened_in_range", "result")
        .annotate(n=Count("pk"), amount=Sum("amount"), days=Sum(cycle))
        .order_by()
    )
    comparison = OpportunityComparison()
    for row in rows:
        if row["closed_in_range"]:
            group = comparison.with_advocacy if row["had_advocacy"] else comparison.without_advocacy
            if row["result"] == OpportunityResult.WON:
                group.won += row["n"]
                group.won_amount += row["amount"] or 0
                group.won_days += _days(row["days"])
            else:
                group.lost += row["n"]
        if row["opened_in_range"]:
            comparison.opened += row["n"]
            if row["had_advocacy"]:
                comparison.opened_supported += row["n"]
            if row["amount"] is not None:
                comparison.opened_amount = (comparison.opened_amount or Decimal(0)) + row["amount"]
    return comparison


def _days(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, timedelta):
        return value.days
    return int(value)


def opened_amount(organization: Organization, report_filter: ReportFilter) -> Decimal | None:
    """The summed amount of the opportunities opened in the range; None when no amount is known."""
    return Opportunity.objects.filter(
        organization=organization,
        opened_on__gte=report_filter.start,
        opened_on__lte=report_filter.end,
        **opportunity_segment_filter(report_filter),
    ).aggregate(total=Sum("amount"))["total"]


# Content pieces published -------------------------------------------------------------------------


def content_published(organization: Organization, report_filter: ReportFilter) -> dict[str, int]:
    """Content pieces by kind whose first publication may be used from a day in the range."""
    in_range = Publication.objects.filter(
        organization=organization,
        content=OuterRef("pk"),
        permitted_from__gte=report_filter.start,
        permitted_from__lte=report_filter.end,
    )
    earlier = Publication.objects.filter(
        organization=organization, content=OuterRef("pk"), permitted_from__lt=report_filter.start
    )
    rows = (
        ContentPiece.objects.filter(
            Exists(in_range),
            ~Exists(earlier),
            organization=organization,
            **account_segment_filter(report_filter, "advocate__account__segment"),
        )
        .values("kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["kind"]: row["n"] for row in rows}


# Referrals ----------------------------------------------------------------------------------------


@dataclass
class ReferralFigures:
    by_status: dict[str, int] = field(default_factory=dict)
    pipeline: Decimal | None = None  # summed opportunity value of the referrals

    @property
    def submitted(self) -> int:
        return sum(self.by_status.values())

    def count(self, status: str) -> int:
        return self.by_status.get(status, 0)

    @property
    def conversion(self) -> float | None:
        """Won as a share of every referral submitted in the range."""
        return share(self.count(ReferralStatus.WON), self.submitted)

    def pipeline_share(self, all_opened: Decimal | None) -> float | None:
        """The referrals' opportunity value as a share of the amount of every opportunity opened in
        the range; None when no opportunity amount is known."""
        return share(self.pipeline or 0, all_opened or 0)


def referral_figures(organization: Organization, report_filter: ReportFilter) -> ReferralFigures:
    """One query: referrals received in the range, by where they stand now."""
    since, until = _day_bounds(report_filter)
    rows = (
        Referral.objects.filter(
            organization=organization,
            created_at__gte=since,
            created_at__lt=until,
            **account_segment_filter(report_filter, "advocate__account__segment"),
        )
        .values("status")
        .annotate(n=Count("pk"), value=Sum("opportunity_value"))
        .order_by()
    )
    figures = ReferralFigures()
    for row in rows:
        figures.by_status[row["status"]] = row["n"]
        if row["value"] is not None:
            figures.pipeline = (figures.pipeline or Decimal(0)) + row["value"]
    return figures


# Headline figures for the targets page and the executive summary ----------------------------------


def headline(organization: Organization, report_filter: ReportFilter) -> dict[str, Any]:
    """The business-impact figures other pages compare with targets, in four queries. Percentages
    are rounded to one decimal, the review average to two; None where there is no data yet."""
    activities = activity_figures(organization, report_filter)
    requests = request_figures(organization, report_filter)
    comparison = opportunity_comparison(organization, report_filter)
    referrals = referral_figures(organization, report_filter)
    total = requests.total
    return {
        "references": activities.completed(REFERENCE_KEY),
        "case_studies": activities.completed(CASE_STUDY_KEY),
        "testimonials": activities.completed(TESTIMONIAL_KEY),
        "reviews": activities.reviews,
        "review_average": activities.review_average,
        "reference_close_rate": requests.of_type(RequestType.REFERENCE_CALL).close_rate,
        "opportunities_supported": comparison.supported_share,
        "referral_pipeline_share": referrals.pipeline_share(comparison.opened_amount),
        "win_rate_with": comparison.with_advocacy.win_rate,
        "win_rate_without": comparison.without_advocacy.win_rate,
        "win_rate_lift": comparison.win_rate_lift,
        "cycle_with": comparison.with_advocacy.cycle_days,
        "cycle_without": comparison.without_advocacy.cycle_days,
        "cycle_reduction": comparison.cycle_reduction,
        "pipeline": total.pipeline if requests.types else None,
        "won_value": total.won_value if requests.types else None,
        "referrals": referrals.submitted,
        "referral_conversion": referrals.conversion,
    }
