"""What can be imported, and which column of the file holds which field."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy

from ..models import ImportJob

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class ImportField:
    name: str
    label: StrOrPromise
    required: bool = False
    aliases: tuple[str, ...] = ()
    help_text: StrOrPromise = ""


ACCOUNT_FIELDS = (
    ImportField("name", gettext_lazy("Account name"), True, ("account", "account name", "company", "customer")),
    ImportField("industry", gettext_lazy("Industry"), False, ("sector", "vertical")),
    ImportField(
        "segment",
        gettext_lazy("Segment"),
        False,
        ("size", "company size"),
        gettext_lazy("enterprise, mid-market or SMB"),
    ),
    ImportField("employee_count", gettext_lazy("Employees"), False, ("employees", "headcount", "number of employees")),
    ImportField(
        "region",
        gettext_lazy("Region"),
        False,
        ("geo", "geography"),
        gettext_lazy("North America, Latin America, EMEA or APAC"),
    ),
    ImportField("country", gettext_lazy("Country"), False, ("country code",), gettext_lazy("Two letters, e.g. PT")),
    ImportField("arr", gettext_lazy("Annual recurring revenue"), False, ("annual recurring revenue", "revenue")),
    ImportField("health_score", gettext_lazy("Health score"), False, ("health",), gettext_lazy("0 to 100")),
    ImportField(
        "customer_since",
        gettext_lazy("Customer since"),
        False,
        ("customer since", "start date"),
        gettext_lazy("A date: YYYY-MM-DD"),
    ),
    ImportField(
        "csm_email",
        gettext_lazy("CSM email"),
        False,
        ("csm", "customer success manager"),
        gettext_lazy("A member of this organisation"),
    ),
    ImportField("crm_id", gettext_lazy("CRM ID"), False, ("crm", "account id", "salesforce id")),
    ImportField(
        "products", gettext_lazy("Products"), False, ("product",), gettext_lazy("Names separated by semicolons")
    ),
)

ADVOCATE_FIELDS = (
    ImportField("email", gettext_lazy("Email"), True, ("e-mail", "email address", "mail")),
    ImportField("full_name", gettext_lazy("Full name"), True, ("name", "contact name", "contact")),
    ImportField(
        "account",
        gettext_lazy("Account"),
        True,
        ("account name", "account crm id", "company", "customer"),
        gettext_lazy("The account's CRM ID or name; the account must exist"),
    ),
    ImportField("title", gettext_lazy("Job title"), False, ("job title", "position", "role")),
    ImportField(
        "seniority",
        gettext_lazy("Seniority"),
        False,
        ("level",),
        gettext_lazy("executive, manager or practitioner"),
    ),
    ImportField("languages", gettext_lazy("Languages"), False, ("language",), gettext_lazy("Codes such as “en pt”")),
    ImportField("time_zone", gettext_lazy("Time zone"), False, ("timezone", "tz"), gettext_lazy("e.g. Europe/Lisbon")),
    ImportField("nps_score", gettext_lazy("NPS"), False, ("nps", "nps score"), gettext_lazy("0 to 10")),
    ImportField("tags", gettext_lazy("Tags"), False, ("tag",), gettext_lazy("Separated by commas")),
    ImportField("use_cases", gettext_lazy("Use cases"), False, ("use case",)),
    ImportField("outcomes", gettext_lazy("Outcomes"), False, ("outcome", "results")),
)

FIELDS_BY_KIND: dict[str, tuple[ImportField, ...]] = {
    ImportJob.Kind.ACCOUNTS: ACCOUNT_FIELDS,
    ImportJob.Kind.ADVOCATES: ADVOCATE_FIELDS,
}


def fields_for(kind: str) -> tuple[ImportField, ...]:
    return FIELDS_BY_KIND[kind]


def match_key(text: str) -> str:
    """Compares names ignoring case, spaces and punctuation: “E-mail” and “email” are one key."""
    return re.sub(r"[\W_]+", "", text.casefold())


def guess_mapping(*, kind: str, headers: list[str]) -> dict[str, str]:
    """Proposes a column for each field by name. A column that is exactly a field's name wins over
    one that is only a known alias, and no column is proposed twice."""
    available = {match_key(header): header for header in reversed(headers) if header.strip()}
    used: set[str] = set()
    mapping: dict[str, str] = {}
    rounds: list[Callable[[ImportField], list[str]]] = [
        lambda f: [f.name],
        lambda f: [str(f.label), *f.aliases],
    ]
    for candidates_of in rounds:
        for import_field in fields_for(kind):
            if import_field.name in mapping:
                continue
            for candidate in candidates_of(import_field):
                header = available.get(match_key(candidate))
                if header is not None and header not in used:
                    mapping[import_field.name] = header
                    used.add(header)
                    break
    return mapping
