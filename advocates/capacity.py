"""Capacity: how much an advocate has been asked of in the rolling twelve months, and when they can
be asked again, overall (the program cap) and per activity type (its limit, its minimum interval,
and the advocate's own stricter limits).

The window: an activity counts while it happened less than twelve months ago. One done on
29 November 2025 stops counting on 29 November 2026; the capacity it used is free again that day.
Planned activities count as soon as they are agreed, wherever their date falls, and so do asks
still waiting for an answer or accepted but not yet in the ledger (counted on the day they were
sent), so two requests cannot both spend the same free slot.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, IntegerField, Max, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import Activity, ActivityPreference, ActivityType, Advocate, ProgramPolicy


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (or earlier), clamped to the end of a shorter month."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def window_start(today: date) -> date:
    """Activities on this day or before it no longer count."""
    return add_months(today, -12)


def frees_on(occurred_on: date) -> date:
    """The day an activity stops counting."""
    return add_months(occurred_on, 12)


@dataclass
class TypeCapacity:
    activity_type: ActivityType
    used: int
    limit: int | None
    min_interval_days: int | None
    willing: bool
    last_on: date | None
    next_eligible_on: date
    reasons: list[str] = field(default_factory=list)

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None else max(self.limit - self.used, 0)


@dataclass
class Capacity:
    today: date
    cap: int
    used: int
    next_free_on: date
    per_type: list[TypeCapacity]
    has_stated_preferences: bool

    @property
    def remaining(self) -> int:
        return max(self.cap - self.used, 0)

    @property
    def at_cap(self) -> bool:
        return self.used >= self.cap


def _kth_freeing_day(dates: list[date], over: int, today: date) -> date:
    """With ``dates`` sorted oldest first and ``over`` activities too many, the day enough of them
    have stopped counting."""
    if over <= 0 or not dates:
        return today
    return max(today, frees_on(dates[min(over, len(dates)) - 1]))


def advocate_capacity(advocate: Advocate, *, today: date | None = None) -> Capacity:
    """The advocate's capacity, overall and for every active activity type (two queries)."""
    today = today or timezone.localdate()
    organization = advocate.organization
    policy = ProgramPolicy.for_organization(organization)
    start = window_start(today)
    rows = list(
        Activity.objects.filter(organization=organization, advocate=advocate, occurred_on__gt=start)
        .filter(status__in=Activity.COUNTING_STATUSES)
        .values_list("activity_type_id", "occurred_on", "activity_type__counts_toward_cap")
        .order_by("occurred_on")
    )
    all_types = list(ActivityType.objects.filter(organization=organization))
    rows += open_asks(advocate=advocate, since=start, types=all_types)
    rows.sort(key=lambda row: row[1])
    capped_dates = [occurred for _type, occurred, counts in rows if counts]
    by_type: dict[int, list[date]] = defaultdict(list)
    for type_id, occurred, _counts in rows:
        by_type[type_id].append(occurred)
    overall_next = _kth_freeing_day(capped_dates, len(capped_dates) - policy.yearly_cap + 1, today)

    preferences = {
        preference.activity_type_id: preference
        for preference in ActivityPreference.objects.filter(organization=organization, advocate=advocate)
    }
    stated = advocate.preferences_stated_at is not None or bool(preferences)
    types = [activity_type for activity_type in all_types if activity_type.active]
    last_by_type = dict(
        Activity.objects.filter(organization=organization, advocate=advocate, status__in=Activity.COUNTING_STATUSES)
        .values_list("activity_type_id")
        .annotate(last=Max("occurred_on"))
        .values_list("activity_type_id", "last")
    )
    per_type = []
    for activity_type in types:
        preference = preferences.get(activity_type.pk)
        limits = [activity_type.limit_per_year, preference.max_per_year if preference else None]
        limit = min((value for value in limits if value is not None), default=None)
        intervals = [activity_type.min_interval_days, preference.min_interval_days if preference else None]
        interval = max((value for value in intervals if value is not None), default=None)
        dates = by_type.get(activity_type.pk, [])
        last_on = last_by_type.get(activity_type.pk)
        candidates = [today]
        if limit is not None:
            candidates.append(_kth_freeing_day(dates, len(dates) - limit + 1, today))
        if interval and last_on:
            candidates.append(last_on + timedelta(days=interval))
        if activity_type.counts_toward_cap:
            candidates.append(overall_next)
        per_type.append(
            TypeCapacity(
                activity_type=activity_type,
                used=len(dates),
                limit=limit,
                min_interval_days=interval,
                willing=preference is not None or not stated,
                last_on=last_on,
                next_eligible_on=max(candidates),
            )
        )
    return Capacity(
        today=today,
        cap=policy.yearly_cap,
        used=len(capped_dates),
        next_free_on=overall_next,
        per_type=per_type,
        has_stated_preferences=stated,
    )


def open_asks(*, advocate: Advocate, since: date, types: list[ActivityType]) -> list[tuple[int, date, bool]]:
    """Asks that hold capacity: (activity type id, day asked, counts toward the cap)."""
    from requests_mgmt.models import Ask

    organization = advocate.organization
    by_key = {activity_type.key: activity_type for activity_type in types}
    rows = []
    asks = Ask.objects.filter(
        organization=organization,
        advocate=advocate,
        status__in=("pending", "accepted"),
        activity__isnull=True,
    ).values_list("request__request_type", "asked_at")
    for request_type, asked_at in asks:
        day = timezone.localdate(asked_at)
        activity_type = by_key.get(request_type)
        if activity_type is not None and day > since:
            rows.append((activity_type.pk, day, activity_type.counts_toward_cap))
    return rows


def open_asks_used(*, today: date) -> Subquery:
    """Per advocate (correlated on the outer row), the open asks sent within the window."""
    from requests_mgmt.models import Ask

    start = window_start(today)
    return Subquery(
        Ask.objects.filter(
            organization=OuterRef("organization"),
            advocate=OuterRef("pk"),
            status__in=("pending", "accepted"),
            activity__isnull=True,
            asked_at__date__gt=start,
        )
        .order_by()
        .values("advocate")
        .annotate(n=Count("id"))
        .values("n"),
        output_field=IntegerField(),
    )


def annotate_capacity_used(queryset: QuerySet[Advocate], *, today: date | None = None) -> QuerySet[Advocate]:
    """Adds ``capacity_used``: activities counting toward the yearly cap, in the database."""
    start = window_start(today or timezone.localdate())
    used = (
        Activity.objects.filter(
            organization=OuterRef("organization"),
            advocate=OuterRef("pk"),
            occurred_on__gt=start,
            status__in=Activity.COUNTING_STATUSES,
            activity_type__counts_toward_cap=True,
        )
        .order_by()
        .values("advocate")
        .annotate(n=Count("id"))
        .values("n")
    )
    return queryset.annotate(
        capacity_used=Coalesce(Subquery(used, output_field=IntegerField()), Value(0))
        + Coalesce(open_asks_used(today=today or timezone.localdate()), Value(0))
    )
