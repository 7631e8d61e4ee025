"""Content approvals in the API: the same services as the pages.

The program team reads every piece and writes drafts and publications; any other member (not an
advocate) reads the pieces they were asked to approve and decides their own step. Another
organisation's piece is a 404; an illegal state change a 409 with the reason.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response

from advocacy.api.base import TenantViewSet
from advocacy.roles import Capability, Role

from ..models import ApprovalStep, ContentPiece, Publication
from ..serializers.content import (
    ContentCreateInputSerializer,
    ContentPieceSerializer,
    ContentUpdateInputSerializer,
    DecisionInputSerializer,
    PublicationInputSerializer,
    PublicationSerializer,
    WaitingStepSerializer,
    WithdrawInputSerializer,
)
from ..services import content as services


class ContentPieceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Case studies and testimonials with their approval steps and publications."""

    model = ContentPiece
    serializer_class = ContentPieceSerializer

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if self.membership.role == Role.ADVOCATE:
            raise PermissionDenied(_("Advocates answer in their portal."))

    @property
    def is_program_team(self) -> bool:
        return self.membership.can(Capability.REQUESTS_TRIAGE)

    def _require_program_team(self) -> None:
        if not self.is_program_team:
            raise PermissionDenied(_("Only the program team writes drafts and records publications."))

    def narrow_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        queryset = services.visible_content(
            organization=self.organization, user=self.actor, program_team_member=self.is_program_team
        )
        for key in ("status", "kind"):
            value = self.request.query_params.get(key)
            if value:
                queryset = queryset.filter(**{key: value})
        steps = ApprovalStep.objects.filter(organization=self.organization).select_related("approver", "decided_by")
        publications = Publication.objects.filter(organization=self.organization).order_by("permitted_until", "pk")
        return queryset.prefetch_related(Prefetch("steps", queryset=steps), Prefetch("publications", publications))

    def _fresh(self, content: ContentPiece) -> dict[str, Any]:
        return dict(ContentPieceSerializer(self.get_queryset().get(pk=content.pk)).data)

    @extend_schema(request=ContentCreateInputSerializer, responses={201: ContentPieceSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A new draft with its legal and PR approvers (members, by email); not sent to anyone yet."""
        self._require_program_team()
        payload = ContentCreateInputSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        content = services.content_create(
            organization=self.organization,
            actor=self.actor,
            advocate=data["advocate"],
            kind=data["kind"],
            title=data["title"],
            body=data["body"],
            draft_url=data["draft_url"],
            legal_approver=data["legal_approver"],
            pr_approver=data["pr_approver"],
            advocacy_request=data["request"],
            request=request._request,
        )
        return Response(self._fresh(content), status=status.HTTP_201_CREATED)

    @extend_schema(request=ContentUpdateInputSerializer, responses={200: ContentPieceSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Edits a draft. After a request for changes, the edit is the next version with a new round."""
        self._require_program_team()
        content = self.get_object()
        payload = ContentUpdateInputSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        content = services.content_update(
            content=content, actor=self.actor, data=dict(payload.validated_data), request=request._request
        )
        return Response(self._fresh(content))

    @extend_schema(request=None, responses={200: ContentPieceSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Sends the draft for approval: legal, then PR, then the customer."""
        self._require_program_team()
        content = services.content_submit(content=self.get_object(), actor=self.actor, request=request._request)
        return Response(self._fresh(content))

    @extend_schema(request=DecisionInputSerializer, responses={200: ContentPieceSerializer})
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Approves or rejects the current step (a rejection needs a comment). The program team may
        decide for the approver, with a comment saying how the decision was given."""
        content = self.get_object()
        payload = DecisionInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        services.step_decide(
            content=content,
            kind=data["step"],
            actor=self.actor,
            approve=data["decision"] == "approve",
            comment=data["comment"],
            version=data["version"],
            request=request._request,
        )
        return Response(self._fresh(content))

    @extend_schema(responses={200: WaitingStepSerializer(many=True)})
    @action(detail=False, methods=["get"])
    def approvals(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The steps waiting for the caller's decision."""
        steps = services.steps_waiting_for(organization=self.organization, user=self.actor)[:200]
        return Response(WaitingStepSerializer(steps, many=True).data)

    @extend_schema(methods=["GET"], request=None, responses={200: PublicationSerializer(many=True)})
    @extend_schema(methods=["POST"], request=PublicationInputSerializer, responses={201: PublicationSerializer})
    @action(detail=True, methods=["get", "post"])
    def publications(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Where the piece is used and until when; POST records a new place (approved pieces only)."""
        content = self.get_object()
        if request.method == "GET":
            return Response(PublicationSerializer(content.publications.all(), many=True).data)
        self._require_program_team()
        payload = PublicationInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        publication = services.publication_add(
            content=content,
            actor=self.actor,
            channel=data["channel"],
            where=data["where"],
            permitted_from=data["permitted_from"],
            permitted_until=data["permitted_until"],
            request=request._request,
        )
        return Response(PublicationSerializer(publication).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=WithdrawInputSerializer, responses={200: PublicationSerializer})
    @action(
        detail=True,
        methods=["post"],
        url_path=r"publications/(?P<publication_id>[0-9]+)/withdraw",
        url_name="publication-withdraw",
    )
    def withdraw_publication(self, request: Request, *args: Any, publication_id: str, **kwargs: Any) -> Response:
        """Takes the piece out of one place; with no place left the piece counts as withdrawn."""
        self._require_program_team()
        content = self.get_object()
        publication: Publication = get_object_or_404(
            Publication.objects.filter(organization=self.organization, content=content), pk=int(publication_id)
        )
        payload = WithdrawInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        publication = services.publication_withdraw(
            publication=publication, actor=self.actor, reason=payload.validated_data["reason"], request=request._request
        )
        return Response(PublicationSerializer(publication).data)
