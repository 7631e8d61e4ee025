"""The benefit catalogue in the API: anyone in appreciation reads it; the program team keeps it."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response

from advocacy.api.base import TenantViewSet
from advocacy.roles import Capability

from ..models import Benefit
from ..serializers.catalogue import BenefitInputSerializer, BenefitSerializer
from ..services import catalogue


class BenefitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    model = Benefit
    serializer_class = BenefitSerializer
    required_capability = Capability.APPRECIATION
    write_capability = Capability.APPRECIATION_MANAGE

    @extend_schema(request=BenefitInputSerializer, responses={201: BenefitSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = BenefitInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        benefit = catalogue.benefit_create(
            organization=self.organization, actor=self.actor, data=payload.validated_data, request=request._request
        )
        return Response(BenefitSerializer(benefit).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=BenefitInputSerializer, responses={200: BenefitSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        benefit = self.get_object()
        payload = BenefitInputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        benefit = catalogue.benefit_update(
            benefit=benefit, actor=self.actor, data=payload.validated_data, request=request._request
        )
        return Response(BenefitSerializer(benefit).data)
