"""API shapes for CRM opportunities. The output adds whether the opportunity had advocacy; the
input takes only what a caller may set."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from advocates.models import Segment

from .models import Opportunity, OpportunityResult
from .opportunity_import import CRM_ID_LENGTH, MAX_AMOUNT, NAME_LENGTH


class OpportunitySerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    had_advocacy = serializers.BooleanField(
        read_only=True,
        default=False,
        help_text=_("Named by a fulfilled request or a completed activity of the program."),
    )

    class Meta:
        model = Opportunity
        fields = [
            "id",
            "crm_id",
            "name",
            "segment",
            "amount",
            "opened_on",
            "closed_on",
            "result",
            "had_advocacy",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class OpportunityInputSerializer(serializers.Serializer):
    crm_id = serializers.CharField(max_length=CRM_ID_LENGTH, help_text=_("Unique within the organisation."))
    name = serializers.CharField(max_length=NAME_LENGTH, required=False, allow_blank=True)
    segment = serializers.ChoiceField(choices=Segment.choices, required=False, allow_blank=True)
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, max_value=MAX_AMOUNT, required=False, allow_null=True
    )
    opened_on = serializers.DateField()
    closed_on = serializers.DateField(
        required=False, allow_null=True, help_text=_("Required for a won or lost opportunity; empty while open.")
    )
    result = serializers.ChoiceField(choices=OpportunityResult.choices, required=False)

    def to_internal_value(self, data: Any) -> Any:
        unknown = sorted(set(data) - set(self.fields)) if isinstance(data, dict) else []
        value = super().to_internal_value(data)
        if unknown:
            raise serializers.ValidationError({name: [_("Unknown field.")] for name in unknown})
        return value


class OpportunityFilterSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=OpportunityResult.choices, required=False)
    closed_from = serializers.DateField(required=False, help_text=_("Closed on or after this date."))
    closed_to = serializers.DateField(required=False, help_text=_("Closed on or before this date."))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "closed_from" in attrs and "closed_to" in attrs and attrs["closed_from"] > attrs["closed_to"]:
            raise serializers.ValidationError({"closed_to": [_("The end of the range is before its start.")]})
        return attrs
