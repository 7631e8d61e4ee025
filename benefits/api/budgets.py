"""Budgets in the API: a quarter's budgets with what each has spent; setting one (create or change)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from advocacy.api.base import TenantViewSet
from advocacy.roles import Capability

from ..models import Budget
from ..serializers.budgets import BudgetInputSerializer, BudgetSerializer
from ..services import budgets


class BudgetViewSet(TenantViewSet):
    model = Budget
    serializer_class = BudgetSerializer
    required_capability = Capability.APPRECIATION
    write_capability = Capability.APPRECIATION_MANAGE

    @extend_schema(
        parameters=[
            OpenApiParameter("quarter", OpenApiTypes.DATE, description="Any day of the quarter; today's by default")
        ],
        responses={200: BudgetSerializer(many=True)},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = request.query_params.get("quarter")
        day = None
        if given:
            try:
                day = serializers.DateField().run_validation(given)
            except serializers.ValidationError as error:
                raise serializers.ValidationError({"quarter": error.detail}) from error
            if errors := budgets.quarter_date_errors(day):
                raise serializers.ValidationError({"quarter": errors})
        start = budgets.quarter_start(day or timezone.localdate())
        report = budgets.spend_report(organization=self.organization, start=start)
        rows = [
            {
                "quarter_start": budget.quarter_start,
                "tier": budget.tier,
                "amount": budget.amount,
                "enforced": budget.enforced,
                "spend": spend,
            }
            for budget, spend in report.budgets
        ]
        return Response(BudgetSerializer(rows, many=True).data)

    @extend_schema(request=BudgetInputSerializer, responses={201: BudgetSerializer, 200: BudgetSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = BudgetInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        budget, created = budgets.budget_set(
            organization=self.organization, actor=self.actor, data=payload.validated_data, request=request._request
        )
        spend = budgets.quarter_spend(organization=self.organization, start=budget.quarter_start, tier=budget.tier)
        data = BudgetSerializer(
            {
                "quarter_start": budget.quarter_start,
                "tier": budget.tier,
                "amount": budget.amount,
                "enforced": budget.enforced,
                "spend": spend,
            }
        ).data
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
