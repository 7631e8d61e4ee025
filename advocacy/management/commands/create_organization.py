"""Creates an organisation and invites its first administrator (prints the invitation link)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email, validate_slug
from django.db import transaction
from django_scopes import scope

from advocacy.errors import ValidationFailed
from advocacy.models import Invitation, Organization
from advocacy.roles import Role
from advocacy.services.invitations import invitation_url


class Command(BaseCommand):
    help = (
        "Creates an organisation and an invitation for its first administrator. The invitation "
        "link is printed (and emailed when email is configured); it works once and expires."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--slug", required=True, help="Short name used in addresses, e.g. acme.")
        parser.add_argument("--name", required=True, help="The organisation's display name.")
        parser.add_argument("--admin-email", required=True, help="Who becomes its first administrator.")
        parser.add_argument("--time-zone", default="UTC", help="Display time zone (IANA name).")
        parser.add_argument("--language", default="en", choices=["en", "pt-br", "ja"])

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            validate_slug(options["slug"])
            validate_email(options["admin_email"])
        except Exception as error:
            raise CommandError(str(error)) from None
        if Organization.objects.filter(slug=options["slug"]).exists():
            raise CommandError(f"An organisation with the slug {options['slug']!r} already exists.")
        from zoneinfo import available_timezones

        if options["time_zone"] not in available_timezones():
            raise CommandError(f"Unknown time zone {options['time_zone']!r}.")
        with transaction.atomic():
            organization = Organization.objects.create(
                slug=options["slug"],
                name=options["name"],
                time_zone=options["time_zone"],
                default_language=options["language"],
            )
            with scope(organization=organization):
                from advocacy.services.invitations import invitation_create
                from advocates.defaults import ensure_program_defaults

                ensure_program_defaults(organization)

                try:
                    invitation: Invitation = invitation_create(
                        organization=organization,
                        invited_by=None,
                        email=options["admin_email"],
                        role=Role.ADMIN,
                    )
                except ValidationFailed as error:
                    raise CommandError(str(error.errors)) from None
        self.stdout.write(f"Created {organization.name} ({organization.slug}).")
        self.stdout.write(f"Invitation for {invitation.email} (administrator): {invitation_url(invitation)}")
