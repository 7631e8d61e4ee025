"""Recognition nominations in the API: list, nominate, retrieve and decide. The same services as
the pages: nominating needs the appreciation area, deciding the program team."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from advocacy.api.base import TenantViewSet
from advocacy.roles import Capability

from ..models import Nomination
from ..serializers.recognition import (
    NominationDecideInputSerializer,
    NominationEventSerializer,
    NominationInputSerializer,
    NominationSerializer,
)
from ..services import recognition as services


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=Nomination.Status.values),
            OpenApiParameter("kind", OpenApiTypes.STR, enum=Nomination.Kind.values),
            OpenApiParameter("advocate", OpenApiTypes.UUID, description="Only this advocate's nominations."),
        ]
    )
)
class NominationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Spotlight and award nominations of the organisation's advocates."""

    model = Nomination
    serializer_class = NominationSerializer
    required_capability = Capability.APPRECIATION

    def narrow_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        params = self.request.query_params
        filters = {key: params.get(key, "") for key in ("status", "kind", "advocate")}
        errors: dict[str, list[str]] = {}
        if filters["status"] and filters["status"] not in Nomination.Status.values:
            errors["status"] = [_("Unknown status.")]
        if filters["kind"] and filters["kind"] not in Nomination.Kind.values:
            errors["kind"] = [_("Choose spotlight or award.")]
        if filters["advocate"]:
            try:
                uuid.UUID(filters["advocate"])
            except ValueError:
                errors["advocate"] = [_("An advocate's id.")]
        if errors:
            raise ValidationError(errors)
        return services.nominations_for(organization=self.organization, filters=filters)

    def _output(self, nomination: Nomination) -> dict[str, Any]:
        fresh = services.nominations_for(organization=self.organization).filter(pk=nomination.pk).first()
        return dict(NominationSerializer(fresh or nomination).data)

    @extend_schema(request=NominationInputSerializer, responses={201: NominationSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Nominates an active advocate of this organisation for a spotlight or an award; the reason is
        required (400 without it)."""
        payload = NominationInputSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        nomination = services.nomination_create(
            organization=self.organization,
            advocate=data["advocate"],
            actor=self.actor,
            kind=data["kind"],
            title=data["title"],
            reason=data["reason"],
            request=request._request,
        )
        return Response(self._output(nomination), status=status.HTTP_201_CREATED)

    @extend_schema(request=NominationDecideInputSerializer, responses={200: NominationSerializer})
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Accepts or declines a nomination (program team only). A nomination already decided answers
        409; on acceptance the advocate is emailed."""
        nomination = self.get_object()
        if not self.membership.can(Capability.APPRECIATION_MANAGE):
            raise PermissionDenied(_("Only the program team decides on nominations."))
        payload = NominationDecideInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        nomination = services.nomination_decide(
            nomination=nomination,
            decision=payload.validated_data["decision"],
            actor=self.actor,
            note=payload.validated_data["note"],
            request=request._request,
        )
        return Response(self._output(nomination))

    @extend_schema(responses={200: NominationEventSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def history(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Every change to the nomination, from the audit log, oldest first."""
        events = services.nomination_history(nomination=self.get_object())
        return Response(NominationEventSerializer(events, many=True).data)
