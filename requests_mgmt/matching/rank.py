"""``rank_candidates``: a shortlist, its history, the remaining rules, rotation and feedback in Python,
widened until the ranking is provably the one evaluating everyone would give."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from advocates.models import Advocate, ProgramPolicy

from ..models import AdvocacyRequest
from .inputs import _Inputs, _Row
from .rules import _blocked_by_own_interval
from .score import _fit_parts
from .shortlist import _history, _out_of_reach, _shortlist
from .weights import (
    NO_LIMIT,
    SCORE_PARTS,
    STATIC_PARTS,
    Candidate,
    MatchWeights,
    _part_labels,
    _rotation_parts,
    activity_type_for,
    feedback_points,
)

# How many advocates, best fit and tier first, have their history read; widened until the ranking is
# provably the one evaluating everyone would give (None: everyone). 300 proves the benchmark's four
# requests at once (250 does not prove the speaking slot's); each advocate more costs reading
# their ledger and the advocates of four accounts more.
SHORTLISTS = (300, 4000, None)


def rank_candidates(
    *, advocacy_request: AdvocacyRequest, limit: int = 20, today: date | None = None, one_per_account: bool = True
) -> list[Candidate]:
    """The best ``limit`` advocates who pass every hard rule, best first, each with its parts.

    Ranked in two steps so it stays fast with a hundred thousand advocates: a shortlist by the parts
    that need no ledger (fit, tier and past feedback, among active advocates of healthy accounts with
    the consent needed; the best-fitting accounts first, then their advocates), then the ledger and
    asks of the shortlist only, the remaining rules, rotation and feedback in Python.
    The result is exact: when someone left off the shortlist could still have reached the list (their
    fit, tier and feedback plus the most rotation can add; past feedback at its most for the
    advocates of accounts left out), the shortlist is widened, up to everyone."""
    if limit <= 0:
        return []
    organization = advocacy_request.organization
    weights = MatchWeights.for_organization(organization)
    inputs = _Inputs(
        advocacy_request=advocacy_request,
        activity_type=activity_type_for(advocacy_request),
        policy=ProgramPolicy.for_organization(organization),
        weights=weights,
        today=today or timezone.localdate(),
        now=timezone.now(),
    )
    # The bound on what rotation adds needs it never to subtract.
    shortlists = SHORTLISTS if weights.rotation_load >= 0 and weights.rotation_recency >= 0 else (None,)
    ranked: list[tuple[int, _Row, dict[str, int]]] = []
    for shortlist in shortlists:
        rows, left_out = _shortlist(inputs, shortlist)
        ranked = _rank(inputs, rows, limit=limit, one_per_account=one_per_account, whole=shortlist is None)
        if left_out is None or (len(ranked) == limit and _out_of_reach(inputs, left_out, ranked[-1][0])):
            break
    # The few ranked, with their account; and, unless the shortlist read them, the fit and tier parts
    # for their breakdown (the ORM shortlist keeps only their sum).
    advocates = Advocate.objects.filter(
        organization=organization, pk__in=[row.pk for _s, row, _h in ranked]
    ).select_related("account")
    if any(row.parts is None for _s, row, _h in ranked):
        advocates = advocates.annotate(**_fit_parts(advocacy_request, weights))
    by_pk = {advocate.pk: advocate for advocate in advocates}
    labels = _part_labels(weights)
    candidates = []
    for score, row, history_parts in ranked:
        advocate: Any = by_pk[row.pk]
        static_parts = row.parts if row.parts is not None else {key: getattr(advocate, key) for key in STATIC_PARTS}
        points = {**static_parts, **history_parts}
        parts = [(key, str(labels[key][0]), points[key], labels[key][1]) for key in SCORE_PARTS]
        candidates.append(Candidate(advocate=advocate, score=score, parts=parts))
    return candidates


def _rank(
    inputs: _Inputs, rows: list[_Row], *, limit: int, one_per_account: bool, whole: bool
) -> list[tuple[int, _Row, dict[str, int]]]:
    """(score, row, the parts read from history: rotation and feedback) of the best ``limit`` of
    ``rows`` who pass every remaining rule, best first: the rules of ``annotate_rules`` (``ok_willing``
    … ``ok_not_pending``,
    ``already_asked``), then one per account, then the advocate's own minimum interval (checked on
    the account's best, as ``why_not`` reports it)."""
    history = _history(inputs, None if whole else [row.pk for row in rows])
    activity_type, policy, weights, today = inputs.activity_type, inputs.policy, inputs.weights, inputs.today
    type_limit = activity_type.limit_per_year if activity_type.limit_per_year is not None else NO_LIMIT
    interval_until = today - timedelta(days=activity_type.min_interval_days or 0)
    cooldown_until = inputs.now - timedelta(days=policy.cooldown_days)
    cap = max(policy.yearly_cap, 1)
    scored: list[tuple[int, _Row, dict[str, int], bool]] = []
    for row in rows:
        capped, of_type, last_of_type = history.ledger.get(row.pk, (0, 0, None))
        holding, holding_of_type, last_ask_at, pending_elsewhere, already_asked, rating_sum, rated = history.asks.get(
            row.pk, (0, 0, None, 0, 0, 0, 0)
        )
        used_12m = capped + holding
        type_used_12m = of_type + holding_of_type
        if (
            not row.willing
            or (activity_type.counts_toward_cap and used_12m >= policy.yearly_cap)
            or type_used_12m >= type_limit
            or (row.own_limit is not None and type_used_12m >= row.own_limit)
            or (last_of_type is not None and last_of_type > interval_until)
            or (last_ask_at is not None and last_ask_at > cooldown_until)
            or row.blacked_out
            or pending_elsewhere
            or already_asked
        ):
            continue
        load, recency = _rotation_parts(
            used_12m=used_12m, last_ask_at=last_ask_at, weights=weights, cap=cap, now=inputs.now
        )
        history_parts = {
            "rotation_load": load,
            "rotation_recency": recency,
            "feedback": feedback_points(weights.feedback, rating_sum=rating_sum, rated=rated),
        }
        blocked = _blocked_by_own_interval(row.own_interval, last_of_type, today)
        scored.append((row.static_score + sum(history_parts.values()), row, history_parts, blocked))
    scored.sort(key=lambda item: (-item[0], item[1].pk))
    ranked: list[tuple[int, _Row, dict[str, int]]] = []
    accounts_seen: set[int] = set()
    for score, row, history_parts, blocked in scored:
        if one_per_account:
            if row.account_id in accounts_seen:
                continue
            accounts_seen.add(row.account_id)
        if not blocked:
            ranked.append((score, row, history_parts))
            if len(ranked) == limit:
                break
    return ranked
