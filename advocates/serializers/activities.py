"""API shapes for activity types and the activities advocates took part in."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from advocacy.api.base import TenantRelatedField
from requests_mgmt.models import AdvocacyRequest

from ..models import Activity, ActivityType, Advocate
from .common import ActivityTypeField, ActivityTypeRefSerializer, AdvocateRefSerializer, StrictInputMixin


class ActivityTypeSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    consents_needed = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = ActivityType
        fields = [
            "id",
            "key",
            "name",
            "description",
            "min_minutes",
            "max_minutes",
            "priority",
            "commitment",
            "limit_per_year",
            "min_interval_days",
            "needs_named",
            "needs_quoted",
            "needs_logo",
            "needs_recorded",
            "needs_speak_publicly",
            "consents_needed",
            "rewards_allowed",
            "is_review",
            "counts_toward_cap",
            "active",
            "sort_order",
        ]
        read_only_fields = fields


class ActivityTypeInputSerializer(StrictInputMixin, serializers.Serializer):
    key = serializers.SlugField(max_length=40)
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True)
    min_minutes = serializers.IntegerField(min_value=0, required=False)
    max_minutes = serializers.IntegerField(min_value=0, required=False)
    priority = serializers.ChoiceField(choices=ActivityType.Priority.choices, required=False)
    commitment = serializers.ChoiceField(choices=ActivityType.Commitment.choices, required=False)
    limit_per_year = serializers.IntegerField(min_value=1, max_value=365, required=False, allow_null=True)
    min_interval_days = serializers.IntegerField(min_value=0, max_value=3650, required=False, allow_null=True)
    needs_named = serializers.BooleanField(required=False)
    needs_quoted = serializers.BooleanField(required=False)
    needs_logo = serializers.BooleanField(required=False)
    needs_recorded = serializers.BooleanField(required=False)
    needs_speak_publicly = serializers.BooleanField(required=False)
    rewards_allowed = serializers.BooleanField(required=False)
    is_review = serializers.BooleanField(required=False)
    counts_toward_cap = serializers.BooleanField(required=False)
    active = serializers.BooleanField(required=False)
    sort_order = serializers.IntegerField(min_value=0, max_value=32767, required=False)


class ActivityTypeUpdateInputSerializer(ActivityTypeInputSerializer):
    key = None  # type: ignore[assignment]
    is_review = None  # type: ignore[assignment]
    refused_fields = {
        "key": _("The key is set when the type is created and never changes: integrations rely on it."),
        "is_review": _("Whether a type is a review-site review is set when the type is created."),
    }


class ActivitySerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    advocate = AdvocateRefSerializer(read_only=True)
    activity_type = ActivityTypeRefSerializer(read_only=True)
    request = serializers.UUIDField(source="request.public_id", read_only=True, default=None, allow_null=True)
    recorded_by = serializers.EmailField(source="recorded_by.email", read_only=True, default=None, allow_null=True)

    class Meta:
        model = Activity
        fields = [
            "id",
            "advocate",
            "activity_type",
            "occurred_on",
            "minutes",
            "status",
            "outcome",
            "request",
            "crm_opportunity_id",
            "value",
            "rating",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = fields


class ActivityInputSerializer(StrictInputMixin, serializers.Serializer):
    advocate = TenantRelatedField(
        Advocate, error_messages={"does_not_exist": _("No such advocate in this organisation: {value}.")}
    )
    activity_type = ActivityTypeField(help_text=_("The activity type's key or id."))
    occurred_on = serializers.DateField()
    minutes = serializers.IntegerField(min_value=0, max_value=100_000, required=False, allow_null=True)
    status = serializers.ChoiceField(
        choices=[(s.value, s.label) for s in (Activity.Status.PLANNED, Activity.Status.COMPLETED)],
        required=False,
        help_text=_("Completed (the default) or planned: a planned activity is completed or cancelled later."),
    )
    outcome = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    request = TenantRelatedField(
        AdvocacyRequest,
        required=False,
        allow_null=True,
        error_messages={"does_not_exist": _("No such request in this organisation: {value}.")},
    )
    crm_opportunity_id = serializers.CharField(max_length=64, required=False, allow_blank=True)
    value = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True)
    rating = serializers.IntegerField(
        min_value=1,
        max_value=5,
        required=False,
        allow_null=True,
        help_text=_("For a review-site review: the stars the review gave, 1 to 5."),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        completed = attrs.get("status", Activity.Status.COMPLETED) == Activity.Status.COMPLETED
        if completed and attrs["occurred_on"] > timezone.localdate():
            raise serializers.ValidationError({"occurred_on": [_("A completed activity cannot be in the future.")]})
        if attrs.get("rating") is not None and not attrs["activity_type"].is_review:
            raise serializers.ValidationError(
                {"rating": [_("Only a review-site review has a star rating: leave it empty for this activity.")]}
            )
        return attrs


class ActivityStatusInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[(s.value, s.label) for s in (Activity.Status.COMPLETED, Activity.Status.CANCELLED)]
    )
    rating = serializers.IntegerField(
        min_value=1,
        max_value=5,
        required=False,
        allow_null=True,
        help_text=_("When a review is completed: the stars it gave, 1 to 5."),
    )


class ActivityTypeFilterSerializer(serializers.Serializer):
    active = serializers.BooleanField(required=False, allow_null=True, default=None)


class ActivityFilterSerializer(serializers.Serializer):
    advocate = serializers.UUIDField(required=False, help_text=_("The advocate's id."))
    activity_type = serializers.CharField(required=False, help_text=_("The activity type's key or id."))
    status = serializers.ChoiceField(choices=Activity.Status.choices, required=False)
    until = serializers.DateField(required=False, help_text=_("On or before this date."))
    request = serializers.UUIDField(required=False, help_text=_("The request's id."))

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = serializers.DateField(required=False, help_text=_("On or after this date."))
        return fields
