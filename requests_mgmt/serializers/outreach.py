from __future__ import annotations

from rest_framework import serializers

from ..models import Ask


class AskSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    request = serializers.UUIDField(source="request.public_id", read_only=True)
    advocate = serializers.UUIDField(source="advocate.public_id", read_only=True)
    advocate_name = serializers.CharField(source="advocate.full_name", read_only=True)
    asked_by = serializers.EmailField(source="asked_by.email", read_only=True, allow_null=True)

    class Meta:
        model = Ask
        fields = [
            "id",
            "request",
            "advocate",
            "advocate_name",
            "status",
            "message",
            "override_reason",
            "asked_by",
            "asked_at",
            "expires_at",
            "reminded_at",
            "responded_at",
            "decline_reason",
            "scheduled_start",
            "completed_at",
        ]
        read_only_fields = fields


class AskInputSerializer(serializers.Serializer):
    request = serializers.UUIDField()
    advocate = serializers.UUIDField()
    message = serializers.CharField(max_length=4000)
    override_reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class AskWithdrawInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class AskAnswerInputSerializer(serializers.Serializer):
    answer = serializers.ChoiceField(choices=["accept", "decline"])
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
