"""Recognition API shapes: the nomination as read, and what a caller sends to nominate or decide."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from advocacy.api.base import TenantRelatedField
from advocacy.audit import verb_label
from advocacy.models import AuditEvent, User
from advocates.models import Advocate

from ..models import Nomination

PERSON_SCHEMA = {
    "type": "object",
    "nullable": True,
    "properties": {"id": {"type": "string"}, "email": {"type": "string"}},
}


def _person(user: User | None) -> dict[str, str] | None:
    return None if user is None else {"id": str(user.public_id), "email": user.email}


class NominationSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    advocate = serializers.UUIDField(source="advocate.public_id", read_only=True)
    advocate_name = serializers.CharField(source="advocate.full_name", read_only=True)
    nominated_by = serializers.SerializerMethodField()
    decided_by = serializers.SerializerMethodField()

    class Meta:
        model = Nomination
        fields = [
            "id",
            "advocate",
            "advocate_name",
            "kind",
            "title",
            "reason",
            "status",
            "nominated_by",
            "decided_by",
            "decided_at",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(PERSON_SCHEMA)
    def get_nominated_by(self, nomination: Nomination) -> dict[str, str] | None:
        return _person(nomination.nominated_by)

    @extend_schema_field(PERSON_SCHEMA)
    def get_decided_by(self, nomination: Nomination) -> dict[str, str] | None:
        return _person(nomination.decided_by)


class NominationInputSerializer(serializers.Serializer):
    """Title and reason may arrive empty: the service answers with its own message for each."""

    advocate = TenantRelatedField(Advocate)
    kind = serializers.ChoiceField(choices=Nomination.Kind.choices)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class NominationDecideInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[Nomination.Status.ACCEPTED, Nomination.Status.DECLINED])
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class NominationEventSerializer(serializers.ModelSerializer):
    description = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = ["verb", "description", "actor_label", "data", "created_at"]
        read_only_fields = fields

    def get_description(self, event: AuditEvent) -> str:
        return verb_label(event.verb)
