"""Every hard rule and score part as annotations on the advocates, for "why not?" and campaign
audiences to filter on in the database, and "why not?" itself."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import (
    BooleanField,
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
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from advocates.capacity import advocate_capacity, open_asks_used, window_start
from advocates.models import (
    CONSENT_FIELDS,
    Activity,
    ActivityPreference,
    ActivityType,
    Advocate,
    BlackoutPeriod,
    Consent,
    ProgramPolicy,
)

from ..models import AdvocacyRequest, Ask
from .score import _score_parts
from .weights import CONSENT_NEEDS, NO_LIMIT, MatchWeights, Reason, activity_type_for, consent_condition


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
