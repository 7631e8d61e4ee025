"""Importing customer accounts: matched by CRM ID, else by name."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models.functions import Lower

from advocacy.models import Membership

from ..models import AccountProduct, CustomerAccount, HealthScoreChange, Product, Region, Segment
from ..selectors import industries as organization_industries
from .cells import (
    CellError,
    choice_lookup,
    choice_parser,
    integer_parser,
    parse_amount,
    parse_country,
    parse_date,
    parse_products,
    text_parser,
)
from .columns import ACCOUNT_FIELDS, match_key
from .importer import AMBIGUOUS, IMPORT_SOURCE, Importer, Plan, Row

# Accepted industries besides those the organisation's accounts already use.
INDUSTRIES = (
    "Software",
    "Financial services",
    "Healthcare",
    "Retail",
    "Manufacturing",
    "Education",
    "Logistics",
    "Media",
    "Telecommunications",
    "Energy",
    "Public sector",
    "Other",
)


@dataclass
class _AccountPlan(Plan):
    creates: list[tuple[CustomerAccount, list[str]]] = field(default_factory=list)
    updates: list[tuple[CustomerAccount, list[str]]] = field(default_factory=list)
    update_fields: set[str] = field(default_factory=set)
    health: list[tuple[CustomerAccount, int | None, int]] = field(default_factory=list)


ACCOUNT_UPDATABLE = (
    "name",
    "industry",
    "segment",
    "employee_count",
    "region",
    "country",
    "arr",
    "customer_since",
)


class AccountImporter(Importer):
    fields = ACCOUNT_FIELDS

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        members = Membership.objects.filter(organization=self.organization).values_list("user__email", "user_id")
        self.members = {email.lower(): user_id for email, user_id in members}
        self.industries = {name.casefold(): name for name in INDUSTRIES}
        # The spelling the organisation already uses wins, so the directory's filters stay consistent.
        self.industries |= {name.casefold(): name for name in organization_industries(organization=self.organization)}
        self.products: dict[str, int] = {}
        self._load_products()
        segments, regions = choice_lookup(Segment), choice_lookup(Region)
        regions[match_key("LATAM")] = Region.LATIN_AMERICA
        self.parsers = {
            "name": text_parser(200),
            "industry": self._industry,
            "segment": choice_parser(segments, Segment.values),
            "employee_count": integer_parser(0, 10_000_000),
            "region": choice_parser(regions, Region.values),
            "country": parse_country,
            "arr": parse_amount,
            "health_score": integer_parser(0, 100),
            "customer_since": parse_date,
            "csm_email": self._member,
            "crm_id": text_parser(64),
            "products": parse_products,
        }

    def after_rollback(self) -> None:
        self._load_products()

    def _load_products(self) -> None:
        self.products = {
            name.lower(): pk
            for pk, name in Product.objects.filter(organization=self.organization).values_list("pk", "name")
        }

    def _industry(self, value: str) -> str:
        try:
            return self.industries[value.casefold()]
        except KeyError:
            raise CellError("unknown_industry", value=value) from None

    def _member(self, value: str) -> int:
        try:
            return self.members[value.lower()]
        except KeyError:
            raise CellError("unknown_member", value=value) from None

    def check_within_file(self, row: Row) -> None:
        crm_id, name = row.values.get("crm_id"), row.values.get("name")
        if crm_id:
            first = self.seen.first_row(f"crm:{crm_id}", row.number)
            if first is not None:
                self._error(row, "crm_id", "duplicate_crm_id", value=crm_id, row=first)
        elif name:
            first = self.seen.first_row(f"name:{name.lower()}", row.number)
            if first is not None:
                self._error(row, "name", "duplicate_name", value=name, row=first)

    def plan(self, rows: list[Row]) -> _AccountPlan:
        plan = _AccountPlan()
        organization = self.organization
        crm_ids = {row.values["crm_id"] for row in rows if row.values.get("crm_id")}
        names = {row.values["name"].lower() for row in rows if row.values.get("name") and not row.values.get("crm_id")}
        by_crm_id: dict[str, CustomerAccount] = {}
        if crm_ids:
            by_crm_id = {
                a.crm_id: a for a in CustomerAccount.objects.filter(organization=organization, crm_id__in=crm_ids)
            }
        by_name: dict[str, Any] = {}
        if names:
            matches = (
                CustomerAccount.objects.filter(organization=organization)
                .annotate(name_key=Lower("name"))
                .filter(name_key__in=names)
            )
            for match in matches:
                key = match.name.lower()
                by_name[key] = AMBIGUOUS if key in by_name else match
        links: set[tuple[int, int]] = set()
        if "products" in self.columns:
            matched_ids = [a.pk for a in by_crm_id.values()] + [a.pk for a in by_name.values() if a is not AMBIGUOUS]
            links = set(
                AccountProduct.objects.filter(organization=organization, account_id__in=matched_ids).values_list(
                    "account_id", "product_id"
                )
            )
        for row in rows:
            if row.errors:
                continue
            values = row.values
            if values.get("crm_id"):
                existing = by_crm_id.get(values["crm_id"])
            else:
                existing = by_name.get(values["name"].lower())
                if existing is AMBIGUOUS:
                    self._plan_error(plan, row, "name", "ambiguous_name", value=values["name"])
                    continue
            products = values.get("products", [])
            if existing is None:
                account = CustomerAccount(organization=organization, csm_id=values.get("csm_email"))
                for name in (*ACCOUNT_UPDATABLE, "crm_id"):
                    if name in values:
                        setattr(account, name, values[name])
                if "health_score" in values:
                    account.health_score, account.health_updated_at = values["health_score"], self.now
                    plan.health.append((account, None, values["health_score"]))
                plan.creates.append((account, products))
                plan.created += 1
                continue
            changed = [name for name in ACCOUNT_UPDATABLE if name in values and getattr(existing, name) != values[name]]
            for name in changed:
                setattr(existing, name, values[name])
            if "csm_email" in values and existing.csm_id != values["csm_email"]:
                existing.csm_id = values["csm_email"]
                changed.append("csm")
            if "health_score" in values and existing.health_score != values["health_score"]:
                plan.health.append((existing, existing.health_score, values["health_score"]))
                existing.health_score, existing.health_updated_at = values["health_score"], self.now
                changed += ["health_score", "health_updated_at"]
            new_products = [name for name in products if (existing.pk, self.products.get(name.lower(), 0)) not in links]
            if changed or new_products:
                plan.update_fields.update(changed)
                plan.updates.append((existing, new_products))
                plan.updated += 1
        return plan

    def apply(self, plan: _AccountPlan) -> None:
        self._ensure_products([name for _, names in plan.creates + plan.updates for name in names])
        CustomerAccount.objects.bulk_create([account for account, _ in plan.creates])
        if plan.update_fields:
            accounts = sorted((account for account, _ in plan.updates), key=lambda account: account.pk)
            for account in accounts:
                account.updated_at = self.now
            CustomerAccount.objects.bulk_update(accounts, [*sorted(plan.update_fields), "updated_at"])
            if "segment" in plan.update_fields:
                # A bulk update sends no signal: the accounts' activities move to other rollup buckets.
                from reporting.signals import rebuild_activity_rollups_on_commit

                rebuild_activity_rollups_on_commit(self.organization.pk)
        HealthScoreChange.objects.bulk_create(
            HealthScoreChange(
                organization=self.organization,
                account=account,
                score=score,
                previous=previous,
                source=IMPORT_SOURCE,
                recorded_by=self.actor,
                recorded_at=self.now,
            )
            for account, previous, score in plan.health
        )
        AccountProduct.objects.bulk_create(
            (
                AccountProduct(organization=self.organization, account=account, product_id=self.products[name.lower()])
                for account, names in plan.creates + plan.updates
                for name in names
            ),
            ignore_conflicts=True,
        )

    def _ensure_products(self, names: Iterable[str]) -> None:
        missing = {name.lower(): name for name in names if name.lower() not in self.products}
        if not missing:
            return
        Product.objects.bulk_create(
            [Product(organization=self.organization, name=name) for name in missing.values()], ignore_conflicts=True
        )
        created = (
            Product.objects.filter(organization=self.organization)
            .annotate(name_key=Lower("name"))
            .filter(name_key__in=list(missing))
            .values_list("pk", "name")
        )
        self.products |= {name.lower(): pk for pk, name in created}
