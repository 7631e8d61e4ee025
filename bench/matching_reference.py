"""Other ways of computing ``requests_mgmt.matching.rank_candidates``, for the benchmark only:

- ``rank_sql``, (b): the same ranking as one hand-written SQL statement. It does not evaluate every
  rule for every advocate: fit, tier and past feedback (accounts first, then the advocates of the
  best-fitting accounts) decide a shortlist of 400, and only those have their ledger, asks,
  preferences and blackouts read. Rotation adds at most 20 points (and an advocate of an account left
  out has neutral feedback unless they rated completed asks), so the statement can tell whether
  anyone left out could still have reached the top 20; it returns that as ``exact``. Should it be false, a wider
  statement runs, then the whole-ledger one; ``FALLBACKS`` records it (the benchmark reports it).
- ``rank_sql(full=True)``, (b0): every rule for every advocate, each table aggregated once in a CTE.
  The same shape as the engine's query, written by hand.
- ``rank_naive``, (c): loads the organisation's advocates, accounts, activities, asks, preferences
  and blackouts into Python and filters and scores there: what DESIGN.md rules out, kept for scale.

All mirror the engine's rules and weights exactly (same order, same tie-break on the primary key), so
they must return the same advocates in the same order as the engine; the benchmark checks it.

Semantics copied from requests_mgmt/matching/ (keep in step when it changes):
- window: an activity or open ask counts while occurred_on / asked_at (date, in the current time zone)
  is after ``window_start(today)``; counting activities are planned or completed;
- used_12m = counting activities of types that count toward the cap + open asks (pending or accepted,
  no activity yet), any type; the cap applies only when the requested type counts toward it;
- type_used_12m = counting activities of the type + open asks for requests of the same type;
- last_type_on = the latest counting activity of the type, ever (a planned one may lie ahead);
- interval: last_type_on <= today - the type's interval (0 when none); the advocate's own interval is
  checked after one-per-account, on the best rows (as the engine does it in Python);
- cooldown: the latest ask of any status at or before now - cooldown_days;
- blackout: starts_on <= max(needed_by, today) and ends_on >= today;
- willing: a preference for the type, or no preference at all and preferences_stated_at empty;
- rotation_load = max(0, w - used_12m * w / cap) in integer arithmetic; rotation_recency by the
  time since the last ask (none or >= 180 days: w, 90: 7/10, 60: 4/10, else 2/10);
- feedback over the advocate's completed asks with a rating (n of them, ratings summing to s):
  w * (s / n - 1) / 4 rounded half away from zero, as (2|w|(s - n) + 4n) div 8n with w's sign;
  none rated: (|w| + 1) div 2 with w's sign (``requests_mgmt.matching.feedback_points``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

NO_LIMIT = 10_000
CONSENT_COLUMNS = {
    "needs_named": "consent_named",
    "needs_quoted": "consent_quoted",
    "needs_logo": "consent_logo",
    "needs_recorded": "consent_recorded",
    "needs_speak_publicly": "consent_speak_publicly",
}
PART_KEYS = (
    "fit_industry",
    "fit_segment",
    "fit_region",
    "fit_products",
    "fit_use_case",
    "fit_seniority",
    "fit_language",
    "fit_tier",
    "rotation_load",
    "rotation_recency",
    "feedback",
)


@dataclass
class RankedRow:
    advocate_id: int
    account_id: int
    score: int
    parts: dict[str, int]


@dataclass(frozen=True)
class Inputs:
    """Everything the ranking depends on, resolved once in Python (as the engine does)."""

    organization_id: int
    request_id: int
    type_id: int
    type_key: str
    type_limit: int
    type_interval: int
    type_counts_toward_cap: bool
    consents_needed: tuple[str, ...]  # advocate columns that must be true
    today: date
    window_start: date
    now: datetime
    time_zone: str
    needed_by: date
    health_threshold: int
    yearly_cap: int
    cooldown_days: int
    industry: str
    segment: str
    region: str
    products: tuple[str, ...]
    use_case: str
    seniority: str
    language: str
    tier_points: dict[str, int]
    weights: dict[str, int]
    limit: int


def inputs_for(advocacy_request: Any, *, limit: int = 20, today: date | None = None) -> Inputs:
    from django.utils import timezone

    from advocates.capacity import window_start
    from advocates.models import ActivityType, ProgramPolicy
    from requests_mgmt.matching import MatchWeights

    organization = advocacy_request.organization
    today = today or timezone.localdate()
    activity_type = ActivityType.objects.get(organization=organization, key=advocacy_request.request_type)
    policy = ProgramPolicy.for_organization(organization)
    weights = MatchWeights.for_organization(organization)
    big_deal = (advocacy_request.deal_value or 0) >= weights.big_deal_value
    share = (
        {"platinum": 10, "gold": 7, "silver": 3, "community": 0}
        if big_deal
        else {"gold": 10, "silver": 7, "platinum": 4, "community": 3}
    )
    return Inputs(
        organization_id=organization.pk,
        request_id=advocacy_request.pk,
        type_id=activity_type.pk,
        type_key=activity_type.key,
        type_limit=activity_type.limit_per_year if activity_type.limit_per_year is not None else NO_LIMIT,
        type_interval=activity_type.min_interval_days or 0,
        type_counts_toward_cap=activity_type.counts_toward_cap,
        consents_needed=tuple(column for need, column in CONSENT_COLUMNS.items() if getattr(activity_type, need)),
        today=today,
        window_start=window_start(today),
        now=timezone.now(),
        time_zone=timezone.get_current_timezone_name(),
        needed_by=max(advocacy_request.needed_by, today),
        health_threshold=policy.health_threshold,
        yearly_cap=policy.yearly_cap,
        cooldown_days=policy.cooldown_days,
        industry=advocacy_request.prospect_industry,
        segment=advocacy_request.prospect_segment,
        region=advocacy_request.prospect_region,
        products=tuple(name.strip() for name in advocacy_request.products.split(",") if name.strip()),
        use_case=advocacy_request.use_case,
        seniority=advocacy_request.seniority_wanted,
        language=advocacy_request.language,
        tier_points={tier: weights.tier * points // 10 for tier, points in share.items()},
        weights={
            "industry": weights.industry,
            "segment": weights.segment,
            "region": weights.region,
            "products": weights.products,
            "use_case": weights.use_case,
            "seniority": weights.seniority,
            "language": weights.language,
            "rotation_load": weights.rotation_load,
            "rotation_recency": weights.rotation_recency,
            "feedback": weights.feedback,
        },
        limit=limit,
    )


# --- (b) one hand-written SQL statement ------------------------------------------------------------------

RANK_SQL_FULL = """
WITH
-- Per advocate, from the ledger: the capped activities in the window, this type's in the window, and
-- this type's latest. Older rows of other types cannot change any of the three.
ledger AS (
    SELECT a.advocate_id,
           count(*) FILTER (WHERE a.occurred_on > %(window_start)s AND t.counts_toward_cap) AS capped_12m,
           count(*) FILTER (WHERE a.occurred_on > %(window_start)s AND a.activity_type_id = %(type_id)s)
               AS type_12m,
           max(a.occurred_on) FILTER (WHERE a.activity_type_id = %(type_id)s) AS last_type_on
    FROM advocates_activity a
    JOIN advocates_activitytype t ON t.id = a.activity_type_id
    WHERE a.organization_id = %(org)s
      AND a.status IN ('planned', 'completed')
      AND (a.occurred_on > %(window_start)s OR a.activity_type_id = %(type_id)s)
    GROUP BY a.advocate_id
),
-- Per advocate, from the asks: open ones in the window (all types, this type), the latest ask, and
-- whether one waits for an answer on another request or is already open on this one.
asks AS (
    SELECT k.advocate_id,
           count(*) FILTER (WHERE k.status IN ('pending', 'accepted') AND k.activity_id IS NULL
                              AND (k.asked_at AT TIME ZONE %(tz)s)::date > %(window_start)s) AS open_12m,
           count(*) FILTER (WHERE k.status IN ('pending', 'accepted') AND k.activity_id IS NULL
                              AND (k.asked_at AT TIME ZONE %(tz)s)::date > %(window_start)s
                              AND r.request_type = %(type_key)s) AS open_type_12m,
           max(k.asked_at) AS last_ask_at,
           bool_or(k.status = 'pending' AND k.request_id <> %(request_id)s) AS pending_elsewhere,
           bool_or(k.request_id = %(request_id)s AND k.status IN ('pending', 'accepted')) AS already_asked,
           sum(k.advocate_rating) FILTER (WHERE k.status = 'completed') AS rating_sum,
           count(k.advocate_rating) FILTER (WHERE k.status = 'completed') AS rated
    FROM requests_mgmt_ask k
    JOIN requests_mgmt_advocacyrequest r ON r.id = k.request_id
    WHERE k.organization_id = %(org)s
    GROUP BY k.advocate_id
),
-- Per advocate who stated preferences: willing for this type, and their own limits for it.
preferences AS (
    SELECT p.advocate_id,
           bool_or(p.activity_type_id = %(type_id)s) AS willing,
           max(p.max_per_year) FILTER (WHERE p.activity_type_id = %(type_id)s) AS own_limit,
           max(p.min_interval_days) FILTER (WHERE p.activity_type_id = %(type_id)s) AS own_interval
    FROM advocates_activitypreference p
    WHERE p.organization_id = %(org)s
    GROUP BY p.advocate_id
),
blacked_out AS (
    SELECT DISTINCT b.advocate_id
    FROM advocates_blackoutperiod b
    WHERE b.organization_id = %(org)s AND b.starts_on <= %(needed_by)s AND b.ends_on >= %(today)s
),
using_products AS (
    SELECT DISTINCT ap.account_id
    FROM advocates_accountproduct ap
    JOIN advocates_product pr ON pr.id = ap.product_id
    WHERE ap.organization_id = %(org)s AND pr.name = ANY(%(products)s::text[])
),
eligible AS (
    SELECT v.id, v.account_id, l.last_type_on, p.own_interval,
           COALESCE(l.capped_12m, 0) + COALESCE(k.open_12m, 0) AS used_12m,
           k.last_ask_at, COALESCE(k.rating_sum, 0) AS rating_sum, COALESCE(k.rated, 0) AS rated,
           CASE WHEN %(industry)s <> '' AND upper(c.industry) = upper(%(industry)s)
                THEN %(w_industry)s ELSE 0 END AS fit_industry,
           CASE WHEN %(segment)s <> '' AND c.segment = %(segment)s THEN %(w_segment)s ELSE 0 END AS fit_segment,
           CASE WHEN %(region)s <> '' AND c.region = %(region)s THEN %(w_region)s ELSE 0 END AS fit_region,
           CASE WHEN u.account_id IS NOT NULL THEN %(w_products)s ELSE 0 END AS fit_products,
           CASE WHEN %(use_case)s <> '' AND strpos(upper(v.use_cases), upper(%(use_case)s)) > 0
                THEN %(w_use_case)s ELSE 0 END AS fit_use_case,
           CASE WHEN %(seniority)s <> '' AND v.seniority = %(seniority)s THEN %(w_seniority)s ELSE 0 END
               AS fit_seniority,
           CASE WHEN %(language)s <> '' AND v.languages ~ ('(^| )' || %(language)s || '( |$)')
                THEN %(w_language)s ELSE 0 END AS fit_language,
           CASE v.tier WHEN 'platinum' THEN %(tier_platinum)s WHEN 'gold' THEN %(tier_gold)s
                       WHEN 'silver' THEN %(tier_silver)s WHEN 'community' THEN %(tier_community)s
                       ELSE 0 END AS fit_tier
    FROM advocates_advocate v
    JOIN advocates_customeraccount c ON c.id = v.account_id
    LEFT JOIN ledger l ON l.advocate_id = v.id
    LEFT JOIN asks k ON k.advocate_id = v.id
    LEFT JOIN preferences p ON p.advocate_id = v.id
    LEFT JOIN using_products u ON u.account_id = v.account_id
    WHERE v.organization_id = %(org)s
      AND v.status = 'active'
      AND c.health_score >= %(health_threshold)s
      AND {consents}
      AND (p.willing OR (p.advocate_id IS NULL AND v.preferences_stated_at IS NULL))
      AND (NOT %(counts_toward_cap)s OR COALESCE(l.capped_12m, 0) + COALESCE(k.open_12m, 0) < %(cap)s)
      AND COALESCE(l.type_12m, 0) + COALESCE(k.open_type_12m, 0) < %(type_limit)s
      AND (p.own_limit IS NULL OR COALESCE(l.type_12m, 0) + COALESCE(k.open_type_12m, 0) < p.own_limit)
      AND (l.last_type_on IS NULL OR l.last_type_on <= %(interval_until)s)
      AND (k.last_ask_at IS NULL OR k.last_ask_at <= %(cooldown_until)s)
      AND NOT COALESCE(k.pending_elsewhere, false)
      AND NOT COALESCE(k.already_asked, false)
      AND NOT EXISTS (SELECT 1 FROM blacked_out b WHERE b.advocate_id = v.id)
),
scored AS (
    SELECT e.*,
           GREATEST(0, %(w_rotation_load)s - e.used_12m * %(w_rotation_load)s / %(cap_divisor)s) AS rotation_load,
           CASE WHEN e.last_ask_at IS NULL OR e.last_ask_at <= %(recency_180)s THEN %(w_rotation_recency)s
                WHEN e.last_ask_at <= %(recency_90)s THEN %(recency_points_90)s
                WHEN e.last_ask_at <= %(recency_60)s THEN %(recency_points_60)s
                ELSE %(recency_points_else)s END AS rotation_recency,
           {feedback} AS feedback
    FROM eligible e
),
totalled AS (
    SELECT s.*,
           s.fit_industry + s.fit_segment + s.fit_region + s.fit_products + s.fit_use_case + s.fit_seniority
           + s.fit_language + s.fit_tier + s.rotation_load + s.rotation_recency + s.feedback AS score
    FROM scored s
),
best_per_account AS (
    SELECT t.*, row_number() OVER (PARTITION BY t.account_id ORDER BY t.score DESC, t.id) AS account_rank
    FROM totalled t
)
SELECT id, account_id, score, fit_industry, fit_segment, fit_region, fit_products, fit_use_case, fit_seniority,
       fit_language, fit_tier, rotation_load, rotation_recency, feedback
FROM best_per_account
WHERE account_rank = 1
  -- the advocate's own minimum interval, after one-per-account as in the engine
  AND NOT (own_interval IS NOT NULL AND own_interval > 0 AND last_type_on IS NOT NULL
           AND last_type_on > %(today)s - own_interval)
ORDER BY score DESC, id
LIMIT %(limit)s
"""


# How many advocates, best fit first, get their ledger, asks and preferences read (more on ties).
SHORTLIST = 400

RANK_SQL = """
WITH
using_products AS (
    SELECT DISTINCT ap.account_id
    FROM advocates_accountproduct ap
    JOIN advocates_product pr ON pr.id = ap.product_id
    WHERE ap.organization_id = %(org)s AND pr.name = ANY(%(products)s::text[])
),
-- 1. The healthy accounts with their part of the fit (industry, segment, region, products).
accounts_fit AS (
    SELECT f.*, f.fit_industry + f.fit_segment + f.fit_region + f.fit_products AS account_fit
    FROM (
        SELECT c.id,
               CASE WHEN %(industry)s <> '' AND upper(c.industry) = upper(%(industry)s)
                    THEN %(w_industry)s ELSE 0 END AS fit_industry,
               CASE WHEN %(segment)s <> '' AND c.segment = %(segment)s THEN %(w_segment)s ELSE 0 END AS fit_segment,
               CASE WHEN %(region)s <> '' AND c.region = %(region)s THEN %(w_region)s ELSE 0 END AS fit_region,
               CASE WHEN u.account_id IS NOT NULL THEN %(w_products)s ELSE 0 END AS fit_products
        FROM advocates_customeraccount c
        LEFT JOIN using_products u ON u.account_id = c.id
        WHERE c.organization_id = %(org)s AND c.health_score >= %(health_threshold)s
    ) f
),
-- 2. The accounts with the best fit (all of them in the widest attempt): an advocate adds at most
--    advocate_max points of fit to the account's, so the advocates of the accounts left out score at
--    most the lowest fit taken + advocate_max + rotation_max.
best_accounts AS (
    SELECT * FROM accounts_fit ORDER BY account_fit DESC, id LIMIT %(account_limit)s
),
-- 3. Their active advocates with the consents, and the part of the score that needs no ledger (fit,
--    tier, and past feedback from their few rated asks). Rotation adds at most rotation_max points.
static AS (
    SELECT v.id, v.account_id, v.preferences_stated_at,
           c.fit_industry, c.fit_segment, c.fit_region, c.fit_products,
           CASE WHEN %(use_case)s <> '' AND strpos(upper(v.use_cases), upper(%(use_case)s)) > 0
                THEN %(w_use_case)s ELSE 0 END AS fit_use_case,
           CASE WHEN %(seniority)s <> '' AND v.seniority = %(seniority)s THEN %(w_seniority)s ELSE 0 END
               AS fit_seniority,
           -- the engine's regex (^| )xx( |$), as a LIKE on the space-separated codes
           CASE WHEN %(language)s <> '' AND (' ' || v.languages || ' ') LIKE ('%% ' || %(language)s || ' %%')
                THEN %(w_language)s ELSE 0 END AS fit_language,
           CASE v.tier WHEN 'platinum' THEN %(tier_platinum)s WHEN 'gold' THEN %(tier_gold)s
                       WHEN 'silver' THEN %(tier_silver)s WHEN 'community' THEN %(tier_community)s
                       ELSE 0 END AS fit_tier,
           (SELECT {feedback_of_sums}
            FROM (SELECT count(*) AS rated, COALESCE(sum(k.advocate_rating), 0) AS rating_sum
                  FROM requests_mgmt_ask k
                  WHERE k.organization_id = %(org)s AND k.advocate_id = v.id AND k.status = 'completed'
                    AND k.advocate_rating IS NOT NULL) e) AS feedback
    FROM {advocates_of_best_accounts}
      v.status = 'active' AND {consents}
),
static_scored AS (
    SELECT s.*, s.fit_industry + s.fit_segment + s.fit_region + s.fit_products + s.fit_use_case
                + s.fit_seniority + s.fit_language + s.fit_tier + s.feedback AS static_score
    FROM static s
),
-- 4. The shortlist: the best %(shortlist)s static scores, evaluated in full below.
shortlist AS (
    SELECT * FROM static_scored ORDER BY static_score DESC, id LIMIT %(shortlist)s
),
{shortlist_ranking},
-- 5. Anyone not evaluated scores at most: the shortlist's lowest static score (when it is full), or,
--    for the advocates of the accounts left out, the best such account's fit + advocate_max + neutral
--    feedback (one who rated completed asks: their own fit, tier and feedback); plus rotation_max.
--    When the ranking's last candidate scores more than that, none of them could have made the list
--    (nor taken an account's place on it), and "exact" says so; otherwise the caller runs a wider
--    statement.
rated_outside AS (
    SELECT max(e.fit + {feedback_of_sums}) AS most
    FROM (
        SELECT max(f.account_fit
                   + CASE WHEN %(use_case)s <> '' AND strpos(upper(v.use_cases), upper(%(use_case)s)) > 0
                          THEN %(w_use_case)s ELSE 0 END
                   + CASE WHEN %(seniority)s <> '' AND v.seniority = %(seniority)s THEN %(w_seniority)s ELSE 0 END
                   + CASE WHEN %(language)s <> '' AND (' ' || v.languages || ' ') LIKE ('%% ' || %(language)s || ' %%')
                          THEN %(w_language)s ELSE 0 END
                   + CASE v.tier WHEN 'platinum' THEN %(tier_platinum)s WHEN 'gold' THEN %(tier_gold)s
                                 WHEN 'silver' THEN %(tier_silver)s WHEN 'community' THEN %(tier_community)s
                                 ELSE 0 END) AS fit,
               count(*) AS rated, sum(k.advocate_rating) AS rating_sum
        FROM requests_mgmt_ask k
        JOIN advocates_advocate v ON v.id = k.advocate_id AND v.status = 'active'
        JOIN accounts_fit f ON f.id = v.account_id
        WHERE k.organization_id = %(org)s AND k.status = 'completed' AND k.advocate_rating IS NOT NULL
          AND v.account_id NOT IN (SELECT id FROM best_accounts)
        GROUP BY k.advocate_id
    ) e
),
bound AS (
    SELECT GREATEST(
               CASE WHEN (SELECT count(*) FROM shortlist) < %(shortlist)s THEN -1000
                    ELSE (SELECT min(static_score) FROM shortlist) END,
               CASE WHEN (SELECT count(*) FROM best_accounts) < %(account_limit)s THEN -1000
                    ELSE GREATEST((SELECT min(account_fit) FROM best_accounts) + %(advocate_max)s
                                  + %(feedback_neutral)s,
                                  (SELECT most FROM rated_outside)) END
           ) + %(rotation_max)s AS best_left_out
)
SELECT r.*,
       (SELECT count(*) FROM short_ranked) = %(limit)s
       AND (SELECT min(score) FROM short_ranked) > (SELECT best_left_out FROM bound)
       OR (SELECT best_left_out FROM bound) < 0 AS exact
FROM short_ranked r
ORDER BY r.score DESC, r.id
"""
# An index lookup per account when few accounts qualify; one hash join when all of them may.
ADVOCATES_BY_ACCOUNT = """best_accounts c
    CROSS JOIN LATERAL (
        SELECT v.id, v.account_id, v.status, v.preferences_stated_at, v.use_cases, v.seniority, v.languages,
               v.tier, v.consent_named, v.consent_quoted, v.consent_logo, v.consent_recorded, v.consent_speak_publicly
        FROM advocates_advocate v
        WHERE v.organization_id = %(org)s AND v.account_id = c.id AND v.status = 'active'
        OFFSET 0  -- keeps the planner from flattening this into a hash join over every advocate
    ) v
    WHERE"""
ADVOCATES_JOINED = """advocates_advocate v
    JOIN best_accounts c ON c.id = v.account_id
    WHERE v.organization_id = %(org)s AND"""
# Tried in turn until one proves its ranking: (how many of the best-fitting accounts, how to reach their
# advocates). None: every account.
ATTEMPTS = ((1500, ADVOCATES_BY_ACCOUNT), (None, ADVOCATES_JOINED))

# Reads the ledger, asks, preferences and blackouts of the advocates in {source} only (index lookups
# per advocate), applies every remaining rule, scores, keeps one advocate per account, cuts to limit.
EVALUATE_AND_RANK = """
{prefix}_evaluated AS (
    SELECT s.id, s.account_id, s.fit_industry, s.fit_segment, s.fit_region, s.fit_products, s.fit_use_case,
           s.fit_seniority, s.fit_language, s.fit_tier, l.last_type_on, p.own_interval,
           COALESCE(l.capped_12m, 0) + COALESCE(k.open_12m, 0) AS used_12m, k.last_ask_at,
           COALESCE(k.rating_sum, 0) AS rating_sum, k.rated
    FROM {source} s
    CROSS JOIN LATERAL (
        SELECT count(*) FILTER (WHERE a.occurred_on > %(window_start)s AND t.counts_toward_cap) AS capped_12m,
               count(*) FILTER (WHERE a.occurred_on > %(window_start)s AND a.activity_type_id = %(type_id)s)
                   AS type_12m,
               max(a.occurred_on) FILTER (WHERE a.activity_type_id = %(type_id)s) AS last_type_on
        FROM advocates_activity a
        JOIN advocates_activitytype t ON t.id = a.activity_type_id
        WHERE a.organization_id = %(org)s AND a.advocate_id = s.id AND a.status IN ('planned', 'completed')
    ) l
    CROSS JOIN LATERAL (
        SELECT count(*) FILTER (WHERE k.status IN ('pending', 'accepted') AND k.activity_id IS NULL
                                  AND (k.asked_at AT TIME ZONE %(tz)s)::date > %(window_start)s) AS open_12m,
               count(*) FILTER (WHERE k.status IN ('pending', 'accepted') AND k.activity_id IS NULL
                                  AND (k.asked_at AT TIME ZONE %(tz)s)::date > %(window_start)s
                                  AND r.request_type = %(type_key)s) AS open_type_12m,
               max(k.asked_at) AS last_ask_at,
               bool_or(k.status = 'pending' AND k.request_id <> %(request_id)s) AS pending_elsewhere,
               bool_or(k.request_id = %(request_id)s AND k.status IN ('pending', 'accepted')) AS already_asked,
               sum(k.advocate_rating) FILTER (WHERE k.status = 'completed') AS rating_sum,
               count(k.advocate_rating) FILTER (WHERE k.status = 'completed') AS rated
        FROM requests_mgmt_ask k
        JOIN requests_mgmt_advocacyrequest r ON r.id = k.request_id
        WHERE k.organization_id = %(org)s AND k.advocate_id = s.id
    ) k
    CROSS JOIN LATERAL (
        SELECT count(*) AS stated,
               bool_or(p.activity_type_id = %(type_id)s) AS willing,
               max(p.max_per_year) FILTER (WHERE p.activity_type_id = %(type_id)s) AS own_limit,
               max(p.min_interval_days) FILTER (WHERE p.activity_type_id = %(type_id)s) AS own_interval
        FROM advocates_activitypreference p
        WHERE p.organization_id = %(org)s AND p.advocate_id = s.id
    ) p
    WHERE (p.willing OR (p.stated = 0 AND s.preferences_stated_at IS NULL))
      AND (NOT %(counts_toward_cap)s OR COALESCE(l.capped_12m, 0) + COALESCE(k.open_12m, 0) < %(cap)s)
      AND COALESCE(l.type_12m, 0) + COALESCE(k.open_type_12m, 0) < %(type_limit)s
      AND (p.own_limit IS NULL OR COALESCE(l.type_12m, 0) + COALESCE(k.open_type_12m, 0) < p.own_limit)
      AND (l.last_type_on IS NULL OR l.last_type_on <= %(interval_until)s)
      AND (k.last_ask_at IS NULL OR k.last_ask_at <= %(cooldown_until)s)
      AND NOT COALESCE(k.pending_elsewhere, false)
      AND NOT COALESCE(k.already_asked, false)
      AND NOT EXISTS (
          SELECT 1 FROM advocates_blackoutperiod b
          WHERE b.organization_id = %(org)s AND b.advocate_id = s.id
            AND b.starts_on <= %(needed_by)s AND b.ends_on >= %(today)s
      )
),
{prefix}_scored AS (
    SELECT e.*,
           GREATEST(0, %(w_rotation_load)s - e.used_12m * %(w_rotation_load)s / %(cap_divisor)s) AS rotation_load,
           CASE WHEN e.last_ask_at IS NULL OR e.last_ask_at <= %(recency_180)s THEN %(w_rotation_recency)s
                WHEN e.last_ask_at <= %(recency_90)s THEN %(recency_points_90)s
                WHEN e.last_ask_at <= %(recency_60)s THEN %(recency_points_60)s
                ELSE %(recency_points_else)s END AS rotation_recency,
           {feedback} AS feedback
    FROM {prefix}_evaluated e
),
{prefix}_per_account AS (
    SELECT t.*, row_number() OVER (PARTITION BY t.account_id ORDER BY t.score DESC, t.id) AS account_rank
    FROM (
        SELECT s.*, s.fit_industry + s.fit_segment + s.fit_region + s.fit_products + s.fit_use_case
                    + s.fit_seniority + s.fit_language + s.fit_tier + s.rotation_load + s.rotation_recency
                    + s.feedback AS score
        FROM {prefix}_scored s
    ) t
),
{prefix}_ranked AS (
    SELECT id, account_id, score, fit_industry, fit_segment, fit_region, fit_products, fit_use_case,
           fit_seniority, fit_language, fit_tier, rotation_load, rotation_recency, feedback
    FROM {prefix}_per_account
    WHERE account_rank = 1
      -- the advocate's own minimum interval, after one-per-account as in the engine
      AND NOT (own_interval IS NOT NULL AND own_interval > 0 AND last_type_on IS NOT NULL
               AND last_type_on > %(today)s - own_interval)
    ORDER BY score DESC, id
    LIMIT %(limit)s
)"""


# Past feedback from the ratings' sum and count (both 0 when none), in integer arithmetic.
FEEDBACK = """CASE WHEN e.rated = 0 THEN %(feedback_neutral)s
                ELSE %(feedback_sign)s * ((2 * %(feedback_size)s * (e.rating_sum - e.rated) + 4 * e.rated)
                                         / (8 * e.rated)) END"""


def _feedback_points(weight: int, rating_sum: int, rated: int) -> int:
    """Past feedback, computed again here rather than imported from the engine."""
    size = abs(weight)
    magnitude = (2 * size * (rating_sum - rated) + 4 * rated) // (8 * rated) if rated else (size + 1) // 2
    return magnitude if weight >= 0 else -magnitude


def sql_and_params(inputs: Inputs, *, full: bool = False, attempt: int = 0) -> tuple[str, dict[str, Any]]:
    """The statement and its parameters: the pruned one (``RANK_SQL``, ``ATTEMPTS[attempt]``) or the
    whole-ledger one (``RANK_SQL_FULL``)."""
    consents = " AND ".join(f"v.{column}" for column in inputs.consents_needed) or "true"
    weights = inputs.weights
    recency_points = [
        weights["rotation_recency"],
        weights["rotation_recency"] * 7 // 10,
        weights["rotation_recency"] * 4 // 10,
        weights["rotation_recency"] * 2 // 10,
    ]
    params: dict[str, Any] = {
        "shortlist": SHORTLIST,
        "account_limit": ATTEMPTS[attempt][0] if ATTEMPTS[attempt][0] is not None else 1_000_000_000,
        "advocate_max": (weights["use_case"] if inputs.use_case else 0)
        + (weights["seniority"] if inputs.seniority else 0)
        + (weights["language"] if inputs.language else 0)
        + max(inputs.tier_points.values(), default=0),
        "rotation_max": weights["rotation_load"] + max(recency_points),
        "feedback_sign": 1 if weights["feedback"] >= 0 else -1,
        "feedback_size": abs(weights["feedback"]),
        "feedback_neutral": _feedback_points(weights["feedback"], 0, 0),
        "org": inputs.organization_id,
        "request_id": inputs.request_id,
        "type_id": inputs.type_id,
        "type_key": inputs.type_key,
        "type_limit": inputs.type_limit,
        "counts_toward_cap": inputs.type_counts_toward_cap,
        "today": inputs.today,
        "window_start": inputs.window_start,
        "tz": inputs.time_zone,
        "needed_by": inputs.needed_by,
        "health_threshold": inputs.health_threshold,
        "cap": inputs.yearly_cap,
        "cap_divisor": max(inputs.yearly_cap, 1),
        "interval_until": inputs.today - timedelta(days=inputs.type_interval),
        "cooldown_until": inputs.now - timedelta(days=inputs.cooldown_days),
        "recency_180": inputs.now - timedelta(days=180),
        "recency_90": inputs.now - timedelta(days=90),
        "recency_60": inputs.now - timedelta(days=60),
        "recency_points_90": weights["rotation_recency"] * 7 // 10,
        "recency_points_60": weights["rotation_recency"] * 4 // 10,
        "recency_points_else": weights["rotation_recency"] * 2 // 10,
        "industry": inputs.industry,
        "segment": inputs.segment,
        "region": inputs.region,
        "products": list(inputs.products),
        "use_case": inputs.use_case,
        "seniority": inputs.seniority,
        "language": inputs.language,
        "limit": inputs.limit,
        **{f"w_{key}": value for key, value in weights.items()},
        **{f"tier_{tier}": inputs.tier_points.get(tier, 0) for tier in ("platinum", "gold", "silver", "community")},
    }
    if full:
        return RANK_SQL_FULL.format(consents=consents, feedback=FEEDBACK), params
    return (
        RANK_SQL.format(
            consents=consents,
            shortlist_ranking=EVALUATE_AND_RANK.format(prefix="short", source="shortlist", feedback=FEEDBACK),
            advocates_of_best_accounts=ATTEMPTS[attempt][1],
            feedback_of_sums=FEEDBACK,
        ),
        params,
    )


def rank_sql(inputs: Inputs, *, full: bool = False) -> list[RankedRow]:
    """(b): one statement, the narrowest of ``ATTEMPTS`` first. Should it not prove its ranking (its
    ``exact`` column false), the next, wider one runs, and at last the whole-ledger statement;
    ``FALLBACKS`` records each time that happened."""
    from django.db import connection

    with connection.cursor() as cursor:
        if not full:
            for attempt in range(len(ATTEMPTS)):
                sql, params = sql_and_params(inputs, attempt=attempt)
                cursor.execute(sql, params)
                rows = cursor.fetchall()
                if rows and rows[0][-1]:  # no row: nothing to prove the ranking with
                    return _ranked([row[:-1] for row in rows])
                FALLBACKS.append((inputs.request_id, attempt))
        sql, params = sql_and_params(inputs, full=True)
        cursor.execute(sql, params)
        return _ranked(cursor.fetchall())


def _ranked(rows: list[Any]) -> list[RankedRow]:
    return [
        RankedRow(advocate_id=row[0], account_id=row[1], score=row[2], parts=dict(zip(PART_KEYS, row[3:], strict=True)))
        for row in rows
    ]


FALLBACKS: list[tuple[int, int]] = []  # (request id, attempt that could not prove it)


# --- (c) naive: everything into Python ----------------------------------------------------------------------


def rank_naive(inputs: Inputs) -> list[RankedRow]:
    """Loads the whole organisation (the ledger included) and ranks in Python."""
    from zoneinfo import ZoneInfo

    from advocates.models import (
        AccountProduct,
        Activity,
        ActivityPreference,
        ActivityType,
        Advocate,
        BlackoutPeriod,
        CustomerAccount,
    )
    from requests_mgmt.models import Ask

    org = inputs.organization_id
    zone = ZoneInfo(inputs.time_zone)
    capped_types = set(
        ActivityType.objects.filter(organization_id=org, counts_toward_cap=True).values_list("pk", flat=True)
    )
    accounts = {
        pk: (industry, segment, region, health)
        for pk, industry, segment, region, health in CustomerAccount.objects.filter(organization_id=org).values_list(
            "pk", "industry", "segment", "region", "health_score"
        )
    }
    using_products = set(
        AccountProduct.objects.filter(organization_id=org, product__name__in=inputs.products).values_list(
            "account_id", flat=True
        )
    )
    advocates = list(
        Advocate.objects.filter(organization_id=org).values_list(
            "pk",
            "account_id",
            "status",
            "tier",
            "seniority",
            "languages",
            "use_cases",
            "preferences_stated_at",
            *CONSENT_COLUMNS.values(),
        )
    )
    consent_index = {column: 8 + index for index, column in enumerate(CONSENT_COLUMNS.values())}

    capped_12m: dict[int, int] = defaultdict(int)
    type_12m: dict[int, int] = defaultdict(int)
    last_type_on: dict[int, date] = {}
    for advocate_id, type_id, occurred_on, status in Activity.objects.filter(organization_id=org).values_list(
        "advocate_id", "activity_type_id", "occurred_on", "status"
    ):
        if status not in ("planned", "completed"):
            continue
        in_window = occurred_on > inputs.window_start
        if in_window and type_id in capped_types:
            capped_12m[advocate_id] += 1
        if type_id == inputs.type_id:
            if in_window:
                type_12m[advocate_id] += 1
            if advocate_id not in last_type_on or occurred_on > last_type_on[advocate_id]:
                last_type_on[advocate_id] = occurred_on

    open_12m: dict[int, int] = defaultdict(int)
    open_type_12m: dict[int, int] = defaultdict(int)
    last_ask_at: dict[int, datetime] = {}
    pending_elsewhere: set[int] = set()
    already_asked: set[int] = set()
    ratings: dict[int, list[int]] = defaultdict(list)
    for advocate_id, request_id, request_type, status, activity_id, asked_at, rating in Ask.objects.filter(
        organization_id=org
    ).values_list(
        "advocate_id", "request_id", "request__request_type", "status", "activity_id", "asked_at", "advocate_rating"
    ):
        if status == "completed" and rating is not None:
            ratings[advocate_id].append(rating)
        is_open = status in ("pending", "accepted")
        if is_open and activity_id is None and asked_at.astimezone(zone).date() > inputs.window_start:
            open_12m[advocate_id] += 1
            if request_type == inputs.type_key:
                open_type_12m[advocate_id] += 1
        if advocate_id not in last_ask_at or asked_at > last_ask_at[advocate_id]:
            last_ask_at[advocate_id] = asked_at
        if status == "pending" and request_id != inputs.request_id:
            pending_elsewhere.add(advocate_id)
        if request_id == inputs.request_id and is_open:
            already_asked.add(advocate_id)

    stated: set[int] = set()
    preference: dict[int, tuple[int | None, int | None]] = {}
    for advocate_id, type_id, max_per_year, min_interval in ActivityPreference.objects.filter(
        organization_id=org
    ).values_list("advocate_id", "activity_type_id", "max_per_year", "min_interval_days"):
        stated.add(advocate_id)
        if type_id == inputs.type_id:
            preference[advocate_id] = (max_per_year, min_interval)

    blacked_out = {
        advocate_id
        for advocate_id, starts_on, ends_on in BlackoutPeriod.objects.filter(organization_id=org).values_list(
            "advocate_id", "starts_on", "ends_on"
        )
        if starts_on <= inputs.needed_by and ends_on >= inputs.today
    }

    weights = inputs.weights
    cap = inputs.yearly_cap
    cooldown_until = inputs.now - timedelta(days=inputs.cooldown_days)
    interval_until = inputs.today - timedelta(days=inputs.type_interval)
    language = re.compile(rf"(^| ){inputs.language}( |$)") if inputs.language else None
    rows: list[tuple[int, int, int, dict[str, int], int | None]] = []
    for row in advocates:
        pk, account_id, status, tier, seniority, languages, use_cases, stated_at = row[:8]
        industry, segment, region, health = accounts[account_id]
        if status != "active" or health is None or health < inputs.health_threshold:
            continue
        if not all(row[consent_index[column]] for column in inputs.consents_needed):
            continue
        own = preference.get(pk)
        if own is None and (pk in stated or stated_at is not None):
            continue
        used = capped_12m.get(pk, 0) + open_12m.get(pk, 0)
        if inputs.type_counts_toward_cap and used >= cap:
            continue
        used_type = type_12m.get(pk, 0) + open_type_12m.get(pk, 0)
        if used_type >= inputs.type_limit or (own and own[0] is not None and used_type >= own[0]):
            continue
        last_type = last_type_on.get(pk)
        if last_type is not None and last_type > interval_until:
            continue
        last_ask = last_ask_at.get(pk)
        if last_ask is not None and last_ask > cooldown_until:
            continue
        if pk in pending_elsewhere or pk in already_asked or pk in blacked_out:
            continue
        if last_ask is None or last_ask <= inputs.now - timedelta(days=180):
            recency = weights["rotation_recency"]
        elif last_ask <= inputs.now - timedelta(days=90):
            recency = weights["rotation_recency"] * 7 // 10
        elif last_ask <= inputs.now - timedelta(days=60):
            recency = weights["rotation_recency"] * 4 // 10
        else:
            recency = weights["rotation_recency"] * 2 // 10
        parts = {
            "fit_industry": weights["industry"]
            if inputs.industry and industry.upper() == inputs.industry.upper()
            else 0,
            "fit_segment": weights["segment"] if inputs.segment and segment == inputs.segment else 0,
            "fit_region": weights["region"] if inputs.region and region == inputs.region else 0,
            "fit_products": weights["products"] if account_id in using_products else 0,
            "fit_use_case": weights["use_case"]
            if inputs.use_case and inputs.use_case.upper() in use_cases.upper()
            else 0,
            "fit_seniority": weights["seniority"] if inputs.seniority and seniority == inputs.seniority else 0,
            "fit_language": weights["language"] if language and language.search(languages) else 0,
            "fit_tier": inputs.tier_points.get(tier, 0),
            # Integer division as PostgreSQL does it (the operands are never negative here).
            "rotation_load": max(0, weights["rotation_load"] - used * weights["rotation_load"] // max(cap, 1)),
            "rotation_recency": recency,
            "feedback": _feedback_points(weights["feedback"], sum(ratings[pk]), len(ratings[pk])),
        }
        own_interval = own[1] if own else None
        blocked_by_own_interval = bool(
            own_interval and last_type is not None and last_type > inputs.today - timedelta(days=own_interval)
        )
        rows.append((pk, account_id, sum(parts.values()), parts, 1 if blocked_by_own_interval else 0))

    rows.sort(key=lambda item: (-item[2], item[0]))
    seen_accounts: set[int] = set()
    ranked: list[RankedRow] = []
    for pk, account_id, score, parts, blocked in rows:
        if account_id in seen_accounts:
            continue
        seen_accounts.add(account_id)
        if blocked:
            continue
        ranked.append(RankedRow(advocate_id=pk, account_id=account_id, score=score, parts=parts))
        if len(ranked) == inputs.limit:
            break
    return ranked
