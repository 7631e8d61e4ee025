"""What a ranking depends on, resolved once, and what its steps hand one another."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from advocacy.models import Organization
from advocates.capacity import window_start
from advocates.models import ActivityType, ProgramPolicy

from ..models import AdvocacyRequest
from .weights import MatchWeights, _tier_points


@dataclass(frozen=True)
class _Inputs:
    """What a ranking depends on, resolved once."""

    advocacy_request: AdvocacyRequest
    activity_type: ActivityType
    policy: ProgramPolicy
    weights: MatchWeights
    today: date
    now: datetime

    @property
    def organization(self) -> Organization:
        return self.advocacy_request.organization

    @property
    def window_start(self) -> date:
        return window_start(self.today)

    @property
    def most_rotation(self) -> int:
        """The most points rotation can add (both parts are at least 0)."""
        recency = self.weights.rotation_recency
        return max(self.weights.rotation_load, 0) + max(
            recency, recency * 7 // 10, recency * 4 // 10, recency * 2 // 10, 0
        )

    @property
    def most_feedback(self) -> int:
        """The most points past feedback can add: its weight, for a mean rating of 5 (0 when the
        weight is negative)."""
        return max(self.weights.feedback, 0)

    @property
    def most_advocate_fit(self) -> int:
        """The most points an advocate's own row (use case, seniority, language, tier) can add to
        their account's fit."""
        request, weights = self.advocacy_request, self.weights
        return (
            (max(weights.use_case, 0) if request.use_case else 0)
            + (max(weights.seniority, 0) if request.seniority_wanted else 0)
            + (max(weights.language, 0) if request.language else 0)
            + max(0, *_tier_points(request, weights).values())
        )


@dataclass
class _Row:
    """An advocate who passes the rules their own and their account's rows decide, with their fit
    and tier (``static_score``), their preferences for this activity and whether a blackout covers
    the dates."""

    pk: int
    account_id: int
    static_score: int
    willing: bool
    own_limit: int | None
    own_interval: int | None
    blacked_out: bool
    parts: dict[str, int] | None = None  # the fit and tier parts, when the shortlist read them


@dataclass
class _History:
    """Per advocate, from the ledger: (capped activities in the window, this type's in it, this
    type's latest); from the asks: (holding capacity, of this type, the latest ask, waiting for an
    answer on another request, open on this one, the sum of their ratings of completed asks, how
    many they rated)."""

    ledger: dict[int, tuple[int, int, date | None]]
    asks: dict[int, tuple[int, int, datetime | None, int, int, int, int]]


@dataclass
class _LeftOut:
    """What an advocate left off a shortlist could score at most. ``advocates``: one of the accounts
    read (the best fit, tier and feedback not taken, plus the most rotation can add);
    ``account_fit``: the best fit among the accounts not read (every account read fits at least as
    well)."""

    advocates: int | None = None
    account_fit: int | None = None
