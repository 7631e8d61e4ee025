"""Referrals in the API: the sales queue, owner assignment and status moves, and referrals entered
by the program team on behalf of an advocate. The same services as the pages."""

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

from ..models import Referral
from ..serializers.referrals import (
    ReferralAssignInputSerializer,
    ReferralEventSerializer,
    ReferralInputSerializer,
    ReferralSerializer,
    ReferralTransitionInputSerializer,
)
from ..services import referrals as services


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, description="“open”, or one status; all when absent."),
            OpenApiParameter("owner", OpenApiTypes.STR, description="An owner's user id, or “unassigned”."),
            OpenApiParameter("mine", OpenApiTypes.BOOL, description="Only referrals the caller owns."),
        ]
    )
)
class ReferralViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Referrals: the program team and sales see them all; other members see the ones they own."""

    model = Referral
    serializer_class = ReferralSerializer
    required_capability = Capability.REQUESTS

    def narrow_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        params = self.request.query_params
        filters = {
            "status": params.get("status", ""),
            "owner": params.get("owner", ""),
            "mine": params.get("mine", "").lower() in ("1", "true", "yes"),
        }
        if filters["owner"] not in ("", "unassigned"):
            try:
                uuid.UUID(str(filters["owner"]))
            except ValueError as error:
                raise ValidationError({"owner": [_("An owner's user id, or “unassigned”.")]}) from error
        return services.filtered_referrals(organization=self.organization, membership=self.membership, filters=filters)

    @extend_schema(request=ReferralInputSerializer, responses={201: ReferralSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Enters a referral on behalf of an advocate (program team only): the peer must have agreed to be
        contacted, and self-referrals and people already with the sales team are refused (400)."""
        if not self.membership.can(Capability.REQUESTS_TRIAGE):
            raise PermissionDenied(_("Only the program team enters referrals for an advocate."))
        payload = ReferralInputSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        advocate = data.pop("advocate")
        referral = services.referral_submit(
            organization=self.organization, advocate=advocate, actor=self.actor, data=data, request=request._request
        )
        return Response(self._output(referral), status=status.HTTP_201_CREATED)

    def _output(self, referral: Referral) -> dict[str, Any]:
        fresh = services.visible_referrals(organization=self.organization, membership=self.membership)
        return dict(ReferralSerializer(fresh.filter(pk=referral.pk).first() or referral).data)

    @extend_schema(request=ReferralAssignInputSerializer, responses={200: ReferralSerializer})
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Gives the referral a sales owner (program team and sales). The owner must be a member of this
        organisation whose role works with requests; null sends it back to the unassigned queue."""
        referral = self.get_object()
        if not services.can_assign_referrals(self.membership):
            raise PermissionDenied(_("Only the program team and sales assign referrals."))
        payload = ReferralAssignInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        owner = None
        if payload.validated_data["owner"] is not None:
            owner = (
                services.referral_owner_candidates(organization=self.organization)
                .filter(public_id=payload.validated_data["owner"])
                .first()
            )
            if owner is None:
                raise ValidationError({"owner": [_("Choose a member of this organisation who works with requests.")]})
        referral = services.referral_assign(referral=referral, owner=owner, actor=self.actor, request=request._request)
        return Response(self._output(referral))

    @extend_schema(request=ReferralTransitionInputSerializer, responses={200: ReferralSerializer})
    @action(detail=True, methods=["post"])
    def status(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Moves the referral along its workflow (its owner or the program team). A move the workflow
        does not allow answers 409 with the reason."""
        referral = self.get_object()
        if not services.can_move_referral(self.membership, referral):
            raise PermissionDenied(_("Only the referral's owner or the program team moves it on."))
        payload = ReferralTransitionInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        referral = services.referral_transition(
            referral=referral,
            to_status=payload.validated_data["status"],
            actor=self.actor,
            note=payload.validated_data["note"],
            crm_opportunity_id=payload.validated_data["crm_opportunity_id"],
            opportunity_value=payload.validated_data["opportunity_value"],
            request=request._request,
        )
        return Response(self._output(referral))

    @extend_schema(responses={200: ReferralEventSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def history(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Every change to the referral, from the audit log, oldest first."""
        events = services.referral_history(referral=self.get_object())
        return Response(ReferralEventSerializer(events, many=True).data)
