"""Seeds the demo organisations `acme` and `globex`. Safe to run again: existing data is kept."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Count, Q
from django.test.utils import override_settings
from django.utils import timezone
from django_scopes import scope

from advocacy.models import Membership, Organization, User
from advocacy.roles import Role
from advocates.defaults import ensure_program_defaults
from advocates.demo import ProgramSize, generate_program
from advocates.models import Advocate, CustomerAccount, Region, Segment, Tier
from advocates.tiers import recalculate_suggested_tiers
from benefits.demo import seed_appreciation
from reporting.demo import seed_reporting
from reporting.rollups import rebuild_organization
from requests_mgmt.demo import seed_request_workflow
from requests_mgmt.models import AdvocacyRequest, RequestStatus, RequestStatusChange, RequestType

PASSWORD = "advocacy-demo"  # noqa: S105 - the documented demo password

ACME_USERS = [
    ("admin@acme.test", "Alex Admin", Role.ADMIN),
    ("manager@acme.test", "Morgan Manager", Role.PROGRAM_MANAGER),
    ("csm@acme.test", "Casey Success", Role.CSM),
    ("marketing@acme.test", "Mia Marketing", Role.MARKETING),
    ("sales@acme.test", "Sam Sales", Role.SALES),
    ("exec@acme.test", "Erin Executive", Role.EXECUTIVE),
    ("advocate@acme.test", "Ana Advocate", Role.ADVOCATE),
]
GLOBEX_USERS = [("manager@globex.test", "Glenn Globex", Role.PROGRAM_MANAGER)]

# Active advocates per tier: inside the target shares (4 % / 17 % / 35 % of 1,500), plus contacts
# not in the program yet (candidates, nominees, invitees) and former ones (paused, alumni).
ACME = ProgramSize(
    accounts=420, tiers={Tier.PLATINUM: 60, Tier.GOLD: 260, Tier.SILVER: 520, Tier.COMMUNITY: 660}, others=320
)
GLOBEX = ProgramSize(
    accounts=30, tiers={Tier.PLATINUM: 3, Tier.GOLD: 14, Tier.SILVER: 28, Tier.COMMUNITY: 35}, others=20
)


class Command(BaseCommand):
    help = "Creates the demo organisations, people and program data (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        rng = random.Random(20261129)
        password_hash = make_password(PASSWORD)
        # The emails the demo's workflows send (recorded on the timelines) stay out of the console.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"), transaction.atomic():
            acme = self._organization("acme", "Acme Analytics", "America/New_York", "en")
            globex = self._organization("globex", "Globex Corporation", "Europe/Lisbon", "en")
            for organization, people in ((acme, ACME_USERS), (globex, GLOBEX_USERS)):
                for email, name, role in people:
                    self._member(organization, email, name, role, password_hash)
            with scope(organization=acme):
                ensure_program_defaults(acme)
                if not CustomerAccount.objects.filter(organization=acme).exists():
                    generate_program(
                        acme,
                        size=ACME,
                        rng=rng,
                        csm=User.objects.get(email="csm@acme.test"),
                        recorder=User.objects.get(email="manager@acme.test"),
                    )
                    self._link_portal_user(acme, "advocate@acme.test")
                    self._requests(acme, rng)
                    seed_request_workflow(organization=acme, rng=rng)
                    seed_appreciation(organization=acme)
                    recalculate_suggested_tiers(organization=acme)
                    seed_reporting(organization=acme, rng=rng)
            with scope(organization=globex):
                ensure_program_defaults(globex)
                if not CustomerAccount.objects.filter(organization=globex).exists():
                    generate_program(globex, size=GLOBEX, rng=rng)
                    recalculate_suggested_tiers(organization=globex)
                    rebuild_organization(globex)
        self._print_logins()

    def _organization(self, slug: str, name: str, tz: str, language: str) -> Organization:
        organization, _ = Organization.objects.get_or_create(
            slug=slug, defaults={"name": name, "time_zone": tz, "default_language": language}
        )
        return organization

    def _member(self, organization: Organization, email: str, name: str, role: str, password_hash: str) -> User:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create(email=email, full_name=name, password=password_hash)
            from allauth.account.models import EmailAddress

            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        with scope(organization=organization):
            Membership.objects.get_or_create(organization=organization, user=user, defaults={"role": role})
        return user

    def _link_portal_user(self, organization: Organization, email: str) -> None:
        user = User.objects.get(email=email)
        # The least busy platinum advocate, so the demo can ask them for more.
        year_ago = timezone.localdate() - timedelta(days=365)
        advocate = (
            Advocate.objects.filter(organization=organization, tier=Tier.PLATINUM, status=Advocate.Status.ACTIVE)
            .annotate(recent=Count("activities", filter=Q(activities__occurred_on__gte=year_ago)))
            .order_by("recent", "id")
            .first()
        )
        if advocate is not None:
            advocate.user = user
            advocate.full_name = user.full_name
            advocate.email = email
            advocate.save(update_fields=["user", "full_name", "email"])

    def _requests(self, organization: Organization, rng: random.Random) -> None:
        today = timezone.localdate()
        sales = User.objects.get(email="sales@acme.test")
        marketing = User.objects.get(email="marketing@acme.test")
        manager = User.objects.get(email="manager@acme.test")
        plan = [
            (sales, RequestType.REFERENCE_CALL, RequestStatus.SUBMITTED, 2, "Initech", "Financial services"),
            (sales, RequestType.REFERENCE_CALL, RequestStatus.SUBMITTED, 9, "Umbrella Health", "Healthcare"),
            (sales, RequestType.REFERENCE_CALL, RequestStatus.TRIAGED, 5, "Stark Logistics", "Logistics"),
            (sales, RequestType.CASE_STUDY, RequestStatus.MATCHING, 30, "Wayne Retail", "Retail"),
            (sales, RequestType.REFERENCE_CALL, RequestStatus.SUBMITTED, -1, "Tyrell Energy", "Energy"),
            (sales, RequestType.REFERRAL, RequestStatus.COMPLETED, -20, "Soylent Foods", "Manufacturing"),
            (marketing, RequestType.TESTIMONIAL, RequestStatus.SUBMITTED, 14, "", "Software"),
            (marketing, RequestType.REVIEW, RequestStatus.TRIAGED, 21, "", ""),
            (marketing, RequestType.SPEAKING, RequestStatus.SUBMITTED, 45, "", "Education"),
            (marketing, RequestType.CASE_STUDY, RequestStatus.CANCELLED, 10, "", "Media"),
        ]
        order = [
            RequestStatus.SUBMITTED,
            RequestStatus.TRIAGED,
            RequestStatus.MATCHING,
            RequestStatus.COMPLETED,
        ]
        for requester, kind, status, due_in, company, industry in plan:
            created = timezone.now() - timedelta(days=rng.randint(3, 20))
            advocacy_request = AdvocacyRequest.objects.create(
                organization=organization,
                requester=requester,
                request_type=kind,
                status=status,
                prospect_company=company,
                prospect_industry=industry,
                prospect_segment=rng.choice(list(Segment.values)),
                prospect_region=rng.choice(list(Region.values)),
                use_case="Self-service analytics for finance teams",
                deal_value=Decimal(rng.randint(20, 400) * 1000) if requester == sales else None,
                crm_opportunity_id=f"OPP-{rng.randint(10000, 99999)}" if requester == sales else "",
                needed_by=today + timedelta(days=due_in),
            )
            AdvocacyRequest.objects.filter(pk=advocacy_request.pk).update(created_at=created)
            steps = [RequestStatus.SUBMITTED]
            if status == RequestStatus.CANCELLED:
                steps.append(RequestStatus.CANCELLED)
            elif status in order:
                steps = order[: order.index(status) + 1]
            previous = ""
            for number, step in enumerate(steps):
                RequestStatusChange.objects.create(
                    organization=organization,
                    request=advocacy_request,
                    from_status=previous,
                    to_status=step,
                    actor=requester if number == 0 or step == RequestStatus.CANCELLED else manager,
                    created_at=created + timedelta(days=number),
                )
                previous = step

    def _print_logins(self) -> None:
        line = "-" * 66
        self.stdout.write(line)
        self.stdout.write("Advocacy demo is ready. Sign in at /accounts/login/ with:")
        for email, _name, role in [*ACME_USERS, *GLOBEX_USERS]:
            self.stdout.write(f"  {email:<24} {Role(role).label!s:<28} password: {PASSWORD}")
        self.stdout.write(line)
