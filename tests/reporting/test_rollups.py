"""The daily rollups: kept equal to the raw counts through any sequence of changes, repaired and
checked by the nightly rebuild, correct when two transactions add to one bucket at once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django_scopes import scope
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advocacy.models import Membership, Organization
from advocacy.roles import Role
from advocates.models import Activity, ActivityType, Advocate, CustomerAccount, Segment
from advocates.services.activities import activity_record, activity_update_status
from benefits.models import PersonalNote, ThankYou
from benefits.services.thank_yous import personal_note_write
from benefits.tasks import send_thank_you_task
from reporting.models import ActivityRollup, RequestRollup, RollupCheck
from reporting.rollups import (
    appreciation_change,
    differing_keys,
    raw_activity_buckets,
    raw_appreciation_buckets,
    raw_request_buckets,
    rebuild_organization,
    stored_activity_buckets,
    stored_appreciation_buckets,
    stored_request_buckets,
)
from reporting.signals import rebuild_activity_rollups_on_commit
from reporting.tasks import nightly_rollup_rebuild_task, rebuild_rollups_task
from requests_mgmt.models import (
    TRANSITIONS,
    AdvocacyRequest,
    Campaign,
    DealResult,
    RequestOutcome,
    RequestStatus,
    RequestStatusChange,
    RequestType,
)
from requests_mgmt.services.requests import request_submit, request_transition
from tests.factories import AdvocateFactory, CustomerAccountFactory, OrganizationFactory, UserFactory

SEGMENTS = ["", *Segment.values]
TODAY = timezone.localdate()


def assert_rollups_match(organization: Organization) -> None:
    activity_diff = differing_keys(stored_activity_buckets(organization), raw_activity_buckets(organization))
    request_diff = differing_keys(stored_request_buckets(organization), raw_request_buckets(organization))
    appreciation_diff = differing_keys(
        stored_appreciation_buckets(organization), raw_appreciation_buckets(organization)
    )
    assert activity_diff == [], activity_diff[:5]
    assert request_diff == [], request_diff[:5]
    assert appreciation_diff == [], appreciation_diff[:5]


def other_rollups(organization: Organization) -> tuple[Any, ...]:
    return (
        stored_activity_buckets(organization),
        stored_request_buckets(organization),
        stored_appreciation_buckets(organization),
    )


@pytest.fixture
def world(org: Organization, other_org: Organization) -> dict[str, Any]:
    """Three accounts (enterprise, SMB, none), five advocates, two requesters; the other
    organisation has an activity and a request of its own that must never move."""
    accounts = [
        CustomerAccountFactory(organization=org, segment=Segment.ENTERPRISE),
        CustomerAccountFactory(organization=org, segment=Segment.SMB),
        CustomerAccountFactory(organization=org, segment=""),
    ]
    advocates = [AdvocateFactory(organization=org, account=accounts[n % 3]) for n in range(5)]
    types = list(ActivityType.objects.filter(organization=org, key__in=["reference_call", "review", "case_study"]))
    foreign_type = ActivityType.objects.filter(organization=other_org).first()
    foreign = Activity.objects.create(
        organization=other_org,
        advocate=AdvocateFactory(organization=other_org),
        activity_type=foreign_type,
        occurred_on=TODAY,
        minutes=30,
    )
    completed = timezone.now() - timedelta(days=2)
    ThankYou.objects.create(
        organization=other_org,
        activity=foreign,
        advocate=foreign.advocate,
        completed_at=completed,
        due_at=completed + timedelta(hours=24),
        sent_at=completed + timedelta(hours=1),
    )
    manager = UserFactory()
    Membership.objects.create(organization=org, user=manager, role=Role.PROGRAM_MANAGER)
    request_submit(
        organization=other_org,
        requester=UserFactory(),
        data={"request_type": RequestType.CASE_STUDY, "needed_by": TODAY + timedelta(days=5)},
    )
    return {
        "org": org,
        "other_org": other_org,
        "accounts": accounts,
        "advocates": advocates,
        "types": types,
        "requesters": [UserFactory(), UserFactory()],
        "manager": manager,
        "other_before": other_rollups(other_org),
    }


# --- the operations the property test draws from --------------------------------------------------

days_ago = st.sampled_from([3, 0, 1, 12, 40])
minutes = st.one_of(st.none(), st.integers(min_value=0, max_value=600))
money = st.one_of(st.none(), st.decimals(min_value=0, max_value=100_000, places=2, allow_nan=False))
rating = st.one_of(st.none(), st.integers(min_value=1, max_value=5))


def _pick(data: st.DataObject, items: list[Any]) -> Any:
    return data.draw(st.sampled_from(items)) if items else None


def op_create_activity(world: dict[str, Any], data: st.DataObject) -> None:
    status = data.draw(st.sampled_from(Activity.Status.values))
    values = {
        "advocate": _pick(data, world["advocates"]),
        "activity_type": _pick(data, world["types"]),
        "occurred_on": TODAY - timedelta(days=data.draw(days_ago)),
        "status": status,
        "minutes": data.draw(minutes),
        "value": data.draw(money),
    }
    if status != Activity.Status.CANCELLED and data.draw(st.booleans()):
        activity_record(organization=world["org"], actor=None, data=values)  # the service's path
    else:
        Activity.objects.create(organization=world["org"], rating=data.draw(rating), **values)


def op_update_activity(world: dict[str, Any], data: st.DataObject) -> None:
    activity = _pick(data, list(Activity.objects.filter(organization=world["org"]).order_by("pk")))
    if activity is None:
        return
    changes = data.draw(
        st.fixed_dictionaries(
            {},
            optional={
                "occurred_on": days_ago.map(lambda n: TODAY - timedelta(days=n)),
                "activity_type": st.sampled_from(world["types"]),
                "status": st.sampled_from(Activity.Status.values),
                "minutes": minutes,
                "value": money,
                "rating": rating,
                "advocate": st.sampled_from(world["advocates"]),
            },
        )
    )
    for field, value in changes.items():
        setattr(activity, field, value)
    if data.draw(st.booleans()):
        activity.save()
    else:
        activity.save(update_fields=list(changes) or None)


def op_cancel_activity(world: dict[str, Any], data: st.DataObject) -> None:
    planned = list(Activity.objects.filter(organization=world["org"], status=Activity.Status.PLANNED).order_by("pk"))
    activity = _pick(data, planned)
    if activity is not None:
        target = data.draw(st.sampled_from([Activity.Status.CANCELLED, Activity.Status.COMPLETED]))
        activity_update_status(activity=activity, status=target, actor=None)


def op_delete_activity(world: dict[str, Any], data: st.DataObject) -> None:
    activity = _pick(data, list(Activity.objects.filter(organization=world["org"]).order_by("pk")))
    if activity is not None:
        activity.delete()


def op_move_advocate(world: dict[str, Any], data: st.DataObject, capture: Any) -> None:
    advocate = Advocate.objects.get(pk=_pick(data, world["advocates"]).pk)
    advocate.account = _pick(data, world["accounts"])
    with capture(execute=True):
        advocate.save()


def op_change_segment(world: dict[str, Any], data: st.DataObject, capture: Any) -> None:
    account = CustomerAccount.objects.get(pk=_pick(data, world["accounts"]).pk)
    account.segment = data.draw(st.sampled_from(SEGMENTS))
    with capture(execute=True):
        account.save(update_fields=["segment", "updated_at"])


def op_create_request(world: dict[str, Any], data: st.DataObject) -> None:
    request_submit(
        organization=world["org"],
        requester=_pick(data, world["requesters"]),
        data={
            "request_type": data.draw(st.sampled_from([RequestType.REFERENCE_CALL, RequestType.CASE_STUDY])),
            "prospect_segment": data.draw(st.sampled_from(SEGMENTS)),
            "deal_value": data.draw(money),
            "crm_opportunity_id": data.draw(st.sampled_from(["", "OPP-1"])),
            "needed_by": TODAY + timedelta(days=10),
        },
    )


def _requests(world: dict[str, Any]) -> list[AdvocacyRequest]:
    return list(AdvocacyRequest.objects.filter(organization=world["org"]).order_by("pk"))


def op_backdate_request(world: dict[str, Any], data: st.DataObject) -> None:
    advocacy_request = _pick(data, _requests(world))
    if advocacy_request is not None:
        hours = data.draw(st.integers(min_value=1, max_value=24 * 40))
        advocacy_request.created_at = timezone.now() - timedelta(hours=hours, seconds=data.draw(st.integers(0, 59)))
        advocacy_request.save(update_fields=["created_at"])


def op_edit_request(world: dict[str, Any], data: st.DataObject) -> None:
    advocacy_request = _pick(data, _requests(world))
    if advocacy_request is not None:
        advocacy_request.prospect_segment = data.draw(st.sampled_from(SEGMENTS))
        advocacy_request.deal_value = data.draw(money)
        advocacy_request.crm_opportunity_id = data.draw(st.sampled_from(["", "OPP-2"]))
        advocacy_request.save()


def op_move_request(world: dict[str, Any], data: st.DataObject) -> None:
    advocacy_request = _pick(data, _requests(world))
    if advocacy_request is None:
        return
    targets = sorted(TRANSITIONS[advocacy_request.status])
    if hasattr(advocacy_request, "campaign") or not targets:
        return
    request_transition(
        advocacy_request=advocacy_request,
        to_status=data.draw(st.sampled_from(targets)),
        actor=world["requesters"][0],
        reason="Reason given.",
    )


def op_delete_status_change(world: dict[str, Any], data: st.DataObject) -> None:
    changes = list(RequestStatusChange.objects.filter(organization=world["org"]).order_by("pk"))
    change = _pick(data, changes)
    if change is not None:
        change.delete()


def op_record_outcome(world: dict[str, Any], data: st.DataObject) -> None:
    advocacy_request = _pick(data, _requests(world))
    if advocacy_request is None:
        return
    outcome = RequestOutcome.objects.filter(request=advocacy_request).first() or RequestOutcome(
        organization=world["org"], request=advocacy_request
    )
    outcome.deal_result = data.draw(st.sampled_from([DealResult.WON, DealResult.LOST, DealResult.OPEN, ""]))
    outcome.deal_value = data.draw(money)
    outcome.save()


def op_delete_outcome(world: dict[str, Any], data: st.DataObject) -> None:
    outcome = _pick(data, list(RequestOutcome.objects.filter(organization=world["org"]).order_by("pk")))
    if outcome is not None:
        outcome.delete()


def op_attach_campaign(world: dict[str, Any], data: st.DataObject) -> None:
    free = [item for item in _requests(world) if not hasattr(item, "campaign")]
    advocacy_request = _pick(data, free)
    if advocacy_request is not None:
        Campaign.objects.create(
            organization=world["org"],
            request=advocacy_request,
            kind=Campaign.Kind.TESTIMONIAL,
            name="Spring testimonials",
            message="Tell us",
            closes_on=TODAY + timedelta(days=20),
        )


def op_delete_campaign(world: dict[str, Any], data: st.DataObject) -> None:
    campaign = _pick(data, list(Campaign.objects.filter(organization=world["org"]).order_by("pk")))
    if campaign is not None:
        campaign.delete()


def op_delete_request(world: dict[str, Any], data: st.DataObject) -> None:
    advocacy_request = _pick(data, _requests(world))
    if advocacy_request is not None:
        advocacy_request.delete()


# Thank-yous and personal notes: completed at some hour of the last days (so across UTC midnights),
# due 24 hours later, sent or written early or late, by the task's and the service's claims (which
# send no signals) or by a save.
hours_ago = st.integers(min_value=1, max_value=24 * 5)
offset = st.sampled_from([timedelta(minutes=5), timedelta(hours=23), timedelta(hours=30), timedelta(days=3)])


def op_create_thank_you(world: dict[str, Any], data: st.DataObject) -> None:
    unthanked = list(
        Activity.objects.filter(
            organization=world["org"], status=Activity.Status.COMPLETED, thank_you__isnull=True
        ).order_by("pk")
    )
    activity = _pick(data, unthanked)
    if activity is None:
        return
    completed = timezone.now() - timedelta(hours=data.draw(hours_ago), minutes=data.draw(st.integers(0, 59)))
    due = completed + timedelta(hours=24)
    sent = data.draw(st.one_of(st.none(), offset))
    ThankYou.objects.create(
        organization=world["org"],
        activity=activity,
        advocate=activity.advocate,
        completed_at=completed,
        due_at=due,
        sent_at=None if sent is None else completed + sent,
    )
    if not PersonalNote.objects.filter(activity=activity).exists() and data.draw(st.booleans()):
        PersonalNote.objects.create(
            organization=world["org"], activity=activity, advocate=activity.advocate, due_at=due
        )


def _thank_yous(world: dict[str, Any], **narrow: Any) -> list[ThankYou]:
    return list(ThankYou.objects.filter(organization=world["org"], **narrow).order_by("pk"))


def op_send_thank_you(world: dict[str, Any], data: st.DataObject) -> None:
    thank_you = _pick(data, _thank_yous(world, sent_at__isnull=True))
    if thank_you is None:
        return
    how = data.draw(st.sampled_from(["task", "claim", "save"]))
    if how == "task":
        send_thank_you_task(world["org"].pk, thank_you.pk)  # sent now: late when the 24 hours are up
        return
    sent_at = thank_you.completed_at + data.draw(offset)
    if how == "claim":
        with appreciation_change(world["org"].pk, thank_you_id=thank_you.pk):
            ThankYou.objects.filter(organization=world["org"], pk=thank_you.pk).update(sent_at=sent_at)
    else:
        thank_you.sent_at = sent_at
        thank_you.save(update_fields=["sent_at"])


def op_release_thank_you(world: dict[str, Any], data: st.DataObject) -> None:
    thank_you = _pick(data, _thank_yous(world, sent_at__isnull=False))
    if thank_you is not None:
        with appreciation_change(world["org"].pk, thank_you_id=thank_you.pk):
            ThankYou.objects.filter(organization=world["org"], pk=thank_you.pk).update(sent_at=None)


def op_write_note(world: dict[str, Any], data: st.DataObject) -> None:
    notes = list(PersonalNote.objects.filter(organization=world["org"], written_at__isnull=True).order_by("pk"))
    note = _pick(data, notes)
    if note is None:
        return
    if data.draw(st.booleans()):
        membership = Membership.objects.get(organization=world["org"], user=world["manager"])
        personal_note_write(note=note, text="Thank you.", actor=world["manager"], membership=membership)
    else:
        note.written_at = note.due_at - timedelta(hours=24) + data.draw(offset)
        note.save()


def op_delete_thank_you(world: dict[str, Any], data: st.DataObject) -> None:
    thank_you = _pick(data, _thank_yous(world))
    if thank_you is not None:
        thank_you.delete()


def op_delete_note(world: dict[str, Any], data: st.DataObject) -> None:
    note = _pick(data, list(PersonalNote.objects.filter(organization=world["org"]).order_by("pk")))
    if note is not None:
        note.delete()


OPERATIONS = [
    op_create_activity,
    op_create_activity,
    op_update_activity,
    op_cancel_activity,
    op_delete_activity,
    op_move_advocate,
    op_change_segment,
    op_create_request,
    op_create_request,
    op_backdate_request,
    op_edit_request,
    op_move_request,
    op_move_request,
    op_move_request,
    op_delete_status_change,
    op_record_outcome,
    op_delete_outcome,
    op_attach_campaign,
    op_delete_campaign,
    op_delete_request,
    op_create_thank_you,
    op_create_thank_you,
    op_send_thank_you,
    op_send_thank_you,
    op_release_thank_you,
    op_write_note,
    op_write_note,
    op_delete_thank_you,
    op_delete_note,
]
NEEDS_CAPTURE = {op_move_advocate, op_change_segment}


class _Undo(Exception):
    """Rolls one example back, so each starts from the same world."""


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_rollups_equal_raw_aggregates_after_random_changes(
    world: dict[str, Any], data: st.DataObject, django_capture_on_commit_callbacks: Any
) -> None:
    org = world["org"]
    # Something to change first: a few activities and requests, then the drawn sequence.
    steps = [op_create_activity] * 4 + [op_create_request] * 3 + [op_create_thank_you] * 2
    steps += data.draw(st.lists(st.sampled_from(OPERATIONS), min_size=10, max_size=30), label="operations")
    try:
        with transaction.atomic():
            for operation in steps:
                if operation in NEEDS_CAPTURE:
                    operation(world, data, django_capture_on_commit_callbacks)
                else:
                    operation(world, data)
                assert_rollups_match(org)
            raise _Undo
    except _Undo:
        pass
    assert other_rollups(world["other_org"]) == world["other_before"]


# --- hand-checked contributions -----------------------------------------------------------------


@pytest.mark.django_db
def test_a_request_contributes_as_defined(org: Organization, activity_types: dict[str, Any]) -> None:
    requester = UserFactory()
    advocacy_request = request_submit(
        organization=org,
        requester=requester,
        data={
            "request_type": RequestType.REFERENCE_CALL,
            "prospect_segment": Segment.ENTERPRISE,
            "deal_value": Decimal("1000.00"),
            "crm_opportunity_id": "OPP-7",
            "needed_by": TODAY + timedelta(days=3),
        },
    )
    created = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    advocacy_request.created_at = created
    advocacy_request.save(update_fields=["created_at"])
    for status, hours in (
        (RequestStatus.TRIAGED, 1),
        (RequestStatus.MATCHING, 2),
        (RequestStatus.OUTREACH, 3),
        (RequestStatus.ACCEPTED, 6),  # the first acceptance counts ...
        (RequestStatus.MATCHING, 7),
        (RequestStatus.OUTREACH, 8),
        (RequestStatus.ACCEPTED, 9),  # ... not this one
        (RequestStatus.SCHEDULED, 10),
        (RequestStatus.COMPLETED, 30),
    ):
        previous = advocacy_request.status
        advocacy_request.status = status
        advocacy_request.save(update_fields=["status", "updated_at"])
        RequestStatusChange.objects.create(
            organization=org,
            request=advocacy_request,
            from_status=previous,
            to_status=status,
            created_at=created + timedelta(hours=hours),
        )
    RequestOutcome.objects.create(
        organization=org, request=advocacy_request, deal_result=DealResult.WON, deal_value=Decimal("2500.00")
    )
    row = RequestRollup.objects.get(organization=org)
    assert (row.day, row.request_type, row.segment) == (created.date(), "reference_call", "enterprise")
    assert (row.submitted, row.open, row.fulfilled, row.unfulfilled, row.cancelled) == (1, 0, 1, 0, 0)
    assert (row.matched, row.match_hours, row.completed, row.complete_hours) == (1, 6.0, 1, 30.0)
    assert (row.linked, row.pipeline, row.won, row.lost, row.won_value) == (
        1,
        Decimal("2500.00"),
        1,
        0,
        Decimal("2500"),
    )

    Campaign.objects.create(
        organization=org,
        request=advocacy_request,
        kind=Campaign.Kind.TESTIMONIAL,
        name="Drive",
        message="Tell us",
        closes_on=TODAY + timedelta(days=20),
    )
    assert not RequestRollup.objects.filter(organization=org).exists()


@pytest.mark.django_db
def test_an_activity_contributes_as_defined(org: Organization, activity_types: dict[str, Any]) -> None:
    advocate = AdvocateFactory(organization=org, account=CustomerAccountFactory(organization=org, segment=""))
    review = activity_types["review"]
    day = TODAY - timedelta(days=3)
    done = Activity.objects.create(
        organization=org,
        advocate=advocate,
        activity_type=review,
        occurred_on=day,
        minutes=25,
        value=Decimal("40.50"),
        rating=4,
    )
    Activity.objects.create(
        organization=org, advocate=advocate, activity_type=review, occurred_on=day, minutes=None, rating=None
    )
    Activity.objects.create(
        organization=org, advocate=advocate, activity_type=review, occurred_on=day, status="planned", minutes=90
    )
    Activity.objects.create(
        organization=org, advocate=advocate, activity_type=review, occurred_on=day, status="cancelled", minutes=90
    )
    row = ActivityRollup.objects.get(organization=org)
    assert (row.day, row.activity_type_id, row.segment) == (day, review.pk, "")
    assert (row.completed, row.planned, row.minutes, row.value, row.rating_sum, row.rating_count) == (
        2,
        1,
        25,
        Decimal("40.50"),
        4,
        1,
    )
    Activity.objects.filter(pk=done.pk).first().delete()  # type: ignore[union-attr]
    row.refresh_from_db()
    assert (row.completed, row.planned, row.minutes, row.value, row.rating_sum, row.rating_count) == (
        1,
        1,
        0,
        Decimal("0"),
        0,
        0,
    )
    for activity in Activity.objects.filter(organization=org):
        activity.delete()
    assert not ActivityRollup.objects.filter(organization=org).exists()  # an empty bucket goes


@pytest.mark.django_db
def test_a_change_to_a_drifted_bucket_never_fails_the_write(org: Organization, activity_types: dict[str, Any]) -> None:
    advocate = AdvocateFactory(organization=org)
    review = activity_types["review"]
    first, second = (
        Activity.objects.create(
            organization=org, advocate=advocate, activity_type=review, occurred_on=TODAY, minutes=minutes
        )
        for minutes in (10, 20)
    )
    ActivityRollup.objects.filter(organization=org).delete()  # the row went missing
    first.status = Activity.Status.CANCELLED
    first.save(update_fields=["status"])
    row = ActivityRollup.objects.get(organization=org)  # counted afresh from the ledger
    assert (row.completed, row.minutes) == (1, 20)

    ActivityRollup.objects.filter(pk=row.pk).update(minutes=5)  # below what the ledger holds
    second.delete()
    assert not ActivityRollup.objects.filter(organization=org).exists()  # never below zero, then empty


@pytest.mark.django_db
def test_one_rebuild_per_organisation_and_transaction(
    org: Organization, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        rebuild_activity_rollups_on_commit(org.pk)
        rebuild_activity_rollups_on_commit(org.pk)
    assert len(callbacks) == 1


# --- the nightly check --------------------------------------------------------------------------


@pytest.fixture
def recorded(world: dict[str, Any]) -> dict[str, Any]:
    org = world["org"]
    for n, advocate in enumerate(world["advocates"]):
        activity_record(
            organization=org,
            actor=None,
            data={
                "advocate": advocate,
                "activity_type": world["types"][n % 3],
                "occurred_on": TODAY - timedelta(days=n),
                "minutes": 30,
            },
        )
    for segment in SEGMENTS:
        request_submit(
            organization=org,
            requester=world["requesters"][0],
            data={
                "request_type": RequestType.REFERENCE_CALL,
                "prospect_segment": segment,
                "needed_by": TODAY + timedelta(days=4),
            },
        )
    return world


@pytest.mark.django_db
def test_nightly_rebuild_repairs_a_tampered_row_and_records_it(recorded: dict[str, Any]) -> None:
    org = recorded["org"]
    tampered = ActivityRollup.objects.filter(organization=org).order_by("day").first()
    assert tampered is not None
    ActivityRollup.objects.filter(pk=tampered.pk).update(completed=F("completed") + 5, minutes=7)
    RequestRollup.objects.filter(organization=org, segment=Segment.SMB).delete()
    ActivityRollup.objects.create(
        organization=org, day=TODAY - timedelta(days=900), activity_type=recorded["types"][0], segment="", planned=3
    )

    assert rebuild_rollups_task(org.pk) == {"buckets": 5 + 4 + 1, "mismatches": 3}

    check = RollupCheck.objects.filter(organization=org).get()
    assert (check.buckets, check.mismatches) == (10, 3)
    details = {(detail["table"], detail["key"]["day"], detail["key"]["segment"]): detail for detail in check.details}
    first = details[("activity", tampered.day.isoformat(), tampered.segment)]
    assert first["stored"]["completed"] == 6 and first["raw"]["completed"] == 1
    assert first["stored"]["minutes"] == 7 and first["raw"]["minutes"] == 30
    missing = [detail for detail in check.details if detail["table"] == "request"]
    assert [(detail["key"]["segment"], detail["stored"], detail["raw"]["submitted"]) for detail in missing] == [
        ("smb", None, 1)
    ]
    assert details[("activity", (TODAY - timedelta(days=900)).isoformat(), "")]["raw"] is None
    assert_rollups_match(org)

    assert rebuild_rollups_task(org.pk) == {"buckets": 9, "mismatches": 0}
    latest = RollupCheck.objects.filter(organization=org).first()
    assert latest is not None and latest.mismatches == 0 and latest.details == []


@pytest.mark.django_db
def test_rebuild_from_nothing_matches_the_increments(recorded: dict[str, Any]) -> None:
    org = recorded["org"]
    kept = (stored_activity_buckets(org), stored_request_buckets(org))
    ActivityRollup.objects.filter(organization=org).delete()
    RequestRollup.objects.filter(organization=org).delete()
    check = rebuild_organization(org)
    assert check.mismatches == check.buckets == 9
    assert differing_keys(stored_activity_buckets(org), kept[0]) == []
    assert differing_keys(stored_request_buckets(org), kept[1]) == []


@pytest.mark.django_db
def test_nightly_task_fans_out_one_rebuild_per_organisation(
    recorded: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    third = OrganizationFactory()
    sent: list[tuple[Any, ...]] = []
    monkeypatch.setattr(rebuild_rollups_task, "delay", lambda *args, **kwargs: sent.append(args))
    assert nightly_rollup_rebuild_task() == 3
    assert sorted(sent) == sorted((pk,) for pk in (recorded["org"].pk, recorded["other_org"].pk, third.pk))
    monkeypatch.undo()

    nightly_rollup_rebuild_task()  # tasks run in the process here
    checks = {check.organization_id: check for check in RollupCheck.objects.all()}
    assert set(checks) == {recorded["org"].pk, recorded["other_org"].pk, third.pk}
    assert [checks[pk].mismatches for pk in sorted(checks)] == [0, 0, 0]
    assert checks[recorded["org"].pk].buckets == 9


@pytest.mark.django_db
def test_the_rebuild_command_names_the_organisation(recorded: dict[str, Any], capsys: Any) -> None:
    from django.core.management import call_command

    ActivityRollup.objects.filter(organization=recorded["org"]).delete()
    call_command("rebuild_rollups", "--org", recorded["org"].slug)
    out = capsys.readouterr().out
    assert out.startswith(f"{recorded['org'].slug}: 9 buckets, 5 mismatches repaired")


# --- two transactions, one bucket --------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_activities_in_one_bucket_all_count() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("Row locks between connections are PostgreSQL's; SQLite writes one at a time.")
    org = OrganizationFactory()
    from advocates.defaults import ensure_program_defaults

    ensure_program_defaults(org)
    account = CustomerAccountFactory(organization=org, segment=Segment.ENTERPRISE)
    advocates = AdvocateFactory.create_batch(4, organization=org, account=account)
    review = ActivityType.objects.get(organization=org, key="review")
    day = TODAY - timedelta(days=1)

    def add_activities(rounds: int) -> None:
        barrier = threading.Barrier(len(advocates))
        errors: list[BaseException] = []

        def worker(advocate: Advocate) -> None:
            try:
                with scope(organization=org):
                    barrier.wait(timeout=10)
                    with transaction.atomic():
                        for _ in range(rounds):
                            Activity.objects.create(
                                organization=org,
                                advocate=advocate,
                                activity_type=review,
                                occurred_on=day,
                                minutes=10,
                                rating=5,
                            )
            except BaseException as error:  # reported by the main thread
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=worker, args=(advocate,)) for advocate in advocates]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == []

    add_activities(1)  # the bucket does not exist yet: four inserts race
    add_activities(3)  # it exists: four transactions increment it, each three times
    row = ActivityRollup.objects.get(organization=org)
    assert (row.completed, row.minutes, row.rating_sum, row.rating_count) == (16, 160, 80, 16)
    assert_rollups_match(org)


# --- bulk writes that move activities ------------------------------------------------------------


@pytest.fixture
def import_flow(
    org: Organization,
    members: Any,
    client_for: Any,
    django_capture_on_commit_callbacks: Any,
    settings: Any,
    tmp_path: Any,
) -> Any:
    from advocacy.roles import Role
    from tests.advocates.test_imports import Flow

    settings.IMPORT_ROOT = tmp_path / "imports"
    return Flow(client_for(members[Role.PROGRAM_MANAGER]), org, django_capture_on_commit_callbacks)


@pytest.mark.django_db
def test_imports_that_change_segments_rebuild_the_activity_rollups(
    org: Organization, activity_types: dict[str, Any], import_flow: Any
) -> None:
    from advocates.models import ImportJob
    from tests.advocates.test_imports import csv_bytes

    harbor = CustomerAccountFactory(organization=org, name="Harbor Labs", crm_id="CRM-1", segment=Segment.SMB)
    CustomerAccountFactory(organization=org, name="Keel Corp", crm_id="CRM-2", segment="")
    advocate = AdvocateFactory(organization=org, account=harbor, email="sam@harbor.example")
    Activity.objects.create(
        organization=org, advocate=advocate, activity_type=activity_types["review"], occurred_on=TODAY, minutes=20
    )
    assert ActivityRollup.objects.get(organization=org).segment == Segment.SMB

    job = import_flow.run(
        ImportJob.Kind.ACCOUNTS, csv_bytes([["name", "crm_id", "segment"], ["Harbor Labs", "CRM-1", "enterprise"]])
    )
    assert job.updated_count == 1
    assert ActivityRollup.objects.get(organization=org).segment == Segment.ENTERPRISE
    assert_rollups_match(org)

    job = import_flow.run(
        ImportJob.Kind.ADVOCATES,
        csv_bytes([["email", "full_name", "account"], ["sam@harbor.example", advocate.full_name, "CRM-2"]]),
    )
    assert job.updated_count == 1
    assert ActivityRollup.objects.get(organization=org).segment == ""
    assert_rollups_match(org)
