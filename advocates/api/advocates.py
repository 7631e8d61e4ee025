"""Advocates: the directory and profiles, the lifecycle, tiers, capacity, eligibility, consent,
preferences, blackouts and history."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.status import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from advocacy.api.base import TenantViewSet
from advocacy.roles import Capability

from .. import selectors, services, tiers
from ..capacity import advocate_capacity
from ..eligibility import eligibility_breakdown, ineligibility_reasons
from ..models import (
    ActivityPreference,
    Advocate,
    AdvocateStatusChange,
    BlackoutPeriod,
    ConsentChange,
    ConsentSource,
    NpsResponse,
    ProgramPolicy,
    TierChange,
)
from ..serializers import (
    AdvocateFilterSerializer,
    AdvocateHistorySerializer,
    AdvocateInputSerializer,
    AdvocateSerializer,
    AdvocateStatusInputSerializer,
    AdvocateUpdateInputSerializer,
    BlackoutInputSerializer,
    BlackoutSerializer,
    CapacitySerializer,
    ConsentInputSerializer,
    ConsentSerializer,
    EligibilitySerializer,
    InviteInputSerializer,
    NominateInputSerializer,
    PreferencesInputSerializer,
    PreferencesSerializer,
    TierInputSerializer,
)
from .common import query_filters


@extend_schema_view(list=extend_schema(parameters=[AdvocateFilterSerializer]))
class AdvocateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Advocates, with their capacity summary and eligibility score. CSMs see the advocates of the
    accounts they own. Tier and status change only through their actions, each with a reason."""

    model = Advocate
    serializer_class = AdvocateSerializer
    required_capability = Capability.ADVOCATES
    write_capability = Capability.ADVOCATES_MANAGE

    def narrow_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.action == "list":
            filters = query_filters(AdvocateFilterSerializer, self.request)
            advocates = selectors.advocate_directory(
                organization=self.organization, membership=self.membership, filters=filters
            )
        else:
            advocates = selectors.visible_advocates(organization=self.organization, membership=self.membership)
        advocates = advocates.select_related("account", "invited_by")
        return selectors.with_advocate_scores(advocates, organization=self.organization)

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if context.get("organization") is not None:
            context["policy"] = ProgramPolicy.for_organization(context["organization"])
        return context

    def _render(self, advocate: Advocate, status: int = 200) -> Response:
        fresh = self.get_queryset().get(pk=advocate.pk)
        return Response(AdvocateSerializer(fresh, context=self.get_serializer_context()).data, status=status)

    def _parse(self, serializer_class: type, **kwargs: Any) -> dict[str, Any]:
        payload = serializer_class(data=self.request.data, context=self.get_serializer_context(), **kwargs)
        payload.is_valid(raise_exception=True)
        return dict(payload.validated_data)

    @extend_schema(request=AdvocateInputSerializer, responses={201: AdvocateSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A new advocate starts as a candidate in the community tier."""
        data = self._parse(AdvocateInputSerializer)
        advocate = services.advocate_create(
            organization=self.organization, actor=self.actor, data=data, request=request._request
        )
        return self._render(advocate, status=HTTP_201_CREATED)

    @extend_schema(request=AdvocateUpdateInputSerializer, responses={200: AdvocateSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Profile fields only: the tier and the status have their own actions."""
        advocate = self.get_object()
        data = self._parse(AdvocateUpdateInputSerializer, partial=True)
        advocate = services.advocate_update(advocate=advocate, actor=self.actor, data=data, request=request._request)
        return self._render(advocate)

    # The lifecycle ------------------------------------------------------------------------------------

    @extend_schema(request=AdvocateStatusInputSerializer, responses={200: AdvocateSerializer})
    @action(detail=True, methods=["post"])
    def status(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Pause, reactivate, move to alumni… with a reason. A move the lifecycle does not allow
        answers 409."""
        advocate = self.get_object()
        data = self._parse(AdvocateStatusInputSerializer)
        advocate = services.advocate_change_status(
            advocate=advocate, status=data["status"], reason=data["reason"], actor=self.actor, request=request._request
        )
        return self._render(advocate)

    @extend_schema(request=NominateInputSerializer, responses={200: AdvocateSerializer})
    @action(detail=True, methods=["post"], write_capability=Capability.ADVOCATES_NOMINATE)
    def nominate(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Proposes a candidate for the program, saying why. Open to the program team and to CSMs,
        who recommend people from the accounts they own."""
        advocate = self.get_object()
        data = self._parse(NominateInputSerializer)
        advocate = services.advocate_nominate(
            advocate=advocate, reason=data["reason"], actor=self.actor, request=request._request
        )
        return self._render(advocate)

    @extend_schema(request=InviteInputSerializer, responses={200: AdvocateSerializer})
    @action(detail=True, methods=["post"])
    def invite(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Invites a candidate or nominee with a personal message, in a member's name (an
        executive's for platinum)."""
        advocate = self.get_object()
        data = self._parse(InviteInputSerializer)
        advocate = services.advocate_invite(
            advocate=advocate,
            actor=self.actor,
            message=data["message"],
            sender=data.get("sender"),
            request=request._request,
        )
        return self._render(advocate)

    @extend_schema(request=TierInputSerializer, responses={200: AdvocateSerializer})
    @action(detail=True, methods=["post"])
    def tier(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Accepts the pending tier suggestion, or sets a tier by hand with a reason. No pending
        suggestion, or the tier the advocate already has, answers 409."""
        advocate = self.get_object()
        data = self._parse(TierInputSerializer)
        if data["action"] == "accept":
            advocate = tiers.tier_accept_suggestion(advocate=advocate, actor=self.actor, request=request._request)
        else:
            advocate = tiers.tier_override(
                advocate=advocate, tier=data["tier"], reason=data["reason"], actor=self.actor, request=request._request
            )
        return self._render(advocate)

    # Reads for matching --------------------------------------------------------------------------------

    @extend_schema(responses={200: CapacitySerializer})
    @action(detail=True, methods=["get"])
    def capacity(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Used and remaining in the rolling twelve months, overall and per activity type, and the
        next date each type may be asked again."""
        return Response(CapacitySerializer(advocate_capacity(self.get_object())).data)

    @extend_schema(responses={200: EligibilitySerializer})
    @action(detail=True, methods=["get"])
    def eligibility(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The eligibility score, part by part, and why the advocate is not eligible if not."""
        advocate: Any = self.get_object()
        policy = ProgramPolicy.for_organization(self.organization)
        parts = eligibility_breakdown(advocate, policy=policy)
        result = {
            "score": advocate.eligibility_score,
            "maximum": sum(part.maximum for part in parts),
            "is_eligible": advocate.is_eligible,
            "parts": parts,
            "reasons": [] if advocate.is_eligible else ineligibility_reasons(advocate, policy=policy),
        }
        return Response(EligibilitySerializer(result).data)

    # Consent, preferences, blackouts ---------------------------------------------------------------------

    def _consent(self, advocate: Advocate) -> Response:
        history = ConsentChange.objects.filter(organization=self.organization, advocate=advocate)
        result = {"consents": advocate, "history": history.select_related("actor")}
        return Response(ConsentSerializer(result).data)

    @extend_schema(methods=["GET"], request=None, responses={200: ConsentSerializer})
    @extend_schema(methods=["POST"], request=ConsentInputSerializer, responses={200: ConsentSerializer})
    @action(detail=True, methods=["get", "post"])
    def consent(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """GET: the current consent flags and every change. POST: records flags the program team
        heard from the advocate; flags left out, or unchanged, are not recorded again."""
        advocate = self.get_object()
        if request.method == "POST":
            data = self._parse(ConsentInputSerializer)
            services.consent_set(
                advocate=advocate,
                consents=data["consents"],
                source=ConsentSource.PROGRAM_TEAM,
                actor=self.actor,
                note=data["note"],
                request=request._request,
            )
            advocate = self.get_queryset().get(pk=advocate.pk)
        return self._consent(advocate)

    def _preferences(self, advocate: Advocate) -> Response:
        willing = (
            ActivityPreference.objects.filter(organization=self.organization, advocate=advocate)
            .select_related("activity_type")
            .order_by("activity_type__sort_order", "activity_type__name")
        )
        result = {
            "willing": willing,
            "preferred_channel": advocate.preferred_channel,
            "time_zone": advocate.time_zone,
            "languages": advocate.language_codes,
        }
        return Response(PreferencesSerializer(result).data)

    @extend_schema(methods=["GET"], request=None, responses={200: PreferencesSerializer})
    @extend_schema(methods=["PUT"], request=PreferencesInputSerializer, responses={200: PreferencesSerializer})
    @action(detail=True, methods=["get", "put"])
    def preferences(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """GET: the activity types the advocate is willing to do, with their own limits, and how
        they like to be reached. PUT: replaces the willing list; other fields left out stay."""
        advocate = self.get_object()
        if request.method == "PUT":
            data = self._parse(PreferencesInputSerializer)
            advocate = services.preferences_set(
                advocate=advocate,
                actor=self.actor,
                willing={
                    item["activity_type"].pk: {
                        "max_per_year": item.get("max_per_year"),
                        "min_interval_days": item.get("min_interval_days"),
                    }
                    for item in data["willing"]
                },
                preferred_channel=data.get("preferred_channel"),
                time_zone=data.get("time_zone"),
                languages=data.get("languages"),
                request=request._request,
            )
        return self._preferences(advocate)

    @extend_schema(methods=["GET"], request=None, responses={200: BlackoutSerializer(many=True)})
    @extend_schema(methods=["POST"], request=BlackoutInputSerializer, responses={201: BlackoutSerializer})
    @action(detail=True, methods=["get", "post"])
    def blackouts(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Dates the advocate does not want to be asked. GET lists them, POST adds one."""
        advocate = self.get_object()
        if request.method == "POST":
            data = self._parse(BlackoutInputSerializer)
            blackout = services.blackout_add(
                advocate=advocate,
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                note=data["note"],
                actor=self.actor,
                request=request._request,
            )
            return Response(BlackoutSerializer(blackout).data, status=HTTP_201_CREATED)
        periods = BlackoutPeriod.objects.filter(organization=self.organization, advocate=advocate)
        return Response(BlackoutSerializer(periods.order_by("starts_on", "pk"), many=True).data)

    @extend_schema(request=None, responses={204: OpenApiResponse(description="Removed.")})
    @action(detail=True, methods=["delete"], url_path=r"blackouts/(?P<blackout_id>[0-9a-f-]{36})")
    def remove_blackout(self, request: Request, *args: Any, blackout_id: str, **kwargs: Any) -> Response:
        """Removes one of the advocate's blackout periods."""
        advocate = self.get_object()
        blackout: BlackoutPeriod = get_object_or_404(
            BlackoutPeriod.objects.select_related("advocate"),
            organization=self.organization,
            advocate=advocate,
            public_id=blackout_id,
        )
        services.blackout_remove(blackout=blackout, actor=self.actor, request=request._request)
        return Response(status=HTTP_204_NO_CONTENT)

    @extend_schema(responses={200: AdvocateHistorySerializer})
    @action(detail=True, methods=["get"])
    def history(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Status, tier and consent changes and NPS responses, newest first."""
        advocate = self.get_object()
        mine = {"organization": self.organization, "advocate": advocate}
        result = {
            "status_changes": AdvocateStatusChange.objects.filter(**mine).select_related("actor"),
            "tier_changes": TierChange.objects.filter(**mine).select_related("actor"),
            "consent_changes": ConsentChange.objects.filter(**mine).select_related("actor"),
            "nps_responses": NpsResponse.objects.filter(**mine),
        }
        return Response(AdvocateHistorySerializer(result).data)
