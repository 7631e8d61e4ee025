"""API shapes for accounts, advocates, activity types and activities.

Output serializers render what the viewsets fetched (annotations included); input serializers only
parse and check the form of the input. The rules live in the services.
"""

from __future__ import annotations

import re
import uuid
import zoneinfo
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from advocacy.api.base import TenantRelatedField
from advocacy.models import Membership
from requests_mgmt.models import AdvocacyRequest

from .models import (
    Activity,
    ActivityPreference,
    ActivityType,
    Advocate,
    AdvocateStatusChange,
    BlackoutPeriod,
    Channel,
    ConsentChange,
    CustomerAccount,
    HealthScoreChange,
    NpsResponse,
    Product,
    ProgramPolicy,
    Region,
    Segment,
    Seniority,
    Tier,
    TierChange,
)

LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")


# Fields ---------------------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.EMAIL)
class MemberEmailField(serializers.Field):
    """A member of the caller's organisation, by email address."""

    default_error_messages = {
        "invalid": _("Enter a valid email address."),
        "not_member": _("No member of this organisation has this email address: {email}."),
    }

    def to_internal_value(self, data: Any) -> Any:
        email = str(data).strip()
        try:
            validate_email(email)
        except DjangoValidationError:
            self.fail("invalid")
        organization = self.context.get("organization")
        membership = (
            Membership.objects.filter(organization=organization, user__email__iexact=email)
            .select_related("user")
            .first()
            if organization is not None
            else None
        )
        if membership is None:
            self.fail("not_member", email=email)
        return membership.user

    def to_representation(self, value: Any) -> str:
        return str(value.email)


@extend_schema_field(OpenApiTypes.STR)
class ActivityTypeField(TenantRelatedField):
    """An activity type of the caller's organisation, by its key (``case_study``) or public id."""

    def __init__(self, **kwargs: Any):
        kwargs.setdefault(
            "error_messages", {"does_not_exist": _("No such activity type in this organisation: {value}.")}
        )
        super().__init__(ActivityType, **kwargs)

    def to_internal_value(self, data: Any) -> ActivityType:
        value = str(data).strip()
        try:
            lookup: dict[str, Any] = {"public_id": uuid.UUID(value)}
        except ValueError:
            lookup = {"key": value}
        try:
            return self.get_queryset().get(**lookup)
        except ActivityType.DoesNotExist:
            self.fail("does_not_exist", value=value)

    def to_representation(self, value: Any) -> str:
        return str(value.public_id)


@extend_schema_field(OpenApiTypes.STR)
class ProductNameField(TenantRelatedField):
    """A product of the caller's organisation, by name."""

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("error_messages", {"does_not_exist": _("No such product in this organisation: {value}.")})
        super().__init__(Product, slug_field="name", **kwargs)


class LanguageListField(serializers.ListField):
    """Language codes (``["en", "pt-BR"]``), stored space-separated on the advocate."""

    child = serializers.CharField(max_length=16)

    def to_internal_value(self, data: Any) -> Any:
        codes = super().to_internal_value(data)
        wrong = [code for code in codes if not LANGUAGE_CODE.match(code)]
        if wrong:
            raise serializers.ValidationError(_("Not a language code: %(codes)s.") % {"codes": ", ".join(wrong)})
        joined = " ".join(dict.fromkeys(codes))
        if len(joined) > 100:
            raise serializers.ValidationError(_("Too many languages."))
        return joined


class TagListField(serializers.ListField):
    """Free tags (``["fintech", "speaker"]``), stored comma-separated on the advocate."""

    child = serializers.CharField(max_length=50)

    def to_internal_value(self, data: Any) -> Any:
        tags = [tag.strip() for tag in super().to_internal_value(data) if tag.strip()]
        if any("," in tag for tag in tags):
            raise serializers.ValidationError(_("A tag cannot contain a comma."))
        joined = ", ".join(dict.fromkeys(tags))
        if len(joined) > 300:
            raise serializers.ValidationError(_("Too many tags."))
        return joined


def validate_time_zone(value: str) -> None:
    if value and value not in zoneinfo.available_timezones():
        raise serializers.ValidationError(_("Not a time zone: %(value)s.") % {"value": value})


class StrictInputMixin:
    """Answers 400 for keys the input does not take, with the other fields' errors, instead of
    silently ignoring them. ``refused_fields`` says where such a field is set instead."""

    refused_fields: dict[str, Any] = {}

    def to_internal_value(self, data: Any) -> Any:
        known = set(self.fields)  # type: ignore[attr-defined]
        unknown = {
            name: [self.refused_fields.get(name, _("Unknown field."))]
            for name in (data if isinstance(data, dict) else ())
            if name not in known
        }
        try:
            value = super().to_internal_value(data)  # type: ignore[misc]
        except serializers.ValidationError as exc:
            if unknown and isinstance(exc.detail, dict):
                raise serializers.ValidationError({**exc.detail, **unknown}) from None
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


# Small shared shapes ----------------------------------------------------------------------------------


class ActivityTypeRefSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    key = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class AdvocateRefSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    full_name = serializers.CharField(read_only=True)


class ActorEmailField(serializers.EmailField):
    def __init__(self, **kwargs: Any):
        kwargs.setdefault("source", "actor.email")
        super().__init__(read_only=True, default=None, allow_null=True, **kwargs)


# Accounts ------------------------------------------------------------------------------------------


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


# Advocates ------------------------------------------------------------------------------------------


class ConsentFlagsSerializer(serializers.Serializer):
    """The advocate's current consent flags."""

    named = serializers.BooleanField(source="consent_named", read_only=True)
    quoted = serializers.BooleanField(source="consent_quoted", read_only=True)
    logo = serializers.BooleanField(source="consent_logo", read_only=True)
    recorded = serializers.BooleanField(source="consent_recorded", read_only=True)
    speak_publicly = serializers.BooleanField(source="consent_speak_publicly", read_only=True)


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


# Activity types and activities -----------------------------------------------------------------------


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

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        completed = attrs.get("status", Activity.Status.COMPLETED) == Activity.Status.COMPLETED
        if completed and attrs["occurred_on"] > timezone.localdate():
            raise serializers.ValidationError({"occurred_on": [_("A completed activity cannot be in the future.")]})
        return attrs


class ActivityStatusInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[(s.value, s.label) for s in (Activity.Status.COMPLETED, Activity.Status.CANCELLED)]
    )


# Query parameters --------------------------------------------------------------------------------------


class AccountFilterSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, help_text=_("Part of the name, or the exact CRM ID."))
    industry = serializers.CharField(required=False)
    segment = serializers.ChoiceField(choices=Segment.choices, required=False)
    region = serializers.ChoiceField(choices=Region.choices, required=False)
    product = serializers.CharField(required=False, help_text=_("A product the account uses, by name."))
    health_below = serializers.IntegerField(min_value=0, max_value=101, required=False)
    csm = serializers.EmailField(required=False, help_text=_("The customer success manager's email address."))


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
