"""Scheduling, briefing, completion and outcomes over the API, for integrations acting as a member
(the advocate acts in the portal). The same services as the web pages: 400 with field errors for
bad input, 409 for a move the current state does not allow, 404 for another organisation's."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from advocacy.api.base import TenantViewSet
from advocacy.roles import Capability

from .. import selectors
from ..models import AdvocacyRequest, Ask, RequestOutcome
from ..serializers.engagement import (
    BriefingInputSerializer,
    CancelMeetingInputSerializer,
    ChooseTimeInputSerializer,
    CompleteInputSerializer,
    EngagementSerializer,
    OutcomeInputSerializer,
    OutcomeSerializer,
    ProposeTimesInputSerializer,
    TimeSlotSerializer,
)
from ..services import completion, scheduling
from . import uuid_param


@extend_schema(parameters=[OpenApiParameter("request", OpenApiTypes.UUID, description="Only this request's")])
class EngagementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Accepted and completed asks: proposing and choosing times, briefings, marking them done.
    Requesters see those of their own requests and may propose times; the rest is the program
    team's."""

    model = Ask
    serializer_class = EngagementSerializer
    required_capability = Capability.REQUESTS

    def narrow_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        requests = selectors.visible_requests(organization=self.organization, membership=self.membership)
        queryset = (
            queryset.filter(request__in=requests.values("pk"), status__in=(Ask.Status.ACCEPTED, Ask.Status.COMPLETED))
            .select_related("organization", "request", "request__requester", "advocate", "advocate__user", "activity")
            .prefetch_related("slots")
            .order_by("-asked_at", "-pk")
        )
        if request_id := self.request.query_params.get("request"):
            queryset = queryset.filter(request__public_id=uuid_param("request", request_id))
        return queryset

    def _program_team_only(self) -> None:
        if not scheduling.is_program_team(self.membership):
            raise PermissionDenied(_("Only the program team does this."))

    def _fresh(self, ask: Ask) -> Response:
        return Response(EngagementSerializer(self.get_queryset().get(pk=ask.pk)).data)

    @extend_schema(request=ProposeTimesInputSerializer, responses={201: TimeSlotSerializer(many=True)})
    @action(detail=True, methods=["post"])
    def times(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Proposes times (aware, in the future) for the advocate to pick from."""
        ask = self.get_object()
        if not scheduling.can_propose_times(self.membership, ask.request):
            raise PermissionDenied(_("Only the program team or the requester proposes times."))
        payload = ProposeTimesInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        slots = scheduling.slots_propose(
            ask=ask,
            actor=self.actor,
            starts=data["starts"],
            duration_minutes=data["duration_minutes"],
            meeting_location=data.get("meeting_location"),
            request=request._request,
        )
        return Response(TimeSlotSerializer(slots, many=True).data, status=201)

    @extend_schema(request=ChooseTimeInputSerializer, responses={200: EngagementSerializer})
    @action(detail=True, methods=["post"])
    def choose(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Chooses a proposed time on the advocate's behalf (logged as such); both sides receive
        the calendar invitation. 409 unless the ask is accepted."""
        self._program_team_only()
        ask = self.get_object()
        payload = ChooseTimeInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        scheduling.slot_choose(
            ask=ask, starts_at=payload.validated_data["starts_at"], actor=self.actor, request=request._request
        )
        return self._fresh(ask)

    @extend_schema(request=BriefingInputSerializer, responses={200: EngagementSerializer})
    @action(detail=True, methods=["post"])
    def briefing(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Sets the briefings and the meeting place; only the fields given change."""
        self._program_team_only()
        ask = self.get_object()
        payload = BriefingInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        scheduling.briefing_update(ask=ask, actor=self.actor, data=payload.validated_data, request=request._request)
        return self._fresh(ask)

    @extend_schema(request=CancelMeetingInputSerializer, responses={200: EngagementSerializer})
    @action(detail=True, methods=["post"], url_path="cancel-meeting")
    def cancel_meeting(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self._program_team_only()
        ask = self.get_object()
        payload = CancelMeetingInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        scheduling.meeting_cancel(
            ask=ask, actor=self.actor, reason=payload.validated_data["reason"], request=request._request
        )
        return self._fresh(ask)

    @extend_schema(request=CompleteInputSerializer, responses={200: EngagementSerializer})
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Marks the ask done: one completed activity in the ledger, linked to the request."""
        self._program_team_only()
        ask = self.get_object()
        payload = CompleteInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        completion.ask_complete(
            ask=ask,
            actor=self.actor,
            occurred_on=data["occurred_on"],
            minutes=data["minutes"],
            note=data["note"],
            request=request._request,
        )
        return self._fresh(ask)


class RequestOutcomeViewSet(mixins.RetrieveModelMixin, TenantViewSet):
    """What came of a request, by the request's id. Recording it on a completed request closes the
    request; a new "how the contribution was used" is sent to the advocate."""

    model = AdvocacyRequest
    serializer_class = OutcomeSerializer
    required_capability = Capability.REQUESTS

    def narrow_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return selectors.visible_requests(organization=self.organization, membership=self.membership)

    def _outcome(self, advocacy_request: AdvocacyRequest) -> RequestOutcome | None:
        return (
            RequestOutcome.objects.filter(organization=self.organization, request=advocacy_request)
            .select_related("request", "recorded_by")
            .first()
        )

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        outcome = self._outcome(self.get_object())
        if outcome is None:
            raise NotFound(_("No outcome has been recorded for this request yet."))
        return Response(OutcomeSerializer(outcome).data)

    @extend_schema(request=OutcomeInputSerializer, responses={200: OutcomeSerializer})
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Records or corrects the outcome (the requester or the program team)."""
        advocacy_request = self.get_object()
        if not completion.can_record_outcome(self.membership, advocacy_request):
            raise PermissionDenied(_("Only the requester or the program team records the outcome."))
        payload = OutcomeInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        completion.outcome_record(
            advocacy_request=advocacy_request, actor=self.actor, data=payload.validated_data, request=request._request
        )
        outcome = self._outcome(advocacy_request)
        return Response(OutcomeSerializer(outcome).data)
