"""The activity ledger and the organisation's activity types."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from advocacy.audit import audit_log
from advocacy.errors import ConflictError, ValidationFailed
from advocacy.models import Organization, User

from ..models import Activity, ActivityType, Advocate
from .accounts import audit_value
from .advocates import _lock, advocate_change_status

ACTIVITY_TYPE_FIELDS = (
    "key",
    "name",
    "description",
    "min_minutes",
    "max_minutes",
    "priority",
    "commitment",
    "limit_per_year",
    "min_interval_days",
    "needs_named",
    "needs_quoted",
    "needs_logo",
    "needs_recorded",
    "needs_speak_publicly",
    "rewards_allowed",
    "is_review",
    "counts_toward_cap",
    "active",
    "sort_order",
)
# The key names the type in integrations and in the default program, and a review stays a review:
# both are set once, when the type is created.
ACTIVITY_TYPE_FIXED_FIELDS = ("key", "is_review")


@transaction.atomic
def activity_record(
    *, organization: Organization, actor: User | None, data: dict[str, Any], request: HttpRequest | None = None
) -> Activity:
    """Adds a participation to the ledger. Capacity changes at once; an invited or enrolled
    advocate's first completed activity activates them."""
    advocate: Advocate = data["advocate"]
    activity_type: ActivityType = data["activity_type"]
    errors: dict[str, list[str]] = {}
    if advocate.organization_id != organization.pk:
        errors["advocate"] = [_("No such advocate in this organisation.")]
    if activity_type.organization_id != organization.pk:
        errors["activity_type"] = [_("No such activity type in this organisation.")]
    status = data.get("status") or Activity.Status.COMPLETED
    if status == Activity.Status.COMPLETED and data["occurred_on"] > timezone.localdate():
        errors["occurred_on"] = [_("A completed activity cannot be in the future.")]
    rating = data.get("rating")
    if rating_errors := _rating_errors(activity_type, rating):
        errors["rating"] = rating_errors
    if errors:
        raise ValidationFailed(errors)
    advocate = _lock(advocate)
    activity = Activity.objects.create(
        organization=organization,
        advocate=advocate,
        activity_type=activity_type,
        occurred_on=data["occurred_on"],
        minutes=data.get("minutes"),
        status=status,
        outcome=data.get("outcome", ""),
        request=data.get("request"),
        crm_opportunity_id=data.get("crm_opportunity_id", ""),
        value=data.get("value"),
        rating=rating,
        recorded_by=actor,
    )
    if activity.status == Activity.Status.COMPLETED:
        if advocate.last_activity_at is None or activity.occurred_on > advocate.last_activity_at:
            advocate.last_activity_at = activity.occurred_on
            advocate.save(update_fields=["last_activity_at", "updated_at"])
        if advocate.status == Advocate.Status.INVITED and advocate.enrolled_at is not None:
            advocate_change_status(
                advocate=advocate,
                status=Advocate.Status.ACTIVE,
                actor=actor,
                reason=_("First activity completed."),
                request=request,
            )
    audit_log(
        organization=organization,
        actor=actor,
        verb="activity.recorded",
        target=advocate,
        data={
            "type": activity_type.key,
            "on": activity.occurred_on.isoformat(),
            "status": activity.status,
            **({"rating": rating} if rating is not None else {}),
        },
        request=request,
    )
    if activity.status == Activity.Status.COMPLETED:
        _schedule_thank_you(activity)
    return activity


def _rating_errors(activity_type: ActivityType, rating: int | None) -> list[str]:
    """A star rating belongs to a review-site review only, and is 1 to 5."""
    if rating is None:
        return []
    if not activity_type.is_review:
        return [_("Only a review-site review has a star rating: leave it empty for this activity.")]
    if not 1 <= rating <= 5:
        return [_("A rating is 1 to 5 stars.")]
    return []


@transaction.atomic
def activity_update_status(
    *,
    activity: Activity,
    status: str,
    actor: User | None,
    rating: int | None = None,
    request: HttpRequest | None = None,
) -> Activity:
    """Completes or cancels a planned activity; completing a review may record the stars it gave."""
    allowed: dict[str, set[str]] = {
        Activity.Status.PLANNED: {Activity.Status.COMPLETED, Activity.Status.CANCELLED},
        Activity.Status.COMPLETED: set(),
        Activity.Status.CANCELLED: set(),
    }
    locked = Activity.objects.select_for_update(of=("self",)).get(organization=activity.organization, pk=activity.pk)
    if status not in allowed[locked.status]:
        raise ConflictError(
            _("A %(current)s activity cannot become %(target)s.")
            % {"current": locked.get_status_display().lower(), "target": Activity.Status(status).label.lower()}
        )
    if rating is not None and status != Activity.Status.COMPLETED:
        raise ValidationFailed({"rating": [_("A rating is recorded when the review is completed.")]})
    if rating_errors := _rating_errors(locked.activity_type, rating):
        raise ValidationFailed({"rating": rating_errors})
    previous = locked.status
    locked.status = status
    update_fields = ["status"]
    if rating is not None:
        locked.rating = rating
        update_fields.append("rating")
    locked.save(update_fields=update_fields)
    audit_log(
        organization=locked.organization,
        actor=actor,
        verb="activity.status_changed",
        target=locked.advocate,
        data={
            "type": locked.activity_type.key,
            "from": previous,
            "to": status,
            **({"rating": rating} if rating is not None else {}),
        },
        request=request,
    )
    if status == Activity.Status.COMPLETED:
        advocate = _lock(locked.advocate)
        if advocate.last_activity_at is None or locked.occurred_on > advocate.last_activity_at:
            advocate.last_activity_at = locked.occurred_on
            advocate.save(update_fields=["last_activity_at", "updated_at"])
        _schedule_thank_you(locked)
    return locked


def _schedule_thank_you(activity: Activity) -> None:
    """The thank-you (and personal note) a completion is owed. Imported here: benefits builds on
    advocates, so advocates must not import it while loading."""
    from benefits.services.thank_yous import thank_you_schedule

    thank_you_schedule(activity=activity)


def _check_activity_type(organization: Organization, activity_type: ActivityType) -> None:
    errors: dict[str, list[str]] = {}
    if activity_type.max_minutes < activity_type.min_minutes:
        errors["max_minutes"] = [_("The longest time is shorter than the shortest.")]
    if activity_type.is_review and activity_type.rewards_allowed:
        errors["rewards_allowed"] = [
            _("Review sites forbid rewarding reviews: rewards can never be allowed for this activity.")
        ]
    duplicates = ActivityType.objects.filter(organization=organization, key=activity_type.key)
    if activity_type.pk is not None:
        duplicates = duplicates.exclude(pk=activity_type.pk)
    if duplicates.exists():
        errors["key"] = [_("Another activity type in this organisation already has this key.")]
    if errors:
        raise ValidationFailed(errors)


@transaction.atomic
def activity_type_create(
    *, organization: Organization, actor: User | None, data: dict[str, Any], request: HttpRequest | None = None
) -> ActivityType:
    """Adds an activity type. A review-site review never allows rewards: when the input says
    nothing about rewards, a review type is created without them."""
    values = {field: data[field] for field in ACTIVITY_TYPE_FIELDS if field in data}
    if values.get("is_review") and "rewards_allowed" not in values:
        values["rewards_allowed"] = False
    activity_type = ActivityType(organization=organization, **values)
    _check_activity_type(organization, activity_type)
    try:
        with transaction.atomic():
            activity_type.save()
    except IntegrityError:
        raise ValidationFailed(
            {"key": [_("Another activity type in this organisation already has this key.")]}
        ) from None
    audit_log(
        organization=organization,
        actor=actor,
        verb="activity_type.created",
        target=activity_type,
        data={"key": activity_type.key, "name": activity_type.name},
        request=request,
    )
    return activity_type


@transaction.atomic
def activity_type_update(
    *, activity_type: ActivityType, actor: User | None, data: dict[str, Any], request: HttpRequest | None = None
) -> ActivityType:
    organization = activity_type.organization
    activity_type = ActivityType.objects.select_for_update(of=("self",)).get(
        organization=organization, pk=activity_type.pk
    )
    changes: dict[str, Any] = {}
    for field in ACTIVITY_TYPE_FIELDS:
        if field in ACTIVITY_TYPE_FIXED_FIELDS:
            continue
        if field in data and getattr(activity_type, field) != data[field]:
            changes[field] = {"from": audit_value(getattr(activity_type, field)), "to": audit_value(data[field])}
            setattr(activity_type, field, data[field])
    if changes:
        _check_activity_type(organization, activity_type)
        activity_type.save(update_fields=list(changes))
        audit_log(
            organization=organization,
            actor=actor,
            verb="activity_type.updated",
            target=activity_type,
            data=changes,
            request=request,
        )
    return activity_type
