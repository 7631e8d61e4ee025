from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from advocates.models import LANGUAGE_CHOICES, CustomerAccount, Region, Segment, Tier

from ..models import Ask, Campaign
from ..selectors_campaigns import ResponseSummary


class CampaignInputSerializer(serializers.Serializer):
    """Parses a new campaign; the rules (neutral review wording, a future closing day, the review
    site for a review campaign) are the service's."""

    kind = serializers.ChoiceField(choices=Campaign.Kind.choices)
    name = serializers.CharField(max_length=200)
    message = serializers.CharField(max_length=4000, allow_blank=True)
    site_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    site_url = serializers.URLField(required=False, allow_blank=True, default="")
    closes_on = serializers.DateField()


class ResponseSummarySerializer(serializers.Serializer):
    asked = serializers.IntegerField()
    by_status = serializers.DictField(child=serializers.IntegerField())
    response_rate = serializers.IntegerField(allow_null=True, help_text="Answered out of asked, in per cent.")


class CampaignSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    request = serializers.UUIDField(source="request.public_id", read_only=True)
    created_by = serializers.EmailField(source="created_by.email", read_only=True, allow_null=True)
    responses = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = [
            "id",
            "kind",
            "name",
            "message",
            "site_name",
            "site_url",
            "status",
            "closes_on",
            "request",
            "created_by",
            "created_at",
            "opened_at",
            "closed_at",
            "responses",
        ]
        read_only_fields = fields

    def get_responses(self, campaign: Campaign) -> dict[str, Any] | None:
        summaries: dict[int, ResponseSummary] = self.context.get("summaries") or {}
        summary = summaries.get(campaign.pk)
        return dict(ResponseSummarySerializer(summary).data) if summary is not None else None


class AudienceSerializer(serializers.Serializer):
    """Who the campaign is for. Empty lists mean everyone; several values of one filter mean any."""

    tiers = serializers.ListField(child=serializers.ChoiceField(choices=Tier.choices), required=False, default=list)
    segments = serializers.ListField(
        child=serializers.ChoiceField(choices=Segment.choices), required=False, default=list
    )
    regions = serializers.ListField(child=serializers.ChoiceField(choices=Region.choices), required=False, default=list)
    industries = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, default=list, max_length=50
    )
    accounts = serializers.ListField(child=serializers.UUIDField(), required=False, default=list, max_length=500)
    languages = serializers.ListField(
        child=serializers.ChoiceField(choices=LANGUAGE_CHOICES), required=False, default=list
    )

    def validate_accounts(self, value: list[Any]) -> list[str]:
        """Only the caller's organisation's accounts: another's is as unknown as a missing one."""
        wanted = {str(public_id) for public_id in value}
        if not wanted:
            return []
        found = {
            str(public_id)
            for public_id in CustomerAccount.objects.filter(
                organization=self.context["organization"], public_id__in=wanted
            ).values_list("public_id", flat=True)
        }
        missing = sorted(wanted - found)
        if missing:
            raise serializers.ValidationError(
                _("No such account in this organisation: %(ids)s.") % {"ids": ", ".join(missing)}
            )
        return sorted(wanted)


class AdvocateBriefSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    full_name = serializers.CharField()
    account = serializers.CharField(source="account.name")
    tier = serializers.CharField()


class LeftOutSerializer(serializers.Serializer):
    advocate = AdvocateBriefSerializer()
    reasons = serializers.ListField(child=serializers.CharField())


class AudiencePreviewSerializer(serializers.Serializer):
    in_audience = serializers.IntegerField(source="total")
    eligible = serializers.IntegerField()
    already_asked = serializers.IntegerField()
    left_out = serializers.IntegerField()
    excluded = serializers.SerializerMethodField()
    sample = AdvocateBriefSerializer(many=True)
    left_out_sample = LeftOutSerializer(many=True)

    def get_excluded(self, preview: Any) -> list[dict[str, Any]]:
        return [{"key": key, "label": label, "count": count} for key, label, count in preview.excluded]


class SendResultSerializer(serializers.Serializer):
    campaign = CampaignSerializer()
    eligible = serializers.IntegerField()
    already_asked = serializers.IntegerField()
    left_out = serializers.DictField(child=serializers.IntegerField())
    asked_now = serializers.IntegerField(source="first_batch.asked")
    skipped_now = serializers.SerializerMethodField()
    continues_in_background = serializers.BooleanField()

    def get_skipped_now(self, result: Any) -> dict[str, int]:
        return dict(result.first_batch.skipped)


class CloseInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class CampaignAskSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    advocate = AdvocateBriefSerializer(read_only=True)

    class Meta:
        model = Ask
        fields = [
            "id",
            "advocate",
            "status",
            "asked_at",
            "expires_at",
            "responded_at",
            "decline_reason",
            "completed_at",
        ]
        read_only_fields = fields
