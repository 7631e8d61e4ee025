"""API shapes for advocates: the profile, the lifecycle (nomination, invitation, status, tier), capacity,
eligibility and history."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from advocacy.api.base import TenantRelatedField

from ..models import (
    Advocate,
    AdvocateStatusChange,
    Channel,
    CustomerAccount,
    NpsResponse,
    ProgramPolicy,
    Region,
    Segment,
    Seniority,
    Tier,
    TierChange,
)
from .common import (
    ActivityTypeRefSerializer,
    ActorEmailField,
    LanguageListField,
    MemberEmailField,
    StrictInputMixin,
    TagListField,
    validate_time_zone,
)
from .preferences import ConsentChangeSerializer, ConsentFlagsSerializer


class CapacitySummarySerializer(serializers.Serializer):
    """Activities counting toward the yearly cap in the rolling twelve months."""

    used = serializers.IntegerField(source="capacity_used", read_only=True)
    cap = serializers.SerializerMethodField()
    remaining = serializers.SerializerMethodField()

    def _cap(self) -> int:
        policy = self.context.get("policy") or ProgramPolicy()
        return int(policy.yearly_cap)

    def get_cap(self, advocate: Any) -> int:
        return self._cap()

    def get_remaining(self, advocate: Any) -> int:
        return max(self._cap() - advocate.capacity_used, 0)


class AdvocateSerializer(serializers.ModelSerializer):
    """An advocate's profile, with the capacity summary and eligibility score computed in the list
    query (``selectors.with_advocate_scores``)."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    account = serializers.UUIDField(source="account.public_id", read_only=True)
    account_name = serializers.CharField(source="account.name", read_only=True)
    languages = serializers.ListField(source="language_codes", child=serializers.CharField(), read_only=True)
    tags = serializers.ListField(source="tag_list", child=serializers.CharField(), read_only=True)
    consents = ConsentFlagsSerializer(source="*", read_only=True)
    capacity = CapacitySummarySerializer(source="*", read_only=True)
    eligibility_score = serializers.IntegerField(read_only=True)
    is_eligible = serializers.BooleanField(read_only=True)
    invited_by = serializers.EmailField(source="invited_by.email", read_only=True, default=None, allow_null=True)

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
            "languages",
            "time_zone",
            "preferred_channel",
            "tags",
            "outcomes",
            "use_cases",
            "consents",
            "tier",
            "suggested_tier",
            "suggested_tier_reason",
            "status",
            "nps_score",
            "nps_recorded_on",
            "capacity",
            "eligibility_score",
            "is_eligible",
            "invited_by",
            "invited_at",
            "enrolled_at",
            "joined_at",
            "onboarded_at",
            "last_activity_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


ADVOCATE_REFUSED_FIELDS = {
    "tier": _(
        "The tier is not edited directly: POST to the advocate's tier/ endpoint to accept the suggestion or "
        "to set a tier with a reason."
    ),
    "status": _(
        "The status follows the lifecycle: POST to the advocate's nominate/, invite/ or status/ endpoint with a reason."
    ),
}


class AdvocateInputSerializer(StrictInputMixin, serializers.Serializer):
    """A new advocate: every advocate starts as a candidate in the community tier."""

    refused_fields = ADVOCATE_REFUSED_FIELDS

    account = TenantRelatedField(
        CustomerAccount, error_messages={"does_not_exist": _("No such account in this organisation: {value}.")}
    )
    full_name = serializers.CharField(max_length=200)
    email = serializers.EmailField()
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    seniority = serializers.ChoiceField(choices=Seniority.choices, required=False, allow_blank=True)
    languages = LanguageListField(required=False)
    time_zone = serializers.CharField(max_length=64, required=False, allow_blank=True, validators=[validate_time_zone])
    preferred_channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    outcomes = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    use_cases = serializers.CharField(max_length=300, required=False, allow_blank=True)
    tags = TagListField(required=False)
    nps_score = serializers.IntegerField(min_value=0, max_value=10, required=False, allow_null=True)


class AdvocateUpdateInputSerializer(AdvocateInputSerializer):
    """Any subset of the profile. A new ``nps_score`` is recorded in the NPS history."""


class AdvocateStatusInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Advocate.Status.choices)
    reason = serializers.CharField(max_length=2000)

    def validate_status(self, value: str) -> str:
        if value == Advocate.Status.NOMINATED:
            raise serializers.ValidationError(_("Nominate with POST to the advocate's nominate/ endpoint."))
        if value == Advocate.Status.INVITED:
            raise serializers.ValidationError(
                _("Invite with POST to the advocate's invite/ endpoint, with a message and a sender.")
            )
        return value


class NominateInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, allow_blank=True)


class InviteInputSerializer(serializers.Serializer):
    message = serializers.CharField(max_length=4000, allow_blank=True)
    sender = MemberEmailField(
        required=False,
        help_text=_("The member the invitation is sent in the name of (an executive for platinum); you by default."),
    )


class TierInputSerializer(serializers.Serializer):
    """``{"action": "accept"}`` takes the pending suggestion; ``{"tier": …, "reason": …}`` sets a tier
    by hand."""

    action = serializers.ChoiceField(
        choices=[("accept", _("Accept the suggestion")), ("override", _("Set a tier"))],
        required=False,
        help_text=_("“override” when left out and a tier is given."),
    )
    tier = serializers.ChoiceField(choices=Tier.choices, required=False)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        action = attrs.get("action") or ("override" if "tier" in attrs else "")
        if not action:
            raise serializers.ValidationError(
                {"action": [_("Either accept the suggestion (action “accept”) or give a tier and the reason for it.")]}
            )
        if action == "accept" and "tier" in attrs:
            raise serializers.ValidationError({"tier": [_("Accepting takes the suggested tier: leave the tier out.")]})
        if action == "override" and "tier" not in attrs:
            raise serializers.ValidationError({"tier": [_("Choose the tier to set.")]})
        return {**attrs, "action": action}


class TypeCapacitySerializer(serializers.Serializer):
    activity_type = ActivityTypeRefSerializer(read_only=True)
    used = serializers.IntegerField(read_only=True)
    limit = serializers.IntegerField(read_only=True, allow_null=True)
    remaining = serializers.IntegerField(read_only=True, allow_null=True)
    min_interval_days = serializers.IntegerField(read_only=True, allow_null=True)
    willing = serializers.BooleanField(read_only=True)
    last_on = serializers.DateField(read_only=True, allow_null=True)
    next_eligible_on = serializers.DateField(read_only=True)


class CapacitySerializer(serializers.Serializer):
    """Capacity in the rolling twelve months, overall (the program cap) and per activity type."""

    today = serializers.DateField(read_only=True)
    cap = serializers.IntegerField(read_only=True)
    used = serializers.IntegerField(read_only=True)
    remaining = serializers.IntegerField(read_only=True)
    at_cap = serializers.BooleanField(read_only=True)
    next_free_on = serializers.DateField(read_only=True)
    has_stated_preferences = serializers.BooleanField(read_only=True)
    per_type = TypeCapacitySerializer(many=True, read_only=True)


class ScorePartSerializer(serializers.Serializer):
    key = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]
    points = serializers.IntegerField(read_only=True)
    maximum = serializers.IntegerField(read_only=True)
    explanation = serializers.CharField(read_only=True)


class EligibilitySerializer(serializers.Serializer):
    score = serializers.IntegerField(read_only=True)
    maximum = serializers.IntegerField(read_only=True)
    is_eligible = serializers.BooleanField(read_only=True)
    parts = ScorePartSerializer(many=True, read_only=True)
    reasons = serializers.ListField(child=serializers.CharField(), read_only=True)


class StatusChangeSerializer(serializers.ModelSerializer):
    actor = ActorEmailField()

    class Meta:
        model = AdvocateStatusChange
        fields = ["from_status", "to_status", "reason", "actor", "created_at"]
        read_only_fields = fields


class TierChangeSerializer(serializers.ModelSerializer):
    actor = ActorEmailField()

    class Meta:
        model = TierChange
        fields = ["kind", "from_tier", "to_tier", "reason", "actor", "created_at"]
        read_only_fields = fields


class NpsResponseSerializer(serializers.ModelSerializer):
    class Meta:
        model = NpsResponse
        fields = ["score", "responded_on", "source"]
        read_only_fields = fields


class AdvocateHistorySerializer(serializers.Serializer):
    status_changes = StatusChangeSerializer(many=True, read_only=True)
    tier_changes = TierChangeSerializer(many=True, read_only=True)
    consent_changes = ConsentChangeSerializer(many=True, read_only=True)
    nps_responses = NpsResponseSerializer(many=True, read_only=True)


ADVOCATE_SORT_CHOICES = ["name", "-name", "account", "tier", "last_activity", "joined", "eligibility", "capacity"]


class AdvocateFilterSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, help_text=_("Part of the name, email or account name."))
    tier = serializers.ChoiceField(choices=Tier.choices, required=False)
    status = serializers.ChoiceField(choices=Advocate.Status.choices, required=False)
    segment = serializers.ChoiceField(choices=Segment.choices, required=False)
    region = serializers.ChoiceField(choices=Region.choices, required=False)
    industry = serializers.CharField(required=False)
    product = serializers.CharField(required=False, help_text=_("A product the account uses, by name."))
    min_capacity_remaining = serializers.IntegerField(
        min_value=0, max_value=50, required=False, help_text=_("At least this many asks left under the yearly cap.")
    )
    last_activity_before = serializers.DateField(required=False)
    last_activity_after = serializers.DateField(required=False)
    eligible = serializers.BooleanField(required=False, allow_null=True, default=None)
    sort = serializers.ChoiceField(choices=ADVOCATE_SORT_CHOICES, required=False)
