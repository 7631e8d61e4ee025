"""Importing advocates: matched by email address; the account must exist already."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from ..models import Advocate, AdvocateStatusChange, CustomerAccount, NpsResponse, Seniority
from .cells import (
    choice_lookup,
    choice_parser,
    integer_parser,
    languages_parser,
    parse_email,
    parse_tags,
    parse_time_zone,
    text_parser,
)
from .columns import ADVOCATE_FIELDS
from .importer import AMBIGUOUS, IMPORT_SOURCE, Importer, Plan, Row


@dataclass
class _AdvocatePlan(Plan):
    creates: list[Advocate] = field(default_factory=list)
    updates: list[Advocate] = field(default_factory=list)
    update_fields: set[str] = field(default_factory=set)
    nps: list[tuple[Advocate, int]] = field(default_factory=list)


ADVOCATE_UPDATABLE = ("full_name", "title", "seniority", "languages", "time_zone", "tags", "use_cases", "outcomes")


class AdvocateImporter(Importer):
    fields = ADVOCATE_FIELDS

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.parsers = {
            "email": parse_email,
            "full_name": text_parser(200),
            "account": text_parser(200),
            "title": text_parser(200),
            "seniority": choice_parser(choice_lookup(Seniority), Seniority.values),
            "languages": languages_parser(),
            "time_zone": parse_time_zone,
            "nps_score": integer_parser(0, 10),
            "tags": parse_tags,
            "use_cases": text_parser(300),
            "outcomes": text_parser(2000),
        }

    def check_within_file(self, row: Row) -> None:
        email = row.values.get("email")
        if email:
            first = self.seen.first_row(email, row.number)
            if first is not None:
                self._error(row, "email", "duplicate_email", value=email, row=first)

    def _accounts_by_reference(self, references: set[str]) -> dict[str, Any]:
        """Each reference to its account: a CRM ID first, else a name (case-insensitive)."""
        if not references:
            return {}
        lowered = {reference.lower() for reference in references}
        candidates = (
            CustomerAccount.objects.filter(organization=self.organization)
            .annotate(name_key=Lower("name"))
            .filter(models.Q(crm_id__in=references) | models.Q(name_key__in=lowered))
            .only("pk", "name", "crm_id")
        )
        by_crm_id: dict[str, CustomerAccount] = {}
        by_name: dict[str, Any] = {}
        for account in candidates:
            if account.crm_id in references:
                by_crm_id[account.crm_id] = account
            key = account.name.lower()
            if key in lowered:
                by_name[key] = AMBIGUOUS if key in by_name else account
        return {reference: by_crm_id.get(reference) or by_name.get(reference.lower()) for reference in references}

    def plan(self, rows: list[Row]) -> _AdvocatePlan:
        plan = _AdvocatePlan()
        organization = self.organization
        accounts = self._accounts_by_reference({row.values["account"] for row in rows if "account" in row.values})
        emails = [row.values["email"] for row in rows if "email" in row.values and not row.errors]
        existing_by_email: dict[str, Advocate] = {}
        if emails:
            existing = (
                Advocate.objects.filter(organization=organization)
                .annotate(email_key=Lower("email"))
                .filter(email_key__in=emails)
                .only("pk", "email", "account", "nps_score", "nps_recorded_on", *ADVOCATE_UPDATABLE)
            )
            existing_by_email = {advocate.email.lower(): advocate for advocate in existing}
        for row in rows:
            values = row.values
            account = accounts.get(values.get("account", ""))
            if "account" in values and account is None:
                self._plan_error(plan, row, "account", "unknown_account", value=values["account"])
            elif account is AMBIGUOUS:
                self._plan_error(plan, row, "account", "ambiguous_account", value=values["account"])
            if row.errors or not isinstance(account, CustomerAccount):
                continue
            advocate = existing_by_email.get(values["email"])
            if advocate is None:
                advocate = Advocate(organization=organization, email=values["email"], account=account)
                for name in ADVOCATE_UPDATABLE:
                    if name in values:
                        setattr(advocate, name, values[name])
                if "nps_score" in values:
                    advocate.nps_score, advocate.nps_recorded_on = values["nps_score"], self.today
                    plan.nps.append((advocate, values["nps_score"]))
                plan.creates.append(advocate)
                plan.created += 1
                continue
            changed = [
                name for name in ADVOCATE_UPDATABLE if name in values and getattr(advocate, name) != values[name]
            ]
            for name in changed:
                setattr(advocate, name, values[name])
            if advocate.email != values["email"]:
                advocate.email = values["email"]
                changed.append("email")
            if advocate.account_id != account.pk:
                advocate.account = account
                changed.append("account")
            if "nps_score" in values and advocate.nps_score != values["nps_score"]:
                advocate.nps_score, advocate.nps_recorded_on = values["nps_score"], self.today
                changed += ["nps_score", "nps_recorded_on"]
                plan.nps.append((advocate, values["nps_score"]))
            if changed:
                plan.update_fields.update(changed)
                plan.updates.append(advocate)
                plan.updated += 1
        return plan

    def apply(self, plan: _AdvocatePlan) -> None:
        Advocate.objects.bulk_create(plan.creates)
        AdvocateStatusChange.objects.bulk_create(
            AdvocateStatusChange(
                organization=self.organization,
                advocate=advocate,
                to_status=advocate.status,
                actor=self.actor,
                reason=_("Imported from %(file)s.") % {"file": self.job.file_name},
                created_at=self.now,
            )
            for advocate in plan.creates
        )
        if plan.update_fields:
            advocates = sorted(plan.updates, key=lambda advocate: advocate.pk)
            for advocate in advocates:
                advocate.updated_at = self.now
            Advocate.objects.bulk_update(advocates, [*sorted(plan.update_fields), "updated_at"])
            if "account" in plan.update_fields:
                # A bulk update sends no signal: the advocates' activities may move to other rollup buckets.
                from reporting.signals import rebuild_activity_rollups_on_commit

                rebuild_activity_rollups_on_commit(self.organization.pk)
        NpsResponse.objects.bulk_create(
            NpsResponse(
                organization=self.organization,
                advocate=advocate,
                score=score,
                responded_on=self.today,
                source=IMPORT_SOURCE,
            )
            for advocate, score in plan.nps
        )
