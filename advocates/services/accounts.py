"""Customer accounts: create, update, and their health over time."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from advocacy.audit import audit_log
from advocacy.errors import ValidationFailed
from advocacy.models import Membership, Organization, User

from ..models import AccountProduct, CustomerAccount, HealthScoreChange, Product

ACCOUNT_FIELDS = (
    "name",
    "industry",
    "segment",
    "employee_count",
    "region",
    "country",
    "arr",
    "customer_since",
    "csm",
    "crm_id",
)


def _duplicate_crm_id() -> ValidationFailed:
    return ValidationFailed({"crm_id": [_("Another account in this organisation already has this CRM ID.")]})


def _check_account(organization: Organization, values: dict[str, Any], *, exclude_pk: int | None = None) -> None:
    csm: User | None = values.get("csm")
    if csm is not None and not Membership.objects.filter(organization=organization, user=csm).exists():
        raise ValidationFailed({"csm": [_("The customer success manager must be a member of the organisation.")]})
    crm_id = values.get("crm_id") or ""
    if crm_id:
        duplicates = CustomerAccount.objects.filter(organization=organization, crm_id=crm_id)
        if exclude_pk is not None:
            duplicates = duplicates.exclude(pk=exclude_pk)
        if duplicates.exists():
            raise _duplicate_crm_id()


def _check_products(organization: Organization, products: list[Product]) -> None:
    if any(product.organization_id != organization.pk for product in products):
        raise ValidationFailed({"products": [_("No such product in this organisation.")]})


def audit_value(value: Any) -> str | None:
    """How a changed value is written into the audit log: people by email, the rest as text."""
    if value is None:
        return None
    return value.email if isinstance(value, User) else str(value)


@transaction.atomic
def account_create(
    *, organization: Organization, actor: User | None, data: dict[str, Any], request: HttpRequest | None = None
) -> CustomerAccount:
    """Adds a customer account with the products it uses. An initial health score goes through
    ``health_record`` so the history starts with it."""
    values = {field: data[field] for field in ACCOUNT_FIELDS if field in data}
    products: list[Product] = list(data.get("products") or [])
    _check_account(organization, values)
    _check_products(organization, products)
    try:
        with transaction.atomic():
            account = CustomerAccount.objects.create(organization=organization, **values)
    except IntegrityError:
        raise _duplicate_crm_id() from None
    AccountProduct.objects.bulk_create(
        [AccountProduct(organization=organization, account=account, product=product) for product in products]
    )
    audit_log(
        organization=organization,
        actor=actor,
        verb="account.created",
        target=account,
        data={"name": account.name, "products": sorted(product.name for product in products)},
        request=request,
    )
    if data.get("health_score") is not None:
        account = health_record(account=account, score=data["health_score"], actor=actor, request=request)
    return account


@transaction.atomic
def account_update(
    *, account: CustomerAccount, actor: User | None, data: dict[str, Any], request: HttpRequest | None = None
) -> CustomerAccount:
    """Changes an account's profile and, when ``products`` is given, the products it uses. Health
    has its own history: ``health_record``."""
    organization = account.organization
    account = CustomerAccount.objects.select_for_update(of=("self",)).get(organization=organization, pk=account.pk)
    values = {field: data[field] for field in ACCOUNT_FIELDS if field in data}
    _check_account(organization, values, exclude_pk=account.pk)
    changes: dict[str, Any] = {}
    for field, value in values.items():
        old = getattr(account, field)
        if old != value:
            changes[field] = {"from": audit_value(old), "to": audit_value(value)}
            setattr(account, field, value)
    if changes:
        try:
            with transaction.atomic():
                account.save(update_fields=[*changes, "updated_at"])
        except IntegrityError:
            raise _duplicate_crm_id() from None
    if "products" in data:
        products: list[Product] = list(data["products"] or [])
        _check_products(organization, products)
        current = {
            link.product_id: link for link in AccountProduct.objects.filter(organization=organization, account=account)
        }
        wanted = {product.pk: product for product in products}
        removed = [pk for pk in current if pk not in wanted]
        added = [product for pk, product in wanted.items() if pk not in current]
        if removed:
            AccountProduct.objects.filter(organization=organization, account=account, product_id__in=removed).delete()
        if added:
            AccountProduct.objects.bulk_create(
                [AccountProduct(organization=organization, account=account, product=product) for product in added]
            )
        if removed or added:
            changes["products"] = {"to": sorted(product.name for product in products)}
    if changes:
        audit_log(
            organization=organization,
            actor=actor,
            verb="account.updated",
            target=account,
            data=changes,
            request=request,
        )
    return account


@transaction.atomic
def health_record(
    *,
    account: CustomerAccount,
    score: int,
    actor: User | None,
    source: str = "manual",
    request: HttpRequest | None = None,
) -> CustomerAccount:
    if not 0 <= score <= 100:
        raise ValidationFailed({"health_score": [_("A health score is between 0 and 100.")]})
    locked = CustomerAccount.objects.select_for_update().get(organization=account.organization, pk=account.pk)
    previous = locked.health_score
    now = timezone.now()
    locked.health_score = score
    locked.health_updated_at = now
    locked.save(update_fields=["health_score", "health_updated_at", "updated_at"])
    HealthScoreChange.objects.create(
        organization=locked.organization,
        account=locked,
        score=score,
        previous=previous,
        source=source,
        recorded_by=actor,
        recorded_at=now,
    )
    audit_log(
        organization=locked.organization,
        actor=actor,
        verb="account.health_changed",
        target=locked,
        data={"from": previous, "to": score, "source": source},
        request=request,
    )
    return locked
