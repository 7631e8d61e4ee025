"""API shapes for what an advocate agrees to (consent) and is willing to do (activity preferences,
blackout periods)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import ActivityPreference, BlackoutPeriod, Channel, ConsentChange
from .common import (
    ActivityTypeField,
    ActivityTypeRefSerializer,
    ActorEmailField,
    LanguageListField,
    StrictInputMixin,
    validate_time_zone,
)


class ConsentFlagsSerializer(serializers.Serializer):
    """The advocate's current consent flags."""

    named = serializers.BooleanField(source="consent_named", read_only=True)
    quoted = serializers.BooleanField(source="consent_quoted", read_only=True)
    logo = serializers.BooleanField(source="consent_logo", read_only=True)
    recorded = serializers.BooleanField(source="consent_recorded", read_only=True)
    speak_publicly = serializers.BooleanField(source="consent_speak_publicly", read_only=True)


class ConsentChangeSerializer(serializers.ModelSerializer):
    actor = ActorEmailField()

    class Meta:
        model = ConsentChange
        fields = ["consent", "granted", "source", "note", "actor", "created_at"]
        read_only_fields = fields


class ConsentSerializer(serializers.Serializer):
    consents = ConsentFlagsSerializer(read_only=True)
    history = ConsentChangeSerializer(many=True, read_only=True)


class ConsentFlagsInputSerializer(StrictInputMixin, serializers.Serializer):
    """The flags to set; flags left out stay as they are."""

    named = serializers.BooleanField(required=False)
    quoted = serializers.BooleanField(required=False)
    logo = serializers.BooleanField(required=False)
    recorded = serializers.BooleanField(required=False)
    speak_publicly = serializers.BooleanField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs:
            raise serializers.ValidationError(_("Name at least one consent."))
        return attrs


class ConsentInputSerializer(serializers.Serializer):
    consents = ConsentFlagsInputSerializer()
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class WillingSerializer(serializers.ModelSerializer):
    activity_type = ActivityTypeRefSerializer(read_only=True)

    class Meta:
        model = ActivityPreference
        fields = ["activity_type", "max_per_year", "min_interval_days"]
        read_only_fields = fields


class PreferencesSerializer(serializers.Serializer):
    """What the advocate is willing to do (no stated preference: willing for every type) and how they
    like to be reached."""

    willing = WillingSerializer(many=True, read_only=True)
    preferred_channel = serializers.ChoiceField(choices=Channel.choices, read_only=True)
    time_zone = serializers.CharField(read_only=True)
    languages = serializers.ListField(child=serializers.CharField(), read_only=True)


class WillingInputSerializer(serializers.Serializer):
    activity_type = ActivityTypeField()
    max_per_year = serializers.IntegerField(min_value=1, max_value=50, required=False, allow_null=True)
    min_interval_days = serializers.IntegerField(min_value=0, max_value=3650, required=False, allow_null=True)


class PreferencesInputSerializer(serializers.Serializer):
    """``willing`` replaces the activity preferences (an empty list: no stated preference); the other
    fields, when left out, stay as they are."""

    willing = WillingInputSerializer(many=True)
    preferred_channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    time_zone = serializers.CharField(max_length=64, required=False, allow_blank=True, validators=[validate_time_zone])
    languages = LanguageListField(required=False)

    def validate_willing(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        keys = [item["activity_type"].pk for item in value]
        if len(keys) != len(set(keys)):
            raise serializers.ValidationError(_("Each activity type once."))
        return value


class BlackoutSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = BlackoutPeriod
        fields = ["id", "starts_on", "ends_on", "note"]
        read_only_fields = fields


class BlackoutInputSerializer(serializers.Serializer):
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
