from __future__ import annotations

from rest_framework import serializers

from advocacy.api.base import TenantRelatedField

from .models import Advocate, CustomerAccount


class CustomerAccountSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    csm = serializers.EmailField(source="csm.email", read_only=True, default=None)

    class Meta:
        model = CustomerAccount
        fields = [
            "id",
            "name",
            "industry",
            "segment",
            "region",
            "country",
            "health_score",
            "customer_since",
            "csm",
            "crm_id",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class AdvocateSerializer(serializers.ModelSerializer):
    """Output shape of an advocate."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    account = serializers.UUIDField(source="account.public_id", read_only=True)
    account_name = serializers.CharField(source="account.name", read_only=True)

    class Meta:
        model = Advocate
        fields = [
            "id",
            "full_name",
            "email",
            "title",
            "seniority",
            "account",
            "account_name",
            "tier",
            "status",
            "nps_score",
            "joined_at",
            "last_activity_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class AdvocateInputSerializer(serializers.Serializer):
    """Input for creating (all required fields) or updating (any subset) an advocate."""

    account = TenantRelatedField(CustomerAccount)
    full_name = serializers.CharField(max_length=200)
    email = serializers.EmailField()
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    seniority = serializers.ChoiceField(choices=Advocate.Seniority.choices, required=False, allow_blank=True)
    tier = serializers.ChoiceField(choices=Advocate._meta.get_field("tier").choices, required=False)  # type: ignore[arg-type]
    status = serializers.ChoiceField(choices=Advocate.Status.choices, required=False)
    nps_score = serializers.IntegerField(min_value=0, max_value=10, required=False, allow_null=True)
    joined_at = serializers.DateField(required=False, allow_null=True)
