"""Asking an advocate: soft rules need a written reason, hard rules never give way, and two asks at
the same moment cannot push an advocate past the yearly cap."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from django_scopes import scope

from advocacy.errors import ConflictError, ValidationFailed
from advocacy.models import AuditEvent
from advocates.models import Advocate
from requests_mgmt.models import Ask, RequestStatus, RequestType
from requests_mgmt.services import ask_create
from tests.factories import ActivityFactory, AdvocacyRequestFactory, AdvocateFactory, CustomerAccountFactory


def healthy_advocate(org: Any) -> Advocate:
    account = CustomerAccountFactory(organization=org, health_score=92)
    return AdvocateFactory(organization=org, account=account, status=Advocate.Status.ACTIVE, consent_named=True)


def matching_request(org: Any, members: Any) -> Any:
    return AdvocacyRequestFactory(
        organization=org, requester=members["sales"], request_type=RequestType.REFERENCE_CALL,
        status=RequestStatus.MATCHING,
    )  # fmt: skip


@pytest.mark.django_db
def test_asking_moves_the_request_to_outreach_and_is_logged(org: Any, members: Any) -> None:
    advocate = healthy_advocate(org)
    advocacy_request = matching_request(org, members)
    ask = ask_create(
        advocacy_request=advocacy_request, advocate=advocate, actor=members["program_manager"], message="Would you?"
    )
    advocacy_request.refresh_from_db()
    assert ask.status == Ask.Status.PENDING and advocacy_request.status == RequestStatus.OUTREACH
    assert AuditEvent.objects.filter(organization=org, verb="request.advocate_asked").exists()
    with pytest.raises(ConflictError, match="Already asked"):
        ask_create(advocacy_request=advocacy_request, advocate=advocate, actor=members["program_manager"], message="x")


@pytest.mark.django_db
def test_cooldown_can_be_overridden_only_with_a_reason(org: Any, members: Any) -> None:
    advocate = healthy_advocate(org)
    Ask.objects.create(
        organization=org,
        request=matching_request(org, members),
        advocate=advocate,
        status=Ask.Status.DECLINED,
        asked_at=timezone.now() - timedelta(days=5),
    )
    advocacy_request = matching_request(org, members)
    manager = members["program_manager"]
    with pytest.raises(ValidationFailed) as error:
        ask_create(advocacy_request=advocacy_request, advocate=advocate, actor=manager, message="Please")
    assert "Asked less than 30 days ago." in str(error.value.errors["override_reason"])
    ask = ask_create(
        advocacy_request=advocacy_request,
        advocate=advocate,
        actor=manager,
        message="Please",
        override_reason="The prospect asked for her by name.",
    )
    assert ask.override_reason == "The prospect asked for her by name."
    event = AuditEvent.objects.get(organization=org, verb="request.advocate_asked")
    assert event.data["overridden"] == ["cooldown"]


@pytest.mark.django_db
def test_the_cap_and_consent_are_never_overridden(org: Any, members: Any, activity_types: Any) -> None:
    at_cap = healthy_advocate(org)
    for index in range(6):
        ActivityFactory(
            organization=org,
            advocate=at_cap,
            activity_type=activity_types["beta"],
            occurred_on=timezone.localdate() - timedelta(days=40 + index),
        )
    no_consent = healthy_advocate(org)
    no_consent.consent_named = False
    no_consent.save()
    advocacy_request = matching_request(org, members)
    for advocate, rule in ((at_cap, "yearly cap"), (no_consent, "Consent missing")):
        with pytest.raises(ConflictError, match=rule):
            ask_create(
                advocacy_request=advocacy_request,
                advocate=advocate,
                actor=members["program_manager"],
                message="Please",
                override_reason="It really matters.",
            )
    assert not Ask.objects.filter(organization=org).exists()


@pytest.mark.django_db(transaction=True)
def test_two_asks_at_the_same_moment_cannot_break_the_cap(org: Any, members: Any, activity_types: Any) -> None:
    advocate = healthy_advocate(org)
    for index in range(5):
        ActivityFactory(
            organization=org,
            advocate=advocate,
            activity_type=activity_types["beta"],
            occurred_on=timezone.localdate() - timedelta(days=60 + index),
        )
    requests = [matching_request(org, members) for _ in range(2)]
    manager = members["program_manager"]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def ask(advocacy_request: Any) -> None:
        try:
            with scope(organization=org):
                barrier.wait(timeout=10)
                ask_create(
                    advocacy_request=advocacy_request,
                    advocate=advocate,
                    actor=manager,
                    message="Please",
                    override_reason="Parallel test.",
                )
            outcomes.append("asked")
        except (ConflictError, ValidationFailed) as error:
            outcomes.append(type(error).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask, args=(advocacy_request,)) for advocacy_request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["ConflictError", "asked"]
    assert Ask.objects.filter(organization=org, advocate=advocate).count() == 1
