from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response

from advocacy.api.base import TenantViewSet
from advocacy.roles import Capability
from advocates.models import Advocate

from .. import matching, selectors, services
from ..models import AdvocacyRequest
from ..serializers import (
    AdvocacyRequestInputSerializer,
    AdvocacyRequestSerializer,
    CancelInputSerializer,
    CandidateSerializer,
    ReasonSerializer,
    RequestStatusChangeSerializer,
    TransitionInputSerializer,
)


class AdvocacyRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Requests: requesters see and submit their own; program managers see all."""

    model = AdvocacyRequest
    serializer_class = AdvocacyRequestSerializer
    required_capability = Capability.REQUESTS

    def narrow_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        filters = {
            "status": self.request.query_params.get("status", ""),
            "request_type": self.request.query_params.get("request_type", ""),
        }
        return selectors.filtered_requests(organization=self.organization, membership=self.membership, filters=filters)

    @extend_schema(request=AdvocacyRequestInputSerializer, responses={201: AdvocacyRequestSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = AdvocacyRequestInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        if payload.validated_data["request_type"] not in selectors.request_types_for(self.membership):
            raise ValidationError({"request_type": [_("Your role cannot ask for this type of request.")]})
        advocacy_request = services.request_submit(
            organization=self.organization,
            requester=self.actor,
            data=payload.validated_data,
            request=request._request,
        )
        return Response(AdvocacyRequestSerializer(advocacy_request).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CancelInputSerializer, responses={200: AdvocacyRequestSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        advocacy_request = self.get_object()
        payload = CancelInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        advocacy_request = services.request_cancel(
            advocacy_request=advocacy_request,
            actor=self.actor,
            reason=payload.validated_data["reason"],
            request=request._request,
        )
        return Response(AdvocacyRequestSerializer(advocacy_request).data)

    @extend_schema(request=TransitionInputSerializer, responses={200: AdvocacyRequestSerializer})
    @action(detail=True, methods=["post"])
    def status(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Moves the request along its workflow (program team only). A move the workflow does not
        allow answers 409 with the reason; giving up or cancelling needs a reason (400 without)."""
        if not self.membership.can(Capability.REQUESTS_TRIAGE):
            raise PermissionDenied(_("Only the program team moves requests along their workflow."))
        advocacy_request = self.get_object()
        payload = TransitionInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        advocacy_request = services.request_transition(
            advocacy_request=advocacy_request,
            to_status=payload.validated_data["status"],
            actor=self.actor,
            reason=payload.validated_data["reason"],
            request=request._request,
        )
        return Response(AdvocacyRequestSerializer(advocacy_request).data)

    @extend_schema(responses={200: CandidateSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def candidates(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The best advocates to ask, with each one's score parts (program team only)."""
        self._require_triage()
        candidates = matching.rank_candidates(advocacy_request=self.get_object())
        return Response(CandidateSerializer(candidates, many=True).data)

    @extend_schema(
        parameters=[OpenApiParameter("advocate", OpenApiTypes.UUID, required=True)],
        responses={200: ReasonSerializer(many=True)},
    )
    @action(detail=True, methods=["get"], url_path="why-not")
    def why_not(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Why an advocate is not among the candidates, with the date each reason stops applying.
        An empty list means they can be asked."""
        self._require_triage()
        advocacy_request = self.get_object()
        advocate: Advocate = get_object_or_404(
            Advocate.objects.filter(organization=self.organization), public_id=request.query_params.get("advocate")
        )
        reasons = matching.why_not(advocacy_request=advocacy_request, advocate=advocate)
        return Response(ReasonSerializer(reasons, many=True).data)

    def _require_triage(self) -> None:
        if not self.membership.can(Capability.REQUESTS_TRIAGE):
            raise PermissionDenied(_("Only the program team sees matching advocates."))

    @extend_schema(responses={200: RequestStatusChangeSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def history(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        advocacy_request = self.get_object()
        changes = advocacy_request.status_changes.filter(organization=self.organization)
        return Response(RequestStatusChangeSerializer(changes, many=True).data)
