"""Rewards: proposing a benefit for an advocate (with a suggestion in proportion to what they gave),
the compliance rules that refuse some rewards outright, approval against stock and budget, and
fulfilment to delivery.

Two kinds of problem are told apart. A rule (review sites forbid paid reviews; the advocate prefers
no gifts; an enforced budget; stock) refuses the reward. A judgement (the value looks out of proportion
to the time given; an advisory budget would be exceeded) is a warning the program manager sees and
may confirm: the service then raises ``ValidationFailed`` on ``confirm`` until they do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from advocacy.audit import audit_log
from advocacy.errors import ConflictError, ValidationFailed
from advocacy.models import Organization, User
from advocacy.tasks import enqueue_on_commit
from advocates.models import Activity, ActivityType, Advocate

from ..models import Benefit, BenefitKind, Reward, RewardStatus, RewardStatusChange
from .budgets import budget_breaches, organization_today
from .catalogue import benefit_offered_to, benefit_return_to_stock, benefit_take_from_stock, offered_benefits

# Tunable in Organization.settings["appreciation"].
APPRECIATION_DEFAULTS: dict[str, Any] = {
    "value_per_hour_min": 25,
    "value_per_hour_max": 250,
    "experience_after_activities": 5,
}

# What fits each level of commitment, best fit first.
LEVEL_KINDS: dict[str, tuple[str, ...]] = {
    "premium": (
        BenefitKind.EXPERIENCE,
        BenefitKind.INFLUENCE,
        BenefitKind.PERSONAL_BRAND,
        BenefitKind.PRIVATE_RECOGNITION,
        BenefitKind.GIFT,
    ),
    "standard": (
        BenefitKind.GIFT,
        BenefitKind.CHARITY,
        BenefitKind.EXCLUSIVE_ACCESS,
        BenefitKind.LICENCE,
        BenefitKind.SWAG,
        BenefitKind.PUBLIC_RECOGNITION,
    ),
    "light": (
        BenefitKind.SWAG,
        BenefitKind.PUBLIC_RECOGNITION,
        BenefitKind.EXCLUSIVE_ACCESS,
        BenefitKind.CHARITY,
        BenefitKind.NETWORKING,
    ),
}

# Rewards the advocate can still act on (choose, give an address, decline).
PENDING_STATUSES = (RewardStatus.PROPOSED, RewardStatus.APPROVED)


def review_rule_message() -> str:
    return _(
        "Review sites forbid rewarding reviews with gifts or money; thank the advocate with recognition "
        "or access instead."
    )


def gifts_declined_message() -> str:
    return _("This advocate said they prefer no gifts: offer recognition or access instead.")


def appreciation_settings(organization: Organization) -> dict[str, Any]:
    """The organisation's thresholds, each falling back to the default when missing or invalid."""
    configured = (organization.settings or {}).get("appreciation") or {}
    values = dict(APPRECIATION_DEFAULTS)
    for key, default in APPRECIATION_DEFAULTS.items():
        try:
            if key in configured:
                values[key] = type(default)(configured[key])
        except (TypeError, ValueError):
            values[key] = default
    return values


def is_review_work(activity: Activity | None) -> bool:
    """A review-site review: by its activity type, its request's type, or a review campaign's ask."""
    if activity is None:
        return False
    if activity.activity_type.is_review:
        return True
    advocacy_request = activity.request
    if advocacy_request is None:
        return False
    from requests_mgmt.models import Campaign, RequestType

    if advocacy_request.request_type == RequestType.REVIEW:
        return True
    return Campaign.objects.filter(
        organization=activity.organization, request=advocacy_request, kind=Campaign.Kind.REVIEW
    ).exists()


def activity_hours(activity: Activity) -> Decimal:
    """The time the advocate gave: as recorded, else the middle of the activity type's range."""
    minutes = activity.minutes or (activity.activity_type.min_minutes + activity.activity_type.max_minutes) / 2
    return Decimal(max(minutes, 1)) / Decimal(60)


def value_exchange_warnings(*, benefit: Benefit, activity: Activity | None) -> list[str]:
    """Warns when a benefit worth money is out of proportion to the activity's time. Benefits with no
    money value (recognition, access) are not priced per hour."""
    if activity is None or benefit.value <= 0:
        return []
    thresholds = appreciation_settings(activity.organization)
    hours = activity_hours(activity)
    per_hour = (benefit.value / hours).quantize(Decimal("0.01"))
    values = {
        "name": benefit.name,
        "value": benefit.value,
        "hours": hours.quantize(Decimal("0.1")),
        "per_hour": per_hour,
    }
    if per_hour < thresholds["value_per_hour_min"]:
        return [
            _(
                "“%(name)s” (%(value)s) for about %(hours)s hours is %(per_hour)s an hour: little for the time "
                "this advocate gave."
            )
            % values
        ]
    if per_hour > thresholds["value_per_hour_max"]:
        return [
            _("“%(name)s” (%(value)s) for about %(hours)s hours is %(per_hour)s an hour: more than the work calls for.")
            % values
        ]
    return []


def completed_this_year(advocate: Advocate) -> int:
    today = timezone.localdate()
    return Activity.objects.filter(
        organization=advocate.organization,
        advocate=advocate,
        status=Activity.Status.COMPLETED,
        occurred_on__year=today.year,
    ).count()


@dataclass(frozen=True)
class Suggestion:
    level: str
    reason: str
    benefits: list[tuple[Benefit, list[str]]]
    review: bool


def suggest_benefits(*, advocate: Advocate, activity: Activity | None = None, limit: int = 5) -> Suggestion:
    """Benefits in proportion to the commitment: the activity's and the advocate's this year. A
    high-commitment activity, or five completed activities this year (tunable), earns a premium
    benefit; a review earns only benefits with no money value."""
    organization = advocate.organization
    thresholds = appreciation_settings(organization)
    count = completed_this_year(advocate)
    commitment = activity.activity_type.commitment if activity is not None else ActivityType.Commitment.LOW
    if commitment == ActivityType.Commitment.HIGH or count >= thresholds["experience_after_activities"]:
        level = "premium"
        reason = _("High commitment: %(count)s activities completed this year; an experience or influence fits.") % {
            "count": count
        }
    elif commitment == ActivityType.Commitment.MEDIUM:
        level = "standard"
        reason = _("Medium commitment: a considered gift, donation or exclusive access fits.")
    else:
        level = "light"
        reason = _("Light commitment: recognition, access or quality swag fits.")
    review = is_review_work(activity)
    candidates = list(offered_benefits(organization=organization, advocate=advocate))
    if review:
        candidates = [benefit for benefit in candidates if not benefit.is_monetary]
        reason = review_rule_message()
    kinds = LEVEL_KINDS[level]
    ranked = []
    for benefit in candidates:
        warnings = value_exchange_warnings(benefit=benefit, activity=activity)
        fit = kinds.index(benefit.kind) if benefit.kind in kinds else len(kinds)
        ranked.append((bool(warnings), fit, -benefit.value, benefit.name, benefit, warnings))
    ranked.sort(key=lambda row: row[:4])
    return Suggestion(level=level, reason=reason, benefits=[(row[4], row[5]) for row in ranked[:limit]], review=review)


def _check_benefit(benefit: Benefit, *, advocate: Advocate, activity: Activity | None, field: str) -> None:
    """The rules that refuse a benefit for this advocate and activity."""
    if benefit.organization_id != advocate.organization_id:
        raise ValidationFailed({field: [_("No such benefit in this organisation.")]})
    if benefit.is_monetary and is_review_work(activity):
        raise ValidationFailed({field: [review_rule_message()]})
    if benefit.is_monetary and advocate.gifts_declined_at is not None:
        raise ValidationFailed({field: [gifts_declined_message()]})


def _record(
    reward: Reward,
    *,
    from_status: str,
    to_status: str,
    actor: User | None,
    note: str = "",
    request: HttpRequest | None = None,
    verb: str = "reward.status_changed",
    data: dict[str, Any] | None = None,
) -> None:
    RewardStatusChange.objects.create(
        organization=reward.organization,
        reward=reward,
        from_status=from_status,
        to_status=to_status,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        note=note,
    )
    audit_log(
        organization=reward.organization,
        actor=actor,
        verb=verb,
        target=reward,
        data={"from": from_status, "to": to_status, **(data or {})},
        request=request,
    )


def _lock(reward: Reward) -> Reward:
    return (
        Reward.objects.select_for_update(of=("self",))
        .select_related("advocate", "benefit", "activity__activity_type", "activity__request", "organization")
        .get(organization=reward.organization, pk=reward.pk)
    )


@transaction.atomic
def reward_propose(
    *,
    organization: Organization,
    actor: User,
    advocate: Advocate,
    activity: Activity | None = None,
    benefit: Benefit | None = None,
    options: Iterable[Benefit] = (),
    note: str = "",
    confirm: bool = False,
    request: HttpRequest | None = None,
) -> Reward:
    """Proposes one benefit, or several for the advocate to choose from in the portal."""
    options = list(dict.fromkeys(options))
    if benefit is None and len(options) == 1:
        benefit, options = options[0], []
    if benefit is not None and options:
        raise ValidationFailed({"options": [_("Give one benefit or several options, not both.")]})
    if benefit is None and not options:
        raise ValidationFailed({"benefit": [_("Choose a benefit, or several for the advocate to choose from.")]})
    if advocate.organization_id != organization.pk or advocate.anonymised_at is not None:
        raise ValidationFailed({"advocate": [_("No such advocate in this organisation.")]})
    if activity is not None and activity.advocate_id != advocate.pk:
        raise ValidationFailed({"activity": [_("This activity is another advocate's.")]})
    field = "benefit" if benefit is not None else "options"
    warnings: list[str] = []
    for candidate in [benefit] if benefit is not None else options:
        _check_benefit(candidate, advocate=advocate, activity=activity, field=field)
        if not candidate.active:
            raise ValidationFailed({field: [_("“%(name)s” is no longer offered.") % {"name": candidate.name}]})
        if not benefit_offered_to(candidate, advocate):
            raise ValidationFailed(
                {field: [_("“%(name)s” is not offered to this advocate's tier.") % {"name": candidate.name}]}
            )
        warnings += value_exchange_warnings(benefit=candidate, activity=activity)
    if warnings and not confirm:
        raise ValidationFailed({"confirm": warnings})
    reward = Reward.objects.create(
        organization=organization,
        advocate=advocate,
        activity=activity,
        benefit=benefit,
        value=benefit.value if benefit is not None else 0,
        cost=benefit.cost if benefit is not None else 0,
        note=note.strip(),
        created_by=actor,
    )
    if options:
        reward.options.set(options)
        _tell_advocate(reward, "choose")
    _record(
        reward,
        from_status="",
        to_status=RewardStatus.PROPOSED,
        actor=actor,
        request=request,
        verb="reward.proposed",
        data={
            "benefit": str(benefit.public_id) if benefit else None,
            "options": [str(option.public_id) for option in options],
            "activity": str(activity.public_id) if activity else None,
            "warnings_confirmed": warnings,
        },
    )
    return reward


def _tell_advocate(reward: Reward, moment: str) -> None:
    """Emails the advocate when they have something to do (choose, give an address) or something is on
    its way; sent after commit, once per reward and moment."""
    from ..reward_tasks import send_reward_message_task

    enqueue_on_commit(send_reward_message_task, reward.organization_id, reward.pk, moment)


@transaction.atomic
def reward_choose(
    *, reward: Reward, advocate: Advocate, benefit: Benefit, actor: User, request: HttpRequest | None = None
) -> Reward:
    """The advocate picks one of the offered options."""
    locked = _lock(reward)
    if locked.advocate_id != advocate.pk:
        raise ValidationFailed({"benefit": [_("This reward is not yours.")]})
    if locked.status != RewardStatus.PROPOSED:
        raise ConflictError(_("This reward can no longer be changed."))
    if not locked.options.filter(pk=benefit.pk).exists():
        raise ValidationFailed({"benefit": [_("Choose one of the options offered.")]})
    _check_benefit(benefit, advocate=locked.advocate, activity=locked.activity, field="benefit")
    # The catalogue may have changed since the options were offered.
    if not benefit.active or (benefit.stock is not None and benefit.stock <= 0):
        raise ConflictError(_("“%(name)s” is no longer available; choose another option.") % {"name": benefit.name})
    if not benefit_offered_to(benefit, locked.advocate):
        raise ValidationFailed(
            {"benefit": [_("“%(name)s” is not offered to this advocate's tier.") % {"name": benefit.name}]}
        )
    locked.benefit = benefit
    locked.value = benefit.value
    locked.cost = benefit.cost
    locked.save(update_fields=["benefit", "value", "cost", "updated_at"])
    audit_log(
        organization=locked.organization,
        actor=actor,
        verb="reward.option_chosen",
        target=locked,
        data={"benefit": str(benefit.public_id)},
        request=request,
    )
    return locked


@transaction.atomic
def reward_approve(
    *, reward: Reward, actor: User, confirm: bool = False, note: str = "", request: HttpRequest | None = None
) -> Reward:
    """Approves a proposed reward: the rules again (the advocate may have declined gifts since), the
    budget (warning, or refusal when enforced), then one taken from stock. A digital benefit is sent
    at once and so delivered."""
    locked = _lock(reward)
    if not locked.can_transition_to(RewardStatus.APPROVED):
        raise ConflictError(
            _("A reward that is “%(current)s” cannot be approved.") % {"current": locked.get_status_display()}
        )
    benefit = locked.benefit
    if benefit is None:
        raise ConflictError(_("The advocate has not chosen among the options yet."))
    _check_benefit(benefit, advocate=locked.advocate, activity=locked.activity, field="benefit")
    breaches = budget_breaches(reward=locked, when=organization_today(locked.organization), lock=True)
    refusals = [breach.message for breach in breaches if breach.budget.enforced]
    if refusals:
        raise ConflictError(" ".join(refusals))
    warnings = [breach.message for breach in breaches]
    if warnings and not confirm:
        raise ValidationFailed({"confirm": warnings})
    benefit_take_from_stock(benefit)
    locked.status = RewardStatus.APPROVED
    locked.save(update_fields=["status", "updated_at"])
    _record(
        locked,
        from_status=RewardStatus.PROPOSED,
        to_status=RewardStatus.APPROVED,
        actor=actor,
        note=note,
        request=request,
        data={"cost": str(locked.cost), "budget_warnings_confirmed": warnings},
    )
    if benefit.digital:
        locked.status = RewardStatus.DELIVERED
        locked.save(update_fields=["status", "updated_at"])
        _record(
            locked,
            from_status=RewardStatus.APPROVED,
            to_status=RewardStatus.DELIVERED,
            actor=actor,
            note=_("Sent digitally."),
            request=request,
        )
        _tell_advocate(locked, "sent")
    elif needs_address(locked):
        _tell_advocate(locked, "address")
    return locked


def needs_address(reward: Reward) -> bool:
    return bool(reward.benefit and reward.benefit.needs_shipping and not reward.shipping_address)


@transaction.atomic
def reward_transition(
    *, reward: Reward, to_status: str, actor: User, note: str = "", request: HttpRequest | None = None
) -> Reward:
    """Moves a reward along fulfilment. Approval has its own checks (``reward_approve``); a move
    fulfilment does not allow (backwards, or past the end) is refused as a conflict."""
    if to_status not in RewardStatus.values:
        raise ValidationFailed({"status": [_("Unknown status.")]})
    if to_status == RewardStatus.APPROVED:
        return reward_approve(reward=reward, actor=actor, note=note, request=request)
    locked = _lock(reward)
    if not locked.can_transition_to(to_status):
        raise ConflictError(
            _("A reward that is “%(current)s” cannot become “%(target)s”.")
            % {"current": locked.get_status_display(), "target": RewardStatus(to_status).label}
        )
    if to_status == RewardStatus.DECLINED and getattr(actor, "pk", None) != locked.advocate.user_id:
        raise ConflictError(_("Only the advocate can decline a reward; cancel it instead."))
    if to_status in (RewardStatus.ORDERED, RewardStatus.SHIPPED, RewardStatus.DELIVERED) and needs_address(locked):
        raise ConflictError(_("Waiting for the advocate to give a shipping address in the portal."))
    previous = locked.status
    locked.status = to_status
    fields = ["status", "updated_at"]
    if to_status in (RewardStatus.DELIVERED, RewardStatus.CANCELLED, RewardStatus.DECLINED) and locked.shipping_address:
        locked.shipping_address = ""  # kept only as long as it is needed to deliver
        fields.append("shipping_address")
    locked.save(update_fields=fields)
    if to_status in (RewardStatus.CANCELLED, RewardStatus.DECLINED) and previous != RewardStatus.PROPOSED:
        assert locked.benefit is not None  # approved rewards always have one
        benefit_return_to_stock(locked.benefit)
    _record(locked, from_status=previous, to_status=to_status, actor=actor, note=note.strip(), request=request)
    if to_status == RewardStatus.SHIPPED:
        _tell_advocate(locked, "shipped")
    return locked


@transaction.atomic
def reward_give_address(
    *, reward: Reward, advocate: Advocate, address: str, actor: User, request: HttpRequest | None = None
) -> Reward:
    locked = _lock(reward)
    if locked.advocate_id != advocate.pk:
        raise ValidationFailed({"shipping_address": [_("This reward is not yours.")]})
    if locked.status not in PENDING_STATUSES or not (locked.benefit and locked.benefit.needs_shipping):
        raise ConflictError(_("This reward does not need an address now."))
    address = address.strip()
    if not address:
        raise ValidationFailed({"shipping_address": [_("Give the address to send it to.")]})
    locked.shipping_address = address
    locked.save(update_fields=["shipping_address", "updated_at"])
    # The address itself stays out of the log: it is erased from the reward once delivered.
    audit_log(
        organization=locked.organization, actor=actor, verb="reward.address_given", target=locked, request=request
    )
    return locked


@transaction.atomic
def advocate_set_gift_preference(
    *, advocate: Advocate, prefers_no_gifts: bool, actor: User, request: HttpRequest | None = None
) -> Advocate:
    """The advocate's "I prefer no gifts" switch. Turning it on also declines the gifts still waiting
    for them (proposed or approved, not yet ordered)."""
    locked = Advocate.objects.select_for_update(of=("self",)).get(organization=advocate.organization, pk=advocate.pk)
    if (locked.gifts_declined_at is not None) == prefers_no_gifts:
        return locked
    locked.gifts_declined_at = timezone.now() if prefers_no_gifts else None
    locked.save(update_fields=["gifts_declined_at", "updated_at"])
    audit_log(
        organization=locked.organization,
        actor=actor,
        verb="advocate.gifts_declined" if prefers_no_gifts else "advocate.gifts_accepted",
        target=locked,
        request=request,
    )
    if prefers_no_gifts:
        waiting = (
            Reward.objects.filter(organization=locked.organization, advocate=locked, status__in=PENDING_STATUSES)
            .select_related("benefit")
            .prefetch_related("options")
        )
        for reward in waiting:
            offered = [reward.benefit] if reward.benefit is not None else list(reward.options.all())
            if offered and all(benefit.is_monetary for benefit in offered):
                reward_transition(
                    reward=reward,
                    to_status=RewardStatus.DECLINED,
                    actor=actor,
                    note=_("Prefers no gifts."),
                    request=request,
                )
    advocate.gifts_declined_at = locked.gifts_declined_at
    return locked
