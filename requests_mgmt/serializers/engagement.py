"""Scheduling, briefing, completion and feedback over the API: outputs and the input of each action."""

from __future__ import annotations

from rest_framework import serializers

from ..models import Ask, DealResult, RequestOutcome, TimeSlot


class TimeSlotSerializer(serializers.ModelSerializer):
    chosen = serializers.SerializerMethodField()

    class Meta:
        model = TimeSlot
        fields = ["starts_at", "duration_minutes", "chosen"]
        read_only_fields = fields

    def get_chosen(self, slot: TimeSlot) -> bool:
        return slot.chosen_at is not None


class EngagementSerializer(serializers.ModelSerializer):
    """An accepted or completed ask: its times, briefings, completion and the advocate's rating."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    request = serializers.UUIDField(source="request.public_id", read_only=True)
    advocate = serializers.UUIDField(source="advocate.public_id", read_only=True)
    advocate_name = serializers.CharField(source="advocate.full_name", read_only=True)
    scheduled_end = serializers.DateTimeField(read_only=True, allow_null=True)
    activity = serializers.UUIDField(source="activity.public_id", read_only=True, allow_null=True)
    slots = TimeSlotSerializer(many=True, read_only=True)

    class Meta:
        model = Ask
        fields = [
            "id",
            "request",
            "advocate",
            "advocate_name",
            "status",
            "slots",
            "scheduled_start",
            "scheduled_end",
            "scheduled_minutes",
            "meeting_location",
            "advocate_briefing",
            "requester_briefing",
            "calendar_sequence",
            "completed_at",
            "activity",
            "advocate_rating",
            "advocate_comment",
            "rated_at",
        ]
        read_only_fields = fields


class ProposeTimesInputSerializer(serializers.Serializer):
    starts = serializers.ListField(child=serializers.DateTimeField(), allow_empty=False, max_length=10)
    duration_minutes = serializers.IntegerField(default=30)
    meeting_location = serializers.CharField(max_length=500, required=False, allow_blank=True)


class ChooseTimeInputSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField()


class BriefingInputSerializer(serializers.Serializer):
    advocate_briefing = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    requester_briefing = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    meeting_location = serializers.CharField(max_length=500, required=False, allow_blank=True)


class CompleteInputSerializer(serializers.Serializer):
    occurred_on = serializers.DateField(required=False, allow_null=True, default=None)
    minutes = serializers.IntegerField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class CancelMeetingInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class OutcomeSerializer(serializers.ModelSerializer):
    request = serializers.UUIDField(source="request.public_id", read_only=True)
    recorded_by = serializers.EmailField(source="recorded_by.email", read_only=True, allow_null=True)

    class Meta:
        model = RequestOutcome
        fields = [
            "request",
            "call_held",
            "deal_result",
            "deal_value",
            "usage",
            "usage_shared_at",
            "recorded_by",
            "recorded_at",
            "updated_at",
        ]
        read_only_fields = fields


class OutcomeInputSerializer(serializers.Serializer):
    call_held = serializers.BooleanField(allow_null=True, required=False, default=None)
    deal_result = serializers.ChoiceField(choices=DealResult.choices, allow_blank=True, required=False, default="")
    deal_value = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, allow_null=True, required=False, default=None
    )
    usage = serializers.CharField(max_length=4000, allow_blank=True, required=False, default="")
