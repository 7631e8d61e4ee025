"""The matching engine: which advocates may be asked for a request, and in what order, computed in
the database so it stays fast at a hundred thousand advocates.

Hard filters (an advocate failing any is left out, and "why not?" says which and until when):
active; account health at or above the threshold; the consents the activity needs; the activity
among those they said they are willing to do (when they stated preferences); under the yearly cap,
counting the ledger and open asks; under the activity's limit and the advocate's own; past the
activity's minimum interval and their own; past the cooldown since the last ask; no blackout
between today and the date needed; not waiting to answer another request.

Score: fit (industry, segment, region, products, use case, seniority, language), the tier suited
to the deal, and rotation (fewer recent asks, longer since the last one). At most one advocate per
account reaches the list. Weights are organisation settings (``settings["matching_weights"]``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, Greatest, RowNumber
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


def consent_condition(activity_type: ActivityType) -> Q:
    """The consent flags an advocate must have granted for this activity."""
    condition = Q()
    for consent, need in CONSENT_NEEDS.items():
        if getattr(activity_type, need):
            condition &= Q(**{CONSENT_FIELDS[consent]: True})
    return condition


def activity_type_for(advocacy_request: AdvocacyRequest) -> ActivityType:
    return ActivityType.objects.get(organization=advocacy_request.organization, key=advocacy_request.request_type)


def _annotate(advocacy_request: AdvocacyRequest, activity_type: ActivityType, *, today: date) -> QuerySet[Advocate]:
    """Every advocate of the organisation with one boolean per hard rule and one integer per score
    part. Filtering and ordering happen on these annotations, in the database."""
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


def _score_parts(
    advocacy_request: AdvocacyRequest, weights: MatchWeights, policy: ProgramPolicy, *, now: Any
) -> dict[str, Any]:
    products = [name.strip() for name in advocacy_request.products.split(",") if name.strip()]
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
    big_deal = (advocacy_request.deal_value or 0) >= weights.big_deal_value
    tier_share = (
        {Tier.PLATINUM: 10, Tier.GOLD: 7, Tier.SILVER: 3, Tier.COMMUNITY: 0}
        if big_deal
        else {Tier.GOLD: 10, Tier.SILVER: 7, Tier.PLATINUM: 4, Tier.COMMUNITY: 3}
    )
    cap = max(policy.yearly_cap, 1)
    return {
        "fit_industry": _points_if(
            Q(account__industry__iexact=advocacy_request.prospect_industry)
            if advocacy_request.prospect_industry
            else None,
            weights.industry,
        ),
        "fit_segment": _points_if(
            Q(account__segment=advocacy_request.prospect_segment) if advocacy_request.prospect_segment else None,
            weights.segment,
        ),
        "fit_region": _points_if(
            Q(account__region=advocacy_request.prospect_region) if advocacy_request.prospect_region else None,
            weights.region,
        ),
        "fit_products": _points_if(product_match, weights.products),
        "fit_use_case": _points_if(
            Q(use_cases__icontains=advocacy_request.use_case) if advocacy_request.use_case else None,
            weights.use_case,
        ),
        "fit_seniority": _points_if(
            Q(seniority=advocacy_request.seniority_wanted) if advocacy_request.seniority_wanted else None,
            weights.seniority,
        ),
        "fit_language": _points_if(
            Q(languages__regex=rf"(^| ){advocacy_request.language}( |$)") if advocacy_request.language else None,
            weights.language,
        ),
        "fit_tier": Case(
            *[When(tier=tier, then=Value(weights.tier * share // 10)) for tier, share in tier_share.items()],
            default=Value(0),
            output_field=IntegerField(),
        ),
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
    }


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
    }


STATIC_PARTS = SCORE_PARTS[:8]  # fit and tier: read from the advocate and account rows alone
SHORTLISTS = (400, 4000, None)


def rank_candidates(
    *, advocacy_request: AdvocacyRequest, limit: int = 20, today: date | None = None, one_per_account: bool = True
) -> list[Candidate]:
    """The best ``limit`` advocates who pass every hard rule, best first, each with its parts.

    Ranked in two steps so it stays fast with a hundred thousand advocates: a shortlist by the parts
    that need no history (fit and tier, among active advocates of healthy accounts with the consent
    needed), then every rule and the full score for the shortlist only. The result is exact: when
    someone left off the shortlist could still have reached the list (their fit and tier plus the
    most rotation can add), the shortlist is widened, up to everyone."""
    today = today or timezone.localdate()
    organization = advocacy_request.organization
    activity_type = activity_type_for(advocacy_request)
    weights = MatchWeights.for_organization(organization)
    policy = ProgramPolicy.for_organization(organization)
    static_parts = {
        key: value
        for key, value in _score_parts(advocacy_request, weights, policy, now=timezone.now()).items()
        if key in STATIC_PARTS
    }
    consent_ok = consent_condition(activity_type)
    static: QuerySet[Any] = (
        Advocate.objects.filter(
            consent_ok,
            organization=organization,
            status=Advocate.Status.ACTIVE,
            account__health_score__gte=policy.health_threshold,
        )
        .annotate(**static_parts)
        .annotate(static_score=sum((F(part) for part in STATIC_PARTS[1:]), F(STATIC_PARTS[0])))
        .order_by("-static_score", "pk")
    )
    most_rotation = weights.rotation_load + weights.rotation_recency
    for shortlist in SHORTLISTS:
        ids: list[int] | None = None
        best_left_out = None
        if shortlist is not None:
            head = list(static.values_list("pk", "static_score")[: shortlist + 1])
            ids = [pk for pk, _score in head[:shortlist]]
            if len(head) > shortlist:
                best_left_out = head[shortlist][1] + most_rotation
        candidates = _rank_within(advocacy_request, activity_type, ids, limit, today, one_per_account)
        if best_left_out is None or (len(candidates) == limit and candidates[-1].score > best_left_out):
            return candidates
    return candidates


def _rank_within(
    advocacy_request: AdvocacyRequest,
    activity_type: ActivityType,
    ids: list[int] | None,
    limit: int,
    today: date,
    one_per_account: bool,
) -> list[Candidate]:
    annotated: QuerySet[Any] = _annotate(advocacy_request, activity_type, today=today)
    if ids is not None:
        annotated = annotated.filter(pk__in=ids)
    passing = annotated.filter(**{rule: True for rule in HARD_RULES}, already_asked=False)
    total = sum((F(part) for part in SCORE_PARTS[1:]), F(SCORE_PARTS[0]))
    ranked = passing.annotate(match_score=total)
    if one_per_account:
        ranked = ranked.annotate(
            account_rank=Window(
                RowNumber(), partition_by=[F("account_id")], order_by=[F("match_score").desc(), F("pk").asc()]
            )
        ).filter(account_rank=1)
    # The advocate's own minimum interval varies per row; it is checked on the few best rows only.
    fetched = ranked.select_related("account").order_by("-match_score", "pk")[: limit * 2 + 10]
    rows = [advocate for advocate in fetched if not _within_own_interval(advocate, today)][:limit]
    labels = _part_labels(MatchWeights.for_organization(advocacy_request.organization))
    candidates = []
    for advocate in rows:
        parts = [(key, str(labels[key][0]), int(getattr(advocate, key)), labels[key][1]) for key in SCORE_PARTS]
        candidates.append(Candidate(advocate=advocate, score=int(advocate.match_score), parts=parts))
    return candidates


def _within_own_interval(advocate: Any, today: date) -> bool:
    return bool(
        advocate.own_interval
        and advocate.last_type_on
        and advocate.last_type_on > today - timedelta(days=advocate.own_interval)
    )


def why_not(*, advocacy_request: AdvocacyRequest, advocate: Advocate, today: date | None = None) -> list[Reason]:
    """Every hard rule the advocate fails for this request, with the date it stops applying where
    there is one. An empty list means they can be asked."""
    today = today or timezone.localdate()
    organization = advocacy_request.organization
    activity_type = activity_type_for(advocacy_request)
    policy = ProgramPolicy.for_organization(organization)
    row: Any = (
        _annotate(advocacy_request, activity_type, today=today)
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
