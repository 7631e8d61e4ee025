"""The dashboard's "Thanked within 24 hours" read from the appreciation rollup and the few unsettled
thank-yous read raw: equal to the count over the raw thank-yous and notes, on a hand-counted world."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone

from advocacy.models import Organization
from advocates.models import ActivityType, Segment
from benefits.models import PersonalNote, ThankYou
from benefits.tasks import send_thank_you_task
from reporting.filters import NO_SEGMENT, ReportFilter
from reporting.rollups import raw_appreciation_buckets, rebuild_organization, stored_appreciation_buckets
from reporting.selectors.health import appreciation_capacity_panel, thanked_within_24h
from tests.factories import ActivityFactory, AdvocateFactory, CustomerAccountFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()
DAY = timedelta(hours=24)


def counted_raw(organization: Organization, report_filter: ReportFilter) -> dict[str, Any]:
    """The figure as it was counted before the rollup, from every thank-you of the range."""
    notes = PersonalNote.objects.filter(activity_id=OuterRef("activity_id"))
    rows = ThankYou.objects.filter(organization=organization).annotate(
        has_note=Exists(notes),
        note_on_time=Exists(notes.filter(written_at__lte=OuterRef("due_at"))),
        note_written=Exists(notes.filter(written_at__isnull=False)),
    )
    on_time = Q(sent_at__lte=F("due_at")) & (Q(has_note=False) | Q(note_on_time=True))
    settled = Q(sent_at__isnull=False) & (Q(has_note=False) | Q(note_written=True))
    rows = rows.filter(
        Q(due_at__lte=timezone.now()) | settled,
        completed_at__gte=datetime.combine(report_filter.start, time.min, tzinfo=UTC),
        completed_at__lt=datetime.combine(report_filter.end + timedelta(days=1), time.min, tzinfo=UTC),
    )
    if report_filter.segment_value is not None:
        rows = rows.filter(activity__advocate__account__segment=report_filter.segment_value)
    if report_filter.activity_type is not None:
        rows = rows.filter(activity__activity_type=report_filter.activity_type)
    figures = rows.aggregate(owed=Count("id"), on_time=Count("id", filter=on_time))
    owed, thanked = figures["owed"], figures["on_time"]
    return {"owed": owed, "on_time": thanked, "share": round(100 * thanked / owed, 1) if owed else None}


def thank_you(
    organization: Organization,
    advocate: Any,
    activity_type: ActivityType,
    *,
    completed: datetime,
    sent: timedelta | None,
    note: timedelta | bool | None = False,
) -> ThankYou:
    """A thank-you completed at ``completed``, sent ``sent`` later (None: not sent), with a personal
    note written ``note`` later (None: not written; False: no note)."""
    activity = ActivityFactory(organization=organization, advocate=advocate, activity_type=activity_type)
    row = ThankYou.objects.create(
        organization=organization,
        activity=activity,
        advocate=advocate,
        completed_at=completed,
        due_at=completed + DAY,
        sent_at=None if sent is None else completed + sent,
    )
    if note is not False:
        PersonalNote.objects.create(
            organization=organization,
            activity=activity,
            advocate=advocate,
            due_at=completed + DAY,
            written_at=None if note is None else completed + note,
        )
    return row


@pytest.fixture
def appreciation(org: Organization, other_org: Organization, activity_types: dict[str, Any]) -> dict[str, Any]:
    enterprise = AdvocateFactory(
        organization=org, account=CustomerAccountFactory(organization=org, segment=Segment.ENTERPRISE)
    )
    unsegmented = AdvocateFactory(organization=org, account=CustomerAccountFactory(organization=org, segment=""))
    call, study = activity_types["reference_call"], activity_types["case_study"]
    days_ago = NOW - timedelta(days=3)
    just_now = NOW - timedelta(hours=2)
    # Enterprise, reference calls: no personal notes.
    thank_you(org, enterprise, call, completed=days_ago, sent=timedelta(minutes=5))  # on time
    thank_you(org, enterprise, call, completed=days_ago, sent=timedelta(hours=30))  # late
    thank_you(org, enterprise, call, completed=days_ago, sent=None)  # not sent, past due: owed
    thank_you(org, enterprise, call, completed=just_now, sent=None)  # not sent, not due yet: not owed
    pending = thank_you(org, enterprise, call, completed=just_now, sent=None)
    send_thank_you_task(org.pk, pending.pk)  # settled before its deadline, by the task: owed, on time
    # No segment, case studies: the thank-you sent on time, the personal note …
    thank_you(org, unsegmented, study, completed=days_ago, sent=timedelta(minutes=5), note=timedelta(hours=5))
    thank_you(org, unsegmented, study, completed=days_ago, sent=timedelta(minutes=5), note=timedelta(hours=26))
    thank_you(org, unsegmented, study, completed=days_ago, sent=timedelta(minutes=5), note=None)  # never came
    thank_you(org, unsegmented, study, completed=just_now, sent=timedelta(minutes=5), note=None)  # still due
    # Out of the range.
    thank_you(org, enterprise, call, completed=NOW - timedelta(days=40), sent=timedelta(minutes=5))
    # Another organisation's, all on time.
    foreign = AdvocateFactory(organization=other_org)
    foreign_type = ActivityType.objects.filter(organization=other_org, key="reference_call").get()
    for _ in range(3):
        thank_you(other_org, foreign, foreign_type, completed=days_ago, sent=timedelta(minutes=5))
    today = NOW.astimezone(UTC).date()
    return {
        "org": org,
        "range": ReportFilter(start=today - timedelta(days=10), end=today),
        "call": call,
        "study": study,
    }


def test_the_figure_is_counted_as_defined(appreciation: dict[str, Any], django_assert_max_num_queries: Any) -> None:
    org, in_range = appreciation["org"], appreciation["range"]
    with django_assert_max_num_queries(3):
        figure = thanked_within_24h(org, report_filter=in_range)
    # Owed: on time, late, unsent past due, settled early, note on time, note late, note missing.
    assert figure == {"owed": 7, "on_time": 3, "share": 42.9}
    enterprise = ReportFilter(start=in_range.start, end=in_range.end, segment=Segment.ENTERPRISE)
    assert thanked_within_24h(org, report_filter=enterprise) == {"owed": 4, "on_time": 2, "share": 50.0}
    none = ReportFilter(start=in_range.start, end=in_range.end, segment=NO_SEGMENT)
    assert thanked_within_24h(org, report_filter=none) == {"owed": 3, "on_time": 1, "share": 33.3}
    studies = ReportFilter(start=in_range.start, end=in_range.end, activity_type=appreciation["study"])
    assert thanked_within_24h(org, report_filter=studies) == {"owed": 3, "on_time": 1, "share": 33.3}
    smb = ReportFilter(start=in_range.start, end=in_range.end, segment=Segment.SMB)
    assert thanked_within_24h(org, report_filter=smb) == {"owed": 0, "on_time": 0, "share": None}
    whole = ReportFilter(start=in_range.start - timedelta(days=60), end=in_range.end)
    assert thanked_within_24h(org, report_filter=whole) == {"owed": 8, "on_time": 4, "share": 50.0}
    assert thanked_within_24h(org, days=10) == figure
    for report_filter in (in_range, enterprise, none, studies, smb, whole):
        assert thanked_within_24h(org, report_filter=report_filter) == counted_raw(org, report_filter)


def test_the_rollup_holds_the_settled_thank_yous_per_day_type_and_segment(appreciation: dict[str, Any]) -> None:
    org = appreciation["org"]
    stored = stored_appreciation_buckets(org)
    assert stored == raw_appreciation_buckets(org)
    three_days_ago = (NOW - timedelta(days=3)).astimezone(UTC).date()
    assert stored[(three_days_ago, appreciation["call"].pk, Segment.ENTERPRISE.value)] == (2, 1)
    assert stored[(three_days_ago, appreciation["study"].pk, "")] == (2, 1)
    check = rebuild_organization(org, record=False)
    assert check.mismatches == 0


def test_the_panel_stays_within_five_queries(appreciation: dict[str, Any], django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(5):
        panel = appreciation_capacity_panel(appreciation["org"], appreciation["range"])
    assert panel.figures[0].value == 42.9
