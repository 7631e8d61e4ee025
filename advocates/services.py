"""Writing advocates: every change is audit-logged with who and what changed."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from advocacy.audit import audit_log
from advocacy.errors import ValidationFailed
from advocacy.models import Organization, User

from .models import Advocate

ADVOCATE_EDITABLE_FIELDS = (
    "account",
    "full_name",
    "email",
    "title",
    "seniority",
    "tier",
    "status",
    "nps_score",
    "joined_at",
)


def _duplicate_email() -> ValidationFailed:
    return ValidationFailed({"email": [_("Another advocate in this organisation already has this email address.")]})


@transaction.atomic
def advocate_create(
    *, organization: Organization, actor: User, data: dict[str, Any], request: HttpRequest | None = None
) -> Advocate:
    values = {field: data[field] for field in ADVOCATE_EDITABLE_FIELDS if field in data}
    values["email"] = values.get("email", "").strip().lower()
    if values["account"].organization_id != organization.pk:
        raise ValidationFailed({"account": [_("No such account in this organisation.")]})
    if Advocate.objects.filter(organization=organization, email__iexact=values["email"]).exists():
        raise _duplicate_email()
    try:
        with transaction.atomic():
            advocate = Advocate.objects.create(organization=organization, **values)
    except IntegrityError:
        raise _duplicate_email() from None
    audit_log(
        organization=organization,
        actor=actor,
        verb="advocate.created",
        target=advocate,
        data={"email": advocate.email, "tier": advocate.tier, "status": advocate.status},
        request=request,
    )
    return advocate


@transaction.atomic
def advocate_update(
    *, advocate: Advocate, actor: User, data: dict[str, Any], request: HttpRequest | None = None
) -> Advocate:
    advocate = Advocate.objects.select_for_update(of=("self",)).get(organization=advocate.organization, pk=advocate.pk)
    changes: dict[str, dict[str, Any]] = {}
    for field in ADVOCATE_EDITABLE_FIELDS:
        if field not in data:
            continue
        value = data[field]
        if field == "email":
            value = value.strip().lower()
        if field == "account" and value.organization_id != advocate.organization_id:
            raise ValidationFailed({"account": [_("No such account in this organisation.")]})
        old = getattr(advocate, field)
        if old != value:
            changes[field] = {
                "from": str(old) if old is not None else None,
                "to": str(value) if value is not None else None,
            }
            setattr(advocate, field, value)
    if not changes:
        return advocate
    if "email" in changes and (
        Advocate.objects.filter(organization=advocate.organization, email__iexact=advocate.email)
        .exclude(pk=advocate.pk)
        .exists()
    ):
        raise _duplicate_email()
    advocate.save(update_fields=[*changes, "updated_at"])
    audit_log(
        organization=advocate.organization,
        actor=actor,
        verb="advocate.updated",
        target=advocate,
        data=changes,
        request=request,
    )
    return advocate
