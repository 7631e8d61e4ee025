"""Recounts the daily rollups from the raw tables, repairs what differs and records the check."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_scopes import scope

from advocacy.models import Organization
from reporting.rollups import rebuild_organization


class Command(BaseCommand):
    help = (
        "Recounts every rollup bucket of an organisation (or of all) from the activities and "
        "requests, repairs the rows that differ and records the check, as the nightly task does."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", dest="slug", help="The organisation's slug; every organisation when left out.")

    def handle(self, *args: Any, **options: Any) -> None:
        organizations = Organization.objects.order_by("pk")
        if options["slug"]:
            organizations = organizations.filter(slug=options["slug"])
            if not organizations.exists():
                raise CommandError(f"No organisation with the slug {options['slug']!r}.")
        for organization in organizations:
            started = time.perf_counter()
            with scope(organization=organization):
                check = rebuild_organization(organization)
            self.stdout.write(
                f"{organization.slug}: {check.buckets} buckets, {check.mismatches} mismatches repaired "
                f"({time.perf_counter() - started:.1f} s)"
            )
            for detail in check.details:
                self.stdout.write(
                    f"  {detail['table']} {detail['key']}: stored {detail['stored']}, raw {detail['raw']}"
                )
