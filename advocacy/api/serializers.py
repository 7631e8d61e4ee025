from __future__ import annotations

from rest_framework import serializers

from ..models import AuditEvent, Invitation, Membership, Organization
from ..roles import Role


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["slug", "name", "time_zone", "default_language", "require_mfa_for_managers"]
        read_only_fields = fields


class MembershipSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    full_name = serializers.CharField(source="user.full_name", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "email", "full_name", "role", "created_at"]
        read_only_fields = ["id", "email", "full_name", "created_at"]


class MembershipRoleInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


class InvitationSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = Invitation
        fields = [
            "id",
            "email",
            "role",
            "message",
            "status",
            "created_at",
            "expires_at",
            "sent_at",
            "accepted_at",
        ]
        read_only_fields = ["id", "status", "created_at", "expires_at", "sent_at", "accepted_at"]


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_label", read_only=True)

    class Meta:
        model = AuditEvent
        fields = ["created_at", "actor", "verb", "object_type", "object_id", "object_label", "data"]
        read_only_fields = fields
