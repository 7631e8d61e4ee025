"""Shared fixtures. Every access test uses two organisations and an outsider:

- ``org`` ("alpha") with one member per role (``members[role]``),
- ``other_org`` ("beta") with its own program manager and data,
- ``outsider``: a signed-up person with no membership anywhere.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from advocacy.models import Organization, User
from advocacy.roles import Role
from advocates.defaults import ensure_program_defaults

from .factories import MembershipFactory, OrganizationFactory, UserFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _test_body_sees_all_tenants() -> Iterator[None]:
    """Test set-up and assertions read across tenants; requests still run in their own scope
    (the tenant middleware activates it for every /o/<org>/ and API path)."""
    with scopes_disabled():
        yield


@pytest.fixture(autouse=True)
def _english_by_default(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def org(db: Any) -> Organization:
    """With the default program: DOMAIN.md's ten activity types and four tier policies."""
    organization = OrganizationFactory(name="Alpha Analytics", slug="alpha")
    ensure_program_defaults(organization)
    return organization


@pytest.fixture
def other_org(db: Any) -> Organization:
    organization = OrganizationFactory(name="Beta Systems", slug="beta")
    ensure_program_defaults(organization)
    return organization


@pytest.fixture
def activity_types(org: Organization) -> dict[str, Any]:
    """``org``'s activity types by key (reference_call, testimonial, review, case_study, …)."""
    from advocates.models import ActivityType

    return {activity_type.key: activity_type for activity_type in ActivityType.objects.filter(organization=org)}


@pytest.fixture
def members(org: Organization) -> dict[str, User]:
    """One member of ``org`` per role, keyed by role value."""
    return {
        role.value: MembershipFactory(
            organization=org, role=role.value, user=UserFactory(email=f"{role.value}@alpha.test")
        ).user
        for role in Role
    }


@pytest.fixture
def other_manager(other_org: Organization) -> User:
    return MembershipFactory(
        organization=other_org, role=Role.PROGRAM_MANAGER, user=UserFactory(email="manager@beta.test")
    ).user


@pytest.fixture
def outsider(db: Any) -> User:
    return UserFactory(email="outsider@nowhere.test")


@pytest.fixture
def client_for() -> Callable[[User | None], Client]:
    def make(user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return make
