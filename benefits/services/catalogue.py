"""The benefit catalogue: what the program can give advocates, who it is offered to, and its stock."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from advocacy.audit import audit_log
from advocacy.errors import ConflictError, ValidationFailed
from advocacy.models import Organization, User
from advocates.models import Advocate, Tier

from ..models import MONETARY_KINDS, Benefit

BENEFIT_INPUT_FIELDS = (
    "name",
    "kind",
    "description",
    "value",
    "cost",
    "tiers",
    "stock",
    "digital",
    "needs_shipping",
    "active",
)


def _clean(organization: Organization, values: dict[str, Any], *, benefit: Benefit | None = None) -> None:
    errors: dict[str, list[str]] = {}
    name = (values.get("name") or "").strip()
    values["name"] = name
    same_name = Benefit.objects.filter(organization=organization, name__iexact=name)
    if benefit is not None:
        same_name = same_name.exclude(pk=benefit.pk)
    if name and same_name.exists():
        errors["name"] = [_("The catalogue already has a benefit with this name.")]
    unknown = [tier for tier in values.get("tiers") or [] if tier not in Tier.values]
    if unknown:
        errors["tiers"] = [_("Unknown tier: %(tiers)s.") % {"tiers": ", ".join(unknown)}]
    if values.get("digital") and values.get("needs_shipping"):
        errors["needs_shipping"] = [_("A benefit delivered digitally does not need a shipping address.")]
    if errors:
        raise ValidationFailed(errors)


@transaction.atomic
def benefit_create(
    *, organization: Organization, actor: User, data: dict[str, Any], request: HttpRequest | None = None
) -> Benefit:
    values = {field: data[field] for field in BENEFIT_INPUT_FIELDS if field in data}
    _clean(organization, values)
    try:
        with transaction.atomic():
            benefit = Benefit.objects.create(organization=organization, **values)
    except IntegrityError:  # the same name added at the same moment by someone else
        raise ValidationFailed({"name": [_("The catalogue already has a benefit with this name.")]}) from None
    audit_log(
        organization=organization,
        actor=actor,
        verb="benefit.created",
        target=benefit,
        data={"kind": benefit.kind, "value": str(benefit.value), "cost": str(benefit.cost), "stock": benefit.stock},
        request=request,
    )
    return benefit


@transaction.atomic
def benefit_update(
    *, benefit: Benefit, actor: User, data: dict[str, Any], request: HttpRequest | None = None
) -> Benefit:
    locked = Benefit.objects.select_for_update().get(organization=benefit.organization, pk=benefit.pk)
    values = {field: data[field] for field in BENEFIT_INPUT_FIELDS if field in data}
    merged = {field: getattr(locked, field) for field in BENEFIT_INPUT_FIELDS} | values
    _clean(locked.organization, merged, benefit=locked)
    changed = {}
    for field in BENEFIT_INPUT_FIELDS:
        if merged[field] != getattr(locked, field):
            changed[field] = str(merged[field])
            setattr(locked, field, merged[field])
    if changed:
        locked.save(update_fields=list(changed))
        audit_log(
            organization=locked.organization,
            actor=actor,
            verb="benefit.updated",
            target=locked,
            data={"changed": changed},
            request=request,
        )
    return locked


def offered_benefits(*, organization: Organization, advocate: Advocate | None = None) -> QuerySet[Benefit]:
    """Active benefits with stock left; for an advocate, only those offered to their tier, and none
    worth money if they said they prefer no gifts."""
    benefits = Benefit.objects.filter(organization=organization, active=True).filter(
        Q(stock__isnull=True) | Q(stock__gt=0)
    )
    if advocate is not None:
        benefits = benefits.filter(Q(tiers=[]) | Q(tiers__contains=[advocate.tier]))
        if advocate.gifts_declined_at is not None:
            benefits = benefits.exclude(kind__in=MONETARY_KINDS).exclude(value__gt=0)
    return benefits


def benefit_offered_to(benefit: Benefit, advocate: Advocate) -> bool:
    return not benefit.tiers or advocate.tier in benefit.tiers


def benefit_take_from_stock(benefit: Benefit) -> None:
    """Takes one from stock (the row is locked, so two approvals cannot both take the last one)."""
    locked = Benefit.objects.select_for_update().get(organization=benefit.organization, pk=benefit.pk)
    if locked.stock is None:
        return
    if locked.stock <= 0:
        raise ConflictError(
            _("“%(name)s” is out of stock. Add stock in the catalogue or offer another benefit.")
            % {"name": locked.name}
        )
    locked.stock -= 1
    locked.save(update_fields=["stock"])
    benefit.stock = locked.stock


def benefit_return_to_stock(benefit: Benefit) -> None:
    locked = Benefit.objects.select_for_update().get(organization=benefit.organization, pk=benefit.pk)
    if locked.stock is not None:
        locked.stock += 1
        locked.save(update_fields=["stock"])
