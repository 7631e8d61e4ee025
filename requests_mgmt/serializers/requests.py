from __future__ import annotations

from typing import Any

from rest_framework import serializers

from ..models import AdvocacyRequest, RequestStatus, RequestStatusChange, RequestType


class RequestStatusChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = RequestStatusChange
        fields = ["from_status", "to_status", "note", "created_at"]
        read_only_fields = fields


class AdvocacyRequestSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    requester = serializers.EmailField(source="requester.email", read_only=True)

    class Meta:
        model = AdvocacyRequest
        fields = [
            "id",
            "request_type",
            "status",
            "requester",
            "prospect_company",
            "prospect_industry",
            "prospect_segment",
            "prospect_region",
            "products",
            "use_case",
            "seniority_wanted",
            "language",
            "deal_value",
            "crm_opportunity_id",
            "needed_by",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class AdvocacyRequestInputSerializer(serializers.ModelSerializer):
    request_type = serializers.ChoiceField(choices=RequestType.choices)

    class Meta:
        model = AdvocacyRequest
        fields = [
            "request_type",
            "prospect_company",
            "prospect_industry",
            "prospect_segment",
            "prospect_region",
            "products",
            "use_case",
            "seniority_wanted",
            "language",
            "deal_value",
            "crm_opportunity_id",
            "needed_by",
            "notes",
        ]


class TransitionInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=RequestStatus.choices)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class CancelInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class CandidateSerializer(serializers.Serializer):
    advocate = serializers.UUIDField(source="advocate.public_id")
    full_name = serializers.CharField(source="advocate.full_name")
    account = serializers.CharField(source="advocate.account.name")
    tier = serializers.CharField(source="advocate.tier")
    score = serializers.IntegerField()
    parts = serializers.SerializerMethodField()

    def get_parts(self, candidate: Any) -> list[dict[str, Any]]:
        return [
            {"key": key, "label": label, "points": points, "maximum": maximum}
            for key, label, points, maximum in candidate.parts
        ]


class ReasonSerializer(serializers.Serializer):
    key = serializers.CharField()
    message = serializers.CharField()
    eligible_on = serializers.DateField(allow_null=True)
