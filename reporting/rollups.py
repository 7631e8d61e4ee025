"""Daily rollups: what one activity and one request add to their bucket, applied as increments in
the transaction that changes them, and the rebuild that recounts every bucket from the raw tables.

Activity bucket: (organisation, ``occurred_on``, activity type, segment), the segment being that of
the advocate's account ("" when the account has none). A cancelled activity counts nowhere. A
planned one adds 1 to ``planned``; a completed one adds 1 to ``completed``, its minutes and value
(a missing one as 0) to ``minutes`` and ``value``, and a rating it gave to ``rating_sum`` with 1 to
``rating_count``.

Request bucket: (organisation, the UTC date of ``created_at``, request type, ``prospect_segment``).
A campaign's request counts nowhere. Every request adds 1 to ``submitted`` and 1 to the one of
``open`` (a status in ``OPEN_STATUSES``), ``fulfilled`` (completed or closed), ``unfulfilled`` or
``cancelled`` its status falls in. ``matched`` counts the requests with a status change to
"accepted" and ``match_hours`` sums the hours from ``created_at`` to the first such change;
``completed`` and ``complete_hours`` do the same with the first change to "completed". ``linked``
counts the requests with a CRM opportunity. The deal value of a request is its outcome's value when
the outcome gives one, else the value on the request, else 0: ``pipeline`` sums it over fulfilled
requests and ``won_value`` over requests whose outcome says won; ``won`` and ``lost`` count the
outcomes' results.

Appreciation bucket: (organisation, the UTC date of the thank-you's ``completed_at``, the activity's
type, the segment of the activity's advocate's account). Only a settled thank-you counts: sent and,
when its activity has a personal note, the note written. It adds 1 to ``settled``, and 1 to
``on_time`` when it was sent by its ``due_at`` and the note (if any) written by the same deadline.

Changes are applied as differences (``UPDATE … SET x = x + d``), so two transactions adding to the
same bucket at once queue on its row lock and both count. A bucket with nothing left in it (no
activity, no request, no settled thank-you) is deleted. ``rebuild_organization`` recounts every
bucket with one grouped query per table, repairs the rows that differ and records a
``RollupCheck``; the nightly task runs it for every organisation.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, OperationalError, connection, models, transaction
from django.db.models import Count, DecimalField, DurationField, ExpressionWrapper, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest, TruncDate

from advocacy.models import Organization
from advocates.models import Activity
from benefits.models import ThankYou
from requests_mgmt.models import (
    OPEN_STATUSES,
    AdvocacyRequest,
    RequestStatus,
    RequestStatusChange,
)

from .models import ActivityRollup, AppreciationRollup, RequestRollup, RollupCheck

logger = logging.getLogger(__name__)

ACTIVITY_KEY = ("day", "activity_type_id", "segment")
ACTIVITY_FIELDS = ("completed", "planned", "minutes", "value", "rating_sum", "rating_count")
REQUEST_KEY = ("day", "request_type", "segment")
REQUEST_FIELDS = (
    "submitted",
    "open",
    "fulfilled",
    "unfulfilled",
    "cancelled",
    "matched",
    "match_hours",
    "completed",
    "complete_hours",
    "linked",
    "pipeline",
    "won",
    "lost",
    "won_value",
)
APPRECIATION_KEY = ("day", "activity_type_id", "segment")
APPRECIATION_FIELDS = ("settled", "on_time")
FULFILLED_STATUSES = (RequestStatus.COMPLETED, RequestStatus.CLOSED)
# Hours are sums of floats: added and taken away in a different order they differ in the last bits.
HOURS_TOLERANCE = 1e-6
MAX_DETAILS = 20
# serialization_failure, deadlock_detected, unique_violation
CONCURRENT_CHANGE_CODES = frozenset({"40001", "40P01", "23505"})
ZERO = Decimal("0.00")

Key = tuple[Any, ...]
Vector = tuple[Any, ...]


@dataclass(frozen=True)
class Contribution:
    """What one activity or one request adds to one bucket."""

    organization_id: int
    key: Key
    vector: Vector

    @property
    def bucket(self) -> tuple[int, Key]:
        return self.organization_id, self.key


# --- one activity --------------------------------------------------------------------------------


def activity_vector(*, status: str, minutes: int | None, value: Decimal | None, rating: int | None) -> Vector | None:
    if status == Activity.Status.COMPLETED:
        return (1, 0, minutes or 0, value or ZERO, rating or 0, 0 if rating is None else 1)
    if status == Activity.Status.PLANNED:
        return (0, 1, 0, ZERO, 0, 0)
    return None  # cancelled


def activity_contribution(organization_id: int, activity_id: int | None) -> Contribution | None:
    """The stored activity's contribution (None when it is cancelled or not there)."""
    if activity_id is None:
        return None
    row = (
        Activity.objects.with_scope(organization=organization_id)
        .filter(pk=activity_id)
        .values(
            "organization_id",
            "occurred_on",
            "activity_type_id",
            "status",
            "minutes",
            "value",
            "rating",
            "advocate__account__segment",
        )
        .first()
    )
    if row is None:
        return None
    vector = activity_vector(status=row["status"], minutes=row["minutes"], value=row["value"], rating=row["rating"])
    if vector is None:
        return None
    key = (row["occurred_on"], row["activity_type_id"], row["advocate__account__segment"] or "")
    return Contribution(row["organization_id"], key, vector)


# --- one request ---------------------------------------------------------------------------------


def _first_change(organization_id: int, to_status: str) -> Subquery:
    return Subquery(
        RequestStatusChange.objects.with_scope(organization=organization_id)
        .filter(request=OuterRef("pk"), to_status=to_status)
        .order_by("created_at", "id")
        .values("created_at")[:1]
    )


def _deal_value() -> Coalesce:
    return Coalesce(
        "outcome__deal_value", "deal_value", Value(ZERO), output_field=DecimalField(max_digits=18, decimal_places=2)
    )


def _hours(start: datetime, end: datetime | None) -> float:
    return 0.0 if end is None else (end - start).total_seconds() / 3600


def request_contribution(organization_id: int, request_id: int | None) -> Contribution | None:
    """The stored request's contribution, with its history and outcome (None for a campaign's
    request or one that is not there). One query."""
    if request_id is None:
        return None
    row = (
        AdvocacyRequest.objects.with_scope(organization=organization_id)
        .filter(pk=request_id, campaign__isnull=True)
        .annotate(
            accepted_at=_first_change(organization_id, RequestStatus.ACCEPTED),
            completed_at=_first_change(organization_id, RequestStatus.COMPLETED),
            deal=_deal_value(),
        )
        .values(
            "organization_id",
            "created_at",
            "request_type",
            "prospect_segment",
            "status",
            "crm_opportunity_id",
            "accepted_at",
            "completed_at",
            "deal",
            "outcome__deal_result",
        )
        .first()
    )
    if row is None:
        return None
    status, deal, result = row["status"], row["deal"], row["outcome__deal_result"]
    fulfilled = status in FULFILLED_STATUSES
    won = result == "won"
    vector = (
        1,
        int(status in OPEN_STATUSES),
        int(fulfilled),
        int(status == RequestStatus.UNFULFILLED),
        int(status == RequestStatus.CANCELLED),
        int(row["accepted_at"] is not None),
        _hours(row["created_at"], row["accepted_at"]),
        int(row["completed_at"] is not None),
        _hours(row["created_at"], row["completed_at"]),
        int(row["crm_opportunity_id"] != ""),
        deal if fulfilled else ZERO,
        int(won),
        int(result == "lost"),
        deal if won else ZERO,
    )
    key = (row["created_at"].astimezone(UTC).date(), row["request_type"], row["prospect_segment"])
    return Contribution(row["organization_id"], key, vector)


# --- one thank-you -------------------------------------------------------------------------------

APPRECIATION_VALUES = (
    "organization_id",
    "completed_at",
    "due_at",
    "sent_at",
    "activity__activity_type_id",
    "activity__advocate__account__segment",
    "activity__personal_note__id",
    "activity__personal_note__written_at",
)


def _appreciation(row: dict[str, Any] | None) -> Contribution | None:
    if row is None or row["sent_at"] is None:
        return None
    has_note = row["activity__personal_note__id"] is not None
    written_at = row["activity__personal_note__written_at"]
    if has_note and written_at is None:
        return None  # sent, but the note is still owed: not settled
    on_time = row["sent_at"] <= row["due_at"] and (not has_note or written_at <= row["due_at"])
    key = (
        row["completed_at"].astimezone(UTC).date(),
        row["activity__activity_type_id"],
        row["activity__advocate__account__segment"] or "",
    )
    return Contribution(row["organization_id"], key, (1, int(on_time)))


def _thank_you_rows(organization_id: int) -> models.QuerySet[ThankYou]:
    return ThankYou.objects.with_scope(organization=organization_id).filter(organization_id=organization_id)


def appreciation_contribution(organization_id: int, thank_you_id: int | None) -> Contribution | None:
    """The stored thank-you's contribution with its activity's personal note (None while it is not
    settled, or when it is not there). One query."""
    if thank_you_id is None:
        return None
    return _appreciation(_thank_you_rows(organization_id).filter(pk=thank_you_id).values(*APPRECIATION_VALUES).first())


def activity_appreciation_contribution(organization_id: int, activity_id: int | None) -> Contribution | None:
    """The contribution of the activity's thank-you (None when it has none or it is not settled)."""
    if activity_id is None:
        return None
    return _appreciation(
        _thank_you_rows(organization_id).filter(activity_id=activity_id).values(*APPRECIATION_VALUES).first()
    )


@contextmanager
def appreciation_change(
    organization_id: int, *, thank_you_id: int | None = None, activity_id: int | None = None
) -> Iterator[None]:
    """Wraps a write that sends no signals (``QuerySet.update``) to a thank-you, or to the personal
    note of an activity: its contribution is read before and after, in one transaction, and the
    difference applied. The thank-you's row is locked first, so the sending of a thank-you and the
    writing of its note, at the same moment, each see the other's change."""
    if thank_you_id is None and activity_id is None:
        raise ValueError("appreciation_change needs a thank-you or an activity")
    narrow = {"pk": thank_you_id} if thank_you_id is not None else {"activity_id": activity_id}
    with transaction.atomic():
        locked = (
            _thank_you_rows(organization_id).filter(**narrow).select_for_update().values_list("pk", flat=True).first()
        )
        before = appreciation_contribution(organization_id, locked)
        yield
        apply_appreciation_change(before, appreciation_contribution(organization_id, locked))


# --- applying a change ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Table:
    name: str
    model: type[ActivityRollup] | type[RequestRollup] | type[AppreciationRollup]
    key_fields: tuple[str, ...]
    fields: tuple[str, ...]
    counts: tuple[str, ...]  # all zero means the bucket is empty (every other field is then zero too)


ACTIVITY_TABLE = _Table("activity", ActivityRollup, ACTIVITY_KEY, ACTIVITY_FIELDS, ("completed", "planned"))
REQUEST_TABLE = _Table("request", RequestRollup, REQUEST_KEY, REQUEST_FIELDS, ("submitted",))
APPRECIATION_TABLE = _Table("appreciation", AppreciationRollup, APPRECIATION_KEY, APPRECIATION_FIELDS, ("settled",))


def apply_activity_change(before: Contribution | None, after: Contribution | None) -> None:
    """Moves an activity's contribution from ``before`` to ``after`` (either may be None)."""
    _apply_change(ACTIVITY_TABLE, before, after)


def apply_request_change(before: Contribution | None, after: Contribution | None) -> None:
    """Moves a request's contribution from ``before`` to ``after`` (either may be None)."""
    _apply_change(REQUEST_TABLE, before, after)


def apply_appreciation_change(before: Contribution | None, after: Contribution | None) -> None:
    """Moves a thank-you's contribution from ``before`` to ``after`` (either may be None)."""
    _apply_change(APPRECIATION_TABLE, before, after)


def _apply_change(table: _Table, before: Contribution | None, after: Contribution | None) -> None:
    if before == after:
        return
    if before is not None and after is not None and before.bucket == after.bucket:
        delta = tuple(new - old for new, old in zip(after.vector, before.vector, strict=True))
        _apply_delta(table, after.organization_id, after.key, delta)
        return
    if before is not None:
        _apply_delta(table, before.organization_id, before.key, tuple(-value for value in before.vector))
    if after is not None:
        _apply_delta(table, after.organization_id, after.key, after.vector)


def _increment(field: str, delta: Any) -> Any:
    if delta < 0:
        # Never below zero, even on a row that had drifted: the write goes through and the nightly
        # rebuild repairs the bucket.
        return Greatest(F(field) + delta, Value(type(delta)(0)))
    return F(field) + delta


def _bucket_rows(table: _Table, organization_id: int, key: Key) -> models.QuerySet[Any]:
    return table.model.objects.with_scope(organization=organization_id).filter(
        organization_id=organization_id, **dict(zip(table.key_fields, key, strict=True))
    )


def _apply_delta(table: _Table, organization_id: int, key: Key, delta: Vector) -> None:
    changes = {field: _increment(field, value) for field, value in zip(table.fields, delta, strict=True) if value}
    if not changes:
        return
    rows = _bucket_rows(table, organization_id, key)
    if rows.update(**changes):
        if any(value < 0 for field, value in zip(table.fields, delta, strict=True) if field in table.counts):
            rows.filter(**dict.fromkeys(table.counts, 0)).delete()
        return
    if any(value < 0 for value in delta):
        # Taking away from a bucket that is not there: it had drifted. Count it afresh instead.
        logger.warning("Rollup bucket %s %s of organisation %s was missing", table.model.__name__, key, organization_id)
        recount_bucket(table, organization_id, key)
        return
    try:
        with transaction.atomic():
            table.model.objects.with_scope(organization=organization_id).create(
                organization_id=organization_id,
                **dict(zip(table.key_fields, key, strict=True)),
                **dict(zip(table.fields, delta, strict=True)),
            )
    except IntegrityError:
        # Another transaction created the bucket first (its insert waited for it to commit).
        rows.update(**changes)


def recount_bucket(table: _Table, organization_id: int, key: Key) -> None:
    """Sets one bucket to what the raw tables say."""
    narrow = dict(zip(table.key_fields, key, strict=True))
    raw = _raw_buckets(table, organization_id, **narrow).get(key)
    rows = _bucket_rows(table, organization_id, key)
    if raw is None:
        rows.delete()
        return
    values = dict(zip(table.fields, raw, strict=True))
    if rows.update(**values):
        return
    try:
        with transaction.atomic():
            table.model.objects.with_scope(organization=organization_id).create(
                organization_id=organization_id, **narrow, **values
            )
    except IntegrityError:
        rows.update(**values)


# --- raw aggregates ------------------------------------------------------------------------------


def _organization_id(organization: Organization | int) -> int:
    return organization if isinstance(organization, int) else organization.pk


def raw_activity_buckets(
    organization: Organization | int,
    *,
    day: date | None = None,
    activity_type_id: int | None = None,
    segment: str | None = None,
) -> dict[Key, Vector]:
    """Every activity bucket of the organisation counted from the ledger (one grouped query),
    optionally narrowed to one day, type or segment: {(day, activity type id, segment): vector}."""
    organization_id = _organization_id(organization)
    rows = Activity.objects.with_scope(organization=organization_id).filter(
        organization_id=organization_id, status__in=Activity.COUNTING_STATUSES
    )
    if day is not None:
        rows = rows.filter(occurred_on=day)
    if activity_type_id is not None:
        rows = rows.filter(activity_type_id=activity_type_id)
    if segment is not None:
        rows = rows.filter(advocate__account__segment=segment)
    done = Q(status=Activity.Status.COMPLETED)
    grouped = (
        rows.values("occurred_on", "activity_type_id", bucket_segment=F("advocate__account__segment"))
        .annotate(
            n_completed=Count("pk", filter=done),
            n_planned=Count("pk", filter=Q(status=Activity.Status.PLANNED)),
            sum_minutes=Coalesce(Sum("minutes", filter=done), 0),
            sum_value=Coalesce(
                Sum("value", filter=done), Value(ZERO), output_field=DecimalField(max_digits=18, decimal_places=2)
            ),
            sum_rating=Coalesce(Sum("rating", filter=done), 0),
            n_rating=Count("rating", filter=done),
        )
        .order_by()
    )
    return {
        (row["occurred_on"], row["activity_type_id"], row["bucket_segment"] or ""): (
            row["n_completed"],
            row["n_planned"],
            int(row["sum_minutes"]),
            Decimal(row["sum_value"]),
            int(row["sum_rating"]),
            row["n_rating"],
        )
        for row in grouped
    }


def _hours_between(later: Any, earlier: str) -> ExpressionWrapper:
    return ExpressionWrapper(later - F(earlier), output_field=DurationField())


def raw_request_buckets(
    organization: Organization | int,
    *,
    day: date | None = None,
    request_type: str | None = None,
    segment: str | None = None,
) -> dict[Key, Vector]:
    """Every request bucket of the organisation counted from the requests, their history and
    outcomes (one grouped query), optionally narrowed: {(day, request type, segment): vector}."""
    organization_id = _organization_id(organization)
    rows = AdvocacyRequest.objects.with_scope(organization=organization_id).filter(
        organization_id=organization_id, campaign__isnull=True
    )
    if day is not None:
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        rows = rows.filter(created_at__gte=start, created_at__lt=start + timedelta(days=1))
    if request_type is not None:
        rows = rows.filter(request_type=request_type)
    if segment is not None:
        rows = rows.filter(prospect_segment=segment)
    fulfilled = Q(status__in=FULFILLED_STATUSES)
    won = Q(outcome__deal_result="won")
    money = DecimalField(max_digits=18, decimal_places=2)
    grouped = (
        rows.annotate(
            accepted_at=_first_change(organization_id, RequestStatus.ACCEPTED),
            completed_at=_first_change(organization_id, RequestStatus.COMPLETED),
            deal=_deal_value(),
        )
        .values("request_type", "prospect_segment", bucket_day=TruncDate("created_at", tzinfo=UTC))
        .annotate(
            n_submitted=Count("pk"),
            n_open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
            n_fulfilled=Count("pk", filter=fulfilled),
            n_unfulfilled=Count("pk", filter=Q(status=RequestStatus.UNFULFILLED)),
            n_cancelled=Count("pk", filter=Q(status=RequestStatus.CANCELLED)),
            n_matched=Count("accepted_at"),
            match_time=Sum(_hours_between(F("accepted_at"), "created_at")),
            n_completed=Count("completed_at"),
            complete_time=Sum(_hours_between(F("completed_at"), "created_at")),
            n_linked=Count("pk", filter=~Q(crm_opportunity_id="")),
            sum_pipeline=Coalesce(Sum("deal", filter=fulfilled), Value(ZERO), output_field=money),
            n_won=Count("pk", filter=won),
            n_lost=Count("pk", filter=Q(outcome__deal_result="lost")),
            sum_won=Coalesce(Sum("deal", filter=won), Value(ZERO), output_field=money),
        )
        .order_by()
    )
    return {
        (row["bucket_day"], row["request_type"], row["prospect_segment"]): (
            row["n_submitted"],
            row["n_open"],
            row["n_fulfilled"],
            row["n_unfulfilled"],
            row["n_cancelled"],
            row["n_matched"],
            _duration_hours(row["match_time"]),
            row["n_completed"],
            _duration_hours(row["complete_time"]),
            row["n_linked"],
            Decimal(row["sum_pipeline"]),
            row["n_won"],
            row["n_lost"],
            Decimal(row["sum_won"]),
        )
        for row in grouped
    }


def raw_appreciation_buckets(
    organization: Organization | int,
    *,
    day: date | None = None,
    activity_type_id: int | None = None,
    segment: str | None = None,
) -> dict[Key, Vector]:
    """Every appreciation bucket of the organisation counted from the thank-yous and personal
    notes (one grouped query), optionally narrowed: {(day, activity type id, segment): vector}."""
    organization_id = _organization_id(organization)
    no_note = Q(activity__personal_note__id__isnull=True)
    rows = _thank_you_rows(organization_id).filter(
        Q(sent_at__isnull=False) & (no_note | Q(activity__personal_note__written_at__isnull=False))
    )
    if day is not None:
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        rows = rows.filter(completed_at__gte=start, completed_at__lt=start + timedelta(days=1))
    if activity_type_id is not None:
        rows = rows.filter(activity__activity_type_id=activity_type_id)
    if segment is not None:
        rows = rows.filter(activity__advocate__account__segment=segment)
    on_time = Q(sent_at__lte=F("due_at")) & (no_note | Q(activity__personal_note__written_at__lte=F("due_at")))
    grouped = (
        rows.values(
            bucket_day=TruncDate("completed_at", tzinfo=UTC),
            bucket_type=F("activity__activity_type_id"),
            bucket_segment=F("activity__advocate__account__segment"),
        )
        .annotate(n_settled=Count("pk"), n_on_time=Count("pk", filter=on_time))
        .order_by()
    )
    return {
        (row["bucket_day"], row["bucket_type"], row["bucket_segment"] or ""): (row["n_settled"], row["n_on_time"])
        for row in grouped
    }


def _raw_buckets(table: _Table, organization: Organization | int, **narrow: Any) -> dict[Key, Vector]:
    if table is ACTIVITY_TABLE:
        return raw_activity_buckets(organization, **narrow)
    if table is REQUEST_TABLE:
        return raw_request_buckets(organization, **narrow)
    return raw_appreciation_buckets(organization, **narrow)


def _duration_hours(duration: timedelta | None) -> float:
    return 0.0 if duration is None else duration.total_seconds() / 3600


def stored_activity_buckets(organization: Organization | int) -> dict[Key, Vector]:
    """The organisation's activity rollup rows: {(day, activity type id, segment): vector}."""
    return {key: vector for key, (_, vector) in _stored(ACTIVITY_TABLE, _organization_id(organization)).items()}


def stored_request_buckets(organization: Organization | int) -> dict[Key, Vector]:
    """The organisation's request rollup rows: {(day, request type, segment): vector}."""
    return {key: vector for key, (_, vector) in _stored(REQUEST_TABLE, _organization_id(organization)).items()}


def stored_appreciation_buckets(organization: Organization | int) -> dict[Key, Vector]:
    """The organisation's appreciation rollup rows: {(day, activity type id, segment): vector}."""
    return {key: vector for key, (_, vector) in _stored(APPRECIATION_TABLE, _organization_id(organization)).items()}


def _stored(table: _Table, organization_id: int) -> dict[Key, tuple[int, Vector]]:
    rows = table.model.objects.with_scope(organization=organization_id).filter(organization_id=organization_id)
    stored: dict[Key, tuple[int, Vector]] = {}
    for row in rows.values_list("pk", *table.key_fields, *table.fields).order_by().iterator(chunk_size=5000):
        width = len(table.key_fields)
        stored[tuple(row[1 : width + 1])] = (row[0], tuple(row[width + 1 :]))
    return stored


def vectors_equal(stored: Vector | None, raw: Vector | None) -> bool:
    """Counts and money exactly; summed hours within a millionth of an hour."""
    if stored is None or raw is None:
        return stored is raw
    return all(
        math.isclose(a, b, rel_tol=1e-12, abs_tol=HOURS_TOLERANCE)
        if isinstance(a, float) or isinstance(b, float)
        else a == b
        for a, b in zip(stored, raw, strict=True)
    )


def differing_keys(stored: dict[Key, Vector], raw: dict[Key, Vector]) -> list[Key]:
    """The buckets whose stored row differs from the raw count (missing on either side included)."""
    return sorted(
        (key for key in stored.keys() | raw.keys() if not vectors_equal(stored.get(key), raw.get(key))),
        key=lambda key: tuple(str(part) for part in key),
    )


# --- rebuilding ----------------------------------------------------------------------------------


@contextmanager
def _snapshot() -> Iterator[None]:
    """A transaction whose reads all see one moment: on PostgreSQL, when it is not nested, at
    REPEATABLE READ, so a bucket changed by someone else after the counts were read is not
    overwritten with an older count (the write fails and the rebuild starts again)."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


def rebuild_organization(
    organization: Organization,
    *,
    activities: bool = True,
    requests: bool = True,
    appreciation: bool = True,
    record: bool = True,
) -> RollupCheck:
    """Recounts every bucket of the organisation from the raw tables, compares it with the stored
    row, repairs the rows that differ (insert, update, delete) and returns the check, saved when
    ``record`` (the nightly check; a rebuild after a segment change is expected to differ)."""
    attempts = 0
    while True:
        attempts += 1
        try:
            with _snapshot():
                check = RollupCheck(organization=organization, details=[])
                if activities:
                    _rebuild_table(ACTIVITY_TABLE, organization, check)
                if requests:
                    _rebuild_table(REQUEST_TABLE, organization, check)
                if appreciation:
                    _rebuild_table(APPRECIATION_TABLE, organization, check)
                if record:
                    check.save()
                return check
        except (IntegrityError, OperationalError) as error:
            # A concurrent change to the same buckets (PostgreSQL refuses to serialise the write, or
            # another transaction created the bucket first): count again on a fresh snapshot.
            if attempts == 3 or connection.in_atomic_block or not _concurrent_change(error):
                raise
            logger.info("Rollup rebuild of organisation %s met a concurrent change; again", organization.pk)


def _concurrent_change(error: Exception) -> bool:
    return getattr(error.__cause__, "pgcode", None) in CONCURRENT_CHANGE_CODES


def _rebuild_table(table: _Table, organization: Organization, check: RollupCheck) -> None:
    stored = _stored(table, organization.pk)
    raw = _raw_buckets(table, organization)
    stored_vectors = {key: vector for key, (_, vector) in stored.items()}
    differing = differing_keys(stored_vectors, raw)
    check.buckets += len(raw.keys() | stored.keys())
    check.mismatches += len(differing)
    manager = table.model.objects.with_scope(organization=organization.pk)
    inserts, updates, deletes = [], [], []
    for key in differing:
        if len(check.details) < MAX_DETAILS:
            check.details.append(_detail(table, key, stored_vectors.get(key), raw.get(key)))
        if key not in raw:
            deletes.append(stored[key][0])
            continue
        values = dict(zip(table.fields, raw[key], strict=True))
        if key in stored:
            updates.append(table.model(pk=stored[key][0], **values))
        else:
            inserts.append(
                table.model(organization=organization, **dict(zip(table.key_fields, key, strict=True)), **values)
            )
    if deletes:
        manager.filter(pk__in=deletes).delete()
    if updates:
        manager.bulk_update(updates, list(table.fields), batch_size=1000)
    if inserts:
        manager.bulk_create(inserts, batch_size=2000)
    if differing:
        logger.warning(
            "Rollups of organisation %s: %s of %s %s buckets differed from the raw counts and were repaired",
            organization.pk,
            len(differing),
            len(raw.keys() | stored.keys()),
            table.model.__name__,
        )


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _detail(table: _Table, key: Key, stored: Vector | None, raw: Vector | None) -> dict[str, Any]:
    return {
        "table": table.name,
        "key": dict(zip(table.key_fields, (_json(part) for part in key), strict=True)),
        "stored": None if stored is None else {f: _json(v) for f, v in zip(table.fields, stored, strict=True)},
        "raw": None if raw is None else {f: _json(v) for f, v in zip(table.fields, raw, strict=True)},
    }
