"""Rewards in the API: propose (with the value-exchange warning to confirm), approve, move along
fulfilment, and ask for suggestions. A reward worth money for a review is refused with the rule (400);
an illegal fulfilment move answers 409."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from advocacy.api.base import TenantViewSet
from advocacy.roles import Capability

from ..models import Benefit, Reward, RewardStatus, RewardStatusChange
from ..serializers.rewards import (
    RewardApproveInputSerializer,
    RewardInputSerializer,
    RewardSerializer,
    RewardStatusInputSerializer,
    SuggestionSerializer,
    SuggestQuerySerializer,
)
from ..services import rewards


class RewardViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    model = Reward
    serializer_class = RewardSerializer
    required_capability = Capability.APPRECIATION
    write_capability = Capability.APPRECIATION_MANAGE

    def narrow_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        wanted = self.request.query_params.get("status", "")
        if wanted in RewardStatus.values:
            queryset = queryset.filter(status=wanted)
        return queryset.select_related("advocate", "activity", "benefit").prefetch_related(
            Prefetch("options", queryset=Benefit.objects.filter(organization=self.organization)),
            Prefetch(
                "status_changes",
                queryset=RewardStatusChange.objects.filter(organization=self.organization).select_related("actor"),
            ),
        )

    def _reloaded(self, reward: Reward) -> dict[str, Any]:
        return RewardSerializer(self.get_queryset().get(pk=reward.pk)).data

    @extend_schema(request=RewardInputSerializer, responses={201: RewardSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = RewardInputSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        reward = rewards.reward_propose(
            organization=self.organization,
            actor=self.actor,
            advocate=data["advocate"],
            activity=data.get("activity"),
            benefit=data.get("benefit"),
            options=data.get("options") or [],
            note=data.get("note", ""),
            confirm=data["confirm"],
            request=request._request,
        )
        return Response(self._reloaded(reward), status=status.HTTP_201_CREATED)

    @extend_schema(request=RewardApproveInputSerializer, responses={200: RewardSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Approves against stock and budget; a warning (advisory budget) answers 400 on ``confirm``
        until the call is repeated with ``confirm: true``; an enforced budget or no stock answers 409."""
        reward = self.get_object()
        payload = RewardApproveInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        reward = rewards.reward_approve(
            reward=reward,
            actor=self.actor,
            confirm=payload.validated_data["confirm"],
            note=payload.validated_data["note"],
            request=request._request,
        )
        return Response(self._reloaded(reward))

    @extend_schema(request=RewardStatusInputSerializer, responses={200: RewardSerializer})
    @action(detail=True, methods=["post"])
    def status(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        reward = self.get_object()
        payload = RewardStatusInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        reward = rewards.reward_transition(
            reward=reward,
            to_status=payload.validated_data["status"],
            actor=self.actor,
            note=payload.validated_data["note"],
            request=request._request,
        )
        return Response(self._reloaded(reward))

    @extend_schema(parameters=[SuggestQuerySerializer], responses={200: SuggestionSerializer})
    @action(detail=False, methods=["get"])
    def suggest(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Benefits in proportion to the commitment, each with its value-exchange warnings."""
        query = SuggestQuerySerializer(data=request.query_params, context=self.get_serializer_context())
        query.is_valid(raise_exception=True)
        advocate = query.validated_data["advocate"]
        activity = query.validated_data.get("activity")
        if activity is not None and activity.advocate_id != advocate.pk:
            activity = None
        suggestion = rewards.suggest_benefits(advocate=advocate, activity=activity)
        return Response(SuggestionSerializer(suggestion).data)
