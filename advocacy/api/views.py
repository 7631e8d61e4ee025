"""Platform endpoints: who am I here, members and roles, invitations, the audit log."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from ..models import AuditEvent, Invitation, Membership
from ..roles import Capability
from ..services import invitations as invitation_services
from ..services import members as member_services
from .base import TenantViewSet
from .serializers import (
    AuditEventSerializer,
    InvitationSerializer,
    MembershipRoleInputSerializer,
    MembershipSerializer,
    OrganizationSerializer,
)


class CurrentMembershipViewSet(TenantViewSet):
    """The organisation and the caller's role in it."""

    model = Membership
    serializer_class = MembershipSerializer

    @extend_schema(responses={200: OrganizationSerializer})
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(
            {
                "organization": OrganizationSerializer(self.organization).data,
                "membership": MembershipSerializer(self.membership).data,
                "capabilities": sorted(c for c in Capability.values if self.membership.can(c)),
            }
        )


class MemberViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    model = Membership
    serializer_class = MembershipSerializer
    required_capability = Capability.SETTINGS

    def narrow_queryset(self, queryset: Any) -> Any:
        return queryset.select_related("user").order_by("user__email")

    @extend_schema(request=MembershipRoleInputSerializer, responses={200: MembershipSerializer})
    @action(detail=True, methods=["post"])
    def role(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        membership = self.get_object()
        payload = MembershipRoleInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        membership = member_services.membership_change_role(
            membership=membership,
            role=payload.validated_data["role"],
            actor=self.actor,
            reason=payload.validated_data.get("reason", ""),
            request=request._request,
        )
        return Response(MembershipSerializer(membership).data)


class InvitationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, TenantViewSet):
    model = Invitation
    serializer_class = InvitationSerializer
    required_capability = Capability.SETTINGS

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = InvitationSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        invitation = invitation_services.invitation_create(
            organization=self.organization,
            invited_by=self.actor,
            email=payload.validated_data["email"],
            role=payload.validated_data["role"],
            message=payload.validated_data.get("message", ""),
            request=request._request,
        )
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        invitation_services.invitation_revoke(invitation=self.get_object(), actor=self.actor, request=request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AuditEventViewSet(mixins.ListModelMixin, TenantViewSet):
    model = AuditEvent
    serializer_class = AuditEventSerializer
    required_capability = Capability.SETTINGS

    def narrow_queryset(self, queryset: Any) -> Any:
        verb = self.request.query_params.get("verb")
        if verb:
            queryset = queryset.filter(verb=verb)
        return queryset
