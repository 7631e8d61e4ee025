"""Seeds the demo organisations `acme` and `globex`. Safe to run again: existing data is kept."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_scopes import scope

from advocacy.models import Membership, Organization, User
from advocacy.roles import Role
from advocates.models import Advocate, CustomerAccount, Region, Segment, Tier
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

# Active advocates per tier: inside the target shares (4 % / 17 % / 35 % of 1,500).
ACME_TIERS: dict[str, int] = {Tier.PLATINUM: 60, Tier.GOLD: 260, Tier.SILVER: 520, Tier.COMMUNITY: 660}
GLOBEX_TIERS: dict[str, int] = {Tier.PLATINUM: 3, Tier.GOLD: 14, Tier.SILVER: 28, Tier.COMMUNITY: 35}

INDUSTRIES = [
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
]
COUNTRIES = {
    Region.NORTH_AMERICA: ["US", "CA"],
    Region.LATIN_AMERICA: ["BR", "MX", "AR", "CL"],
    Region.EMEA: ["GB", "DE", "FR", "PT", "NL", "ES"],
    Region.APAC: ["JP", "AU", "SG", "IN"],
}
FIRST_NAMES = {
    "en": [
        "Olivia",
        "Liam",
        "Emma",
        "Noah",
        "Ava",
        "James",
        "Sophia",
        "Lucas",
        "Grace",
        "Henry",
        "Chloe",
        "Daniel",
    ],
    "pt": ["Ana", "João", "Mariana", "Pedro", "Beatriz", "Rafael", "Camila", "Thiago", "Larissa", "Gustavo"],
    "ja": ["Haruto", "Yui", "Sota", "Hina", "Ren", "Aoi", "Yuto", "Sakura", "Kaito", "Mei"],
}
LAST_NAMES = {
    "en": ["Smith", "Johnson", "Brown", "Taylor", "Wilson", "Clark", "Walker", "Hall", "Young", "King"],
    "pt": [
        "Silva",
        "Santos",
        "Oliveira",
        "Souza",
        "Lima",
        "Pereira",
        "Costa",
        "Ferreira",
        "Almeida",
        "Ribeiro",
    ],
    "ja": [
        "Sato",
        "Suzuki",
        "Takahashi",
        "Tanaka",
        "Watanabe",
        "Ito",
        "Yamamoto",
        "Nakamura",
        "Kobayashi",
        "Kato",
    ],
}
COMPANY_WORDS = [
    "Northwind",
    "Bluefin",
    "Cedar",
    "Summit",
    "Harbor",
    "Quantum",
    "Aurora",
    "Granite",
    "Vertex",
    "Sakura",
    "Ipanema",
    "Lumen",
    "Orbit",
    "Pioneer",
    "Silverline",
    "Tidal",
    "Meridian",
    "Atlas",
    "Nimbus",
    "Horizon",
]
COMPANY_SUFFIXES = [
    "Systems",
    "Labs",
    "Group",
    "Holdings",
    "Logistics",
    "Health",
    "Bank",
    "Retail",
    "Energia",
    "Works",
]
TITLES: dict[str, list[str]] = {
    Advocate.Seniority.EXECUTIVE: ["CIO", "CTO", "VP Engineering", "Chief Data Officer", "VP Operations"],
    Advocate.Seniority.MANAGER: ["Head of Analytics", "IT Manager", "Data Platform Lead", "Director of BI"],
    Advocate.Seniority.PRACTITIONER: ["Data Analyst", "Analytics Engineer", "BI Developer", "Data Scientist"],
}


class Command(BaseCommand):
    help = "Creates the demo organisations, people and program data (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        rng = random.Random(20261129)
        password_hash = make_password(PASSWORD)
        with transaction.atomic():
            acme = self._organization("acme", "Acme Analytics", "America/New_York", "en")
            globex = self._organization("globex", "Globex Corporation", "Europe/Lisbon", "en")
            for organization, people in ((acme, ACME_USERS), (globex, GLOBEX_USERS)):
                for email, name, role in people:
                    self._member(organization, email, name, role, password_hash)
            with scope(organization=acme):
                if not CustomerAccount.objects.filter(organization=acme).exists():
                    self._program(acme, rng, accounts=420, tiers=ACME_TIERS, csm_email="csm@acme.test")
                    self._link_portal_user(acme, "advocate@acme.test")
                    self._requests(acme, rng)
            with scope(organization=globex):
                if not CustomerAccount.objects.filter(organization=globex).exists():
                    self._program(globex, rng, accounts=30, tiers=GLOBEX_TIERS, csm_email=None)
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

    def _program(
        self,
        organization: Organization,
        rng: random.Random,
        *,
        accounts: int,
        tiers: dict[str, int],
        csm_email: str | None,
    ) -> None:
        today = timezone.localdate()
        csm = User.objects.filter(email=csm_email).first() if csm_email else None
        created_accounts = []
        names_used: set[str] = set()
        for index in range(accounts):
            region = rng.choice(list(COUNTRIES))
            name = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_SUFFIXES)}"
            while name in names_used:
                name = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_SUFFIXES)}"
            names_used.add(name)
            healthy = rng.random() < 0.85
            created_accounts.append(
                CustomerAccount(
                    organization=organization,
                    name=name,
                    industry=rng.choice(INDUSTRIES),
                    segment=rng.choices(list(Segment.values), weights=[2, 3, 5])[0],
                    region=region,
                    country=rng.choice(COUNTRIES[region]),
                    health_score=rng.randint(80, 99) if healthy else rng.randint(35, 79),
                    customer_since=today - timedelta(days=rng.randint(90, 9 * 365)),
                    csm=csm if csm and index % 3 == 0 else None,
                    crm_id=f"ACC-{organization.slug.upper()}-{index + 1:05d}",
                )
            )
        CustomerAccount.objects.bulk_create(created_accounts)
        account_list = list(CustomerAccount.objects.filter(organization=organization))

        advocates = []
        emails: set[str] = set()
        plan = [(tier, Advocate.Status.ACTIVE) for tier, count in tiers.items() for _ in range(count)]
        extra = max(4, len(plan) // 12)
        other_statuses = [
            Advocate.Status.CANDIDATE,
            Advocate.Status.NOMINATED,
            Advocate.Status.INVITED,
            Advocate.Status.PAUSED,
            Advocate.Status.ALUMNI,
            Advocate.Status.DECLINED,
        ]
        plan += [(Tier.COMMUNITY, other_statuses[i % len(other_statuses)]) for i in range(extra)]
        for tier, status in plan:
            culture = rng.choices(["en", "pt", "ja"], weights=[5, 3, 2])[0]
            first, last = rng.choice(FIRST_NAMES[culture]), rng.choice(LAST_NAMES[culture])
            account = rng.choice(account_list)
            domain = account.name.lower().replace(" ", "") + ".example"
            email = f"{first}.{last}@{domain}".lower()
            suffix = 2
            while email in emails:
                email = f"{first}.{last}{suffix}@{domain}".lower()
                suffix += 1
            emails.add(email)
            seniority_by_tier: dict[str, str] = {
                Tier.PLATINUM: Advocate.Seniority.EXECUTIVE,
                Tier.GOLD: rng.choice([Advocate.Seniority.EXECUTIVE, Advocate.Seniority.MANAGER]),
            }
            seniority = seniority_by_tier.get(tier, rng.choice(list(Advocate.Seniority)))
            joined = today - timedelta(days=rng.randint(30, 3 * 365))
            active = status == Advocate.Status.ACTIVE
            advocates.append(
                Advocate(
                    organization=organization,
                    account=account,
                    full_name=f"{first} {last}",
                    email=email,
                    title=rng.choice(TITLES[seniority]),
                    seniority=seniority,
                    tier=tier,
                    status=status,
                    nps_score=rng.choices([10, 9, 8, 7, 6], weights=[5, 4, 2, 1, 1])[0],
                    joined_at=joined if active or status == Advocate.Status.PAUSED else None,
                    last_activity_at=joined + timedelta(days=rng.randint(0, (today - joined).days))
                    if active and tier != Tier.COMMUNITY
                    else None,
                )
            )
        Advocate.objects.bulk_create(advocates, batch_size=500)

    def _link_portal_user(self, organization: Organization, email: str) -> None:
        user = User.objects.get(email=email)
        advocate = (
            Advocate.objects.filter(organization=organization, tier=Tier.PLATINUM, status=Advocate.Status.ACTIVE)
            .order_by("id")
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
