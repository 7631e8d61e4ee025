"""Writing CRM opportunities: one at a time (API) or a checked CSV file at once, each change
audit-logged with who made it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from advocacy.audit import audit_log
from advocacy.errors import ConflictError, ValidationFailed
from advocacy.models import Organization, User

from .models import Opportunity, OpportunityResult
from .opportunity_import import ParsedRow, opportunity_errors

OPPORTUNITY_FIELDS = ("crm_id", "name", "segment", "amount", "opened_on", "closed_on", "result")
# Rows read per query when matching a file's CRM ids against the stored ones.
CHUNK = 1000


def _duplicate_error() -> ValidationFailed:
    return ValidationFailed({"crm_id": [_("Another opportunity in this organisation already has this CRM ID.")]})


def _audit_value(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return str(value)


@transaction.atomic
def opportunity_create(
    *, organization: Organization, actor: User | None, data: dict[str, Any], request: HttpRequest | None = None
) -> Opportunity:
    values = {name: data[name] for name in OPPORTUNITY_FIELDS if name in data}
    values.setdefault("result", OpportunityResult.OPEN)
    if errors := opportunity_errors(values):
        raise ValidationFailed(errors)
    if Opportunity.objects.filter(organization=organization, crm_id=values["crm_id"]).exists():
        raise _duplicate_error()
    try:
        with transaction.atomic():
            opportunity = Opportunity.objects.create(organization=organization, **values)
    except IntegrityError:
        raise _duplicate_error() from None
    audit_log(
        organization=organization,
        actor=actor,
        verb="opportunity.created",
        target=opportunity,
        data={"crm_id": opportunity.crm_id, "result": opportunity.result},
        request=request,
    )
    return opportunity


@transaction.atomic
def opportunity_update(
    *, opportunity: Opportunity, actor: User | None, data: dict[str, Any], request: HttpRequest | None = None
) -> Opportunity:
    """Changes the fields given; the rules are checked on the opportunity as it would end up."""
    organization = opportunity.organization
    locked = Opportunity.objects.select_for_update(of=("self",)).get(organization=organization, pk=opportunity.pk)
    merged = {name: data.get(name, getattr(locked, name)) for name in OPPORTUNITY_FIELDS}
    if errors := opportunity_errors(merged):
        raise ValidationFailed(errors)
    changes = {
        name: {"from": _audit_value(getattr(locked, name)), "to": _audit_value(value)}
        for name, value in merged.items()
        if getattr(locked, name) != value
    }
    if not changes:
        return locked
    if (
        "crm_id" in changes
        and Opportunity.objects.filter(organization=organization, crm_id=merged["crm_id"])
        .exclude(pk=locked.pk)
        .exists()
    ):
        raise _duplicate_error()
    for name in changes:
        setattr(locked, name, merged[name])
    try:
        with transaction.atomic():
            locked.save(update_fields=[*changes, "updated_at"])
    except IntegrityError:
        raise _duplicate_error() from None
    audit_log(
        organization=organization,
        actor=actor,
        verb="opportunity.updated",
        target=locked,
        data=changes,
        request=request,
    )
    return locked


@transaction.atomic
def opportunity_delete(*, opportunity: Opportunity, actor: User | None, request: HttpRequest | None = None) -> None:
    audit_log(
        organization=opportunity.organization,
        actor=actor,
        verb="opportunity.deleted",
        target=opportunity,
        data={"crm_id": opportunity.crm_id},
        request=request,
    )
    opportunity.delete()


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    skipped: int


def existing_crm_ids(*, organization: Organization, crm_ids: list[str]) -> set[str]:
    """Which of ``crm_ids`` the organisation already has (for the preview)."""
    found: set[str] = set()
    for start in range(0, len(crm_ids), CHUNK):
        found.update(
            Opportunity.objects.filter(
                organization=organization, crm_id__in=crm_ids[start : start + CHUNK]
            ).values_list("crm_id", flat=True)
        )
    return found


@transaction.atomic
def opportunities_import(
    *,
    organization: Organization,
    actor: User | None,
    rows: list[ParsedRow],
    skipped: int,
    file_name: str = "",
    request: HttpRequest | None = None,
) -> ImportResult:
    """Writes checked rows: an opportunity whose CRM id the organisation already has is updated
    (the columns the file leaves out keep their stored values; an update that would leave the
    opportunity inconsistent, such as closing before it opened, is refused), any other is created.
    ``skipped`` counts the rows left out because they had errors."""
    crm_ids = [row.crm_id for row in rows]
    stored: dict[str, Opportunity] = {}
    for start in range(0, len(crm_ids), CHUNK):
        chunk = crm_ids[start : start + CHUNK]
        for opportunity in (
            Opportunity.objects.select_for_update(of=("self",))
            .filter(organization=organization, crm_id__in=chunk)
            .order_by("pk")
        ):
            stored[opportunity.crm_id] = opportunity
    now = timezone.now()
    to_create: list[Opportunity] = []
    to_update: list[Opportunity] = []
    unchanged = 0
    for row in rows:
        existing = stored.get(row.crm_id)
        if existing is None:
            to_create.append(Opportunity(organization=organization, **row.values))
            continue
        given = [name for name in OPPORTUNITY_FIELDS if name in row.columns]
        if all(getattr(existing, name) == row.values[name] for name in given):
            unchanged += 1
            continue
        merged = {name: row.values[name] if name in given else getattr(existing, name) for name in OPPORTUNITY_FIELDS}
        if errors := opportunity_errors(merged):
            raise ConflictError(f"{row.crm_id}: {next(iter(errors.values()))[0]}")
        for name in given:
            setattr(existing, name, row.values[name])
        existing.updated_at = now
        to_update.append(existing)
    try:
        with transaction.atomic():
            Opportunity.objects.bulk_create(to_create, batch_size=CHUNK)
    except IntegrityError:
        raise ConflictError(
            _("Some of these opportunities were added while the file was being imported; import it again.")
        ) from None
    Opportunity.objects.bulk_update(to_update, [*OPPORTUNITY_FIELDS, "updated_at"], batch_size=CHUNK)
    result = ImportResult(created=len(to_create), updated=len(to_update), unchanged=unchanged, skipped=skipped)
    audit_log(
        organization=organization,
        actor=actor,
        verb="opportunity.imported",
        data={
            "file": file_name[:200],
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "skipped": result.skipped,
        },
        request=request,
    )
    return result
