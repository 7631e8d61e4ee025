from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response

from advocacy.api.base import TenantViewSet
from advocacy.roles import Capability

from . import selectors, services
from .models import Advocate, CustomerAccount
from .serializers import AdvocateInputSerializer, AdvocateSerializer, CustomerAccountSerializer

ADVOCATE_FILTERS = ["tier", "status", "segment", "region", "industry", "q", "sort"]


@extend_schema_view(
    list=extend_schema(parameters=[OpenApiParameter(name, str) for name in ADVOCATE_FILTERS]),
)
class AdvocateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    model = Advocate
    serializer_class = AdvocateSerializer
    required_capability = Capability.ADVOCATES
    write_capability = Capability.ADVOCATES_MANAGE

    def narrow_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        filters = {name: self.request.query_params.get(name, "") for name in ADVOCATE_FILTERS}
        return selectors.advocate_directory(organization=self.organization, membership=self.membership, filters=filters)

    @extend_schema(request=AdvocateInputSerializer, responses={201: AdvocateSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = AdvocateInputSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        advocate = services.advocate_create(
            organization=self.organization,
            actor=self.actor,
            data=payload.validated_data,
            request=request._request,
        )
        return Response(AdvocateSerializer(advocate).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AdvocateInputSerializer, responses={200: AdvocateSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        advocate = self.get_object()
        payload = AdvocateInputSerializer(data=request.data, partial=True, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        advocate = services.advocate_update(
            advocate=advocate, actor=self.actor, data=payload.validated_data, request=request._request
        )
        return Response(AdvocateSerializer(advocate).data)


class CustomerAccountViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    model = CustomerAccount
    serializer_class = CustomerAccountSerializer
    required_capability = Capability.ADVOCATES

    def narrow_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return selectors.account_directory(
            organization=self.organization,
            membership=self.membership,
            query=self.request.query_params.get("q", ""),
        )
