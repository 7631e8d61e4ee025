"""Creates an organisation API token acting as one of its members and prints the key once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_scopes import scope

from advocacy.errors import ConflictError
from advocacy.models import Organization, User
from advocacy.services.members import api_token_create


class Command(BaseCommand):
    help = "Creates an API token for a member of an organisation and prints it (shown only once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="The organisation's slug, e.g. acme.")
        parser.add_argument("--email", required=True, help="The member the token acts as.")
        parser.add_argument("--name", default="Command-line token", help="What the token is for.")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.filter(slug=options["org"]).first()
        if organization is None:
            raise CommandError(f"No organisation with the slug {options['org']!r}.")
        user = User.objects.filter(email__iexact=options["email"]).first()
        if user is None:
            raise CommandError(f"No user with the email {options['email']!r}.")
        with scope(organization=organization):
            try:
                token, key = api_token_create(
                    organization=organization, user=user, name=options["name"], created_by=None
                )
            except ConflictError as error:
                raise CommandError(error.message) from None
        self.stderr.write(
            f"Token {token.name!r} for {user.email} in {organization.slug} created. "
            "Store it now: it cannot be shown again."
        )
        self.stdout.write(key)
