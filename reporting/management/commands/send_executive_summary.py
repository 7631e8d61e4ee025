"""Sends one organisation's quarterly executive summary by hand, or previews it with --dry-run.

The email is the one the daily sweep sends in the first week of a quarter, with the same dedupe
keys: a person who already has a quarter's summary does not get it twice."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django_scopes import scope

from advocacy.models import Organization, OutboundMessage
from benefits.services.budgets import organization_today

from ...policy import ReportingPolicy
from ...summary_tasks import (
    Quarter,
    recipients_by_language,
    render_summary,
    send_executive_summary,
    summary_recipients,
)


class Command(BaseCommand):
    help = "Sends (or with --dry-run shows) an organisation's quarterly executive summary email."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="The organisation's slug, e.g. acme.")
        parser.add_argument(
            "--quarter",
            help="Any day of the quarter to summarise, as YYYY-MM-DD; the last quarter that ended by default.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Show the recipients and the email; send nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.filter(slug=options["org"]).first()
        if organization is None:
            raise CommandError(f"No organisation with the slug {options['org']!r}.")
        today = organization_today(organization)
        if options["quarter"]:
            try:
                quarter = Quarter.containing(date.fromisoformat(options["quarter"]))
            except ValueError:
                raise CommandError(f"Give the quarter as a date, YYYY-MM-DD, not {options['quarter']!r}.") from None
        else:
            quarter = Quarter.containing(today).previous
        if quarter.end >= today and not options["dry_run"]:
            raise CommandError(
                f"The quarter {quarter.start} to {quarter.end} is not over yet: preview it with --dry-run."
            )
        with scope(organization=organization), translation.override(organization.default_language):
            if not ReportingPolicy.for_organization(organization).executive_summary:
                self.stderr.write(
                    f"{organization.slug} has the quarterly summary turned off: the sweep does not send it."
                )
            if options["dry_run"]:
                self._preview(organization, quarter)
                return
            everyone = len(summary_recipients(organization))
            messages = send_executive_summary(organization=organization, quarter=quarter)
        sent = sum(message.status == OutboundMessage.Status.SENT for message in messages)
        self.stdout.write(
            f"Summary of {quarter.start} to {quarter.end} for {organization.slug}: sent to {sent}; "
            f"{everyone - len(messages)} of {everyone} recipients already had it."
        )

    def _preview(self, organization: Organization, quarter: Quarter) -> None:
        groups = recipients_by_language(organization, summary_recipients(organization))
        if not groups:
            self.stdout.write(f"{organization.slug} has no executives, administrators or program managers.")
            return
        for language, people in groups.items():
            rendered = render_summary(organization, quarter, language)
            self.stdout.write(f"To ({language}): {', '.join(user.email for user in people)}")
            self.stdout.write(f"Subject: {rendered['subject']}\n")
            self.stdout.write(rendered["text"])
