"""Activity types (the program's catalogue) and the activity ledger."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Q, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.status import HTTP_201_CREATED

from advocacy.api.base import TenantViewSet
from advocacy.roles import Capability

from .. import selectors, services
from ..models import Activity, ActivityType
from ..serializers import (
    ActivityFilterSerializer,
    ActivityInputSerializer,
    ActivitySerializer,
    ActivityStatusInputSerializer,
    ActivityTypeFilterSerializer,
    ActivityTypeInputSerializer,
    ActivityTypeSerializer,
    ActivityTypeUpdateInputSerializer,
)
from .common import query_filters


@extend_schema_view(list=extend_schema(parameters=[ActivityTypeFilterSerializer]))
class ActivityTypeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """What advocates can do for the program, with the time it takes and its limits."""

    model = ActivityType
    serializer_class = ActivityTypeSerializer
    required_capability = Capability.ADVOCATES
    write_capability = Capability.ADVOCATES_MANAGE

    def narrow_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.action == "list":
            filters = query_filters(ActivityTypeFilterSerializer, self.request)
            if "active" in filters:
                queryset = queryset.filter(active=filters["active"])
        return queryset.order_by("sort_order", "name", "pk")

    @extend_schema(request=ActivityTypeInputSerializer, responses={201: ActivityTypeSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = ActivityTypeInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        activity_type = services.activity_type_create(
            organization=self.organization, actor=self.actor, data=payload.validated_data, request=request._request
        )
        return Response(ActivityTypeSerializer(activity_type).data, status=HTTP_201_CREATED)

    @extend_schema(request=ActivityTypeUpdateInputSerializer, responses={200: ActivityTypeSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        activity_type = self.get_object()
        payload = ActivityTypeUpdateInputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        activity_type = services.activity_type_update(
            activity_type=activity_type, actor=self.actor, data=payload.validated_data, request=request._request
        )
        return Response(ActivityTypeSerializer(activity_type).data)


@extend_schema_view(list=extend_schema(parameters=[ActivityFilterSerializer]))
class ActivityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """The ledger of every participation, newest first. CSMs see their accounts' activities."""

    model = Activity
    serializer_class = ActivitySerializer
    required_capability = Capability.ADVOCATES
    write_capability = Capability.ADVOCATES_MANAGE

    def narrow_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        activities = selectors.visible_activities(organization=self.organization, membership=self.membership)
        if self.action == "list":
            activities = self._filter(activities, query_filters(ActivityFilterSerializer, self.request))
        return activities.select_related("advocate", "activity_type", "request", "recorded_by").order_by(
            "-occurred_on", "-pk"
        )

    @staticmethod
    def _filter(activities: QuerySet[Activity], filters: dict[str, Any]) -> QuerySet[Activity]:
        if "advocate" in filters:
            activities = activities.filter(advocate__public_id=filters["advocate"])
        if "activity_type" in filters:
            reference = filters["activity_type"].strip()
            try:
                activities = activities.filter(activity_type__public_id=uuid.UUID(reference))
            except ValueError:
                activities = activities.filter(Q(activity_type__key=reference))
        if "status" in filters:
            activities = activities.filter(status=filters["status"])
        if "from" in filters:
            activities = activities.filter(occurred_on__gte=filters["from"])
        if "until" in filters:
            activities = activities.filter(occurred_on__lte=filters["until"])
        if "request" in filters:
            activities = activities.filter(request__public_id=filters["request"])
        return activities

    def _render(self, activity: Activity, status: int = 200) -> Response:
        fresh = self.get_queryset().get(pk=activity.pk)
        return Response(ActivitySerializer(fresh).data, status=status)

    @extend_schema(request=ActivityInputSerializer, responses={201: ActivitySerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Records a participation. A completed one counts toward capacity at once."""
        payload = ActivityInputSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        activity = services.activity_record(
            organization=self.organization, actor=self.actor, data=payload.validated_data, request=request._request
        )
        return self._render(activity, status=HTTP_201_CREATED)

    @extend_schema(request=ActivityStatusInputSerializer, responses={200: ActivitySerializer})
    @action(detail=True, methods=["post"])
    def status(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A planned activity is completed or cancelled; any other move answers 409. Completing a
        review may record the stars it gave (400 for any other activity)."""
        activity = self.get_object()
        payload = ActivityStatusInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        activity = services.activity_update_status(
            activity=activity,
            status=payload.validated_data["status"],
            actor=self.actor,
            rating=payload.validated_data.get("rating"),
            request=request._request,
        )
        return self._render(activity)
