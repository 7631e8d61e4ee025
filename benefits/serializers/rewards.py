"""API shapes for rewards, their fulfilment history, and suggestions."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from advocacy.api.base import TenantRelatedField
from advocates.models import Activity, Advocate

from ..models import Benefit, Reward, RewardStatus, RewardStatusChange
from .catalogue import BenefitSerializer


class RewardStatusChangeSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = RewardStatusChange
        fields = ["from_status", "to_status", "actor", "note", "created_at"]
        read_only_fields = fields

    def get_actor(self, change: RewardStatusChange) -> str | None:
        return change.actor.email if change.actor else None


class RewardSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    advocate = serializers.UUIDField(source="advocate.public_id", read_only=True)
    activity = serializers.UUIDField(source="activity.public_id", read_only=True, allow_null=True)
    benefit = BenefitSerializer(read_only=True, allow_null=True)
    options = serializers.SerializerMethodField()
    history = RewardStatusChangeSerializer(source="status_changes", many=True, read_only=True)
    address_given = serializers.SerializerMethodField()

    class Meta:
        model = Reward
        fields = [
            "id",
            "advocate",
            "activity",
            "benefit",
            "options",
            "status",
            "value",
            "cost",
            "note",
            "address_given",
            "created_at",
            "history",
        ]
        read_only_fields = fields

    def get_options(self, reward: Reward) -> list[str]:
        return [str(option.public_id) for option in reward.options.all()]

    def get_address_given(self, reward: Reward) -> bool:
        return bool(reward.shipping_address)


class RewardInputSerializer(serializers.Serializer):
    advocate = TenantRelatedField(Advocate)
    activity = TenantRelatedField(Activity, required=False, allow_null=True)
    benefit = TenantRelatedField(Benefit, required=False, allow_null=True)
    options = TenantRelatedField(Benefit, many=True, required=False)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    confirm = serializers.BooleanField(required=False, default=False)

    def validate_advocate(self, advocate: Advocate) -> Advocate:
        """An erased person is no longer in the program (the proposal page cannot find them either)."""
        if advocate.anonymised_at is not None:
            raise serializers.ValidationError(_("No such advocate in this organisation."))
        return advocate


class RewardApproveInputSerializer(serializers.Serializer):
    confirm = serializers.BooleanField(required=False, default=False)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RewardStatusInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=RewardStatus.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class SuggestQuerySerializer(serializers.Serializer):
    advocate = TenantRelatedField(Advocate)
    activity = TenantRelatedField(Activity, required=False, allow_null=True)


class SuggestedBenefitSerializer(serializers.Serializer):
    benefit = BenefitSerializer()
    warnings = serializers.ListField(child=serializers.CharField())


class SuggestionSerializer(serializers.Serializer):
    level = serializers.CharField()
    reason = serializers.CharField()
    review = serializers.BooleanField()
    benefits = serializers.SerializerMethodField()

    def get_benefits(self, suggestion: Any) -> list[dict[str, Any]]:
        return [
            SuggestedBenefitSerializer({"benefit": benefit, "warnings": warnings}).data
            for benefit, warnings in suggestion.benefits
        ]
