"""CRM opportunities in the API: list (by result and closing date), read, create, change and delete.
Everyone who sees the reports reads them; the program team changes them."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response

from advocacy.api.base import TenantViewSet
from advocacy.roles import Capability

from .. import opportunities as services
from ..models import Opportunity
from ..selectors.impact_figures import with_advocacy_flag
from ..serializers import OpportunityFilterSerializer, OpportunityInputSerializer, OpportunitySerializer


@extend_schema_view(list=extend_schema(parameters=[OpportunityFilterSerializer]))
class OpportunityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Opportunities from the CRM, newest first, each with whether it had advocacy."""

    model = Opportunity
    serializer_class = OpportunitySerializer
    required_capability = Capability.DASHBOARD
    write_capability = Capability.REPORTS_MANAGE

    def narrow_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.action == "list":
            filters = OpportunityFilterSerializer(data=self.request.query_params.dict())
            filters.is_valid(raise_exception=True)
            values = filters.validated_data
            if "result" in values:
                queryset = queryset.filter(result=values["result"])
            if "closed_from" in values:
                queryset = queryset.filter(closed_on__gte=values["closed_from"])
            if "closed_to" in values:
                queryset = queryset.filter(closed_on__lte=values["closed_to"])
        return with_advocacy_flag(self.organization, queryset).order_by("-opened_on", "crm_id", "pk")

    def _render(self, opportunity: Opportunity, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=opportunity.pk)
        return Response(OpportunitySerializer(fresh).data, status=code)

    @extend_schema(request=OpportunityInputSerializer, responses={201: OpportunitySerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Adds an opportunity; its CRM id must be new to the organisation (400 otherwise)."""
        payload = OpportunityInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        opportunity = services.opportunity_create(
            organization=self.organization, actor=self.actor, data=payload.validated_data, request=request._request
        )
        return self._render(opportunity, status.HTTP_201_CREATED)

    @extend_schema(request=OpportunityInputSerializer, responses={200: OpportunitySerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Changes the fields given; the closing date is checked against the result and opening date
        as they end up."""
        opportunity = self.get_object()
        payload = OpportunityInputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        opportunity = services.opportunity_update(
            opportunity=opportunity, actor=self.actor, data=payload.validated_data, request=request._request
        )
        return self._render(opportunity)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.opportunity_delete(opportunity=self.get_object(), actor=self.actor, request=request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)
