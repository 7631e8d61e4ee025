"""API shapes for customer accounts and their health history."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import CustomerAccount, HealthScoreChange, Region, Segment
from .common import MemberEmailField, ProductNameField, StrictInputMixin


class CustomerAccountSerializer(serializers.ModelSerializer):
    """An account with the products it uses, its health, tenure and how many advocates it has."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    csm = serializers.EmailField(source="csm.email", read_only=True, default=None, allow_null=True)
    products: serializers.Field = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    tenure_months = serializers.IntegerField(read_only=True, allow_null=True)
    advocate_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = CustomerAccount
        fields = [
            "id",
            "name",
            "industry",
            "segment",
            "employee_count",
            "region",
            "country",
            "arr",
            "products",
            "health_score",
            "health_updated_at",
            "customer_since",
            "tenure_months",
            "csm",
            "crm_id",
            "advocate_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CustomerAccountInputSerializer(StrictInputMixin, serializers.Serializer):
    """A new account. ``health_score`` starts its health history."""

    name = serializers.CharField(max_length=200)
    industry = serializers.CharField(max_length=100, required=False, allow_blank=True)
    segment = serializers.ChoiceField(choices=Segment.choices, required=False, allow_blank=True)
    employee_count = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    region = serializers.ChoiceField(choices=Region.choices, required=False, allow_blank=True)
    country = serializers.RegexField(
        r"^[A-Za-z]{2}$",
        required=False,
        allow_blank=True,
        error_messages={"invalid": _("An ISO 3166 two-letter country code, e.g. PT.")},
    )
    arr = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True)
    customer_since = serializers.DateField(required=False, allow_null=True)
    csm = MemberEmailField(required=False, allow_null=True)
    crm_id = serializers.CharField(max_length=64, required=False, allow_blank=True)
    products: serializers.Field = ProductNameField(many=True, required=False)
    health_score = serializers.IntegerField(min_value=0, max_value=100, required=False, allow_null=True)

    def validate_country(self, value: str) -> str:
        return value.upper()


class CustomerAccountUpdateInputSerializer(CustomerAccountInputSerializer):
    """Any subset of the account's profile. ``products``, when given, is the whole list."""

    health_score = None  # type: ignore[assignment]
    refused_fields = {
        "health_score": _("Health has its own history: POST the new score to the account's health/ endpoint."),
    }


class HealthChangeSerializer(serializers.ModelSerializer):
    recorded_by = serializers.EmailField(source="recorded_by.email", read_only=True, default=None, allow_null=True)

    class Meta:
        model = HealthScoreChange
        fields = ["score", "previous", "source", "recorded_by", "recorded_at"]
        read_only_fields = fields


class HealthInputSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=0, max_value=100)
    source = serializers.CharField(max_length=32, required=False, default="manual")  # type: ignore[assignment]


class AccountFilterSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, help_text=_("Part of the name, or the exact CRM ID."))
    industry = serializers.CharField(required=False)
    segment = serializers.ChoiceField(choices=Segment.choices, required=False)
    region = serializers.ChoiceField(choices=Region.choices, required=False)
    product = serializers.CharField(required=False, help_text=_("A product the account uses, by name."))
    health_below = serializers.IntegerField(min_value=0, max_value=101, required=False)
    csm = serializers.EmailField(required=False, help_text=_("The customer success manager's email address."))
