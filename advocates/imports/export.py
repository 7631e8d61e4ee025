"""CSV export of accounts and advocates, in the columns the imports read, so an export re-imports unchanged."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from django.db import models
from django_scopes import scope

from advocacy.models import Membership, Organization
from advocacy.roles import Role

from ..models import CustomerAccount, Product
from ..selectors import visible_advocates
from .accounts import ACCOUNT_UPDATABLE
from .advocates import ADVOCATE_UPDATABLE
from .cells import FORMULA_STARTS
from .columns import ACCOUNT_FIELDS, ADVOCATE_FIELDS

EXPORT_CHUNK_SIZE = 2000


class _Echo:
    """A file-like object for csv.writer that hands each line back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def _safe_cell(value: Any) -> str:
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, date) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_stream(
    organization: Organization, header: list[str], rows: Callable[[], Iterator[list[Any]]]
) -> Iterator[str]:
    """CSV text in chunks of about 64 KB, with a byte order mark so spreadsheets read it as UTF-8.
    The organisation's scope is active while rows are read, which happens after the view returned."""
    writer = csv.writer(_Echo())
    buffer = ["\ufeff", writer.writerow(header)]
    size = 0
    with scope(organization=organization):
        for row in rows():
            line = writer.writerow([_safe_cell(value) for value in row])
            buffer.append(line)
            size += len(line)
            if size >= 65536:
                yield "".join(buffer)
                buffer, size = [], 0
    yield "".join(buffer)


def export_advocates_csv(*, organization: Organization, membership: Membership) -> Iterator[str]:
    """The advocates this member may see, in the columns the advocate import reads."""

    def rows() -> Iterator[list[Any]]:
        advocates = (
            visible_advocates(organization=organization, membership=membership)
            .select_related("account")
            .only(*ADVOCATE_UPDATABLE, "email", "nps_score", "account__name", "account__crm_id")
            .order_by("full_name", "pk")
        )
        for advocate in advocates.iterator(chunk_size=EXPORT_CHUNK_SIZE):
            values = {name: getattr(advocate, name) for name in (*ADVOCATE_UPDATABLE, "email", "nps_score")}
            values["account"] = advocate.account.crm_id or advocate.account.name
            yield [values[import_field.name] for import_field in ADVOCATE_FIELDS]

    return _csv_stream(organization, [import_field.name for import_field in ADVOCATE_FIELDS], rows)


def export_accounts_csv(*, organization: Organization, membership: Membership) -> Iterator[str]:
    """The accounts this member may see (a CSM: the accounts they look after), in the columns the
    account import reads."""

    def rows() -> Iterator[list[Any]]:
        accounts = CustomerAccount.objects.filter(organization=organization)
        if membership.role == Role.CSM:
            accounts = accounts.filter(csm=membership.user)
        accounts = (
            accounts.select_related("csm")
            .prefetch_related(
                models.Prefetch("products", queryset=Product.objects.filter(organization=organization).order_by("name"))
            )
            .order_by("name", "pk")
        )
        for account in accounts.iterator(chunk_size=EXPORT_CHUNK_SIZE):
            values = {name: getattr(account, name) for name in (*ACCOUNT_UPDATABLE, "health_score", "crm_id")}
            values["csm_email"] = account.csm.email if account.csm else ""
            values["products"] = "; ".join(product.name for product in account.products.all())
            yield [values[import_field.name] for import_field in ACCOUNT_FIELDS]

    return _csv_stream(organization, [import_field.name for import_field in ACCOUNT_FIELDS], rows)
