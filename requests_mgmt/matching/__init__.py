"""The matching engine: which advocates may be asked for a request, and in what order, computed in
the database so it stays fast at a hundred thousand advocates.

Hard filters (an advocate failing any is left out, and "why not?" says which and until when):
active; account health at or above the threshold; the consents the activity needs; the activity
among those they said they are willing to do (when they stated preferences); under the yearly cap,
counting the ledger and open asks; under the activity's limit and the advocate's own; past the
activity's minimum interval and their own; past the cooldown since the last ask; no blackout
between today and the date needed; not waiting to answer another request.

Score: fit (industry, segment, region, products, use case, seniority, language), the tier suited
to the deal, rotation (fewer recent asks, longer since the last one) and past feedback (how the
advocate rated their completed asks). At most one advocate per account reaches the list. Weights are
organisation settings (``settings["matching_weights"]``).

Two ways to the same rules: ``annotate_rules`` states every rule and part as database annotations on
the advocates (what "why not?" and campaigns read); ``rank_candidates`` ranks a shortlist by fit,
tier and past feedback in the database, reads only that shortlist's preferences, blackouts, ledger
and asks (one grouped query each) and applies the same rules, rotation and feedback in Python. On
PostgreSQL the shortlist, the shortlist's ledger and asks, and the bound on the feedback of accounts
left out are hand-written statements (``SHORTLIST_SQL``, ``HISTORY_SQL``, ``BEST_RATED_SQL``) stating
the same parts and figures as the ORM statements other databases run; the tests compare both.
Annotating a whole organisation instead makes PostgreSQL repeat each correlated subquery wherever
its annotation is used, and costs seconds at a hundred thousand advocates.

Modules: ``weights`` (weights, part names, reasons, shared arithmetic), ``score`` (the parts as ORM
expressions), ``rules`` (``annotate_rules``, ``why_not``), ``inputs`` (what a ranking passes between
its steps), ``shortlist`` (the shortlist, its bounds and history), ``shortlist_sql`` (the same as
PostgreSQL statements) and ``rank`` (``rank_candidates``).
"""

from .rank import rank_candidates
from .rules import annotate_rules, why_not
from .weights import (
    CONSENT_NEEDS,
    HARD_RULES,
    NO_LIMIT,
    SCORE_PARTS,
    Candidate,
    MatchWeights,
    Reason,
    activity_type_for,
    consent_condition,
    feedback_points,
)

__all__ = [
    "CONSENT_NEEDS",
    "HARD_RULES",
    "NO_LIMIT",
    "SCORE_PARTS",
    "Candidate",
    "MatchWeights",
    "Reason",
    "activity_type_for",
    "annotate_rules",
    "consent_condition",
    "feedback_points",
    "rank_candidates",
    "why_not",
]
