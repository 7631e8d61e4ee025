"""Regressions found in the review of the appreciation slice: out-of-range dates that crashed the
budget pages, erasure outside a transaction, erasure and the data download covering appreciation,
and the shipping address shown only to the people who ship."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from advocacy.models import AuditEvent
from advocacy.roles import Role
from advocates.models import Advocate
from advocates.privacy import advocate_data_export, advocate_erase
from benefits.models import (
    Benefit,
    BenefitKind,
    Budget,
    Nomination,
    PersonalNote,
    Reward,
    RewardStatus,
    RewardStatusChange,
    ThankYou,
)
from benefits.services import recognition, rewards
from tests.factories import ActivityFactory, AdvocateFactory, CustomerAccountFactory

pytestmark = pytest.mark.django_db


def api_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def make_benefit(organization: Any, **values: Any) -> Benefit:
    defaults: dict[str, Any] = {"name": "Hoodie", "kind": BenefitKind.SWAG, "value": 0, "cost": 40}
    return Benefit.objects.create(organization=organization, **(defaults | values))


@pytest.fixture
def manager(members: Any) -> Any:
    return members[Role.PROGRAM_MANAGER]


@pytest.fixture
def advocate(org: Any, members: Any) -> Advocate:
    account = CustomerAccountFactory(organization=org, csm=members[Role.CSM])
    return AdvocateFactory(organization=org, account=account, user=members[Role.ADVOCATE], tier="gold")


def shipped_reward_waiting(org: Any, manager: Any, advocate: Advocate, benefit: Benefit) -> Reward:
    """An approved reward whose address the advocate has given."""
    reward = rewards.reward_propose(organization=org, actor=manager, advocate=advocate, benefit=benefit, confirm=True)
    reward = rewards.reward_approve(reward=reward, actor=manager)
    return rewards.reward_give_address(
        reward=reward, advocate=advocate, address="1 Main St\nLisbon", actor=advocate.user
    )


# Bad input: dates the quarter arithmetic cannot handle --------------------------------------------------


@pytest.mark.parametrize("day", ["0001-01-15", "9999-12-01"])
def test_budget_pages_and_api_answer_out_of_range_quarters_without_a_500(
    org: Any, manager: Any, client_for: Any, day: str
) -> None:
    client = client_for(manager)
    page = client.get(f"/o/{org.slug}/appreciation/budgets/", {"quarter": day})
    assert page.status_code == 200  # the filter falls back to this quarter
    api = api_for(manager)
    response = api.get(f"/api/v1/orgs/{org.slug}/budgets/", {"quarter": day})
    assert response.status_code == 400
    assert "quarter" in response.json()["error"]["fields"]
    assert api.get(f"/api/v1/orgs/{org.slug}/budgets/", {"quarter": "soon"}).status_code == 400


def test_a_budget_for_the_last_quarter_of_9999_is_refused_with_the_field_and_the_input_kept(
    org: Any, manager: Any, client_for: Any
) -> None:
    page = client_for(manager).post(
        f"/o/{org.slug}/appreciation/budgets/set/", {"quarter_start": "9999-10-01", "amount": "500"}
    )
    assert page.status_code == 400
    assert page.context["form"].errors["quarter_start"]
    assert 'value="500"' in page.content.decode()
    response = api_for(manager).post(
        f"/api/v1/orgs/{org.slug}/budgets/", {"quarter_start": "9999-10-01", "amount": "500"}, format="json"
    )
    assert response.status_code == 400
    assert "quarter_start" in response.json()["error"]["fields"]
    assert not Budget.objects.filter(organization=org).exists()


# Privacy: the shipping address ------------------------------------------------------------------------


def test_only_the_program_team_sees_the_shipping_address(
    org: Any, members: Any, manager: Any, advocate: Advocate, client_for: Any
) -> None:
    reward = shipped_reward_waiting(org, manager, advocate, make_benefit(org, needs_shipping=True))
    path = f"/o/{org.slug}/appreciation/rewards/{reward.public_id}/"
    assert "1 Main St" in client_for(manager).get(path).content.decode()
    for role in (Role.CSM, Role.EXECUTIVE):
        page = client_for(members[role]).get(path)
        assert page.status_code == 200
        assert "1 Main St" not in page.content.decode()
        assert "Given by the advocate" in page.content.decode()


# Erasure and the data download -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_erasure_runs_in_its_own_transaction(org: Any, members: Any) -> None:
    """It locks the advocate's row: outside a transaction (a view, a task) that used to fail."""
    advocate = AdvocateFactory(organization=org)
    advocate_erase(advocate=advocate, actor=members[Role.PROGRAM_MANAGER])
    advocate.refresh_from_db()
    assert advocate.anonymised_at is not None


def appreciation_of(org: Any, manager: Any, advocate: Advocate, activity_types: Any) -> dict[str, Any]:
    """One of everything appreciation holds about the advocate."""
    hoodie = make_benefit(org, needs_shipping=True, stock=3)
    waiting = shipped_reward_waiting(org, manager, advocate, hoodie)
    delivered = rewards.reward_propose(
        organization=org,
        actor=manager,
        advocate=advocate,
        benefit=make_benefit(org, name="Roadmap preview", kind=BenefitKind.EXCLUSIVE_ACCESS, digital=True),
        note="Loves the analytics module",
        confirm=True,
    )
    delivered = rewards.reward_approve(reward=delivered, actor=manager, note="Approved for Ana")
    now = timezone.now()
    sent = ActivityFactory(organization=org, advocate=advocate, activity_type=activity_types["case_study"])
    owed = ActivityFactory(organization=org, advocate=advocate, activity_type=activity_types["case_study"])
    ThankYou.objects.create(
        organization=org, activity=sent, advocate=advocate, completed_at=now, due_at=now, sent_at=now
    )
    ThankYou.objects.create(organization=org, activity=owed, advocate=advocate, completed_at=now, due_at=now)
    PersonalNote.objects.create(
        organization=org, activity=sent, advocate=advocate, due_at=now, note="Dear Ana, thank you", written_at=now
    )
    PersonalNote.objects.create(organization=org, activity=owed, advocate=advocate, due_at=now)
    nomination = recognition.nomination_create(
        organization=org, advocate=advocate, actor=manager, kind="award", title="Champion", reason="Ana rocks"
    )
    return {"hoodie": hoodie, "waiting": waiting, "delivered": delivered, "nomination": nomination}


def test_erasure_clears_appreciation_data_and_drops_what_is_still_owed(
    org: Any, manager: Any, advocate: Advocate, activity_types: Any
) -> None:
    made = appreciation_of(org, manager, advocate, activity_types)
    made["hoodie"].refresh_from_db()
    assert made["hoodie"].stock == 2
    advocate_erase(advocate=advocate, actor=manager)

    waiting, delivered = made["waiting"], made["delivered"]
    waiting.refresh_from_db()
    delivered.refresh_from_db()
    assert waiting.status == RewardStatus.CANCELLED and waiting.shipping_address == ""
    assert delivered.status == RewardStatus.DELIVERED and delivered.note == ""
    made["hoodie"].refresh_from_db()
    assert made["hoodie"].stock == 3  # the cancelled one went back to stock
    assert not RewardStatusChange.objects.filter(organization=org).exclude(note="").exists()
    # Nothing is owed to someone erased: no thank-you or note left to send, escalate or show as overdue.
    assert list(ThankYou.objects.filter(organization=org).values_list("sent_at", flat=True)) != []
    assert not ThankYou.objects.filter(organization=org, sent_at__isnull=True).exists()
    assert list(PersonalNote.objects.filter(organization=org).values_list("note", flat=True)) == [""]
    assert Nomination.objects.get(pk=made["nomination"].pk).reason == ""
    for event in AuditEvent.objects.filter(organization=org):
        assert "Main St" not in str(event.data)


def test_erasure_leaves_other_advocates_appreciation_alone(
    org: Any, other_org: Any, manager: Any, other_manager: Any, advocate: Advocate, activity_types: Any
) -> None:
    someone = AdvocateFactory(organization=org)
    rewards_before = shipped_reward_waiting(org, manager, someone, make_benefit(org, needs_shipping=True))
    foreign = AdvocateFactory(organization=other_org)
    foreign_nomination = recognition.nomination_create(
        organization=other_org, advocate=foreign, actor=other_manager, kind="award", title="Star", reason="Kept"
    )
    advocate_erase(advocate=advocate, actor=manager)
    rewards_before.refresh_from_db()
    assert rewards_before.shipping_address and rewards_before.status == RewardStatus.APPROVED
    assert Nomination.objects.get(pk=foreign_nomination.pk).reason == "Kept"


def test_data_download_holds_rewards_thank_yous_and_nominations(
    org: Any, manager: Any, advocate: Advocate, activity_types: Any, other_org: Any, other_manager: Any
) -> None:
    made = appreciation_of(org, manager, advocate, activity_types)
    someone_else = AdvocateFactory(organization=org)
    recognition.nomination_create(
        organization=org, advocate=someone_else, actor=manager, kind="spotlight", title="Not hers", reason="Other"
    )
    export = advocate_data_export(advocate=advocate)
    assert {str(row["public_id"]) for row in export["rewards"]} == {
        str(made["waiting"].public_id),
        str(made["delivered"].public_id),
    }
    waiting = next(row for row in export["rewards"] if row["public_id"] == made["waiting"].public_id)
    assert waiting["shipping_address"] == "1 Main St\nLisbon"
    assert [change["to"] for change in waiting["history"]] == ["proposed", "approved"]
    kinds = sorted(item["kind"] for item in export["thank_yous"])
    assert kinds == ["personal_note", "personal_note", "thank_you", "thank_you"]
    assert "Dear Ana, thank you" in [item.get("note") for item in export["thank_yous"]]
    assert [row["title"] for row in export["nominations"]] == ["Champion"]


def test_no_reward_can_be_proposed_in_the_api_for_an_erased_person(org: Any, manager: Any, advocate: Advocate) -> None:
    advocate_erase(advocate=advocate, actor=manager)
    response = api_for(manager).post(
        f"/api/v1/orgs/{org.slug}/rewards/",
        {"advocate": str(advocate.public_id), "benefit": str(make_benefit(org).public_id)},
        format="json",
    )
    assert response.status_code == 400
    assert "advocate" in response.json()["error"]["fields"]
    assert not Reward.objects.filter(organization=org).exists()


def test_an_escalation_that_fails_outright_is_released_for_the_next_sweep(
    org: Any, manager: Any, advocate: Advocate, activity_types: Any, monkeypatch: Any
) -> None:
    from benefits import tasks

    activity = ActivityFactory(organization=org, advocate=advocate, activity_type=activity_types["case_study"])
    note = PersonalNote.objects.create(
        organization=org, activity=activity, advocate=advocate, due_at=timezone.now() - timedelta(hours=1)
    )

    def broken(**kwargs: Any) -> Any:
        raise RuntimeError("template missing")

    monkeypatch.setattr(tasks, "send_message", broken)
    with pytest.raises(RuntimeError):
        tasks.escalate_personal_note_task.apply(args=(org.pk, note.pk))
    note.refresh_from_db()
    assert note.escalated_at is None  # not marked as escalated when nobody was told
    monkeypatch.undo()
    assert tasks.appreciation_organization_task.apply(args=(org.pk,)).get() == {"thank_yous": 0, "escalations": 1}
    note.refresh_from_db()
    assert note.escalated_at is not None
    assert AuditEvent.objects.filter(organization=org, verb="personal_note.escalated").count() == 1


def test_a_benefit_name_taken_at_the_same_moment_is_a_field_error(org: Any, members: Any) -> None:
    from unittest import mock

    from advocacy.errors import ValidationFailed
    from benefits.models import Benefit
    from benefits.services import catalogue

    data = {"name": "Mug", "kind": "swag", "value": 10, "cost": 5}
    Benefit.objects.create(organization=org, **data)
    # The check passed before the other request committed: only the database sees the clash.
    with mock.patch.object(catalogue, "_clean"), pytest.raises(ValidationFailed) as error:
        catalogue.benefit_create(organization=org, actor=members["program_manager"], data=data)
    assert "already has a benefit with this name" in str(error.value.errors["name"])
