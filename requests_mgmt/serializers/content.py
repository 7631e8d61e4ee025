"""Serializers of content approvals: output shapes, and input checked for form only (the rules live
in ``services.content``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from advocacy.api.base import TenantRelatedField
from advocacy.models import User
from advocates.models import Advocate

from ..models import AdvocacyRequest, ApprovalKind, ApprovalStep, ContentKind, ContentPiece, Publication
from ..services.content import approver_candidates, publication_state


class ContentKindField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any):
        super().__init__(choices=ContentKind.choices, **kwargs)


class StepField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any):
        super().__init__(choices=ApprovalKind.choices, **kwargs)


class ApprovalStepSerializer(serializers.ModelSerializer):
    step = StepField(source="kind", read_only=True)
    approver = serializers.EmailField(source="approver.email", read_only=True, allow_null=True, default=None)
    decided_by = serializers.EmailField(source="decided_by.email", read_only=True, allow_null=True, default=None)

    class Meta:
        model = ApprovalStep
        fields = ["step", "position", "version", "status", "approver", "decided_by", "decided_at", "comment"]
        read_only_fields = fields


class PublicationSerializer(serializers.ModelSerializer):
    permission = serializers.SerializerMethodField(
        help_text="live, expiring (ends within 30 days), expired (ended, still in use) or withdrawn"
    )
    days_left = serializers.SerializerMethodField()

    class Meta:
        model = Publication
        fields = [
            "id",
            "channel",
            "where",
            "permitted_from",
            "permitted_until",
            "permission",
            "days_left",
            "withdrawn_at",
            "created_at",
        ]
        read_only_fields = fields

    def get_permission(self, publication: Publication) -> str:
        return publication_state(publication).key

    def get_days_left(self, publication: Publication) -> int | None:
        return publication_state(publication).days_left


class ContentPieceSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    kind = ContentKindField(read_only=True)
    advocate = serializers.UUIDField(source="advocate.public_id", read_only=True)
    advocate_name = serializers.CharField(source="advocate.full_name", read_only=True)
    request = serializers.UUIDField(source="request.public_id", read_only=True, allow_null=True, default=None)
    current_step = serializers.SerializerMethodField()
    steps = serializers.SerializerMethodField()
    publications = PublicationSerializer(many=True, read_only=True)

    class Meta:
        model = ContentPiece
        fields = [
            "id",
            "kind",
            "title",
            "body",
            "draft_url",
            "status",
            "version",
            "advocate",
            "advocate_name",
            "request",
            "current_step",
            "steps",
            "publications",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def _round(self, content: ContentPiece) -> list[ApprovalStep]:
        return sorted(
            (step for step in content.steps.all() if step.version == content.version), key=lambda step: step.position
        )

    @extend_schema_field(StepField(allow_null=True))
    def get_current_step(self, content: ContentPiece) -> str | None:
        if content.status != "in_review":
            return None
        pending = [step for step in self._round(content) if step.status == ApprovalStep.Status.PENDING]
        return pending[0].kind if pending else None

    @extend_schema_field(ApprovalStepSerializer(many=True))
    def get_steps(self, content: ContentPiece) -> list[dict[str, Any]]:
        """The steps of the current version, in order."""
        return list(ApprovalStepSerializer(self._round(content), many=True).data)


@extend_schema_field(OpenApiTypes.EMAIL)
class ApproverField(serializers.Field):
    """A member of the caller's organisation (any role but advocate), by email address."""

    default_error_messages = {"invalid": _("Enter a valid email address.")}

    def to_internal_value(self, data: Any) -> User:
        if not isinstance(data, str) or "@" not in data.strip():
            self.fail("invalid")
        email = data.strip()
        organization = self.context.get("organization")
        user = (
            approver_candidates(organization=organization).filter(email__iexact=email).first()
            if organization is not None
            else None
        )
        if user is None:
            raise serializers.ValidationError(_("No such member in this organisation."))
        return user

    def to_representation(self, value: User) -> str:
        return value.email


class ContentCreateInputSerializer(serializers.Serializer):
    advocate = TenantRelatedField(Advocate)
    request = TenantRelatedField(AdvocacyRequest, required=False, allow_null=True, default=None)
    kind = ContentKindField()
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=20000)
    draft_url = serializers.URLField(required=False, allow_blank=True, default="")
    legal_approver = ApproverField()
    pr_approver = ApproverField()


class ContentUpdateInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    body = serializers.CharField(max_length=20000, required=False)
    draft_url = serializers.URLField(required=False, allow_blank=True)
    legal_approver = ApproverField(required=False)
    pr_approver = ApproverField(required=False)


class DecisionInputSerializer(serializers.Serializer):
    step = StepField()
    decision = serializers.ChoiceField(choices=[("approve", "approve"), ("reject", "reject")])
    comment = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    version = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, default=None, help_text="The version read; a newer one is a 409."
    )


class PublicationInputSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Publication.Channel.choices)
    where = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    permitted_from = serializers.DateField(required=False, allow_null=True, default=None)
    permitted_until = serializers.DateField(required=False, allow_null=True, default=None)


class WithdrawInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class WaitingStepSerializer(serializers.ModelSerializer):
    """A step waiting for the caller's decision."""

    content = serializers.UUIDField(source="content.public_id", read_only=True)
    title = serializers.CharField(source="content.title", read_only=True)
    kind = ContentKindField(source="content.kind", read_only=True)
    advocate_name = serializers.CharField(source="content.advocate.full_name", read_only=True)
    step = StepField(source="kind", read_only=True)

    class Meta:
        model = ApprovalStep
        fields = ["content", "title", "kind", "advocate_name", "step", "version"]
        read_only_fields = fields
