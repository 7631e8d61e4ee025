"""The shortlist by fit, tier and past feedback, what anyone left off it could score at most, and the
ledger and asks of the shortlisted: ORM statements for any database, the statements of
``shortlist_sql`` on PostgreSQL."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Expression,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)

from advocates.models import AccountProduct, Activity, ActivityPreference, Advocate, BlackoutPeriod, CustomerAccount

from ..models import Ask
from .inputs import _History, _Inputs, _LeftOut, _Row
from .score import _account_fit_parts, _advocate_fit_parts, _feedback_annotation, _feedback_expression, _total
from .shortlist_sql import _best_rated_sql, _history_sql, _shortlist_sql
from .weights import RATED, _consent_columns, _requested_products, consent_condition, feedback_points


class _OneOf(Expression):
    """``column IN (ids)`` for a long list of ids. On PostgreSQL the ids travel as one array
    (``= ANY(%s::bigint[])``): Django builds that, and the server parses it, far faster than one
    placeholder per id, and the index on the column is used all the same. The array has the column's
    own type: compared with an array of another integer type, PostgreSQL searches it row by row
    instead of hashing it once (about 20 ms over 9,000 advocates against 1,600 accounts)."""

    output_field = BooleanField()

    def __init__(self, column: str, ids: tuple[int, ...]) -> None:
        # A tuple: Django hashes an expression's arguments, and a tuple of ints hashes at C speed.
        super().__init__()
        self.column: Any = F(column)
        self.ids = ids

    def get_source_expressions(self) -> list[Any]:
        return [self.column]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        (self.column,) = exprs

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, Any]:
        column_sql, params = compiler.compile(self.column)
        if not self.ids:
            return "1 = 0", ()
        if connection.vendor == "postgresql":
            array_type = self.column.output_field.cast_db_type(connection)
            return f"{column_sql} = ANY(%s::{array_type}[])", (*params, list(self.ids))
        return f"{column_sql} IN ({', '.join(['%s'] * len(self.ids))})", (*params, *self.ids)


# Accounts read per shortlisted advocate: enough that an advocate of an account left out is provably
# no match (a program has several advocates per account, and their own fit adds up to a third).
ACCOUNTS_PER_ADVOCATE = 4


def _out_of_reach(inputs: _Inputs, left_out: _LeftOut, score: int) -> bool:
    """Whether nobody left off the shortlist can reach ``score``. An advocate of an account not
    read scores at most its fit, what their own row can add, the most rotation can add and their
    past feedback. Feedback is counted at its most first; should that not settle it, the advocates
    there who rated completed asks are scored (their fit, tier and feedback, one query over the
    rated asks), and everyone else has the neutral points."""
    if left_out.advocates is not None and left_out.advocates >= score:
        return False
    if left_out.account_fit is None:
        return True
    most_unrated = left_out.account_fit + inputs.most_advocate_fit + inputs.most_rotation
    if most_unrated + inputs.most_feedback < score:
        return True
    if most_unrated + feedback_points(inputs.weights.feedback, rating_sum=0, rated=0) >= score:
        return False
    if _hand_written_sql():
        rated = _best_rated_sql(inputs, account_fit=left_out.account_fit)
    else:
        rated = _best_rated_outside(inputs, left_out.account_fit)
    return rated is None or rated + inputs.most_rotation < score


def _hand_written_sql() -> bool:
    """Whether the shortlist and its bounds run as the hand-written PostgreSQL statements (the ORM
    statements otherwise, on any database; the tests run both)."""
    return connection.vendor == "postgresql"


def _best_rated_outside(inputs: _Inputs, account_fit: int) -> int | None:
    """The best fit, tier and past feedback of an active advocate with the consents needed, of a
    healthy account fitting no better than ``account_fit`` (every account not read, and perhaps a
    few read, which only widens the bound), who rated completed asks (None: there is none). One
    grouped query over the organisation's rated asks, which are few (``_best_rated_sql`` on
    PostgreSQL)."""
    request, weights, organization = inputs.advocacy_request, inputs.weights, inputs.organization
    products = _requested_products(request)
    product_match = (
        Q(
            advocate__account_id__in=AccountProduct.objects.filter(
                organization=organization, product__organization=organization, product__name__in=products
            ).values("account_id")
        )
        if products
        else None
    )
    consents = {f"advocate__{column}": True for column in _consent_columns(inputs.activity_type)}
    advocate_fit = _total(_advocate_fit_parts(request, weights, path="advocate__"))
    return (
        Ask.objects.filter(
            RATED,
            organization=organization,
            advocate__status=Advocate.Status.ACTIVE,
            advocate__account__health_score__gte=inputs.policy.health_threshold,
            **consents,
        )
        .annotate(
            account_fit=_total(
                _account_fit_parts(request, weights, path="advocate__account__", product_match=product_match)
            )
        )
        .filter(account_fit__lte=account_fit)
        .order_by()
        .values("advocate_id")
        .annotate(points=_feedback_expression(weights.feedback), fit=Max(F("account_fit") + advocate_fit))
        .aggregate(most=Max(F("fit") + F("points")))["most"]
    )


def _shortlist(inputs: _Inputs, shortlist: int | None) -> tuple[list[_Row], _LeftOut | None]:
    """The ``shortlist`` best advocates by fit, tier and past feedback (None: all) among those
    passing the rules their own and their account's rows decide, and what anyone left out could
    score at most (None: nobody left out).

    The accounts are ranked first (one pass over them, no join), then only the advocates of the
    ``ACCOUNTS_PER_ADVOCATE * shortlist`` best-fitting accounts are read, through the index on their
    account: an advocate of any other account scores at most the fit of the best account left out
    plus what an advocate's own row and past feedback can add. Those advocates are ranked by fit,
    tier and past feedback (their rated asks are few: an index lookup each), so one left off the
    shortlist scores at most that plus rotation. Preferences and blackouts are read for the rows
    returned only (PostgreSQL evaluates those subqueries after the sort and limit)."""
    if shortlist is not None and _hand_written_sql():
        return _shortlist_sql(inputs, shortlist, accounts_read=shortlist * ACCOUNTS_PER_ADVOCATE)
    request, weights, organization = inputs.advocacy_request, inputs.weights, inputs.organization
    products = _requested_products(request)
    product_accounts = (
        AccountProduct.objects.filter(
            organization=organization, product__organization=organization, product__name__in=products
        ).values("account_id")
        if products
        else None
    )
    own = {"organization": OuterRef("organization"), "advocate": OuterRef("pk")}
    preference = ActivityPreference.objects.filter(**own, activity_type=inputs.activity_type)
    # LIMIT 1 subqueries rather than EXISTS: PostgreSQL reads these for the rows returned only,
    # after the sort and limit, where it would hash the whole table for an EXISTS.
    advocates: QuerySet[Advocate] = Advocate.objects.filter(
        consent_condition(inputs.activity_type), organization=organization, status=Advocate.Status.ACTIVE
    ).annotate(
        preference_id=Subquery(preference.values("pk")[:1]),
        any_preference_id=Subquery(ActivityPreference.objects.filter(**own).values("pk")[:1]),
        own_limit=Subquery(preference.values("max_per_year")[:1]),
        own_interval=Subquery(preference.values("min_interval_days")[:1]),
        blackout_id=Subquery(
            BlackoutPeriod.objects.filter(
                **own, starts_on__lte=max(request.needed_by, inputs.today), ends_on__gte=inputs.today
            ).values("pk")[:1]
        ),
    )
    facts = ("preferences_stated_at", "preference_id", "any_preference_id", "own_limit", "own_interval", "blackout_id")
    advocate_fit = _total(_advocate_fit_parts(request, weights))
    left_out = _LeftOut()
    if shortlist is None:
        product_match = Q(account_id__in=product_accounts) if product_accounts is not None else None
        static: QuerySet[Any] = advocates.filter(account__health_score__gte=inputs.policy.health_threshold).annotate(
            static_score=_total(_account_fit_parts(request, weights, path="account__", product_match=product_match))
            + advocate_fit
        )
        values = list(static.values_list("pk", "account_id", "static_score", *facts))
    else:
        product_match = Q(pk__in=product_accounts) if product_accounts is not None else None
        accounts = (
            CustomerAccount.objects.filter(organization=organization, health_score__gte=inputs.policy.health_threshold)
            .annotate(account_fit=_total(_account_fit_parts(request, weights, path="", product_match=product_match)))
            .order_by("-account_fit", "pk")
            .values_list("pk", "account_fit")
        )
        account_limit = shortlist * ACCOUNTS_PER_ADVOCATE
        best_accounts = list(accounts[: account_limit + 1])
        if len(best_accounts) > account_limit:
            left_out.account_fit = best_accounts[account_limit][1]
            best_accounts = best_accounts[:account_limit]
        by_fit: dict[int, list[int]] = defaultdict(list)
        for pk, fit in best_accounts:
            by_fit[fit].append(pk)
        account_fit = Case(
            *[When(_OneOf("account_id", tuple(pks)), then=Value(fit)) for fit, pks in by_fit.items()],
            default=Value(0),
            output_field=IntegerField(),
        )
        # Fit and tier are computed once, inside the score ranked by; the feedback column alone
        # is read for the rows returned (the fit and tier are the difference).
        feedback = _feedback_annotation(weights.feedback, organization)
        static = (
            advocates.filter(_OneOf("account_id", tuple(pk for pk, _fit in best_accounts)))
            .annotate(shortlist_score=account_fit + advocate_fit + feedback, feedback=feedback)
            .order_by("-shortlist_score", "pk")
        )
        shortlisted = list(
            static.values_list("shortlist_score", "feedback", "pk", "account_id", *facts)[: shortlist + 1]
        )
        if len(shortlisted) > shortlist:
            left_out.advocates = shortlisted.pop()[0] + inputs.most_rotation
        values = [(pk, account_id, score - points, *rest) for score, points, pk, account_id, *rest in shortlisted]
    rows = []
    for pk, account_id, static_score, stated_at, preference_id, any_preference_id, limit, interval, blackout in values:
        willing = preference_id is not None or (any_preference_id is None and stated_at is None)
        rows.append(_Row(pk, account_id, static_score, willing, limit, interval, blacked_out=blackout is not None))
    return rows, (left_out if left_out.advocates is not None or left_out.account_fit is not None else None)


def _history(inputs: _Inputs, ids: list[int] | None) -> _History:
    """The ledger and asks of the advocates ``ids`` (None: the whole organisation): the same figures
    as ``annotate_rules``'s subqueries (the ratings behind past feedback come with the asks). One
    hand-written statement on PostgreSQL (Django building the two grouped statements cost about as
    much as running them), one grouped ORM query each elsewhere."""
    if _hand_written_sql():
        return _history_sql(inputs, ids)
    organization, activity_type, request = inputs.organization, inputs.activity_type, inputs.advocacy_request
    start = inputs.window_start
    by_advocate = [_OneOf("advocate_id", tuple(ids))] if ids is not None else []
    ledger = (
        Activity.objects.filter(*by_advocate, organization=organization, status__in=Activity.COUNTING_STATUSES)
        .filter(Q(occurred_on__gt=start) | Q(activity_type=activity_type))
        .order_by()
        .values("advocate_id")
        .annotate(
            capped=Count("pk", filter=Q(occurred_on__gt=start, activity_type__counts_toward_cap=True)),
            of_type=Count("pk", filter=Q(occurred_on__gt=start, activity_type=activity_type)),
            last_of_type=Max("occurred_on", filter=Q(activity_type=activity_type)),
        )
        .values_list("advocate_id", "capped", "of_type", "last_of_type")
    )
    holding = Q(status__in=Ask.COUNTING_STATUSES, activity__isnull=True, asked_at__date__gt=start)
    asks = (
        Ask.objects.filter(*by_advocate, organization=organization)
        .order_by()
        .values("advocate_id")
        .annotate(
            holding=Count("pk", filter=holding),
            holding_of_type=Count("pk", filter=holding & Q(request__request_type=activity_type.key)),
            last_ask_at=Max("asked_at"),
            pending_elsewhere=Count("pk", filter=Q(status=Ask.Status.PENDING) & ~Q(request=request)),
            already_asked=Count("pk", filter=Q(request=request, status__in=Ask.COUNTING_STATUSES)),
            rating_sum=Sum("advocate_rating", filter=RATED, default=0),
            rated=Count("pk", filter=RATED),
        )
        .values_list(
            "advocate_id",
            "holding",
            "holding_of_type",
            "last_ask_at",
            "pending_elsewhere",
            "already_asked",
            "rating_sum",
            "rated",
        )
    )
    return _History(
        ledger={pk: (capped, of_type, last) for pk, capped, of_type, last in ledger},
        asks={pk: tuple(rest) for pk, *rest in asks},
    )
