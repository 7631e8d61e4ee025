"""Program health: the dashboard's report panels (advocates, activity volume, requests,
appreciation, capacity). Today's queue above them is in ``queue``."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import Aggregate, Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from advocacy.models import Organization
from advocates.models import Activity, Advocate, AdvocateStatusChange, ProgramPolicy, Tier, TierPolicy
from benefits.models import PersonalNote, ThankYou
from requests_mgmt.models import (
    Ask,
    Campaign,
    RequestStatus,
    RequestStatusChange,
    RequestType,
)

from ..charts import Chart, Series
from ..filters import ReportFilter
from ..panels import Figure, Panel, Table, ratio, share
from .common import (
    account_segment_filter,
    activity_rollups,
    appreciation_rollups,
    month_label,
    months_between,
    request_rollups,
)


def tier_target_shares(organization: Organization) -> dict[str, tuple[int, int]]:
    """Target share ranges (percent) from the organisation's tier policy; tiers without one are
    "the rest"."""
    return {
        policy.tier: (policy.share_min, policy.share_max)
        for policy in TierPolicy.objects.filter(organization=organization)
        if policy.share_min is not None and policy.share_max is not None
    }


def day_start(day: date) -> datetime:
    """Midnight at the start of ``day`` in the current time zone: ranges of days are compared on
    the timestamps themselves, which the indexes can serve (a cast to a date cannot)."""
    return timezone.make_aware(datetime.combine(day, time.min))


def utc_day_start(day: date) -> datetime:
    """Midnight UTC at the start of ``day``: the appreciation rollup's days are UTC dates, and the
    thank-yous read raw next to it are cut at the same instants."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def thanked_within_24h(
    organization: Organization, *, days: int = 90, report_filter: ReportFilter | None = None
) -> dict[str, Any]:
    """Of the thank-yous for activities completed in the filter's range (UTC days; without a filter,
    the last ``days`` days), segment and activity type that are owed (their 24 hours are up) or
    already settled, how many were thanked in time: the automatic thank-you sent and, where
    high-commitment work earned one, the personal note written, both by the deadline. ``share`` is
    a percentage, or None when nothing was owed yet.

    Settled thank-yous, and those settled in time, come from the appreciation rollup; the ones
    still unsettled whose deadline has passed (not sent, or sent with the note not written) are
    read raw, since whether they are owed yet depends on the clock: a few rows, by the indexes on
    ``sent_at`` and ``written_at``. All four numbers in one query."""
    now = timezone.now()
    if report_filter is None:
        today = now.astimezone(UTC).date()
        report_filter = ReportFilter(start=(now - timedelta(days=days)).astimezone(UTC).date(), end=today)
    rollups = appreciation_rollups(organization, report_filter)
    completed_in_range = {
        "completed_at__gte": utc_day_start(report_filter.start),
        "completed_at__lt": utc_day_start(report_filter.end + timedelta(days=1)),
    }
    narrow: dict[str, Any] = {**account_segment_filter(report_filter, "activity__advocate__account__segment")}
    if report_filter.activity_type is not None:
        narrow["activity__activity_type"] = report_filter.activity_type
    not_sent = ThankYou.objects.filter(
        organization=organization, sent_at__isnull=True, due_at__lte=now, **completed_in_range, **narrow
    )
    sent = ThankYou.objects.filter(
        organization=organization,
        activity_id=OuterRef("activity_id"),
        sent_at__isnull=False,
        due_at__lte=now,
        **completed_in_range,
    )
    # A note is due with its thank-you, 24 hours after completion: none of the range's is due before
    # the range starts, which keeps the index scan to the range's unwritten notes.
    note_missing = PersonalNote.objects.filter(
        Exists(sent),
        organization=organization,
        written_at__isnull=True,
        due_at__gte=completed_in_range["completed_at__gte"],
        **narrow,
    )
    figures = (
        Organization.objects.filter(pk=organization.pk)
        .values(
            settled=_scalar(rollups, Sum("settled")),
            on_time=_scalar(rollups, Sum("on_time")),
            not_sent=_scalar(not_sent, Count("pk")),
            note_missing=_scalar(note_missing, Count("pk")),
        )
        .get()
    )
    owed = figures["settled"] + figures["not_sent"] + figures["note_missing"]
    thanked = figures["on_time"]
    return {"owed": owed, "on_time": thanked, "share": round(100 * thanked / owed, 1) if owed else None}


def _scalar(rows: QuerySet[Any], total: Aggregate) -> Coalesce:
    """One total over a queryset of the organisation's rows, as a scalar subquery (0 for none)."""
    return Coalesce(Subquery(rows.order_by().values("organization").annotate(total=total).values("total")[:1]), 0)


# --- The dashboard's report panels -------------------------------------------------------------


def _month(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _in_range(report_filter: ReportFilter, field: str) -> dict[str, date]:
    return {f"{field}__gte": report_filter.start, f"{field}__lte": report_filter.end}


def engaged_since(report_filter: ReportFilter) -> date:
    """Engagement is activity in the twelve months up to the range's end."""
    return report_filter.end - timedelta(days=364)


def advocates_panel(organization: Organization, report_filter: ReportFilter) -> Panel:
    """Advocates by tier and status against the target shares, engagement, joined and lost."""
    base = Advocate.objects.filter(organization=organization, **account_segment_filter(report_filter))
    since = engaged_since(report_filter)
    today = timezone.localdate()
    by_tier_status = list(
        base.values_list("tier", "status")
        .annotate(n=Count("id"), engaged=Count("id", filter=Q(last_activity_at__gte=since)))
        .values_list("tier", "status", "n", "engaged")
    )
    counts: dict[tuple[str, str], int] = {(tier, status): n for tier, status, n, _ in by_tier_status}
    in_program_statuses = (Advocate.Status.ACTIVE, Advocate.Status.PAUSED)
    in_program = sum(n for (tier, status), n in counts.items() if status in in_program_statuses)
    if report_filter.end >= today:
        # The ledger's latest completed activity per advocate is kept on the advocate.
        engaged = sum(e for _tier, status, _n, e in by_tier_status if status in in_program_statuses)
    else:
        engaged = (
            Activity.objects.filter(
                organization=organization,
                status=Activity.Status.COMPLETED,
                occurred_on__gte=since,
                occurred_on__lte=report_filter.end,
                advocate__status__in=in_program_statuses,
                **account_segment_filter(report_filter, "advocate__account__segment"),
            )
            .values("advocate")
            .distinct()
            .count()
        )
    active = {tier: counts.get((tier, Advocate.Status.ACTIVE), 0) for tier in Tier.values}
    active_total = sum(active.values())
    targets = tier_target_shares(organization)
    tier_rows: list[list[Any]] = []
    shares: list[float | int | None] = []
    target_low: list[float | int | None] = []
    target_high: list[float | int | None] = []
    for tier in Tier:
        tier_share = share(active[tier.value], active_total)
        target = targets.get(tier.value)
        within = None if target is None or tier_share is None else target[0] <= tier_share <= target[1]
        tier_rows.append(
            [
                str(tier.label),
                active[tier.value],
                tier_share,
                f"{target[0]}–{target[1]} %" if target else str(_("the rest")),
                None if within is None else within,
            ]
        )
        shares.append(tier_share)
        target_low.append(target[0] if target else None)
        target_high.append(target[1] if target else None)
    status_rows = [
        [str(status.label), sum(n for (t, s), n in counts.items() if s == status.value)] for status in Advocate.Status
    ]
    joined = dict(
        base.filter(**_in_range(report_filter, "joined_at"))
        .annotate(month=TruncMonth("joined_at"))
        .values_list("month")
        .annotate(n=Count("id"))
        .values_list("month", "n")
    )
    lost_rows = (
        AdvocateStatusChange.objects.filter(
            organization=organization,
            to_status=Advocate.Status.ALUMNI,
            created_at__gte=day_start(report_filter.start),
            created_at__lt=day_start(report_filter.end + timedelta(days=1)),
            **account_segment_filter(report_filter, "advocate__account__segment"),
        )
        .annotate(month=TruncMonth("created_at"))
        .values_list("month")
        .annotate(n=Count("id"))
        .values_list("month", "n")
    )
    lost = {_month(month): n for month, n in lost_rows}
    joined = {_month(month): n for month, n in joined.items()}
    months = months_between(report_filter.start, report_filter.end)
    flow_rows: list[list[Any]] = [[month_label(m), joined.get(m, 0), lost.get(m, 0)] for m in months]
    joined_total, lost_total = sum(joined.values()), sum(lost.values())
    return Panel(
        key="advocates",
        title=_("Advocates"),
        figures=[
            Figure(_("In the program (active or paused)"), in_program),
            Figure(
                _("Engagement rate"),
                share(engaged, in_program),
                kind="percent",
                hint=_("Active in the twelve months to %(date)s") % {"date": formats.date_format(report_filter.end)},
            ),
            Figure(_("Joined in the range"), joined_total),
            Figure(_("Left the program in the range"), lost_total, higher_is_better=False),
        ],
        charts=[
            Chart(
                key="tier-shares",
                title=_("Tier shares against the target range (%)"),
                labels=[str(tier.label) for tier in Tier],
                series=[
                    Series(_("Share"), shares),
                    Series(_("Target from"), target_low),
                    Series(_("Target to"), target_high),
                ],
                unit="%",
            ),
            Chart(
                key="joined-lost",
                title=_("Joined and left, by month"),
                labels=[row[0] for row in flow_rows],
                series=[
                    Series(_("Joined"), [row[1] for row in flow_rows]),
                    Series(_("Left"), [row[2] for row in flow_rows]),
                ],
                kind="line",
            ),
        ],
        tables=[
            Table(
                "tiers",
                _("Active advocates by tier"),
                [_("Tier"), _("Advocates"), _("Share (%)"), _("Target"), _("On target")],
                tier_rows if active_total else [],
                numeric=(1, 2),
            ),
            Table(
                "statuses",
                _("Advocates by status"),
                [_("Status"), _("Advocates")],
                status_rows if counts else [],
                numeric=(1,),
            ),
            Table(
                "joined-lost",
                _("Joined and left, by month"),
                [_("Month"), _("Joined"), _("Left")],
                flow_rows if joined_total or lost_total else [],
                numeric=(1, 2),
            ),
        ],
        note=_(
            "Engagement rate = advocates in the program with a completed activity in the twelve months to the "
            "range's end ÷ advocates in the program. Tier shares are of active advocates."
        ),
    )


def activity_panel(organization: Organization, report_filter: ReportFilter) -> Panel:
    """Activity volume by type and by month, from the daily rollups."""
    rows: list[Any] = list(
        activity_rollups(organization, report_filter)
        .annotate(month=TruncMonth("day"))
        .values("activity_type__name", "activity_type__sort_order", "month")
        .annotate(completed=Sum("completed"), planned=Sum("planned"), minutes=Sum("minutes"))
        .order_by("activity_type__sort_order", "activity_type__name", "month")
    )
    by_type: dict[str, list[int]] = {}
    by_month: dict[date, list[int]] = {}
    for row in rows:
        totals = by_type.setdefault(row["activity_type__name"], [0, 0, 0])
        totals[0] += row["completed"]
        totals[1] += row["planned"]
        totals[2] += row["minutes"]
        month = by_month.setdefault(_month(row["month"]), [0, 0])
        month[0] += row["completed"]
        month[1] += row["planned"]
    completed = sum(totals[0] for totals in by_type.values())
    planned = sum(totals[1] for totals in by_type.values())
    minutes = sum(totals[2] for totals in by_type.values())
    months = months_between(report_filter.start, report_filter.end)
    month_rows: list[list[Any]] = [[month_label(m), *by_month.get(m, [0, 0])] for m in months]
    type_rows: list[list[Any]] = [[name, c, p, round(m / 60, 1)] for name, (c, p, m) in by_type.items()]
    return Panel(
        key="activity",
        title=_("Activity"),
        figures=[
            Figure(_("Activities completed"), completed),
            Figure(_("Activities planned"), planned),
            Figure(_("Advocates' hours given"), round(minutes / 60, 1) if completed else None, kind="hours"),
            Figure(_("Completed per month"), round(completed / len(months), 1) if completed else None, kind="score"),
        ],
        charts=[
            Chart(
                key="activity-months",
                title=_("Activities completed by month"),
                labels=[row[0] for row in month_rows],
                series=[Series(_("Completed"), [row[1] for row in month_rows])],
            ),
            Chart(
                key="activity-types",
                title=_("Activities completed by type"),
                labels=[row[0] for row in type_rows],
                series=[Series(_("Completed"), [row[1] for row in type_rows])],
            ),
        ],
        tables=[
            Table(
                "activity-types",
                _("Activities by type"),
                [_("Activity type"), _("Completed"), _("Planned"), _("Hours given")],
                type_rows,
                numeric=(1, 2, 3),
            ),
            Table(
                "activity-months",
                _("Activities by month"),
                [_("Month"), _("Completed"), _("Planned")],
                month_rows if rows else [],
                numeric=(1, 2),
            ),
        ],
        note=_("Cancelled activities are not counted. Hours are those recorded on completed activities."),
    )


def requests_panel(organization: Organization, report_filter: ReportFilter) -> Panel:
    """Requests submitted in the range: volume, fulfilment, time to match and to complete, and the
    reasons given when a request could not be fulfilled. Campaign requests are left out."""
    sums = {
        "submitted": Sum("submitted"),
        "open": Sum("open"),
        "fulfilled": Sum("fulfilled"),
        "unfulfilled": Sum("unfulfilled"),
        "cancelled": Sum("cancelled"),
        "matched": Sum("matched"),
        "match_hours": Sum("match_hours"),
        "completed": Sum("completed"),
        "complete_hours": Sum("complete_hours"),
    }
    rollups = request_rollups(organization, report_filter)
    by_type: dict[str, Any] = {row["request_type"]: row for row in rollups.values("request_type").annotate(**sums)}
    total = {key: sum((row[key] or 0) for row in by_type.values()) for key in sums}
    labels = dict(RequestType.choices)
    type_rows: list[list[Any]] = [
        [
            str(labels.get(kind, kind)),
            row["submitted"],
            row["fulfilled"],
            row["unfulfilled"],
            row["cancelled"],
            row["open"],
            share(row["fulfilled"], row["fulfilled"] + row["unfulfilled"]),
            ratio(row["match_hours"], 24 * row["matched"], 1) if row["matched"] else None,
        ]
        for kind, row in sorted(by_type.items(), key=lambda item: -item[1]["submitted"])
    ]
    reasons = list(
        RequestStatusChange.objects.filter(
            ~Exists(Campaign.objects.filter(request=OuterRef("request"))),
            organization=organization,
            to_status=RequestStatus.UNFULFILLED,
            created_at__gte=day_start(report_filter.start),
            created_at__lt=day_start(report_filter.end + timedelta(days=1)),
            **account_segment_filter(report_filter, "request__prospect_segment"),
        )
        .order_by("-created_at")
        .values_list("created_at", "request__request_type", "request__prospect_company", "note")[:20]
    )
    reason_rows = [
        [timezone.localtime(at).date(), str(labels.get(kind, kind)), company, note]
        for at, kind, company, note in reasons
    ]
    return Panel(
        key="requests",
        title=_("Requests"),
        figures=[
            Figure(_("Requests submitted"), total["submitted"]),
            Figure(
                _("Fulfilment rate"),
                share(total["fulfilled"], total["fulfilled"] + total["unfulfilled"]),
                kind="percent",
                hint=_("%(fulfilled)s fulfilled, %(unfulfilled)s not")
                % {"fulfilled": total["fulfilled"], "unfulfilled": total["unfulfilled"]},
            ),
            Figure(
                _("Average time to match"),
                ratio(total["match_hours"], 24 * total["matched"], 1) if total["matched"] else None,
                kind="days",
                higher_is_better=False,
            ),
            Figure(
                _("Average time to complete"),
                ratio(total["complete_hours"], 24 * total["completed"], 1) if total["completed"] else None,
                kind="days",
                higher_is_better=False,
            ),
            Figure(_("Still open"), total["open"]),
        ],
        charts=[
            Chart(
                key="request-types",
                title=_("Requests by type and result"),
                labels=[row[0] for row in type_rows],
                series=[
                    Series(_("Fulfilled"), [row[2] for row in type_rows]),
                    Series(_("Unfulfilled"), [row[3] for row in type_rows]),
                    Series(_("Still open"), [row[5] for row in type_rows]),
                ],
            )
        ],
        tables=[
            Table(
                "request-types",
                _("Requests by type"),
                [
                    _("Request type"),
                    _("Submitted"),
                    _("Fulfilled"),
                    _("Unfulfilled"),
                    _("Cancelled"),
                    _("Still open"),
                    _("Fulfilment rate (%)"),
                    _("Days to match"),
                ],
                type_rows,
                numeric=(1, 2, 3, 4, 5, 6, 7),
            ),
            Table(
                "unfulfilled-reasons",
                _("Why requests went unfulfilled (latest 20)"),
                [_("Date"), _("Request type"), _("Prospect"), _("Reason given")],
                reason_rows,
            ),
        ],
        note=_(
            "Requests submitted in the range, campaigns aside. Fulfilment rate = fulfilled ÷ (fulfilled + "
            "unfulfilled). Time to match runs from submission to the first advocate's yes; time to complete, "
            "from submission to completion."
        ),
    )


def appreciation_capacity_panel(organization: Organization, report_filter: ReportFilter) -> Panel:
    """Thank-yous within 24 hours, and how much of the bench's yearly capacity is in use."""
    thanked = thanked_within_24h(organization, report_filter=report_filter)
    since = engaged_since(report_filter)
    window = ReportFilter(
        start=since, end=report_filter.end, segment=report_filter.segment, activity_type=report_filter.activity_type
    )
    used = (
        activity_rollups(organization, window)
        .filter(activity_type__counts_toward_cap=True)
        .aggregate(n=Sum(F("completed") + F("planned")))["n"]
        or 0
    )
    held = Ask.objects.filter(
        organization=organization,
        status__in=Ask.COUNTING_STATUSES,
        **account_segment_filter(report_filter, "advocate__account__segment"),
    ).count()
    bench = (
        Advocate.objects.filter(organization=organization, **account_segment_filter(report_filter)).in_program().count()
    )
    cap = ProgramPolicy.for_organization(organization).yearly_cap
    capacity = bench * cap
    return Panel(
        key="appreciation-capacity",
        title=_("Appreciation and capacity"),
        figures=[
            Figure(
                _("Thanked within 24 hours"),
                thanked["share"],
                kind="percent",
                hint=_("%(on_time)s of %(owed)s") % {"on_time": thanked["on_time"], "owed": thanked["owed"]}
                if thanked["owed"]
                else "",
            ),
            Figure(
                _("Capacity used across the bench"),
                share(used + held, capacity),
                kind="percent",
                hint=_("%(used)s of %(capacity)s activities a year") % {"used": used + held, "capacity": capacity}
                if capacity
                else "",
            ),
        ],
        note=_(
            "Capacity used = (activities planned or completed in the twelve months to the range's end that count "
            "toward the cap + asks waiting or accepted) ÷ (advocates in the program × %(cap)s a year)."
        )
        % {"cap": cap},
    )


PANELS = (advocates_panel, activity_panel, requests_panel, appreciation_capacity_panel)


def build(organization: Organization, report_filter: ReportFilter) -> list[Panel]:
    """The "Program health" panels of the dashboard."""
    return [panel(organization, report_filter) for panel in PANELS]
