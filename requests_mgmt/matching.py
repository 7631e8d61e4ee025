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
and asks (the ledger and asks with one grouped query each) and applies the same rules, rotation and
feedback in Python. On PostgreSQL the shortlist is one hand-written statement (``SHORTLIST_SQL``)
stating the same parts as the ORM statements other databases run; the tests compare both.
Annotating a whole organisation instead makes PostgreSQL repeat each correlated subquery wherever
its annotation is used, and costs seconds at a hundred thousand advocates.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    Expression,
    ExpressionWrapper,
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
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from advocacy.models import Organization
from advocates.capacity import advocate_capacity, open_asks_used, window_start
from advocates.models import (
    CONSENT_FIELDS,
    AccountProduct,
    Activity,
    ActivityPreference,
    ActivityType,
    Advocate,
    BlackoutPeriod,
    Consent,
    CustomerAccount,
    ProgramPolicy,
    Tier,
)

from .models import AdvocacyRequest, Ask

NO_LIMIT = 10_000
CONSENT_NEEDS = {
    Consent.NAMED: "needs_named",
    Consent.QUOTED: "needs_quoted",
    Consent.LOGO: "needs_logo",
    Consent.RECORDED: "needs_recorded",
    Consent.SPEAK_PUBLICLY: "needs_speak_publicly",
}


@dataclass(frozen=True)
class MatchWeights:
    industry: int = 20
    segment: int = 15
    region: int = 15
    products: int = 10
    use_case: int = 10
    seniority: int = 10
    language: int = 5
    tier: int = 10
    rotation_load: int = 10
    rotation_recency: int = 10
    feedback: int = 10  # the advocate's own ratings of their completed asks; no rating yet: half of it
    big_deal_value: int = 250_000  # at or above it, the most committed tiers suit the deal best

    @classmethod
    def for_organization(cls, organization: Organization) -> MatchWeights:
        stored = (organization.settings or {}).get("matching_weights") or {}
        known = {item.name for item in fields(cls)}
        return cls(**{key: int(value) for key, value in stored.items() if key in known})


@dataclass
class Candidate:
    advocate: Advocate
    score: int
    parts: list[tuple[str, str, int, int]] = field(default_factory=list)


@dataclass(frozen=True)
class Reason:
    key: str
    message: str
    eligible_on: date | None = None


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


def _consent_columns(activity_type: ActivityType) -> list[str]:
    """The advocate's consent flags this activity needs."""
    return [CONSENT_FIELDS[consent] for consent, need in CONSENT_NEEDS.items() if getattr(activity_type, need)]


def consent_condition(activity_type: ActivityType) -> Q:
    """The consent flags an advocate must have granted for this activity."""
    return Q(**dict.fromkeys(_consent_columns(activity_type), True))


def activity_type_for(advocacy_request: AdvocacyRequest) -> ActivityType:
    return ActivityType.objects.get(organization=advocacy_request.organization, key=advocacy_request.request_type)


def annotate_rules(
    advocacy_request: AdvocacyRequest, activity_type: ActivityType, *, today: date
) -> QuerySet[Advocate]:
    """Every advocate of the organisation with one boolean per hard rule and one integer per score
    part, for "why not?" and campaign audiences to filter on, in the database. Ranking a whole
    organisation goes through ``rank_candidates`` instead (see the module's docstring)."""
    organization = advocacy_request.organization
    policy = ProgramPolicy.for_organization(organization)
    weights = MatchWeights.for_organization(organization)
    start = window_start(today)
    now = timezone.now()

    activities = Activity.objects.filter(
        organization=OuterRef("organization"), advocate=OuterRef("pk"), status__in=Activity.COUNTING_STATUSES
    )
    capped = (
        activities.filter(occurred_on__gt=start, activity_type__counts_toward_cap=True)
        .order_by()
        .values("advocate")
        .annotate(n=Count("id"))
        .values("n")
    )
    same_type = activities.filter(activity_type=activity_type)
    type_used = same_type.filter(occurred_on__gt=start).order_by().values("advocate").annotate(n=Count("id"))
    asks = Ask.objects.filter(organization=OuterRef("organization"), advocate=OuterRef("pk"))
    open_type_asks = (
        asks.filter(
            status__in=Ask.COUNTING_STATUSES,
            activity__isnull=True,
            request__request_type=activity_type.key,
            asked_at__date__gt=start,
        )
        .order_by()
        .values("advocate")
        .annotate(n=Count("id"))
        .values("n")
    )
    preference = ActivityPreference.objects.filter(
        organization=OuterRef("organization"), advocate=OuterRef("pk"), activity_type=activity_type
    )
    interval = activity_type.min_interval_days or 0
    consent_ok = consent_condition(activity_type)
    needed_by = max(advocacy_request.needed_by, today)
    type_limit = activity_type.limit_per_year if activity_type.limit_per_year is not None else NO_LIMIT

    queryset = Advocate.objects.filter(organization=organization).annotate(
        used_12m=Coalesce(Subquery(capped, output_field=IntegerField()), Value(0))
        + Coalesce(open_asks_used(today=today), Value(0)),
        type_used_12m=Coalesce(Subquery(type_used.values("n"), output_field=IntegerField()), Value(0))
        + Coalesce(Subquery(open_type_asks, output_field=IntegerField()), Value(0)),
        last_type_on=Subquery(same_type.order_by().values("advocate").annotate(last=Max("occurred_on")).values("last")),
        last_ask_at=Subquery(asks.order_by().values("advocate").annotate(last=Max("asked_at")).values("last")),
        own_limit=Subquery(preference.values("max_per_year")[:1]),
        own_interval=Subquery(preference.values("min_interval_days")[:1]),
        willing_for_type=Exists(preference),
        stated_any=Exists(
            ActivityPreference.objects.filter(organization=OuterRef("organization"), advocate=OuterRef("pk"))
        ),
        pending_elsewhere=Exists(asks.filter(status=Ask.Status.PENDING).exclude(request=advocacy_request)),
        already_asked=Exists(asks.filter(request=advocacy_request, status__in=Ask.COUNTING_STATUSES)),
        in_blackout=Exists(
            BlackoutPeriod.objects.filter(
                organization=OuterRef("organization"),
                advocate=OuterRef("pk"),
                starts_on__lte=needed_by,
                ends_on__gte=today,
            )
        ),
    )
    queryset = queryset.annotate(
        ok_active=ExpressionWrapper(Q(status=Advocate.Status.ACTIVE), output_field=BooleanField()),
        ok_healthy=ExpressionWrapper(
            Q(account__health_score__gte=policy.health_threshold), output_field=BooleanField()
        ),
        ok_consent=ExpressionWrapper(consent_ok, output_field=BooleanField()),
        ok_willing=ExpressionWrapper(
            Q(willing_for_type=True) | Q(stated_any=False, preferences_stated_at__isnull=True),
            output_field=BooleanField(),
        ),
        ok_cap=ExpressionWrapper(
            Q(used_12m__lt=policy.yearly_cap) if activity_type.counts_toward_cap else Q(pk__isnull=False),
            output_field=BooleanField(),
        ),
        ok_type_limit=ExpressionWrapper(
            Q(type_used_12m__lt=type_limit) & (Q(own_limit__isnull=True) | Q(type_used_12m__lt=F("own_limit"))),
            output_field=BooleanField(),
        ),
        ok_interval=ExpressionWrapper(
            Q(last_type_on__isnull=True) | Q(last_type_on__lte=today - timedelta(days=interval)),
            output_field=BooleanField(),
        ),
        ok_cooldown=ExpressionWrapper(
            Q(last_ask_at__isnull=True) | Q(last_ask_at__lte=now - timedelta(days=policy.cooldown_days)),
            output_field=BooleanField(),
        ),
        ok_blackout=ExpressionWrapper(Q(in_blackout=False), output_field=BooleanField()),
        ok_not_pending=ExpressionWrapper(Q(pending_elsewhere=False), output_field=BooleanField()),
    )
    return queryset.annotate(**_score_parts(advocacy_request, weights, policy, now=now))


def _points_if(condition: Q | None, points: int) -> Any:
    if condition is None or points == 0:
        return Value(0)
    return Case(When(condition, then=Value(points)), default=Value(0), output_field=IntegerField())


def _tier_points(advocacy_request: AdvocacyRequest, weights: MatchWeights) -> dict[str, int]:
    """Points per tier: the most committed tiers suit a big deal best, gold a usual one."""
    big_deal = (advocacy_request.deal_value or 0) >= weights.big_deal_value
    tier_share = (
        {Tier.PLATINUM: 10, Tier.GOLD: 7, Tier.SILVER: 3, Tier.COMMUNITY: 0}
        if big_deal
        else {Tier.GOLD: 10, Tier.SILVER: 7, Tier.PLATINUM: 4, Tier.COMMUNITY: 3}
    )
    return {tier: weights.tier * share // 10 for tier, share in tier_share.items()}


def _requested_products(advocacy_request: AdvocacyRequest) -> list[str]:
    return [name.strip() for name in advocacy_request.products.split(",") if name.strip()]


def _account_fit_parts(
    advocacy_request: AdvocacyRequest, weights: MatchWeights, *, path: str, product_match: Q | None
) -> dict[str, Any]:
    """The fit read from the account: ``path`` leads from the queried model to it ("account__" from
    an advocate, "" on the accounts themselves)."""
    return {
        "fit_industry": _points_if(
            Q(**{f"{path}industry__iexact": advocacy_request.prospect_industry})
            if advocacy_request.prospect_industry
            else None,
            weights.industry,
        ),
        "fit_segment": _points_if(
            Q(**{f"{path}segment": advocacy_request.prospect_segment}) if advocacy_request.prospect_segment else None,
            weights.segment,
        ),
        "fit_region": _points_if(
            Q(**{f"{path}region": advocacy_request.prospect_region}) if advocacy_request.prospect_region else None,
            weights.region,
        ),
        "fit_products": _points_if(product_match, weights.products),
    }


def _advocate_fit_parts(advocacy_request: AdvocacyRequest, weights: MatchWeights, *, path: str = "") -> dict[str, Any]:
    """The fit read from the advocate's own row, and the tier suited to the deal (``path`` leads
    from the queried model to the advocate)."""
    tier_points = _tier_points(advocacy_request, weights)
    return {
        "fit_use_case": _points_if(
            Q(**{f"{path}use_cases__icontains": advocacy_request.use_case}) if advocacy_request.use_case else None,
            weights.use_case,
        ),
        "fit_seniority": _points_if(
            Q(**{f"{path}seniority": advocacy_request.seniority_wanted}) if advocacy_request.seniority_wanted else None,
            weights.seniority,
        ),
        "fit_language": _points_if(
            Q(**{f"{path}languages__regex": rf"(^| ){advocacy_request.language}( |$)"})
            if advocacy_request.language
            else None,
            weights.language,
        ),
        "fit_tier": Case(
            *[When(**{f"{path}tier": tier}, then=Value(points)) for tier, points in tier_points.items()],
            default=Value(0),
            output_field=IntegerField(),
        ),
    }


def _fit_parts(advocacy_request: AdvocacyRequest, weights: MatchWeights) -> dict[str, Any]:
    """Fit and tier, as annotations on advocates."""
    products = _requested_products(advocacy_request)
    product_match = (
        Q(
            Exists(
                AccountProduct.objects.filter(
                    organization=OuterRef("organization"),
                    account=OuterRef("account"),
                    product__name__in=products,
                )
            )
        )
        if products
        else None
    )
    return {
        **_account_fit_parts(advocacy_request, weights, path="account__", product_match=product_match),
        **_advocate_fit_parts(advocacy_request, weights),
    }


def _score_parts(
    advocacy_request: AdvocacyRequest, weights: MatchWeights, policy: ProgramPolicy, *, now: Any
) -> dict[str, Any]:
    cap = max(policy.yearly_cap, 1)
    return {
        **_fit_parts(advocacy_request, weights),
        "rotation_load": Greatest(
            Value(0), Value(weights.rotation_load) - F("used_12m") * Value(weights.rotation_load) / Value(cap)
        ),
        "rotation_recency": Case(
            When(last_ask_at__isnull=True, then=Value(weights.rotation_recency)),
            When(last_ask_at__lte=now - timedelta(days=180), then=Value(weights.rotation_recency)),
            When(last_ask_at__lte=now - timedelta(days=90), then=Value(weights.rotation_recency * 7 // 10)),
            When(last_ask_at__lte=now - timedelta(days=60), then=Value(weights.rotation_recency * 4 // 10)),
            default=Value(weights.rotation_recency * 2 // 10),
            output_field=IntegerField(),
        ),
        "feedback": _feedback_annotation(weights.feedback, advocacy_request.organization),
    }


RATED = Q(status=Ask.Status.COMPLETED, advocate_rating__isnull=False)


def feedback_points(weight: int, *, rating_sum: int, rated: int) -> int:
    """Points for past feedback: ``weight * (mean rating - 1) / 4`` over the advocate's rated,
    completed asks, rounded half away from zero; half the weight (rounded the same way) for an
    advocate with no rating yet, so newcomers are not held back. Integer arithmetic only, so that
    PostgreSQL, SQLite and Python agree exactly: with ``x = |w| * (sum / n - 1) / 4`` the magnitude
    is ``floor(x + 1/2) = (2 * |w| * (sum - n) + 4 * n) // (8 * n)``, every operand non-negative."""
    size = abs(weight)
    magnitude = (2 * size * (rating_sum - rated) + 4 * rated) // (8 * rated) if rated else (size + 1) // 2
    return magnitude if weight >= 0 else -magnitude


def _feedback_expression(weight: int) -> Any:
    """``feedback_points`` of a group of rated asks (at least one), as an aggregate expression."""
    rated = Count("pk")
    magnitude = (Value(2 * abs(weight)) * (Sum("advocate_rating") - rated) + Value(4) * rated) / (Value(8) * rated)
    return ExpressionWrapper(magnitude if weight >= 0 else Value(-1) * magnitude, IntegerField())


def _feedback_annotation(weight: int, organization: Organization) -> Any:
    """``feedback_points`` as an annotation on advocates: one grouped subquery over their rated asks,
    run only for the advocates who have any (the few ids of those come from one hashed pass over
    the organisation's rated asks); the neutral points for everyone else."""
    if weight == 0:
        return Value(0)
    rated = Ask.objects.filter(RATED, organization=organization)
    points = (
        rated.filter(advocate=OuterRef("pk"))
        .order_by()
        .values("advocate")
        .annotate(points=_feedback_expression(weight))
        .values("points")
    )
    return Case(
        When(pk__in=rated.order_by().values("advocate_id"), then=Subquery(points, output_field=IntegerField())),
        default=Value(feedback_points(weight, rating_sum=0, rated=0)),
        output_field=IntegerField(),
    )


def _rotation_parts(
    *, used_12m: int, last_ask_at: datetime | None, weights: MatchWeights, cap: int, now: datetime
) -> tuple[int, int]:
    """``rotation_load`` and ``rotation_recency`` exactly as ``_score_parts`` states them in SQL
    (PostgreSQL's integer division truncates toward zero)."""
    product = used_12m * weights.rotation_load
    quotient = abs(product) // cap if product >= 0 else -(abs(product) // cap)
    load = max(0, weights.rotation_load - quotient)
    if last_ask_at is None or last_ask_at <= now - timedelta(days=180):
        recency = weights.rotation_recency
    elif last_ask_at <= now - timedelta(days=90):
        recency = weights.rotation_recency * 7 // 10
    elif last_ask_at <= now - timedelta(days=60):
        recency = weights.rotation_recency * 4 // 10
    else:
        recency = weights.rotation_recency * 2 // 10
    return load, recency


SCORE_PARTS = (
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
HARD_RULES = (
    "ok_active",
    "ok_healthy",
    "ok_consent",
    "ok_willing",
    "ok_cap",
    "ok_type_limit",
    "ok_interval",
    "ok_cooldown",
    "ok_blackout",
    "ok_not_pending",
)


def _part_labels(weights: MatchWeights) -> dict[str, tuple[str, int]]:
    return {
        "fit_industry": (_("Industry"), weights.industry),
        "fit_segment": (_("Segment"), weights.segment),
        "fit_region": (_("Region"), weights.region),
        "fit_products": (_("Products"), weights.products),
        "fit_use_case": (_("Use case"), weights.use_case),
        "fit_seniority": (_("Seniority"), weights.seniority),
        "fit_language": (_("Language"), weights.language),
        "fit_tier": (_("Tier for this deal"), weights.tier),
        "rotation_load": (_("Few recent asks"), weights.rotation_load),
        "rotation_recency": (_("Long since the last ask"), weights.rotation_recency),
        "feedback": (_("Past feedback"), weights.feedback),
    }


STATIC_PARTS = SCORE_PARTS[:8]  # fit and tier: read from the advocate and account rows alone
# How many advocates, best fit and tier first, have their history read; widened until the ranking is
# provably the one evaluating everyone would give (None: everyone).
SHORTLISTS = (400, 4000, None)
# Accounts read per shortlisted advocate: enough that an advocate of an account left out is provably
# no match (a program has several advocates per account, and their own fit adds up to a third).
ACCOUNTS_PER_ADVOCATE = 4


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


def rank_candidates(
    *, advocacy_request: AdvocacyRequest, limit: int = 20, today: date | None = None, one_per_account: bool = True
) -> list[Candidate]:
    """The best ``limit`` advocates who pass every hard rule, best first, each with its parts.

    Ranked in two steps so it stays fast with a hundred thousand advocates: a shortlist by the parts
    that need no ledger (fit, tier and past feedback, among active advocates of healthy accounts with
    the consent needed; the best-fitting accounts first, then their advocates), then the ledger and
    asks of the shortlist only (one grouped query each), the remaining rules, rotation and feedback
    in Python.
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


@dataclass
class _LeftOut:
    """What an advocate left off a shortlist could score at most. ``advocates``: one of the accounts
    read (the best fit, tier and feedback not taken, plus the most rotation can add);
    ``account_fit``: the best fit among the accounts not read (every account read fits at least as
    well)."""

    advocates: int | None = None
    account_fit: int | None = None


def _out_of_reach(inputs: _Inputs, left_out: _LeftOut, score: int) -> bool:
    """Whether nobody left off the shortlist can reach ``score``. An advocate of an account not
    read scores at most its fit, what their own row can add, the most rotation can add and their
    past feedback. Feedback is counted at its most first; should that not settle it, the advocates
    there who rated completed asks are scored (their fit, tier and feedback, one grouped query over
    the rated asks), and everyone else has the neutral points."""
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
        rated = _best_rated_own_sql(inputs)
        if rated is None or left_out.account_fit + rated + inputs.most_rotation < score:
            return True
    rated = _best_rated_outside(inputs, left_out.account_fit)
    return rated is None or rated + inputs.most_rotation < score


BEST_RATED_SQL = """
SELECT max({advocate_fit} + {feedback})
FROM advocates_advocate v
WHERE v.organization_id = %(org)s AND v.status = %(active)s {consents}
  AND v.id IN (SELECT k.advocate_id FROM requests_mgmt_ask k WHERE {rated})
"""


def _best_rated_own_sql(inputs: _Inputs) -> int | None:
    """The best an active advocate with the consents needed who rated completed asks adds to their
    account's fit (their own fit, tier and past feedback; None: nobody rated): a first, cheaper
    bound for the advocates of the accounts left out (with the fit of the best of those accounts),
    with no join to the accounts. Only when it does not settle it are they scored in full."""
    params: dict[str, Any] = {
        "org": inputs.organization.pk,
        "active": Advocate.Status.ACTIVE.value,
        "rated": Ask.Status.COMPLETED.value,
    }
    parts, feedback = _parts_sql(inputs, params)
    sql = BEST_RATED_SQL.format(
        advocate_fit=" + ".join(parts[key] for key in STATIC_PARTS[4:]),
        feedback=feedback,
        consents="".join(f" AND v.{column}" for column in _consent_columns(inputs.activity_type)),
        rated=RATED_SQL,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _hand_written_sql() -> bool:
    """Whether the shortlist and its bounds run as the hand-written PostgreSQL statements (the ORM
    statements otherwise, on any database; the tests run both)."""
    return connection.vendor == "postgresql"


def _best_rated_outside(inputs: _Inputs, account_fit: int) -> int | None:
    """The best fit, tier and past feedback of an active advocate with the consents needed, of a
    healthy account fitting no better than ``account_fit`` (every account not read, and perhaps a
    few read, which only widens the bound), who rated completed asks (None: there is none). One
    grouped query over the organisation's rated asks, which are few."""
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
        return _shortlist_sql(inputs, shortlist)
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


def _parts_sql(inputs: _Inputs, params: dict[str, Any]) -> tuple[dict[str, str], str]:
    """The fit and tier parts and past feedback as SQL on PostgreSQL, the lookups stated as Django
    states those of ``_account_fit_parts`` (``c``: the account), ``_advocate_fit_parts`` and
    ``_feedback_annotation`` (``v``: the advocate); their values go into ``params``."""
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
        parts["fit_products"] = points_if(
            "c.id IN (SELECT u.account_id FROM advocates_accountproduct u"
            " JOIN advocates_product r ON r.id = u.product_id"
            " WHERE u.organization_id = %(org)s AND r.organization_id = %(org)s AND r.name = ANY(%(products)s))",
            weights.products,
            products=products,
        )
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
        pattern = rf"(^| ){request.language}( |$)"
        parts["fit_language"] = points_if("v.languages::text ~ %(language)s", weights.language, language=pattern)
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


def _shortlist_sql(inputs: _Inputs, shortlist: int) -> tuple[list[_Row], _LeftOut | None]:
    """``_shortlist`` for PostgreSQL, in one hand-written statement (``SHORTLIST_SQL``): it ranks
    the accounts and their advocates without sending the accounts' ids to Python and back, and
    without Django building two large statements on every call."""
    request = inputs.advocacy_request
    params: dict[str, Any] = {
        "org": inputs.organization.pk,
        "health_threshold": inputs.policy.health_threshold,
        "accounts_read": shortlist * ACCOUNTS_PER_ADVOCATE,
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


def _total(parts: dict[str, Any]) -> Any:
    expressions = list(parts.values())
    return sum(expressions[1:], expressions[0])


def _history(inputs: _Inputs, ids: list[int] | None) -> _History:
    """The ledger and asks of the advocates ``ids`` (None: the whole organisation), one grouped
    query each: the same figures as ``annotate_rules``'s subqueries (the ratings behind past
    feedback come with the asks, at no extra query)."""
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


def _blocked_by_own_interval(own_interval: int | None, last_type_on: date | None, today: date) -> bool:
    return bool(own_interval and last_type_on and last_type_on > today - timedelta(days=own_interval))


def _within_own_interval(advocate: Any, today: date) -> bool:
    return _blocked_by_own_interval(advocate.own_interval, advocate.last_type_on, today)


def why_not(*, advocacy_request: AdvocacyRequest, advocate: Advocate, today: date | None = None) -> list[Reason]:
    """Every hard rule the advocate fails for this request, with the date it stops applying where
    there is one. An empty list means they can be asked."""
    today = today or timezone.localdate()
    organization = advocacy_request.organization
    activity_type = activity_type_for(advocacy_request)
    policy = ProgramPolicy.for_organization(organization)
    row: Any = (
        annotate_rules(advocacy_request, activity_type, today=today)
        .select_related("account")
        .get(organization=organization, pk=advocate.pk)
    )
    reasons: list[Reason] = []
    capacity = None

    def type_capacity() -> Any:
        nonlocal capacity
        capacity = capacity or advocate_capacity(row, today=today)
        return next((item for item in capacity.per_type if item.activity_type.pk == activity_type.pk), None)

    if row.already_asked:
        reasons.append(Reason("already_asked", _("Already asked for this request.")))
    if not row.ok_active:
        reasons.append(
            Reason("active", _("Not an active advocate (%(status)s).") % {"status": row.get_status_display()})
        )
    if not row.ok_healthy:
        reasons.append(
            Reason(
                "healthy",
                _("The account's health (%(score)s) is below %(threshold)s: never asked while it is.")
                % {
                    "score": row.account.health_score if row.account.health_score is not None else "—",
                    "threshold": policy.health_threshold,
                },
            )
        )
    if not row.ok_consent:
        missing = [
            str(Consent(consent).label)
            for consent, need in CONSENT_NEEDS.items()
            if getattr(activity_type, need) and not getattr(row, CONSENT_FIELDS[consent])
        ]
        reasons.append(Reason("consent", _("Consent missing: %(consents)s.") % {"consents": ", ".join(missing)}))
    if not row.ok_willing:
        reasons.append(
            Reason("willing", _("Has not said they are willing to do “%(type)s”.") % {"type": activity_type.name})
        )
    if not row.ok_cap:
        capacity = capacity or advocate_capacity(row, today=today)
        reasons.append(
            Reason(
                "cap",
                _("Already at the yearly cap of %(cap)s asks.") % {"cap": policy.yearly_cap},
                capacity.next_free_on,
            )
        )
    if not row.ok_type_limit or not row.ok_interval:
        item = type_capacity()
        reasons.append(
            Reason(
                "type_limit" if not row.ok_type_limit else "interval",
                _("“%(type)s” was done too recently or too often.") % {"type": activity_type.name},
                item.next_eligible_on if item is not None else None,
            )
        )
    if not row.ok_cooldown:
        reasons.append(
            Reason(
                "cooldown",
                _("Asked less than %(days)s days ago.") % {"days": policy.cooldown_days},
                timezone.localdate(row.last_ask_at) + timedelta(days=policy.cooldown_days),
            )
        )
    if not row.ok_blackout:
        last_end = (
            BlackoutPeriod.objects.filter(
                organization=organization,
                advocate=row,
                starts_on__lte=max(advocacy_request.needed_by, today),
                ends_on__gte=today,
            )
            .aggregate(end=Max("ends_on"))
            .get("end")
        )
        reasons.append(
            Reason(
                "blackout",
                _("Asked not to be contacted during these dates."),
                last_end + timedelta(days=1) if last_end else None,
            )
        )
    if not row.ok_not_pending:
        reasons.append(Reason("pending", _("Still to answer another request.")))
    if _within_own_interval(row, today):
        reasons.append(
            Reason(
                "own_interval",
                _("Their own wish: at least %(days)s days between two “%(type)s”.")
                % {"days": row.own_interval, "type": activity_type.name},
                row.last_type_on + timedelta(days=row.own_interval),
            )
        )
    return reasons
