"""Asks over the API: invite an advocate to a request, withdraw an ask, record an answer the
advocate gave the program team directly. Program team only; the same services as the web pages."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response

from advocacy.api.base import TenantViewSet
from advocacy.roles import Capability
from advocates.models import Advocate

from ..models import AdvocacyRequest, Ask
from ..serializers.outreach import (
    AskAnswerInputSerializer,
    AskInputSerializer,
    AskSerializer,
    AskWithdrawInputSerializer,
)
from ..services import outreach
from . import uuid_param


@extend_schema(
    parameters=[
        OpenApiParameter("request", OpenApiTypes.UUID, description="Only the asks of this request"),
        OpenApiParameter("status", OpenApiTypes.STR, enum=Ask.Status.values),
    ]
)
class AskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Advocates asked to help with requests, and their answers."""

    model = Ask
    serializer_class = AskSerializer
    required_capability = Capability.REQUESTS_TRIAGE

    def narrow_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        queryset = queryset.select_related("request", "advocate", "asked_by")
        if request_id := self.request.query_params.get("request"):
            queryset = queryset.filter(request__public_id=uuid_param("request", request_id))
        if status_value := self.request.query_params.get("status"):
            queryset = queryset.filter(status=status_value)
        return queryset

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        request_id = request.query_params.get("request")
        if request_id:
            get_object_or_404(
                AdvocacyRequest.objects.filter(organization=self.organization),
                public_id=uuid_param("request", request_id),
            )
        return super().list(request, *args, **kwargs)

    @extend_schema(request=AskInputSerializer, responses={201: AskSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Asks an advocate. 404 for a request or advocate outside the organisation; 409 when a hard
        rule (yearly cap, consent, limits, health) stands in the way; 400 when a soft rule needs an
        ``override_reason``."""
        payload = AskInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        advocacy_request: AdvocacyRequest = get_object_or_404(
            AdvocacyRequest.objects.filter(organization=self.organization), public_id=data["request"]
        )
        advocate: Advocate = get_object_or_404(
            Advocate.objects.filter(organization=self.organization), public_id=data["advocate"]
        )
        ask = outreach.ask_create(
            advocacy_request=advocacy_request,
            advocate=advocate,
            actor=self.actor,
            message=data["message"],
            override_reason=data["override_reason"],
            request=request._request,
        )
        return Response(AskSerializer(ask).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AskWithdrawInputSerializer, responses={200: AskSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Takes back an ask still waiting for an answer (409 once answered)."""
        payload = AskWithdrawInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        ask = outreach.ask_withdraw(
            ask=self.get_object(), actor=self.actor, reason=payload.validated_data["reason"], request=request._request
        )
        return Response(AskSerializer(ask).data)

    @extend_schema(request=AskAnswerInputSerializer, responses={200: AskSerializer})
    @action(detail=True, methods=["post"])
    def answer(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Records the answer an advocate gave the program team directly (by phone, in a meeting).
        409 once the ask is answered, expired or withdrawn."""
        payload = AskAnswerInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        ask = self.get_object()
        if payload.validated_data["answer"] == "accept":
            ask = outreach.ask_accept(ask=ask, actor=self.actor, via="program team", request=request._request)
        else:
            ask = outreach.ask_decline(
                ask=ask,
                actor=self.actor,
                reason=payload.validated_data["reason"],
                via="program team",
                request=request._request,
            )
        return Response(AskSerializer(ask).data)
