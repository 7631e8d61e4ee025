"""The score parts as ORM expressions: the fit read from the account and from the advocate, the tier
suited to the deal, rotation and past feedback (``annotate_rules`` and the ORM shortlist state them)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Greatest

from advocacy.models import Organization
from advocates.models import AccountProduct, ProgramPolicy

from ..models import AdvocacyRequest, Ask
from .weights import RATED, MatchWeights, _requested_products, _tier_points, feedback_points


def _points_if(condition: Q | None, points: int) -> Any:
    if condition is None or points == 0:
        return Value(0)
    return Case(When(condition, then=Value(points)), default=Value(0), output_field=IntegerField())


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


def _total(parts: dict[str, Any]) -> Any:
    expressions = list(parts.values())
    return sum(expressions[1:], expressions[0])
