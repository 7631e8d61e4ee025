"""API shapes for the benefit catalogue."""

from __future__ import annotations

from rest_framework import serializers

from advocates.models import Tier

from ..models import Benefit, BenefitKind


class BenefitSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    is_monetary = serializers.BooleanField(read_only=True)

    class Meta:
        model = Benefit
        fields = [
            "id",
            "name",
            "kind",
            "description",
            "value",
            "cost",
            "tiers",
            "stock",
            "digital",
            "needs_shipping",
            "active",
            "is_monetary",
        ]
        read_only_fields = fields


class BenefitInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=BenefitKind.choices)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    value = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0, required=False)
    cost = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0, required=False)
    tiers = serializers.ListField(child=serializers.ChoiceField(choices=Tier.choices), required=False)
    stock = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    digital = serializers.BooleanField(required=False)
    needs_shipping = serializers.BooleanField(required=False)
    active = serializers.BooleanField(required=False)
