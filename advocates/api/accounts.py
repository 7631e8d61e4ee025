"""Customer accounts: the directory, profiles and health history."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.status import HTTP_201_CREATED

from advocacy.api.base import TenantViewSet
from advocacy.roles import Capability

from .. import selectors, services
from ..models import CustomerAccount, HealthScoreChange, Product
from ..serializers import (
    AccountFilterSerializer,
    CustomerAccountInputSerializer,
    CustomerAccountSerializer,
    CustomerAccountUpdateInputSerializer,
    HealthChangeSerializer,
    HealthInputSerializer,
)
from .common import query_filters


@extend_schema_view(list=extend_schema(parameters=[AccountFilterSerializer]))
class CustomerAccountViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Customer accounts with the products they use, their health and tenure. CSMs see the
    accounts they own."""

    model = CustomerAccount
    serializer_class = CustomerAccountSerializer
    required_capability = Capability.ADVOCATES
    write_capability = Capability.ADVOCATES_MANAGE

    def narrow_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        filters = query_filters(AccountFilterSerializer, self.request) if self.action == "list" else {}
        accounts = selectors.account_directory(
            organization=self.organization, membership=self.membership, filters=filters
        )
        products = Product.objects.filter(organization=self.organization).order_by("name")
        return accounts.prefetch_related(Prefetch("products", queryset=products))

    def _render(self, account: CustomerAccount, status: int = 200) -> Response:
        fresh = self.get_queryset().get(pk=account.pk)
        return Response(CustomerAccountSerializer(fresh, context=self.get_serializer_context()).data, status=status)

    @extend_schema(request=CustomerAccountInputSerializer, responses={201: CustomerAccountSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = CustomerAccountInputSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        account = services.account_create(
            organization=self.organization, actor=self.actor, data=payload.validated_data, request=request._request
        )
        return self._render(account, status=HTTP_201_CREATED)

    @extend_schema(request=CustomerAccountUpdateInputSerializer, responses={200: CustomerAccountSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        account = self.get_object()
        payload = CustomerAccountUpdateInputSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        payload.is_valid(raise_exception=True)
        account = services.account_update(
            account=account, actor=self.actor, data=payload.validated_data, request=request._request
        )
        return self._render(account)

    @extend_schema(methods=["GET"], request=None, responses={200: HealthChangeSerializer(many=True)})
    @extend_schema(methods=["POST"], request=HealthInputSerializer, responses={200: CustomerAccountSerializer})
    @action(detail=True, methods=["get", "post"])
    def health(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """GET: the account's health history, newest first. POST: records a new health score."""
        account = self.get_object()
        if request.method == "GET":
            history = HealthScoreChange.objects.filter(organization=self.organization, account=account)
            return Response(HealthChangeSerializer(history.select_related("recorded_by"), many=True).data)
        payload = HealthInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        account = services.health_record(
            account=account,
            score=payload.validated_data["score"],
            actor=self.actor,
            source=payload.validated_data["source"],
            request=request._request,
        )
        return self._render(account)
