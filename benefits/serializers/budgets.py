"""API shapes for budgets."""

from __future__ import annotations

from rest_framework import serializers

from advocates.models import Tier

from ..models import Budget


class BudgetSerializer(serializers.ModelSerializer):
    spend = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)

    class Meta:
        model = Budget
        fields = ["quarter_start", "tier", "amount", "enforced", "spend"]
        read_only_fields = fields


class BudgetInputSerializer(serializers.Serializer):
    quarter_start = serializers.DateField()
    tier = serializers.ChoiceField(choices=[("", ""), *Tier.choices], required=False, allow_blank=True, default="")
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    enforced = serializers.BooleanField(required=False, default=False)
