"""Appreciation's part of the advocate's data rights (called from ``advocates/privacy.py``): what the
download holds about their rewards, thank-yous and nominations, and what erasure clears.

On erasure nothing more is owed to the person: thank-yous not sent and notes not written are
dropped (they would sit overdue in the queue and be escalated for nobody), rewards not yet shipped
are cancelled (stock returns), and every text about the person is cleared: shipping addresses,
notes on rewards and their history, personal notes and nomination reasons. Counts and amounts
stay, as for activities: budgets and reports still add up.
"""

from __future__ import annotations

from typing import Any

from advocacy.models import Organization, User
from advocates.models import Advocate

from .models import Nomination, PersonalNote, Reward, RewardStatus, RewardStatusChange, ThankYou

# Rewards not on their way yet: cancelled on erasure (a shipped parcel can only be delivered).
CANCELLED_ON_ERASURE = (RewardStatus.PROPOSED, RewardStatus.APPROVED, RewardStatus.ORDERED)


def export_rewards(advocate: Advocate) -> list[dict[str, Any]]:
    rewards = (
        Reward.objects.filter(organization=advocate.organization_id, advocate=advocate)
        .select_related("benefit", "activity")
        .prefetch_related("options", "status_changes")
        .order_by("created_at", "pk")
    )
    return [
        {
            "public_id": reward.public_id,
            "benefit": reward.benefit.name if reward.benefit else None,
            "kind": reward.benefit.kind if reward.benefit else None,
            "options": [option.name for option in reward.options.all()],
            "activity": reward.activity.public_id if reward.activity else None,
            "status": reward.status,
            "value": reward.value,
            "note": reward.note,
            "shipping_address": reward.shipping_address,
            "created_at": reward.created_at,
            "history": [
                {"from": change.from_status, "to": change.to_status, "at": change.created_at}
                for change in reward.status_changes.all()
            ],
        }
        for reward in rewards
    ]


def export_thank_yous(advocate: Advocate) -> list[dict[str, Any]]:
    """The automatic thank-yous and the personal notes (with their text) owed or sent to them."""
    organization = advocate.organization_id
    thank_yous = [
        {
            "kind": "thank_you",
            "activity": thank_you.activity.public_id,
            "due_at": thank_you.due_at,
            "sent_at": thank_you.sent_at,
        }
        for thank_you in ThankYou.objects.filter(organization=organization, advocate=advocate)
        .select_related("activity")
        .order_by("due_at", "pk")
    ]
    notes = [
        {
            "kind": "personal_note",
            "activity": note.activity.public_id,
            "due_at": note.due_at,
            "note": note.note,
            "written_at": note.written_at,
            "written_by": note.written_by.display_name if note.written_by else None,
        }
        for note in PersonalNote.objects.filter(organization=organization, advocate=advocate)
        .select_related("activity", "written_by")
        .order_by("due_at", "pk")
    ]
    return [*thank_yous, *notes]


def export_nominations(advocate: Advocate) -> list[dict[str, Any]]:
    """Every nomination held about them, decided or not: the download is everything we hold."""
    return [
        {
            "public_id": nomination.public_id,
            "kind": nomination.kind,
            "title": nomination.title,
            "reason": nomination.reason,
            "status": nomination.status,
            "created_at": nomination.created_at,
            "decided_at": nomination.decided_at,
        }
        for nomination in Nomination.objects.filter(organization=advocate.organization_id, advocate=advocate).order_by(
            "created_at", "pk"
        )
    ]


def erase_appreciation(*, organization: Organization, advocate: Advocate, actor: User) -> None:
    """Runs inside ``advocate_erase``'s transaction, before its audit scrub (see the docstring)."""
    from .services.rewards import reward_transition

    history = {"organization": organization, "advocate": advocate}
    ThankYou.objects.filter(**history, sent_at__isnull=True).delete()
    PersonalNote.objects.filter(**history, written_at__isnull=True).delete()
    PersonalNote.objects.filter(**history).update(note="")
    for reward in Reward.objects.filter(**history, status__in=CANCELLED_ON_ERASURE).order_by("pk"):
        reward_transition(reward=reward, to_status=RewardStatus.CANCELLED, actor=actor)
    rewards = Reward.objects.filter(**history)
    rewards.update(shipping_address="", note="")
    RewardStatusChange.objects.filter(organization=organization, reward__in=rewards).update(note="")
    Nomination.objects.filter(**history).update(reason="")
