"""The hand-written PostgreSQL statements of the ranking: the shortlist, the ledger and asks of the
shortlisted, and the bound on the feedback of accounts left out. Each states the same parts and
figures as the ORM statements of ``shortlist``, which other databases run; the tests compare both."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from advocates.models import Activity, Advocate

from ..models import Ask
from .inputs import _History, _Inputs, _LeftOut, _Row
from .weights import NO_LIMIT, STATIC_PARTS, _consent_columns, _requested_products, _tier_points, feedback_points

BEST_RATED_SQL = """
SELECT max(t.points) FROM (
    SELECT {account_fit} AS account_fit, {fit} + {feedback} AS points
    FROM advocates_advocate v
    JOIN advocates_customeraccount c ON c.id = v.account_id AND c.health_score >= %(health_threshold)s
    WHERE v.organization_id = %(org)s AND v.status = %(active)s {consents}
      AND v.id IN (SELECT k.advocate_id FROM requests_mgmt_ask k WHERE {rated})
    OFFSET 0  -- each part computed once
) t
WHERE t.account_fit <= %(account_fit)s
"""


def _best_rated_sql(inputs: _Inputs, *, account_fit: int) -> int | None:
    """``_best_rated_outside`` on PostgreSQL, in one hand-written statement: the advocates who rated
    completed asks are few, so each has their account read by its key and its products by one index
    probe."""
    params: dict[str, Any] = {
        "org": inputs.organization.pk,
        "active": Advocate.Status.ACTIVE.value,
        "rated": Ask.Status.COMPLETED.value,
        "health_threshold": inputs.policy.health_threshold,
        "account_fit": account_fit,
    }
    parts, feedback = _parts_sql(inputs, params, few_accounts=True)
    sql = BEST_RATED_SQL.format(
        account_fit=" + ".join(parts[key] for key in STATIC_PARTS[:4]),
        fit=" + ".join(parts[key] for key in STATIC_PARTS),
        feedback=feedback,
        consents="".join(f" AND v.{column}" for column in _consent_columns(inputs.activity_type)),
        rated=RATED_SQL,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


# The shortlist in one statement (PostgreSQL): the best-fitting accounts, then, through the index on
# their account (one probe each), their active advocates with the consents needed, ranked by fit, tier
# and past feedback; for the rows returned only, their preferences for the activity and any blackout,
# and once, the fit of the best account left out. The same parts and rules as the ORM statements of
# ``_shortlist`` (``_account_fit_parts``, ``_advocate_fit_parts``, ``_feedback_annotation``), which
# other databases use and the tests compare it with.
SHORTLIST_SQL = """
WITH ranked_accounts AS (
    SELECT a.*, {account_fit} AS fit
    FROM (
        SELECT c.id, {account_parts}
        FROM advocates_customeraccount c
        WHERE c.organization_id = %(org)s AND c.health_score >= %(health_threshold)s
        OFFSET 0  -- each part computed once
    ) a
    ORDER BY fit DESC, a.id
    LIMIT %(accounts_read)s + 1
),
best_accounts AS (
    SELECT id, fit FROM ranked_accounts ORDER BY fit DESC, id LIMIT %(accounts_read)s
),
shortlisted AS (
    SELECT * FROM (
        SELECT v.id, v.account_id, v.preferences_stated_at, c.fit + {advocate_fit} AS static_score,
               {feedback} AS feedback
        FROM best_accounts c
        CROSS JOIN LATERAL (
            SELECT v.id, v.account_id, v.preferences_stated_at, v.use_cases, v.seniority, v.languages, v.tier
            FROM advocates_advocate v
            WHERE v.organization_id = %(org)s AND v.account_id = c.id AND v.status = %(active)s {consents}
            OFFSET 0  -- one index probe per account, not a hash join over every advocate
        ) v
    ) t
    ORDER BY t.static_score + t.feedback DESC, t.id
    LIMIT %(shortlist)s + 1
)
SELECT s.id, s.account_id, s.static_score, s.feedback,
       -- LIMIT 1 subqueries rather than EXISTS, which PostgreSQL may hash over the whole table
       p.id IS NOT NULL OR (s.preferences_stated_at IS NULL AND (
           SELECT 1 FROM advocates_activitypreference a
           WHERE a.organization_id = %(org)s AND a.advocate_id = s.id LIMIT 1
       ) IS NULL) AS willing,
       p.max_per_year, p.min_interval_days,
       (
           SELECT 1 FROM advocates_blackoutperiod b
           WHERE b.organization_id = %(org)s AND b.advocate_id = s.id
             AND b.starts_on <= %(needed_by)s AND b.ends_on >= %(today)s
           LIMIT 1
       ) IS NOT NULL AS blacked_out,
       (SELECT fit FROM ranked_accounts ORDER BY fit DESC, id OFFSET %(accounts_read)s LIMIT 1) AS left_out_fit,
       {parts}
FROM shortlisted s
JOIN advocates_advocate v ON v.id = s.id
JOIN ranked_accounts c ON c.id = s.account_id
LEFT JOIN LATERAL (
    SELECT p.id, p.max_per_year, p.min_interval_days FROM advocates_activitypreference p
    WHERE p.organization_id = %(org)s AND p.advocate_id = s.id AND p.activity_type_id = %(activity_type)s
    OFFSET 0  -- one index probe per row returned, not a hash over the preferences of everyone
) p ON true
ORDER BY s.static_score + s.feedback DESC, s.id
"""


# Past feedback (``feedback_points``): the few advocates who rated completed asks are found by one
# hashed pass over the organisation's rated asks, and only they have theirs summed.
FEEDBACK_SQL = """CASE WHEN v.id IN (SELECT k.advocate_id FROM requests_mgmt_ask k WHERE {rated})
    THEN (SELECT {sign} * ((2 * {size} * (SUM(k.advocate_rating) - COUNT(*)) + 4 * COUNT(*)) / (8 * COUNT(*)))
          FROM requests_mgmt_ask k WHERE {rated} AND k.advocate_id = v.id)
    ELSE {neutral} END"""


RATED_SQL = "k.organization_id = %(org)s AND k.status = %(rated)s AND k.advocate_rating IS NOT NULL"


def _parts_sql(inputs: _Inputs, params: dict[str, Any], *, few_accounts: bool = False) -> tuple[dict[str, str], str]:
    """The fit and tier parts and past feedback as SQL on PostgreSQL, the lookups stated as Django
    states those of ``_account_fit_parts`` (``c``: the account), ``_advocate_fit_parts`` and
    ``_feedback_annotation`` (``v``: the advocate); their values go into ``params``. The products
    are one hashed list of the accounts that have them, or, for ``few_accounts``, one index probe
    per account."""
    request, weights = inputs.advocacy_request, inputs.weights

    def points_if(condition: str, points: int, **values: Any) -> str:
        params.update(values)
        return f"CASE WHEN {condition} THEN {int(points)} ELSE 0 END"

    parts = dict.fromkeys(STATIC_PARTS, "0")
    if request.prospect_industry and weights.industry:
        parts["fit_industry"] = points_if(
            "UPPER(c.industry::text) = UPPER(%(industry)s)", weights.industry, industry=request.prospect_industry
        )
    if request.prospect_segment and weights.segment:
        parts["fit_segment"] = points_if("c.segment = %(segment)s", weights.segment, segment=request.prospect_segment)
    if request.prospect_region and weights.region:
        parts["fit_region"] = points_if("c.region = %(region)s", weights.region, region=request.prospect_region)
    products = _requested_products(request)
    if products and weights.products:
        has_products = (
            "EXISTS (SELECT 1 FROM advocates_accountproduct u JOIN advocates_product r ON r.id = u.product_id"
            " WHERE u.account_id = c.id AND u.organization_id = %(org)s AND r.organization_id = %(org)s"
            " AND r.name = ANY(%(products)s))"
            if few_accounts
            else "c.id IN (SELECT u.account_id FROM advocates_accountproduct u"
            " JOIN advocates_product r ON r.id = u.product_id"
            " WHERE u.organization_id = %(org)s AND r.organization_id = %(org)s AND r.name = ANY(%(products)s))"
        )
        parts["fit_products"] = points_if(has_products, weights.products, products=products)
    if request.use_case and weights.use_case:
        pattern = f"%{connection.ops.prep_for_like_query(request.use_case)}%"
        parts["fit_use_case"] = points_if(
            "UPPER(v.use_cases::text) LIKE UPPER(%(use_case)s)", weights.use_case, use_case=pattern
        )
    if request.seniority_wanted and weights.seniority:
        parts["fit_seniority"] = points_if(
            "v.seniority = %(seniority)s", weights.seniority, seniority=request.seniority_wanted
        )
    if request.language and weights.language:
        # The regular expression ``(^| )code( |$)`` of ``_advocate_fit_parts`` as equality and LIKE
        # (the whole list, first, last, in between): the same answer, several times cheaper per row.
        code = connection.ops.prep_for_like_query(request.language)
        parts["fit_language"] = points_if(
            "(v.languages = %(language)s OR v.languages LIKE %(language_first)s"
            " OR v.languages LIKE %(language_last)s OR v.languages LIKE %(language_between)s)",
            weights.language,
            language=request.language,
            language_first=f"{code} %",
            language_last=f"% {code}",
            language_between=f"% {code} %",
        )
    tier_points = _tier_points(request, weights)
    params.update({f"tier_{tier}": tier for tier in tier_points})
    parts["fit_tier"] = (
        "CASE v.tier "
        + " ".join(f"WHEN %(tier_{tier})s THEN {int(points)}" for tier, points in tier_points.items())
        + " ELSE 0 END"
    )
    feedback = str(int(feedback_points(weights.feedback, rating_sum=0, rated=0)))
    if weights.feedback:
        params["rated"] = Ask.Status.COMPLETED.value
        feedback = FEEDBACK_SQL.format(
            rated=RATED_SQL, sign=1 if weights.feedback >= 0 else -1, size=abs(weights.feedback), neutral=feedback
        )
    return parts, feedback


def _shortlist_sql(inputs: _Inputs, shortlist: int, *, accounts_read: int) -> tuple[list[_Row], _LeftOut | None]:
    """``_shortlist`` for PostgreSQL, in one hand-written statement (``SHORTLIST_SQL``): it ranks
    the accounts and their advocates without sending the accounts' ids to Python and back, and
    without Django building two large statements on every call."""
    request = inputs.advocacy_request
    params: dict[str, Any] = {
        "org": inputs.organization.pk,
        "health_threshold": inputs.policy.health_threshold,
        "accounts_read": accounts_read,
        "shortlist": shortlist,
        "active": Advocate.Status.ACTIVE.value,
        "activity_type": inputs.activity_type.pk,
        "today": inputs.today,
        "needed_by": max(request.needed_by, inputs.today),
    }

    parts, feedback = _parts_sql(inputs, params)
    account_keys, advocate_keys = STATIC_PARTS[:4], STATIC_PARTS[4:]
    sql = SHORTLIST_SQL.format(
        account_parts=", ".join(f"{parts[key]} AS {key}" for key in account_keys),
        account_fit=" + ".join(f"a.{key}" for key in account_keys),
        advocate_fit="(" + " + ".join(parts[key] for key in advocate_keys) + ")",
        feedback=feedback,
        consents="".join(f" AND v.{column}" for column in _consent_columns(inputs.activity_type)),
        parts=", ".join([*(f"c.{key}" for key in account_keys), *(parts[key] for key in advocate_keys)]),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    if not fetched:
        # Nobody to rank here, and nothing to tell whether accounts were left out: read everyone.
        return [], _LeftOut(advocates=NO_LIMIT)
    left_out = _LeftOut(account_fit=fetched[0][8])
    if len(fetched) > shortlist:
        extra = fetched.pop()
        left_out.advocates = extra[2] + extra[3] + inputs.most_rotation
    rows = [
        _Row(
            row[0],
            row[1],
            row[2],
            row[4],
            row[5],
            row[6],
            blacked_out=row[7],
            parts=dict(zip(STATIC_PARTS, row[9:], strict=True)),
        )
        for row in fetched
    ]
    return rows, (left_out if left_out.advocates is not None or left_out.account_fit is not None else None)


# The ledger and asks of the shortlist in one statement (PostgreSQL): the same figures as the ORM
# statements of ``_history``, which other databases use and the tests compare it with.
HISTORY_SQL = """
SELECT l.advocate_id, l.capped, l.of_type, l.last_of_type, k.advocate_id, k.holding, k.holding_of_type,
       k.last_ask_at, k.pending_elsewhere, k.already_asked, k.rating_sum, k.rated
FROM (
    SELECT a.advocate_id,
           COUNT(*) FILTER (WHERE t.counts_toward_cap AND a.occurred_on > %(start)s) AS capped,
           COUNT(*) FILTER (WHERE a.activity_type_id = %(activity_type)s AND a.occurred_on > %(start)s) AS of_type,
           MAX(a.occurred_on) FILTER (WHERE a.activity_type_id = %(activity_type)s) AS last_of_type
    FROM advocates_activity a
    JOIN advocates_activitytype t ON t.id = a.activity_type_id
    WHERE a.organization_id = %(org)s {ledger_ids} AND a.status = ANY(%(counting_activities)s)
      AND (a.occurred_on > %(start)s OR a.activity_type_id = %(activity_type)s)
    GROUP BY a.advocate_id
) l
FULL JOIN (
    SELECT k.advocate_id,
           COUNT(*) FILTER (WHERE {holding}) AS holding,
           COUNT(*) FILTER (WHERE {holding} AND r.request_type = %(request_type)s) AS holding_of_type,
           MAX(k.asked_at) AS last_ask_at,
           COUNT(*) FILTER (WHERE k.status = %(pending)s AND k.request_id <> %(request)s) AS pending_elsewhere,
           COUNT(*) FILTER (WHERE k.request_id = %(request)s AND k.status = ANY(%(counting_asks)s)) AS already_asked,
           COALESCE(SUM(k.advocate_rating) FILTER (WHERE {rated}), 0) AS rating_sum,
           COUNT(*) FILTER (WHERE {rated}) AS rated
    FROM requests_mgmt_ask k
    JOIN requests_mgmt_advocacyrequest r ON r.id = k.request_id
    WHERE k.organization_id = %(org)s {ask_ids}
    GROUP BY k.advocate_id
) k ON k.advocate_id = l.advocate_id
"""


def _history_sql(inputs: _Inputs, ids: list[int] | None) -> _History:
    """``_history`` as one statement (``HISTORY_SQL``): the ledger and the asks grouped apart and
    joined on the advocate. An ask's date is read in the current time zone, as Django's
    ``asked_at__date`` reads it."""
    params: dict[str, Any] = {
        "org": inputs.organization.pk,
        "ids": ids,
        "start": inputs.window_start,
        "activity_type": inputs.activity_type.pk,
        "counting_activities": [str(status) for status in Activity.COUNTING_STATUSES],
        "request_type": inputs.activity_type.key,
        "request": inputs.advocacy_request.pk,
        "pending": Ask.Status.PENDING.value,
        "counting_asks": [str(status) for status in Ask.COUNTING_STATUSES],
        "rated": Ask.Status.COMPLETED.value,
    }
    tzname = timezone.get_current_timezone_name() if settings.USE_TZ else None
    asked_on, tz_params = connection.ops.datetime_cast_date_sql("k.asked_at", (), tzname)
    for index, value in enumerate(tz_params):
        asked_on = asked_on.replace("%s", f"%(tz_{index})s", 1)
        params[f"tz_{index}"] = value
    sql = HISTORY_SQL.format(
        ledger_ids="AND a.advocate_id = ANY(%(ids)s::bigint[])" if ids is not None else "",
        ask_ids="AND k.advocate_id = ANY(%(ids)s::bigint[])" if ids is not None else "",
        holding=f"k.status = ANY(%(counting_asks)s) AND k.activity_id IS NULL AND {asked_on} > %(start)s",
        rated=RATED_SQL,
    )
    ledger: dict[int, tuple[int, int, date | None]] = {}
    asks: dict[int, tuple[int, int, datetime | None, int, int, int, int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for ledger_pk, capped, of_type, last_of_type, ask_pk, *ask_figures in cursor.fetchall():
            if ledger_pk is not None:
                ledger[ledger_pk] = (capped, of_type, last_of_type)
            if ask_pk is not None:
                asks[ask_pk] = tuple(ask_figures)
    return _History(ledger=ledger, asks=asks)
