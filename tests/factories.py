"""factory_boy factories. Related objects always belong to the same organisation."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from advocacy.models import Membership, Organization, User
from advocacy.roles import Role
from advocates.models import Activity, ActivityType, Advocate, CustomerAccount, Region, Segment, Tier
from requests_mgmt.models import AdvocacyRequest, RequestType

PASSWORD = "correct-horse-battery"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")
    time_zone = "UTC"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.PROGRAM_MANAGER


class CustomerAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerAccount

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Customer {n}")
    industry = "Software"
    segment = Segment.MID_MARKET
    region = Region.EMEA
    country = "PT"
    health_score = 90
    customer_since = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=800))


class AdvocateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Advocate

    organization = factory.SubFactory(OrganizationFactory)
    account = factory.SubFactory(CustomerAccountFactory, organization=factory.SelfAttribute("..organization"))
    full_name = factory.Sequence(lambda n: f"Advocate {n}")
    email = factory.Sequence(lambda n: f"advocate{n}@customer.example")
    title = "Head of Data"
    seniority = Advocate.Seniority.MANAGER
    tier = Tier.GOLD
    status = Advocate.Status.ACTIVE
    nps_score = 9


class AdvocacyRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdvocacyRequest

    organization = factory.SubFactory(OrganizationFactory)
    requester = factory.SubFactory(UserFactory)
    request_type = RequestType.REFERENCE_CALL
    prospect_company = "Prospect Inc"
    prospect_industry = "Software"
    needed_by = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=10))


class ActivityTypeFactory(factory.django.DjangoModelFactory):
    """Prefer the organisation's seeded types (``ensure_program_defaults``); this makes extra ones."""

    class Meta:
        model = ActivityType

    organization = factory.SubFactory(OrganizationFactory)
    key = factory.Sequence(lambda n: f"type-{n}")
    name = factory.Sequence(lambda n: f"Activity type {n}")
    min_minutes = 30
    max_minutes = 60


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    organization = factory.SubFactory(OrganizationFactory)
    advocate = factory.SubFactory(AdvocateFactory, organization=factory.SelfAttribute("..organization"))
    activity_type = factory.SubFactory(ActivityTypeFactory, organization=factory.SelfAttribute("..organization"))
    occurred_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))
    minutes = 45
    status = Activity.Status.COMPLETED
