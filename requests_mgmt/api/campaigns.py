from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from advocacy.api.base import TenantViewSet
from advocacy.roles import Capability

from .. import selectors_campaigns as selectors
from ..forms.campaigns import AskStatusFilterForm
from ..models import Campaign
from ..serializers.campaigns import (
    AudiencePreviewSerializer,
    AudienceSerializer,
    CampaignAskSerializer,
    CampaignInputSerializer,
    CampaignSerializer,
    CloseInputSerializer,
    SendResultSerializer,
)
from ..services import campaigns as services

AUDIENCE_PARAMETERS = [
    OpenApiParameter(name, OpenApiTypes.STR, many=True, description=_("Any of these values (repeat the parameter)."))
    for name in ("tiers", "segments", "regions", "industries", "accounts", "languages")
]


class CampaignViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Campaigns, for marketing and the program team: create one, preview who of an audience passes
    the rules, send it (a large audience is asked in the background), follow
    each advocate's answer, close it (pending asks are withdrawn)."""

    model = Campaign
    serializer_class = CampaignSerializer
    required_capability = Capability.CAMPAIGNS

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not services.can_run_campaigns(self.membership):
            raise PermissionDenied(_("Campaigns are run by marketing and the program team."))

    def narrow_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.select_related("request", "created_by")

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context.setdefault("summaries", {})
        return context

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        campaigns = list(page or [])
        summaries = selectors.campaign_summaries(organization=self.organization, campaigns=campaigns)
        context = {**self.get_serializer_context(), "summaries": summaries}
        return self.get_paginated_response(CampaignSerializer(campaigns, many=True, context=context).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        campaign = self.get_object()
        return Response(self._campaign_data(campaign))

    def _campaign_data(self, campaign: Campaign) -> Any:
        summaries = {campaign.pk: selectors.campaign_response_summary(campaign=campaign)}
        return CampaignSerializer(campaign, context={**self.get_serializer_context(), "summaries": summaries}).data

    @extend_schema(request=CampaignInputSerializer, responses={201: CampaignSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = CampaignInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        campaign = services.campaign_create(
            organization=self.organization, actor=self.actor, data=payload.validated_data, request=request._request
        )
        return Response(self._campaign_data(campaign), status=status.HTTP_201_CREATED)

    def _audience(self, data: Any) -> selectors.Audience:
        payload = AudienceSerializer(data=data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        return selectors.Audience.from_data(payload.validated_data)

    @extend_schema(parameters=AUDIENCE_PARAMETERS, responses={200: AudiencePreviewSerializer})
    @action(detail=True, methods=["get"])
    def preview(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """How many of the audience pass the rules, how many each rule leaves out, and a sample."""
        campaign = self.get_object()
        audience = self._audience(request.query_params)
        preview = selectors.audience_preview(campaign=campaign, audience=audience)
        return Response(AudiencePreviewSerializer(preview).data)

    @extend_schema(request=AudienceSerializer, responses={200: SendResultSerializer, 202: SendResultSerializer})
    @action(detail=True, methods=["post"])
    def send(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Opens the campaign and asks every advocate of the audience who passes the rules. Safe to
        repeat: advocates already asked by this campaign are skipped. 202 when the rest of a large
        audience is being asked in the background; 409 when the campaign is closed."""
        campaign = self.get_object()
        audience = self._audience(request.data)
        result = services.campaign_send(
            campaign=campaign, actor=self.actor, audience=audience, request=request._request
        )
        data = SendResultSerializer(result, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_202_ACCEPTED if result.continues_in_background else status.HTTP_200_OK)

    @extend_schema(request=CloseInputSerializer, responses={200: CampaignSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Closes the campaign; the asks still waiting for an answer are withdrawn (409 if closed)."""
        campaign = self.get_object()
        payload = CloseInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        campaign = services.campaign_close(
            campaign=campaign, actor=self.actor, reason=payload.validated_data["reason"], request=request._request
        )
        return Response(self._campaign_data(campaign))

    @extend_schema(
        parameters=[OpenApiParameter("status", OpenApiTypes.STR, description=_("Only asks in this status."))],
        responses={200: CampaignAskSerializer(many=True)},
    )
    @action(detail=True, methods=["get"])
    def asks(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Each advocate asked and where their answer stands, paginated."""
        campaign = self.get_object()
        filters = AskStatusFilterForm(request.query_params)
        if not filters.is_valid():
            raise ValidationError({name: [str(error) for error in errors] for name, errors in filters.errors.items()})
        page = self.paginate_queryset(selectors.campaign_asks(campaign=campaign, status=filters.cleaned_data["status"]))
        return self.get_paginated_response(CampaignAskSerializer(page, many=True).data)
