"""Program costs in the API: the costs entered per quarter and kind. Setting a kind's cost for a
quarter creates it or changes it (201 or 200); deleting it removes it from the ROI."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from advocacy.api.base import TenantViewSet
from advocacy.roles import Capability
from benefits.services.budgets import quarter_date_errors, quarter_start

from ..models import CostKind, ProgramCost
from ..services import MONEY_MAX_DIGITS, CostEntry, program_cost_delete, program_cost_set

NOTE_MAX_LENGTH = 300


class ProgramCostSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProgramCost
        fields = ["public_id", "quarter_start", "kind", "amount", "note", "updated_at"]
        read_only_fields = fields


class ProgramCostInputSerializer(serializers.Serializer):
    quarter_start = serializers.DateField(help_text="The first day of the quarter: 1 January, 1 April, …")
    kind = serializers.ChoiceField(choices=CostKind.choices)
    amount = serializers.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=2, min_value=0)
    note = serializers.CharField(max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True, default="")


class ProgramCostChangeSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=2, min_value=0)
    note = serializers.CharField(max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True)


class ProgramCostViewSet(mixins.RetrieveModelMixin, TenantViewSet):
    model = ProgramCost
    serializer_class = ProgramCostSerializer
    required_capability = Capability.DASHBOARD
    write_capability = Capability.REPORTS_MANAGE

    @extend_schema(
        parameters=[OpenApiParameter("quarter", OpenApiTypes.DATE, description="Any day of a quarter: only its costs")],
        responses={200: ProgramCostSerializer(many=True)},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        costs = self.get_queryset().order_by("-quarter_start", "kind")
        given = request.query_params.get("quarter")
        if given:
            try:
                day = serializers.DateField().run_validation(given)
            except serializers.ValidationError as error:
                raise serializers.ValidationError({"quarter": error.detail}) from error
            if errors := quarter_date_errors(day):
                raise serializers.ValidationError({"quarter": errors})
            costs = costs.filter(quarter_start=quarter_start(day))
        page = self.paginate_queryset(costs)
        if page is not None:
            return self.get_paginated_response(ProgramCostSerializer(page, many=True).data)
        return Response(ProgramCostSerializer(costs, many=True).data)

    @extend_schema(
        request=ProgramCostInputSerializer, responses={201: ProgramCostSerializer, 200: ProgramCostSerializer}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = ProgramCostInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        cost, created = program_cost_set(
            organization=self.organization,
            actor=self.actor,
            quarter=data["quarter_start"],
            kind=data["kind"],
            entry=CostEntry(amount=data["amount"], note=data["note"]),
            request=request._request,
        )
        return Response(
            ProgramCostSerializer(cost).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    def _change(self, request: Request, *, partial: bool) -> Response:
        cost = self.get_object()
        payload = ProgramCostChangeSerializer(data=request.data, partial=partial)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        cost, _created = program_cost_set(
            organization=self.organization,
            actor=self.actor,
            quarter=cost.quarter_start,
            kind=cost.kind,
            entry=CostEntry(amount=data.get("amount", cost.amount), note=data.get("note", cost.note)),
            request=request._request,
        )
        return Response(ProgramCostSerializer(cost).data)

    @extend_schema(request=ProgramCostChangeSerializer, responses={200: ProgramCostSerializer})
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._change(request, partial=False)

    @extend_schema(request=ProgramCostChangeSerializer, responses={200: ProgramCostSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._change(request, partial=True)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        program_cost_delete(cost=self.get_object(), actor=self.actor, request=request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)
