"""Capacity over the rolling twelve months: the program cap, per-type limits and intervals, the
advocate's own limits, and the exact boundary."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advocates.capacity import add_months, advocate_capacity, annotate_capacity_used, frees_on
from advocates.demo import respecting_cap
from advocates.models import Activity, ActivityPreference, Advocate
from tests.factories import ActivityFactory, AdvocateFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 29)


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2026, 11, 29), -12) == date(2025, 11, 29)


def test_an_activity_exactly_twelve_months_old_no_longer_counts(org: Any, activity_types: Any) -> None:
    advocate = AdvocateFactory(organization=org)
    call = activity_types["reference_call"]
    ActivityFactory(organization=org, advocate=advocate, activity_type=call, occurred_on=date(2025, 11, 29))
    ActivityFactory(organization=org, advocate=advocate, activity_type=call, occurred_on=date(2025, 11, 30))
    capacity = advocate_capacity(advocate, today=TODAY)
    assert capacity.used == 1
    assert frees_on(date(2025, 11, 30)) == date(2026, 11, 30)
    assert advocate_capacity(advocate, today=date(2026, 11, 30)).used == 0


def test_the_sixth_activity_reaches_the_cap_and_the_date_it_frees(org: Any, activity_types: Any) -> None:
    advocate = AdvocateFactory(organization=org)
    days = [date(2026, month, 1) for month in (1, 3, 5, 7, 9)]
    for day in days:
        ActivityFactory(
            organization=org, advocate=advocate, activity_type=activity_types["reference_call"], occurred_on=day
        )
    five = advocate_capacity(advocate, today=TODAY)
    assert (five.used, five.remaining, five.at_cap) == (5, 1, False)
    ActivityFactory(
        organization=org, advocate=advocate, activity_type=activity_types["testimonial"], occurred_on=date(2026, 10, 1)
    )
    six = advocate_capacity(advocate, today=TODAY)
    assert (six.used, six.remaining, six.at_cap) == (6, 0, True)
    assert six.next_free_on == date(2027, 1, 1)  # the oldest, 1 January 2026, stops counting
    assert all(row.next_eligible_on >= date(2027, 1, 1) for row in six.per_type if row.activity_type.counts_toward_cap)


def test_referrals_and_cancelled_activities_do_not_use_capacity(org: Any, activity_types: Any) -> None:
    advocate = AdvocateFactory(organization=org)
    ActivityFactory(organization=org, advocate=advocate, activity_type=activity_types["referral"], occurred_on=TODAY)
    ActivityFactory(
        organization=org,
        advocate=advocate,
        activity_type=activity_types["reference_call"],
        occurred_on=TODAY,
        status=Activity.Status.CANCELLED,
    )
    ActivityFactory(
        organization=org,
        advocate=advocate,
        activity_type=activity_types["reference_call"],
        occurred_on=TODAY + timedelta(days=20),
        status=Activity.Status.PLANNED,
    )
    assert advocate_capacity(advocate, today=TODAY).used == 1  # only the planned call


def test_case_study_at_most_once_a_year(org: Any, activity_types: Any) -> None:
    advocate = AdvocateFactory(organization=org)
    ActivityFactory(
        organization=org, advocate=advocate, activity_type=activity_types["case_study"], occurred_on=date(2026, 3, 10)
    )
    row = next(r for r in advocate_capacity(advocate, today=TODAY).per_type if r.activity_type.key == "case_study")
    assert (row.used, row.limit, row.remaining) == (1, 1, 0)
    assert row.next_eligible_on == date(2027, 3, 10)


def test_minimum_interval_and_the_advocates_own_stricter_limits(org: Any, activity_types: Any) -> None:
    advocate = AdvocateFactory(organization=org)
    call = activity_types["reference_call"]
    ActivityPreference.objects.create(
        organization=org, advocate=advocate, activity_type=call, max_per_year=2, min_interval_days=90
    )
    ActivityFactory(organization=org, advocate=advocate, activity_type=call, occurred_on=date(2026, 11, 1))
    rows = {row.activity_type.key: row for row in advocate_capacity(advocate, today=TODAY).per_type}
    assert rows["reference_call"].limit == 2 and rows["reference_call"].min_interval_days == 90
    assert rows["reference_call"].next_eligible_on == date(2026, 11, 1) + timedelta(days=90)
    assert rows["reference_call"].willing and not rows["testimonial"].willing  # preferences are stated


def test_capacity_annotation_matches_the_python_count(org: Any, other_org: Any, activity_types: Any) -> None:
    advocate = AdvocateFactory(organization=org)
    for months_ago in (1, 4, 11, 12, 13):
        ActivityFactory(
            organization=org,
            advocate=advocate,
            activity_type=activity_types["reference_call"],
            occurred_on=add_months(TODAY, -months_ago),
        )
    ActivityFactory(organization=other_org, occurred_on=TODAY)
    annotated = annotate_capacity_used(Advocate.objects.filter(organization=org), today=TODAY).get(pk=advocate.pk)
    assert annotated.capacity_used == advocate_capacity(advocate, today=TODAY).used == 3


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=1500), max_size=40), st.integers(min_value=1, max_value=8))
def test_generated_histories_never_break_the_cap(offsets: list[int], cap: int) -> None:
    days = sorted(date(2023, 1, 1) + timedelta(days=offset) for offset in offsets)
    kept = respecting_cap(days, cap)
    for day in kept:
        in_window = [other for other in kept if add_months(other, 12) > day and other <= day]
        assert len(in_window) <= cap
