"""What the program team enters for reporting: the costs of each quarter, and the reporting settings
(yearly targets, the value of each activity type, the share of won revenue attributed to the
program, the survey rhythm). Every change is written to the audit log with its old and new values.

The bounds below are the one source of truth for the settings page and the API."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from advocacy.audit import audit_log
from advocacy.errors import ValidationFailed
from advocacy.models import Organization, User
from advocates.models import ActivityType
from benefits.services.budgets import quarter_date_errors, quarter_start

from .models import CostKind, ProgramCost
from .policy import ReportingPolicy, Targets

CENT = Decimal("0.01")
# Money as ProgramCost.amount stores it: twelve digits before the decimal point, two after.
MONEY_MAX_DIGITS = 14
COUNT_TARGETS = ("references", "case_studies", "testimonials")
TARGET_BOUNDS: dict[str, tuple[Any, Any]] = {
    name: (
        (Decimal("1.0"), Decimal("5.0"))
        if name == "review_average"
        else (0, 100_000)
        if name in COUNT_TARGETS
        else (0, 100)
    )
    for name in (item.name for item in fields(Targets))
}
ATTRIBUTION_BOUNDS = (0, 100)
SURVEY_INTERVAL_BOUNDS = (30, 730)
SURVEY_OPEN_BOUNDS = (1, 60)


@dataclass(frozen=True)
class CostEntry:
    amount: Decimal
    note: str = ""


def quarter_errors(day: date) -> list[str]:
    """Why ``day`` cannot start a quarter of entered costs, or nothing."""
    if errors := quarter_date_errors(day):
        return errors
    if day != quarter_start(day):
        return [_("Give the first day of a quarter (1 January, 1 April, …).")]
    return []


def _cost_snapshot(cost: ProgramCost | None) -> dict[str, str] | None:
    if cost is None:
        return None
    return {"amount": str(Decimal(cost.amount).quantize(CENT)), "note": cost.note}


def _save_costs(
    *,
    organization: Organization,
    actor: User,
    quarter: date,
    entries: Mapping[str, CostEntry | None],
    request: HttpRequest | None,
) -> dict[str, tuple[ProgramCost | None, bool]]:
    if errors := quarter_errors(quarter):
        raise ValidationFailed({"quarter_start": errors})
    if any(kind not in CostKind.values for kind in entries):
        raise ValidationFailed({"kind": [_("Unknown kind of cost.")]})
    for entry in entries.values():
        if entry is not None and entry.amount < 0:
            raise ValidationFailed({"amount": [_("A cost cannot be negative.")]})
    saved: dict[str, tuple[ProgramCost | None, bool]] = {}
    changes: dict[str, dict[str, Any]] = {}
    # One kind after the other in a fixed order, so two people saving the same quarter lock alike.
    for kind in sorted(entries):
        entry = entries[kind]
        costs = ProgramCost.objects.select_for_update().filter(organization=organization, quarter_start=quarter)
        if entry is None:
            cost = costs.filter(kind=kind).first()
            if cost is not None:
                changes[kind] = {"from": _cost_snapshot(cost), "to": None}
                cost.delete()
            saved[kind] = (None, False)
            continue
        amount = entry.amount.quantize(CENT, rounding=ROUND_HALF_UP)
        cost, created = costs.get_or_create(
            organization=organization,
            quarter_start=quarter,
            kind=kind,
            defaults={"amount": amount, "note": entry.note, "entered_by": actor},
        )
        before = None if created else _cost_snapshot(cost)
        if not created and (cost.amount != amount or cost.note != entry.note):
            cost.amount, cost.note, cost.entered_by = amount, entry.note, actor
            cost.save(update_fields=["amount", "note", "entered_by", "updated_at"])
        after = _cost_snapshot(cost)
        if before != after:
            changes[kind] = {"from": before, "to": after}
        saved[kind] = (cost, created)
    if changes:
        audit_log(
            organization=organization,
            actor=actor,
            verb="program_costs.changed",
            target=organization,
            data={"quarter": quarter.isoformat(), "changes": changes},
            request=request,
        )
    return saved


@transaction.atomic
def program_costs_set(
    *,
    organization: Organization,
    actor: User,
    quarter: date,
    entries: Mapping[str, CostEntry | None],
    request: HttpRequest | None = None,
) -> dict[str, ProgramCost | None]:
    """Sets the quarter's costs kind by kind: an entry creates or changes the kind's cost, ``None``
    removes it, a kind left out stays as it is. One audit event lists each change, old → new."""
    saved = _save_costs(organization=organization, actor=actor, quarter=quarter, entries=entries, request=request)
    return {kind: cost for kind, (cost, _created) in saved.items()}


@transaction.atomic
def program_cost_set(
    *,
    organization: Organization,
    actor: User,
    quarter: date,
    kind: str,
    entry: CostEntry,
    request: HttpRequest | None = None,
) -> tuple[ProgramCost, bool]:
    """Sets one kind of cost for a quarter. Returns the cost and whether it was created."""
    saved = _save_costs(organization=organization, actor=actor, quarter=quarter, entries={kind: entry}, request=request)
    cost, created = saved[kind]
    assert cost is not None
    return cost, created


@transaction.atomic
def program_cost_delete(*, cost: ProgramCost, actor: User, request: HttpRequest | None = None) -> None:
    _save_costs(
        organization=cost.organization,
        actor=actor,
        quarter=cost.quarter_start,
        entries={cost.kind: None},
        request=request,
    )


def _flat_settings(settings: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in settings.items():
        if isinstance(value, Mapping):
            flat.update(_flat_settings(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _settings_changes(before: ReportingPolicy, after: ReportingPolicy) -> dict[str, dict[str, Any]]:
    """Each setting that changed, by dotted name (``targets.references``), with its old and new value."""
    old, new = _flat_settings(before.as_settings()), _flat_settings(after.as_settings())
    return {
        key: {"from": old.get(key), "to": new.get(key)}
        for key in sorted(old.keys() | new.keys())
        if old.get(key) != new.get(key)
    }


@transaction.atomic
def report_settings_set(
    *, organization: Organization, actor: User, data: Mapping[str, Any], request: HttpRequest | None = None
) -> ReportingPolicy:
    """Changes the organisation's reporting settings. ``data`` holds any of ``targets`` (target name →
    value), ``attribution_percent``, ``activity_values`` (activity type key → amount, or ``None`` to
    clear it), ``survey_interval_days``, ``survey_open_days`` and ``executive_summary``; what it leaves
    out keeps its value. Values are expected within the bounds above (the form and the API check
    them); this checks what depends on the stored data."""
    locked = Organization.objects.select_for_update().get(pk=organization.pk)
    current = ReportingPolicy.for_organization(locked)
    errors: dict[str, list[str]] = {}

    given_targets = dict(data.get("targets") or {})
    if unknown := sorted(set(given_targets) - set(TARGET_BOUNDS)):
        errors["targets"] = [_("Unknown target: %(names)s.") % {"names": ", ".join(unknown)}]
    if "review_average" in given_targets:
        given_targets["review_average"] = Decimal(given_targets["review_average"]).quantize(Decimal("0.1"))
    targets = replace(current.targets, **{key: value for key, value in given_targets.items() if key in TARGET_BOUNDS})

    values = dict(current.activity_values)
    given_values: Mapping[str, Decimal | None] = data.get("activity_values") or {}
    if given_values:
        active = set(
            ActivityType.objects.filter(organization=locked, active=True, key__in=list(given_values)).values_list(
                "key", flat=True
            )
        )
        # A value may be cleared for any key; only an active activity type of the organisation gets one.
        if unknown := sorted(key for key, amount in given_values.items() if amount is not None and key not in active):
            errors["activity_values"] = [
                _("No active activity type has the key %(keys)s.") % {"keys": ", ".join(unknown)}
            ]
        for key, amount in given_values.items():
            if amount is None:
                values.pop(key, None)
            else:
                values[key] = Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)

    simple = {
        name: data[name]
        for name in ("attribution_percent", "survey_interval_days", "survey_open_days", "executive_summary")
        if name in data
    }
    policy = replace(current, targets=targets, activity_values=values, **simple)
    if policy.survey_open_days >= policy.survey_interval_days:
        errors["survey_open_days"] = [_("A survey round must close before the next one opens.")]
    if errors:
        raise ValidationFailed(errors)

    changes = _settings_changes(current, policy)
    if changes:
        policy.save(locked)
        audit_log(
            organization=locked,
            actor=actor,
            verb="reporting.settings_changed",
            target=locked,
            data=changes,
            request=request,
        )
    organization.settings = locked.settings
    return policy
