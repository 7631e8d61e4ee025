"""Referral API shapes. Input and output differ: the output carries the sales team's fields (owner,
CRM link, value, internal note), the input only what a caller may set."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from advocacy.api.base import TenantRelatedField
from advocacy.audit import verb_label
from advocacy.models import AuditEvent
from advocates.models import Advocate

from ..models import Referral, ReferralStatus


class ReferralSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    advocate = serializers.UUIDField(source="advocate.public_id", read_only=True)
    advocate_name = serializers.CharField(source="advocate.full_name", read_only=True)
    advocate_account = serializers.CharField(source="advocate.account.name", read_only=True)
    owner = serializers.SerializerMethodField()
    duplicate_of = serializers.UUIDField(source="duplicate_of.public_id", read_only=True, allow_null=True)
    known_contact = serializers.SerializerMethodField()

    class Meta:
        model = Referral
        fields = [
            "id",
            "status",
            "advocate",
            "advocate_name",
            "advocate_account",
            "peer_name",
            "peer_email",
            "peer_company",
            "peer_title",
            "context",
            "peer_agreed",
            "owner",
            "duplicate_of",
            "known_contact",
            "crm_opportunity_id",
            "opportunity_value",
            "status_note",
            "acknowledged_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(
        {"type": "object", "nullable": True, "properties": {"id": {"type": "string"}, "email": {"type": "string"}}}
    )
    def get_owner(self, referral: Referral) -> dict[str, str] | None:
        if referral.owner is None:
            return None
        return {"id": str(referral.owner.public_id), "email": referral.owner.email}

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_known_contact(self, referral: Referral) -> bool:
        """True when the peer is already an advocate or contact at one of the customer accounts."""
        known = getattr(referral, "known_contact", None)
        if known is None:
            known = Advocate.objects.filter(
                organization_id=referral.organization_id, email__iexact=referral.peer_email
            ).exists()
        return bool(known)


class ReferralInputSerializer(serializers.ModelSerializer):
    """A referral entered by the program team on behalf of an advocate (the same checks as the portal)."""

    advocate = TenantRelatedField(Advocate)

    class Meta:
        model = Referral
        fields = ["advocate", "peer_name", "peer_email", "peer_company", "peer_title", "context", "peer_agreed"]
        extra_kwargs = {"peer_agreed": {"required": True}}


class ReferralAssignInputSerializer(serializers.Serializer):
    owner = serializers.UUIDField(allow_null=True, help_text="The owner's user id; null sends it back to the queue.")


class ReferralTransitionInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ReferralStatus.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    crm_opportunity_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    opportunity_value = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True, default=None
    )


class ReferralEventSerializer(serializers.ModelSerializer):
    description = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = ["verb", "description", "actor_label", "data", "created_at"]
        read_only_fields = fields

    def get_description(self, event: AuditEvent) -> str:
        return verb_label(event.verb)
