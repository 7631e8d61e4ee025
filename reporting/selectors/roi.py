"""Return on investment: what the program cost over the report's range against the value it delivered.

Cost
  - Rewards at cost: rewards in a spending status (approved, ordered, shipped, delivered) count on the
    day they were approved, in the organisation's time zone — the rule budgets use. The segment filter
    keeps the rewards of advocates whose account is in the segment; the activity type filter keeps
    the rewards given for an activity of that type.
  - Entered costs (events, platform, staff time, other): each quarter's amounts count in proportion
    to the days of the quarter inside the range (all of it for a whole quarter), so a range that cuts
    a quarter is not charged its whole cost, nor spared it. They are program-wide, so the segment and
    activity type filters leave them as they are.
Value
  - Attributed revenue: the won value of the advocacy-supported requests submitted in the range
    (prospect's segment) times the organisation's attribution percent.
  - Activity value: completed activities in the range times the value the organisation gives their
    type (a type without a value adds nothing); both filters apply.
ROI = (value − cost) ÷ cost, as a percentage; none while the cost is zero.

Every panel function reads at most five queries: the rollup tables for volumes, one aggregated
query for the rewards."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import DateField, Sum
from django.db.models.functions import TruncQuarter
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from advocacy.models import Organization
from advocates.models import ActivityType
from benefits.models import RewardStatus, RewardStatusChange
from benefits.services.budgets import SPENDING_STATUSES, next_quarter_start, organization_zone, quarter_label
from benefits.services.budgets import quarter_start as start_of_quarter

from ..charts import Chart, Series
from ..filters import ReportFilter
from ..models import CostKind, ProgramCost
from ..panels import Figure, Panel, Table
from ..policy import ReportingPolicy
from .common import account_segment_filter, activity_rollups, request_rollups

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
REWARDS = "rewards"


def quarters_of(report_filter: ReportFilter) -> list[date]:
    """The first day of every quarter the range touches, oldest first."""
    quarters = []
    current = start_of_quarter(report_filter.start)
    while current <= report_filter.end:
        quarters.append(current)
        current = next_quarter_start(current)
    return quarters


def reward_costs_by_quarter(organization: Organization, report_filter: ReportFilter) -> dict[date, Decimal]:
    """Rewards at cost by the quarter of their approval (one query)."""
    zone = organization_zone(organization)
    begin = datetime.combine(report_filter.start, time.min, tzinfo=zone)
    end = datetime.combine(report_filter.end + timedelta(days=1), time.min, tzinfo=zone)
    approvals = RewardStatusChange.objects.filter(
        organization=organization,
        to_status=RewardStatus.APPROVED,
        created_at__gte=begin,
        created_at__lt=end,
        reward__status__in=SPENDING_STATUSES,
        **account_segment_filter(report_filter, "reward__advocate__account__segment"),
    )
    if report_filter.activity_type is not None:
        approvals = approvals.filter(reward__activity__activity_type=report_filter.activity_type)
    rows = (
        approvals.annotate(quarter=TruncQuarter("created_at", output_field=DateField(), tzinfo=zone))
        .values("quarter")
        .annotate(total=Sum("reward__cost"))
        .order_by()
    )
    return {row["quarter"]: Decimal(row["total"] or 0) for row in rows}


def entered_costs_by_quarter(organization: Organization, report_filter: ReportFilter) -> dict[date, dict[str, Decimal]]:
    """Entered costs of the quarters the range touches, by quarter and kind, each in proportion to
    the quarter's days inside the range (one query)."""
    rows = ProgramCost.objects.filter(
        organization=organization,
        quarter_start__gte=start_of_quarter(report_filter.start),
        quarter_start__lte=report_filter.end,
    ).values_list("quarter_start", "kind", "amount")
    costs: dict[date, dict[str, Decimal]] = defaultdict(dict)
    for quarter, kind, amount in rows:
        costs[quarter][kind] = (Decimal(amount) * quarter_share(quarter, report_filter)).quantize(
            CENT, rounding=ROUND_HALF_UP
        )
    return costs


def quarter_share(quarter: date, report_filter: ReportFilter) -> Decimal:
    """The part of the quarter starting on ``quarter`` that lies inside the range (0 to 1)."""
    last = next_quarter_start(quarter) - timedelta(days=1)
    inside = (min(last, report_filter.end) - max(quarter, report_filter.start)).days + 1
    return Decimal(max(inside, 0)) / Decimal((last - quarter).days + 1)


def won_value_by_quarter(organization: Organization, report_filter: ReportFilter) -> dict[date, Decimal]:
    """Won value of advocacy-supported requests by the quarter they were submitted in (one query)."""
    rows = (
        request_rollups(organization, report_filter)
        .annotate(quarter=TruncQuarter("day"))
        .values("quarter")
        .annotate(won=Sum("won_value"))
        .order_by()
    )
    return {row["quarter"]: Decimal(row["won"] or 0) for row in rows}


def completed_by_quarter_and_type(
    organization: Organization, report_filter: ReportFilter
) -> dict[date, dict[str, int]]:
    """Completed activities by quarter and activity type key (one query)."""
    rows = (
        activity_rollups(organization, report_filter)
        .annotate(quarter=TruncQuarter("day"))
        .values("quarter", "activity_type__key")
        .annotate(completed=Sum("completed"))
        .order_by()
    )
    counts: dict[date, dict[str, int]] = defaultdict(dict)
    for row in rows:
        counts[row["quarter"]][row["activity_type__key"]] = int(row["completed"] or 0)
    return counts


def attributed(won: Decimal, policy: ReportingPolicy) -> Decimal:
    return (won * policy.attribution_percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def activity_value(counts: dict[str, int], policy: ReportingPolicy) -> Decimal:
    total = sum(
        (count * policy.activity_values[key] for key, count in counts.items() if key in policy.activity_values),
        ZERO,
    )
    return Decimal(total).quantize(CENT, rounding=ROUND_HALF_UP)


def roi_percent(value: Decimal, cost: Decimal) -> Decimal | None:
    """(value − cost) ÷ cost as a percentage with one decimal; None when nothing was spent."""
    if not cost:
        return None
    return ((value - cost) * 100 / cost).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _as_float(value: Decimal | None) -> float | None:
    """A percentage for a table cell: shown and downloaded with its one decimal."""
    return None if value is None else float(value)


def amount_text(value: Decimal) -> str:
    """A sum of money as the formula shows it: grouped, cents only when there are any."""
    places = 0 if value == value.to_integral_value() else 2
    return number_format(value, places, force_grouping=True)


@dataclass
class QuarterFigures:
    start: date
    rewards: Decimal = ZERO
    entered: dict[str, Decimal] = field(default_factory=dict)
    revenue: Decimal = ZERO
    activities: Decimal = ZERO

    @property
    def entered_total(self) -> Decimal:
        return sum(self.entered.values(), ZERO)

    @property
    def cost(self) -> Decimal:
        return self.rewards + self.entered_total

    @property
    def value(self) -> Decimal:
        return self.revenue + self.activities


def roi_panel(organization: Organization, report_filter: ReportFilter) -> Panel:
    """The headline: cost, value and ROI with the formula and its numbers, and both by quarter."""
    policy = ReportingPolicy.for_organization(organization)
    rewards = reward_costs_by_quarter(organization, report_filter)
    entered = entered_costs_by_quarter(organization, report_filter)
    won = won_value_by_quarter(organization, report_filter)
    completed = completed_by_quarter_and_type(organization, report_filter)
    quarters = [
        QuarterFigures(
            start=start,
            rewards=rewards.get(start, ZERO),
            entered=entered.get(start, {}),
            revenue=attributed(won.get(start, ZERO), policy),
            activities=activity_value(completed.get(start, {}), policy),
        )
        for start in quarters_of(report_filter)
    ]
    reward_cost = sum((quarter.rewards for quarter in quarters), ZERO)
    entered_cost = sum((quarter.entered_total for quarter in quarters), ZERO)
    won_total = sum(won.values(), ZERO)
    revenue = attributed(won_total, policy)
    activities = sum((quarter.activities for quarter in quarters), ZERO)
    cost = reward_cost + entered_cost
    value = revenue + activities
    roi = roi_percent(value, cost)

    if roi is None:
        formula = _(
            "ROI = (attributed revenue + activity value − cost) ÷ cost. No cost is recorded in this range "
            "yet (%(revenue)s attributed revenue + %(activity)s activity value), so there is no ROI to show."
        ) % {"revenue": amount_text(revenue), "activity": amount_text(activities)}
    else:
        formula = _(
            "ROI = (%(revenue)s attributed revenue + %(activity)s activity value − %(cost)s cost) ÷ "
            "%(cost)s cost = %(roi)s %%."
        ) % {
            "revenue": amount_text(revenue),
            "activity": amount_text(activities),
            "cost": amount_text(cost),
            "roi": number_format(roi, 1),
        }
    explanation = _(
        "Cost = %(rewards)s rewards at cost + %(entered)s entered costs. Attributed revenue = "
        "%(percent)s %% of %(won)s won with advocacy. Activity value = completed activities × the value "
        "set for their type."
    ) % {
        "rewards": amount_text(reward_cost),
        "entered": amount_text(entered_cost),
        "percent": policy.attribution_percent,
        "won": amount_text(won_total),
    }

    labels = [quarter_label(quarter.start) for quarter in quarters]
    return Panel(
        key="roi",
        title=_("Return on investment"),
        figures=[
            Figure(_("Cost"), cost, "money", hint=_("Rewards at cost and entered costs")),
            Figure(_("Value delivered"), value, "money", hint=_("Attributed revenue and activity value")),
            Figure(_("Return on investment"), roi, "percent"),
        ],
        charts=[
            Chart(
                key="cost-value-by-quarter",
                title=_("Cost and value by quarter"),
                labels=labels,
                series=[
                    Series(_("Cost"), [float(quarter.cost) for quarter in quarters]),
                    Series(_("Value"), [float(quarter.value) for quarter in quarters]),
                ],
            )
        ],
        tables=[
            Table(
                key="roi_by_quarter",
                title=_("Cost and value by quarter"),
                columns=[
                    _("Quarter"),
                    _("Rewards at cost"),
                    _("Entered costs"),
                    _("Cost"),
                    _("Attributed revenue"),
                    _("Activity value"),
                    _("Value"),
                    _("ROI (%)"),
                ],
                rows=[
                    [
                        quarter_label(quarter.start),
                        quarter.rewards,
                        quarter.entered_total,
                        quarter.cost,
                        quarter.revenue,
                        quarter.activities,
                        quarter.value,
                        _as_float(roi_percent(quarter.value, quarter.cost)),
                    ]
                    for quarter in quarters
                    if quarter.cost or quarter.value
                ],
                numeric=(1, 2, 3, 4, 5, 6, 7),
            )
        ],
        note=f"{formula} {explanation}",
    )


def costs_panel(organization: Organization, report_filter: ReportFilter) -> Panel:
    """Costs by quarter and kind, rewards in their own column."""
    rewards = reward_costs_by_quarter(organization, report_filter)
    entered = entered_costs_by_quarter(organization, report_filter)
    quarters = quarters_of(report_filter)
    kinds = list(CostKind)
    rows = []
    for start in quarters:
        by_kind = entered.get(start, {})
        line = [rewards.get(start, ZERO), *(by_kind.get(kind.value, ZERO) for kind in kinds)]
        if any(line):
            rows.append([quarter_label(start), *line, sum(line, ZERO)])
    reward_total = sum(rewards.values(), ZERO)
    entered_total = sum((amount for by_kind in entered.values() for amount in by_kind.values()), ZERO)
    return Panel(
        key="costs",
        title=_("Costs"),
        figures=[
            Figure(_("Rewards at cost"), reward_total, "money"),
            Figure(_("Entered costs"), entered_total, "money", hint=_("Events, platform, staff time and other")),
        ],
        charts=[
            Chart(
                key="costs-by-quarter",
                title=_("Costs by quarter and kind"),
                labels=[quarter_label(start) for start in quarters],
                series=[
                    Series(_("Rewards at cost"), [float(rewards.get(start, ZERO)) for start in quarters]),
                    *(
                        Series(kind.label, [float(entered.get(start, {}).get(kind.value, ZERO)) for start in quarters])
                        for kind in kinds
                    ),
                ],
            )
        ],
        tables=[
            Table(
                key="costs_by_quarter",
                title=_("Costs by quarter and kind"),
                columns=[_("Quarter"), _("Rewards at cost"), *(kind.label for kind in kinds), _("Total")],
                rows=rows,
                numeric=tuple(range(1, len(kinds) + 3)),
            )
        ],
        note=_(
            "Rewards count at cost on the day they were approved, while they are approved, ordered, shipped or "
            "delivered; the segment filter keeps the rewards of advocates in that segment, the activity type "
            "filter those given for an activity of that type. Entered costs count in proportion to the days of "
            "their quarter inside the range; they are program-wide, so the segment and activity type filters "
            "leave them as they are."
        ),
    )


def value_panel(organization: Organization, report_filter: ReportFilter) -> Panel:
    """Value delivered: attributed revenue, and completed activities × the value of their type."""
    policy = ReportingPolicy.for_organization(organization)
    counts = {
        row["activity_type__key"]: (row["activity_type__name"], int(row["completed"] or 0))
        for row in activity_rollups(organization, report_filter)
        .values("activity_type__key", "activity_type__name")
        .annotate(completed=Sum("completed"))
        .order_by()
    }
    valued = ActivityType.objects.filter(organization=organization, key__in=list(policy.activity_values))
    if report_filter.activity_type is not None:
        valued = valued.filter(pk=report_filter.activity_type.pk)
    for key, name in valued.values_list("key", "name"):
        counts.setdefault(key, (name, 0))
    won = Decimal(request_rollups(organization, report_filter).aggregate(won=Sum("won_value"))["won"] or 0)
    revenue = attributed(won, policy)

    rows: list[list[Any]] = []
    names: list[str] = []
    line_values: list[float | int | None] = []
    activities = ZERO
    for key, (name, count) in sorted(counts.items(), key=lambda item: str(item[1][0]).lower()):
        each = policy.activity_values.get(key)
        if each is not None:
            each = each.quantize(CENT)
        line_value = (count * each).quantize(CENT) if each is not None else None
        activities += line_value or ZERO
        rows.append([name, count, each, line_value])
        names.append(name)
        line_values.append(float(line_value or 0))
    completed_total = sum(count for _name, count in counts.values())
    return Panel(
        key="value",
        title=_("Value delivered"),
        figures=[
            Figure(
                _("Attributed revenue"),
                revenue,
                "money",
                hint=_("%(percent)s %% of %(won)s won with advocacy")
                % {"percent": policy.attribution_percent, "won": amount_text(won)},
            ),
            Figure(_("Activity value"), activities, "money"),
            Figure(_("Completed activities"), completed_total),
        ],
        charts=[
            Chart(
                key="value-by-activity-type",
                title=_("Activity value by type"),
                labels=names,
                series=[Series(_("Value"), line_values)],
            )
        ],
        tables=[
            Table(
                key="value_by_activity_type",
                title=_("Value by activity type"),
                columns=[_("Activity type"), _("Completed"), _("Value each"), _("Value")],
                rows=rows,
                numeric=(1, 2, 3),
                caption=_("A type without a value adds nothing; set values on the targets page."),
            )
        ],
        note=_(
            "Attributed revenue is the won value of the advocacy-supported requests submitted in the range, "
            "in the prospect's segment, times the attribution percent; it is not split by activity type."
        ),
    )


PANELS = (roi_panel, costs_panel, value_panel)


def build(organization: Organization, report_filter: ReportFilter) -> list[Panel]:
    return [panel(organization, report_filter) for panel in PANELS]
