"""The eligibility score: who makes a good advocate, by criteria rather than by who a CSM likes.

Six parts, each computed in the database so candidate lists rank and filter there:

| part          | points | how                                                              |
|---------------|--------|------------------------------------------------------------------|
| health        | 30     | the account's health score is at or above the threshold (80)     |
| tenure        | 15     | a customer for at least the required months (12)                 |
| NPS           | 20     | a promoter (9–10); 5 for a passive (7–8)                         |
| outcomes      | 10     | measurable outcomes the person can state are recorded            |
| consent       | 15     | 3 for each consent flag granted                                  |
| participation | 10     | 2 for each activity completed in the last 12 months, up to 5     |

Eligible means healthy, tenured and a promoter. An account below the health threshold (or with no
health score) is never eligible, whatever its history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least
from django.utils import timezone
from django.utils.translation import gettext as _

from .capacity import add_months, window_start
from .models import Activity, Advocate, ProgramPolicy

HEALTH_POINTS, TENURE_POINTS, NPS_POINTS, NPS_PASSIVE_POINTS = 30, 15, 20, 5
OUTCOME_POINTS, CONSENT_POINTS_EACH, PARTICIPATION_POINTS_EACH, PARTICIPATION_COUNTED = 10, 3, 2, 5
CONSENT_FIELDS = ("consent_named", "consent_quoted", "consent_logo", "consent_recorded", "consent_speak_publicly")


def _completed_last_year(today: date) -> Subquery:
    return Subquery(
        Activity.objects.filter(
            organization=OuterRef("organization"),
            advocate=OuterRef("pk"),
            status=Activity.Status.COMPLETED,
            occurred_on__gt=window_start(today),
            occurred_on__lte=today,
        )
        .order_by()
        .values("advocate")
        .annotate(n=Count("id"))
        .values("n"),
        output_field=IntegerField(),
    )


def annotate_eligibility(
    queryset: QuerySet[Advocate], *, policy: ProgramPolicy, today: date | None = None
) -> QuerySet[Advocate]:
    """Adds ``health_ok``, ``tenure_ok``, ``promoter``, each part's points, ``completed_12m``,
    ``eligibility_score`` and ``is_eligible`` to every row."""
    today = today or timezone.localdate()
    tenured_since = add_months(today, -policy.tenure_months)
    health_ok = Q(account__health_score__gte=policy.health_threshold)
    tenure_ok = Q(account__customer_since__lte=tenured_since)
    promoter = Q(nps_score__gte=policy.nps_promoter_min)
    consent_points: Any = Value(0)
    for name in CONSENT_FIELDS:
        consent_points = consent_points + Case(
            When(**{name: True}, then=Value(CONSENT_POINTS_EACH)), default=Value(0), output_field=IntegerField()
        )
    return (
        queryset.annotate(
            completed_12m=Coalesce(_completed_last_year(today), Value(0)),
            health_ok=ExpressionWrapper(health_ok, output_field=BooleanField()),
            tenure_ok=ExpressionWrapper(tenure_ok, output_field=BooleanField()),
            promoter=ExpressionWrapper(promoter, output_field=BooleanField()),
            points_health=Case(When(health_ok, then=Value(HEALTH_POINTS)), default=Value(0)),
            points_tenure=Case(When(tenure_ok, then=Value(TENURE_POINTS)), default=Value(0)),
            points_nps=Case(
                When(promoter, then=Value(NPS_POINTS)),
                When(nps_score__gte=7, then=Value(NPS_PASSIVE_POINTS)),
                default=Value(0),
            ),
            points_outcomes=Case(When(~Q(outcomes=""), then=Value(OUTCOME_POINTS)), default=Value(0)),
            points_consent=ExpressionWrapper(consent_points, output_field=IntegerField()),
        )
        .annotate(
            points_participation=Least(F("completed_12m"), Value(PARTICIPATION_COUNTED)) * PARTICIPATION_POINTS_EACH,
        )
        .annotate(
            eligibility_score=F("points_health")
            + F("points_tenure")
            + F("points_nps")
            + F("points_outcomes")
            + F("points_consent")
            + F("points_participation"),
            is_eligible=ExpressionWrapper(health_ok & tenure_ok & promoter, output_field=BooleanField()),
        )
    )


@dataclass(frozen=True)
class ScorePart:
    key: str
    label: str
    points: int
    maximum: int
    explanation: str


def eligibility_breakdown(advocate: Any, *, policy: ProgramPolicy) -> list[ScorePart]:
    """Each part's contribution, in words, for an advocate annotated by ``annotate_eligibility``."""
    account = advocate.account
    health = account.health_score
    tenure = account.tenure_months()
    nps = advocate.nps_score
    consents = sum(bool(getattr(advocate, name)) for name in CONSENT_FIELDS)
    return [
        ScorePart(
            "health",
            _("Account health"),
            advocate.points_health,
            HEALTH_POINTS,
            _("No health score recorded: not eligible.")
            if health is None
            else _("Health %(score)s, threshold %(threshold)s.")
            % {"score": health, "threshold": policy.health_threshold},
        ),
        ScorePart(
            "tenure",
            _("Tenure"),
            advocate.points_tenure,
            TENURE_POINTS,
            _("Customer since date unknown.")
            if tenure is None
            else _("A customer for %(months)s months; %(required)s required.")
            % {"months": tenure, "required": policy.tenure_months},
        ),
        ScorePart(
            "nps",
            _("NPS"),
            advocate.points_nps,
            NPS_POINTS,
            _("No NPS response yet.")
            if nps is None
            else _("Latest NPS %(score)s; promoters score %(min)s or more.")
            % {"score": nps, "min": policy.nps_promoter_min},
        ),
        ScorePart(
            "outcomes",
            _("Stated outcomes"),
            advocate.points_outcomes,
            OUTCOME_POINTS,
            _("Measurable outcomes are recorded.") if advocate.outcomes else _("No outcomes recorded yet."),
        ),
        ScorePart(
            "consent",
            _("Consent"),
            advocate.points_consent,
            CONSENT_POINTS_EACH * len(CONSENT_FIELDS),
            _("%(count)s of %(total)s consent flags granted.") % {"count": consents, "total": len(CONSENT_FIELDS)},
        ),
        ScorePart(
            "participation",
            _("Participation"),
            advocate.points_participation,
            PARTICIPATION_POINTS_EACH * PARTICIPATION_COUNTED,
            _("%(count)s activities completed in the last 12 months.") % {"count": advocate.completed_12m},
        ),
    ]


def ineligibility_reasons(advocate: Any, *, policy: ProgramPolicy) -> list[str]:
    reasons = []
    if not advocate.health_ok:
        reasons.append(_("The account's health is below %(threshold)s.") % {"threshold": policy.health_threshold})
    if not advocate.tenure_ok:
        reasons.append(_("A customer for less than %(months)s months.") % {"months": policy.tenure_months})
    if not advocate.promoter:
        reasons.append(_("Not an NPS promoter (%(min)s or more).") % {"min": policy.nps_promoter_min})
    return reasons
