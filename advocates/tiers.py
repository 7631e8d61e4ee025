"""Tiers: a suggestion from the last twelve months of participation and eligibility, which a
program manager accepts or overrides with a reason. Every decision is recorded.

The rule, with the organisation's tier policy (defaults: platinum 4–6 activities a year, gold 2–4,
silver 1–2): an eligible advocate who completed at least platinum's minimum is suggested platinum,
at least gold's minimum gold; anyone who completed at least silver's minimum is silver; everyone
else community. Moving down is a suggestion too, never automatic, and the advocate only ever sees
the warm description of their current tier.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Case, CharField, Q, QuerySet, Value, When
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from advocacy.audit import audit_log
from advocacy.errors import ConflictError, ValidationFailed
from advocacy.models import Organization, User

from .eligibility import annotate_eligibility
from .models import Advocate, ProgramPolicy, Tier, TierChange, TierPolicy


def tier_policies(organization: Organization) -> dict[str, TierPolicy]:
    return {policy.tier: policy for policy in TierPolicy.objects.filter(organization=organization)}


def annotate_suggested_tier(
    queryset: QuerySet[Advocate], *, organization: Organization, today: date | None = None
) -> QuerySet[Advocate]:
    """Adds the eligibility annotations and ``rule_tier``, the tier the rules suggest."""
    policies = tier_policies(organization)
    minimum = {tier: policies[tier].expected_min if tier in policies else default for tier, default in
               ((Tier.PLATINUM, 4), (Tier.GOLD, 2), (Tier.SILVER, 1))}  # fmt: skip
    annotated = annotate_eligibility(queryset, policy=ProgramPolicy.for_organization(organization), today=today)
    return annotated.annotate(
        rule_tier=Case(
            When(Q(is_eligible=True, completed_12m__gte=minimum[Tier.PLATINUM]), then=Value(Tier.PLATINUM.value)),
            When(Q(is_eligible=True, completed_12m__gte=minimum[Tier.GOLD]), then=Value(Tier.GOLD.value)),
            When(completed_12m__gte=minimum[Tier.SILVER], then=Value(Tier.SILVER.value)),
            default=Value(Tier.COMMUNITY.value),
            output_field=CharField(),
        )
    )


def suggestion_reason(advocate: Any) -> str:
    if advocate.is_eligible:
        return _("%(count)s activities completed in the last 12 months; meets the eligibility criteria.") % {
            "count": advocate.completed_12m
        }
    return _("%(count)s activities completed in the last 12 months; does not meet every eligibility criterion.") % {
        "count": advocate.completed_12m
    }


def recalculate_suggested_tiers(*, organization: Organization, today: date | None = None) -> int:
    """Updates the suggested tier of every advocate in the program whose suggestion changed, and
    records each new suggestion. Returns how many changed. Safe to run again: unchanged rows are
    not touched."""
    candidates = annotate_suggested_tier(
        Advocate.objects.filter(organization=organization).in_program(), organization=organization, today=today
    ).select_related("account")
    changed = 0
    batch: list[Advocate] = []
    records: list[TierChange] = []
    advocate: Any
    for advocate in candidates.iterator(chunk_size=2000):
        reason = suggestion_reason(advocate)
        if advocate.suggested_tier == advocate.rule_tier and advocate.suggested_tier_reason == reason:
            continue
        if advocate.suggested_tier != advocate.rule_tier and advocate.rule_tier != advocate.tier:
            records.append(
                TierChange(
                    organization=organization,
                    advocate=advocate,
                    kind=TierChange.Kind.SUGGESTED,
                    from_tier=advocate.tier,
                    to_tier=advocate.rule_tier,
                    reason=reason,
                )
            )
        advocate.suggested_tier = advocate.rule_tier
        advocate.suggested_tier_reason = reason
        batch.append(advocate)
        changed += 1
        if len(batch) >= 1000:
            _flush(batch, records)
    _flush(batch, records)
    return changed


def _flush(batch: list[Advocate], records: list[TierChange]) -> None:
    with transaction.atomic():
        Advocate.objects.bulk_update(batch, ["suggested_tier", "suggested_tier_reason"])
        TierChange.objects.bulk_create(records)
    batch.clear()
    records.clear()


@transaction.atomic
def tier_accept_suggestion(*, advocate: Advocate, actor: User, request: HttpRequest | None = None) -> Advocate:
    locked = Advocate.objects.select_for_update(of=("self",)).get(organization=advocate.organization, pk=advocate.pk)
    if not locked.suggested_tier or locked.suggested_tier == locked.tier:
        raise ConflictError(_("There is no pending tier suggestion for this advocate."))
    return _set_tier(
        locked,
        locked.suggested_tier,
        kind=TierChange.Kind.ACCEPTED,
        reason=locked.suggested_tier_reason or _("Suggestion accepted."),
        actor=actor,
        request=request,
    )


@transaction.atomic
def tier_override(
    *, advocate: Advocate, tier: str, reason: str, actor: User, request: HttpRequest | None = None
) -> Advocate:
    if not reason.strip():
        raise ValidationFailed({"reason": [_("Say why the tier is set by hand; the reason is kept with the change.")]})
    if tier not in Tier.values:
        raise ValidationFailed({"tier": [_("Choose one of the tiers.")]})
    locked = Advocate.objects.select_for_update(of=("self",)).get(organization=advocate.organization, pk=advocate.pk)
    if locked.tier == tier:
        raise ConflictError(_("The advocate is already in this tier."))
    return _set_tier(locked, tier, kind=TierChange.Kind.OVERRIDDEN, reason=reason.strip(), actor=actor, request=request)


def _set_tier(
    advocate: Advocate, tier: str, *, kind: str, reason: str, actor: User | None, request: HttpRequest | None
) -> Advocate:
    previous = advocate.tier
    advocate.tier = tier
    advocate.save(update_fields=["tier", "updated_at"])
    TierChange.objects.create(
        organization=advocate.organization,
        advocate=advocate,
        kind=kind,
        from_tier=previous,
        to_tier=tier,
        reason=reason,
        actor=actor,
        created_at=timezone.now(),
    )
    audit_log(
        organization=advocate.organization,
        actor=actor,
        verb="advocate.tier_changed",
        target=advocate,
        data={"from": previous, "to": tier, "kind": kind, "reason": reason},
        request=request,
    )
    return advocate
