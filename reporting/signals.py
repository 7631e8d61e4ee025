"""Keeps the daily rollups current in the transaction that changes an activity, a request, a
thank-you or a personal note.

Each handler reads the stored contribution before the change (``pre_save``/``pre_delete``, from the
database) and again after it (``post_save``/``post_delete``), and applies the difference
(``reporting.rollups``). A request's contribution depends on its status history, its outcome and
whether a campaign carries it, so a change to any of those recounts that one request.

A thank-you's contribution depends on its activity's personal note (settled once the note is
written too) and on its activity's type and advocate (the bucket): a change to the note or to the
activity recounts that one thank-you. Deleting an activity or an advocate takes the thank-you and
the note with it: the thank-you's own handlers take its whole contribution away, so the note's
stay out of it.

Deleting a request takes its history and outcome with it: the request's own handlers take its whole
contribution away, so the history's and outcome's handlers stay out of it.

A customer account whose segment changes, or an advocate who moves to an account of another
segment, moves every one of their activities (and their thank-yous) to other buckets: the
organisation's activity and appreciation rollups are rebuilt once the transaction commits
(``rebuild_rollups_task``).

Bulk writes (``QuerySet.update``, ``bulk_create``, ``bulk_update``) send no signals: the code that
uses them on these fields calls ``rebuild_activity_rollups_on_commit`` itself (the CSV imports) or
wraps the write in ``appreciation_change`` (the sending of a thank-you, the writing of a note), or
the organisation is rebuilt afterwards (the demo data).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from advocates.models import Activity, Advocate, CustomerAccount
from benefits.models import PersonalNote, ThankYou
from requests_mgmt.models import AdvocacyRequest, Campaign, RequestOutcome, RequestStatusChange

from .rollups import (
    Contribution,
    activity_appreciation_contribution,
    activity_contribution,
    apply_activity_change,
    apply_appreciation_change,
    apply_request_change,
    appreciation_contribution,
    request_contribution,
)

# The fields a save must touch to change a rollup (saves naming only other fields are skipped);
# ``update_fields`` may name a foreign key by its field or its column.
ACTIVITY_ROLLUP_FIELDS = frozenset(
    {"organization", "organization_id", "advocate", "advocate_id", "activity_type", "activity_type_id"}
    | {"occurred_on", "status", "minutes", "value", "rating"}
)
REQUEST_ROLLUP_FIELDS = frozenset(
    {"organization", "organization_id", "created_at", "request_type", "prospect_segment", "status"}
    | {"crm_opportunity_id", "deal_value"}
)
STATUS_CHANGE_ROLLUP_FIELDS = frozenset({"request", "request_id", "to_status", "created_at"})
OUTCOME_ROLLUP_FIELDS = frozenset({"request", "request_id", "deal_result", "deal_value"})
CAMPAIGN_ROLLUP_FIELDS = frozenset({"request", "request_id"})
ACCOUNT_FIELDS = frozenset({"account", "account_id"})
# The activity's fields that place its thank-you in a bucket.
ACTIVITY_APPRECIATION_FIELDS = frozenset({"advocate", "advocate_id", "activity_type", "activity_type_id"})
THANK_YOU_ROLLUP_FIELDS = frozenset(
    {"organization", "organization_id", "activity", "activity_id", "completed_at", "due_at", "sent_at"}
)
NOTE_ROLLUP_FIELDS = frozenset({"activity", "activity_id", "written_at"})

_BEFORE = "_rollup_before"
_APPRECIATION_BEFORE = "_rollup_appreciation_before"


def _concerns(update_fields: frozenset[str] | None, fields: frozenset[str]) -> bool:
    return update_fields is None or not update_fields.isdisjoint(fields)


def _origin_model(origin: Any) -> type[Model] | None:
    if isinstance(origin, QuerySet):
        return origin.model
    if isinstance(origin, Model):
        return type(origin)
    return None


# --- activities ----------------------------------------------------------------------------------


@receiver(pre_save, sender=Activity, dispatch_uid="rollups_activity_pre_save")
def _activity_pre_save(sender: type[Activity], instance: Activity, update_fields: Any = None, **kwargs: Any) -> None:
    if kwargs.get("raw") or not _concerns(update_fields, ACTIVITY_ROLLUP_FIELDS):
        return
    setattr(instance, _BEFORE, activity_contribution(instance.organization_id, instance.pk))
    # A new activity has no thank-you yet; a stored one's thank-you moves with its type and advocate.
    if (
        instance.pk is not None
        and not instance._state.adding
        and _concerns(update_fields, ACTIVITY_APPRECIATION_FIELDS)
    ):
        setattr(
            instance, _APPRECIATION_BEFORE, activity_appreciation_contribution(instance.organization_id, instance.pk)
        )


@receiver(post_save, sender=Activity, dispatch_uid="rollups_activity_post_save")
def _activity_post_save(sender: type[Activity], instance: Activity, **kwargs: Any) -> None:
    if _APPRECIATION_BEFORE in instance.__dict__:
        appreciation_before: Contribution | None = instance.__dict__.pop(_APPRECIATION_BEFORE)
        apply_appreciation_change(
            appreciation_before, activity_appreciation_contribution(instance.organization_id, instance.pk)
        )
    if _BEFORE not in instance.__dict__:
        return
    before: Contribution | None = instance.__dict__.pop(_BEFORE)
    apply_activity_change(before, activity_contribution(instance.organization_id, instance.pk))


@receiver(pre_delete, sender=Activity, dispatch_uid="rollups_activity_pre_delete")
def _activity_pre_delete(sender: type[Activity], instance: Activity, **kwargs: Any) -> None:
    setattr(instance, _BEFORE, activity_contribution(instance.organization_id, instance.pk))


@receiver(post_delete, sender=Activity, dispatch_uid="rollups_activity_post_delete")
def _activity_post_delete(sender: type[Activity], instance: Activity, **kwargs: Any) -> None:
    if _BEFORE in instance.__dict__:
        apply_activity_change(instance.__dict__.pop(_BEFORE), None)


# --- requests ------------------------------------------------------------------------------------


def _follow(
    model: type[Model],
    name: str,
    fields: frozenset[str],
    contribution: Callable[[int, int | None], Contribution | None],
    apply: Callable[[Contribution | None, Contribution | None], None],
) -> None:
    """Connects the four handlers that keep one row's own contribution current: read it before a
    save that touches ``fields`` or a deletion, read it again after, apply the difference."""

    def before_save(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
        if kwargs.get("raw") or not _concerns(update_fields, fields):
            return
        setattr(instance, _BEFORE, contribution(instance.organization_id, instance.pk))

    def after_save(sender: Any, instance: Any, **kwargs: Any) -> None:
        if _BEFORE in instance.__dict__:
            apply(instance.__dict__.pop(_BEFORE), contribution(instance.organization_id, instance.pk))

    def before_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
        setattr(instance, _BEFORE, contribution(instance.organization_id, instance.pk))

    def after_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
        if _BEFORE in instance.__dict__:
            apply(instance.__dict__.pop(_BEFORE), None)

    pre_save.connect(before_save, sender=model, weak=False, dispatch_uid=f"rollups_{name}_pre_save")
    post_save.connect(after_save, sender=model, weak=False, dispatch_uid=f"rollups_{name}_post_save")
    pre_delete.connect(before_delete, sender=model, weak=False, dispatch_uid=f"rollups_{name}_pre_delete")
    post_delete.connect(after_delete, sender=model, weak=False, dispatch_uid=f"rollups_{name}_post_delete")


_follow(AdvocacyRequest, "request", REQUEST_ROLLUP_FIELDS, request_contribution, apply_request_change)


# What hangs off a request (its history, its outcome, its campaign) recounts the request.
RequestPart = RequestStatusChange | RequestOutcome | Campaign
PART_FIELDS: dict[type[Model], frozenset[str]] = {
    RequestStatusChange: STATUS_CHANGE_ROLLUP_FIELDS,
    RequestOutcome: OUTCOME_ROLLUP_FIELDS,
    Campaign: CAMPAIGN_ROLLUP_FIELDS,
}


def _stash_requests(instance: RequestPart) -> None:
    """The contributions of the request(s) the part belongs to, before the change: its request now
    and, should the part be moved, the request it was stored with."""
    organization_id = instance.organization_id
    request_ids = {instance.request_id}
    if instance.pk is not None and not instance._state.adding:
        stored = (
            type(instance)
            .objects.with_scope(organization=organization_id)
            .filter(pk=instance.pk)
            .values_list("request_id", flat=True)
            .first()
        )
        if stored is not None:
            request_ids.add(stored)
    setattr(
        instance,
        _BEFORE,
        {request_id: request_contribution(organization_id, request_id) for request_id in request_ids if request_id},
    )


def _apply_requests(instance: RequestPart) -> None:
    if _BEFORE not in instance.__dict__:
        return
    before: dict[int, Contribution | None] = instance.__dict__.pop(_BEFORE)
    for request_id, contribution in before.items():
        apply_request_change(contribution, request_contribution(instance.organization_id, request_id))


def _part_pre_save(sender: type[Model], instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    if kwargs.get("raw") or not _concerns(update_fields, PART_FIELDS[sender]):
        return
    _stash_requests(instance)


def _part_post_save(sender: type[Model], instance: Any, **kwargs: Any) -> None:
    _apply_requests(instance)


def _part_pre_delete(sender: type[Model], instance: Any, origin: Any = None, **kwargs: Any) -> None:
    # Only a deletion of the part itself: when its request goes, the request's own handlers take
    # the whole contribution away.
    if _origin_model(origin) is not sender:
        return
    _stash_requests(instance)


def _part_post_delete(sender: type[Model], instance: Any, **kwargs: Any) -> None:
    _apply_requests(instance)


for _part in PART_FIELDS:
    name = _part.__name__.lower()
    pre_save.connect(_part_pre_save, sender=_part, dispatch_uid=f"rollups_{name}_pre_save")
    post_save.connect(_part_post_save, sender=_part, dispatch_uid=f"rollups_{name}_post_save")
    pre_delete.connect(_part_pre_delete, sender=_part, dispatch_uid=f"rollups_{name}_pre_delete")
    post_delete.connect(_part_post_delete, sender=_part, dispatch_uid=f"rollups_{name}_post_delete")


# --- thank-yous and personal notes --------------------------------------------------------------


_follow(ThankYou, "thankyou", THANK_YOU_ROLLUP_FIELDS, appreciation_contribution, apply_appreciation_change)


def _stash_thank_yous(instance: PersonalNote) -> None:
    """The contributions of the thank-you(s) of the note's activity before the change: its activity
    now and, should the note be moved, the activity it was stored with."""
    organization_id = instance.organization_id
    activity_ids = {instance.activity_id}
    if instance.pk is not None and not instance._state.adding:
        stored = (
            PersonalNote.objects.with_scope(organization=organization_id)
            .filter(pk=instance.pk)
            .values_list("activity_id", flat=True)
            .first()
        )
        if stored is not None:
            activity_ids.add(stored)
    setattr(
        instance,
        _BEFORE,
        {
            activity_id: activity_appreciation_contribution(organization_id, activity_id)
            for activity_id in activity_ids
            if activity_id
        },
    )


def _apply_thank_yous(instance: PersonalNote) -> None:
    if _BEFORE not in instance.__dict__:
        return
    before: dict[int, Contribution | None] = instance.__dict__.pop(_BEFORE)
    for activity_id, contribution in before.items():
        apply_appreciation_change(
            contribution, activity_appreciation_contribution(instance.organization_id, activity_id)
        )


@receiver(pre_save, sender=PersonalNote, dispatch_uid="rollups_personalnote_pre_save")
def _note_pre_save(
    sender: type[PersonalNote], instance: PersonalNote, update_fields: Any = None, **kwargs: Any
) -> None:
    if kwargs.get("raw") or not _concerns(update_fields, NOTE_ROLLUP_FIELDS):
        return
    _stash_thank_yous(instance)


@receiver(post_save, sender=PersonalNote, dispatch_uid="rollups_personalnote_post_save")
def _note_post_save(sender: type[PersonalNote], instance: PersonalNote, **kwargs: Any) -> None:
    _apply_thank_yous(instance)


@receiver(pre_delete, sender=PersonalNote, dispatch_uid="rollups_personalnote_pre_delete")
def _note_pre_delete(sender: type[PersonalNote], instance: PersonalNote, origin: Any = None, **kwargs: Any) -> None:
    # Only a deletion of the note itself: when its activity or advocate goes, the thank-you goes
    # with it and its own handlers take the whole contribution away.
    if _origin_model(origin) is not PersonalNote:
        return
    _stash_thank_yous(instance)


@receiver(post_delete, sender=PersonalNote, dispatch_uid="rollups_personalnote_post_delete")
def _note_post_delete(sender: type[PersonalNote], instance: PersonalNote, **kwargs: Any) -> None:
    _apply_thank_yous(instance)


# --- segments ------------------------------------------------------------------------------------


class _RebuildActivityRollups:
    """The on-commit callback, comparable so one transaction schedules an organisation once."""

    def __init__(self, organization_id: int) -> None:
        self.organization_id = organization_id
        self.done = False

    def __call__(self) -> None:
        from .tasks import rebuild_rollups_task

        self.done = True
        rebuild_rollups_task.delay(self.organization_id, activities_only=True)


def rebuild_activity_rollups_on_commit(organization_id: int) -> None:
    """Rebuilds the organisation's activity and appreciation rollups once the transaction commits
    (once, however many accounts or advocates it changed)."""
    pending = transaction.get_connection().run_on_commit
    if any(
        isinstance(callback, _RebuildActivityRollups)
        and callback.organization_id == organization_id
        and not callback.done
        for _, callback, *_ in pending
    ):
        return
    transaction.on_commit(_RebuildActivityRollups(organization_id))


def _in_a_rollup() -> Q:
    """Activities counted in a bucket keyed by segment: planned or completed, or thanked."""
    return Q(status__in=Activity.COUNTING_STATUSES) | Q(thank_you__isnull=False)


@receiver(pre_save, sender=CustomerAccount, dispatch_uid="rollups_account_pre_save")
def _account_pre_save(
    sender: type[CustomerAccount], instance: CustomerAccount, update_fields: Any = None, **kwargs: Any
) -> None:
    if kwargs.get("raw") or instance.pk is None or not _concerns(update_fields, frozenset({"segment"})):
        return
    stored = (
        CustomerAccount.objects.with_scope(organization=instance.organization_id)
        .filter(pk=instance.pk)
        .values_list("segment", flat=True)
        .first()
    )
    setattr(instance, _BEFORE, stored)


@receiver(post_save, sender=CustomerAccount, dispatch_uid="rollups_account_post_save")
def _account_post_save(sender: type[CustomerAccount], instance: CustomerAccount, **kwargs: Any) -> None:
    if _BEFORE not in instance.__dict__:
        return
    before = instance.__dict__.pop(_BEFORE)
    if before is None or before == instance.segment:
        return
    if (
        Activity.objects.with_scope(organization=instance.organization_id)
        .filter(_in_a_rollup(), advocate__account=instance)
        .exists()
    ):
        rebuild_activity_rollups_on_commit(instance.organization_id)


@receiver(pre_save, sender=Advocate, dispatch_uid="rollups_advocate_pre_save")
def _advocate_pre_save(sender: type[Advocate], instance: Advocate, update_fields: Any = None, **kwargs: Any) -> None:
    if kwargs.get("raw") or instance.pk is None or not _concerns(update_fields, ACCOUNT_FIELDS):
        return
    stored = (
        Advocate.objects.with_scope(organization=instance.organization_id)
        .filter(pk=instance.pk)
        .values_list("account_id", "account__segment")
        .first()
    )
    if stored is not None and stored[0] != instance.account_id:
        setattr(instance, _BEFORE, stored[1])


@receiver(post_save, sender=Advocate, dispatch_uid="rollups_advocate_post_save")
def _advocate_post_save(sender: type[Advocate], instance: Advocate, **kwargs: Any) -> None:
    if _BEFORE not in instance.__dict__:
        return
    before = instance.__dict__.pop(_BEFORE)
    after = (
        CustomerAccount.objects.with_scope(organization=instance.organization_id)
        .filter(pk=instance.account_id)
        .values_list("segment", flat=True)
        .first()
    )
    if before == after:
        return
    if (
        Activity.objects.with_scope(organization=instance.organization_id)
        .filter(_in_a_rollup(), advocate=instance)
        .exists()
    ):
        rebuild_activity_rollups_on_commit(instance.organization_id)
