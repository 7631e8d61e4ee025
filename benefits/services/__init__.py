"""Appreciation workflows, split by resource. Import them from here: ``from benefits import services``."""

from .budgets import (
    BudgetBreach,
    SpendLine,
    SpendReport,
    budget_breaches,
    budget_set,
    next_quarter_start,
    quarter_label,
    quarter_rewards,
    quarter_spend,
    quarter_start,
    spend_report,
)
from .recognition import (
    advocate_recognitions,
    nominable_advocates,
    nomination_create,
    nomination_decide,
    nomination_history,
    nominations_for,
)
from .thank_yous import (
    can_write_note,
    executive_note_threshold,
    is_high_commitment,
    note_assignee,
    personal_note_write,
    thank_you_schedule,
)

__all__ = [
    "BudgetBreach",
    "SpendLine",
    "SpendReport",
    "advocate_recognitions",
    "budget_breaches",
    "budget_set",
    "can_write_note",
    "executive_note_threshold",
    "is_high_commitment",
    "next_quarter_start",
    "nominable_advocates",
    "nomination_create",
    "nomination_decide",
    "nomination_history",
    "nominations_for",
    "note_assignee",
    "personal_note_write",
    "quarter_label",
    "quarter_rewards",
    "quarter_spend",
    "quarter_start",
    "spend_report",
    "thank_you_schedule",
]
