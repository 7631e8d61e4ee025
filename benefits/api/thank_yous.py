"""Thank-yous and personal notes, read-only, plus writing a personal note. Both are identified by
their activity's public id (one of each per activity)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from advocacy.api.base import TenantViewSet
from advocacy.roles import Capability

from ..models import PersonalNote, ThankYou
from ..services import thank_yous as services
from ..services.thank_yous import NOTE_MAX_LENGTH
from ..templatetags.appreciation import clock_for

SHOW_PARAMETER = OpenApiParameter(
    "show",
    str,
    enum=list(services.QUEUE_FILTERS),
    description="open: not sent or written yet; overdue: open and past the deadline; mine: assigned to "
    "(notes) or recorded by (thank-yous) the caller, still open; done. Without it: everything.",
)


class _AppreciationSerializer(serializers.Serializer):
    activity = serializers.UUIDField(source="activity.public_id", read_only=True)
    activity_type = serializers.CharField(source="activity.activity_type.key", read_only=True)
    occurred_on = serializers.DateField(source="activity.occurred_on", read_only=True)
    advocate = serializers.UUIDField(source="advocate.public_id", read_only=True)
    advocate_name = serializers.CharField(source="advocate.full_name", read_only=True)
    due_at = serializers.DateTimeField(read_only=True)
    clock = serializers.SerializerMethodField()

    def get_clock(self, item: Any) -> str:
        """due, overdue, on_time or late."""
        return clock_for(item).state


class ThankYouSerializer(_AppreciationSerializer):
    completed_at = serializers.DateTimeField(read_only=True)
    sent_at = serializers.DateTimeField(read_only=True)


class PersonalNoteSerializer(_AppreciationSerializer):
    assignee = serializers.EmailField(source="assignee.email", read_only=True, default=None)
    note = serializers.CharField(read_only=True)
    written_at = serializers.DateTimeField(read_only=True)
    written_by = serializers.EmailField(source="written_by.email", read_only=True, default=None)
    escalated_at = serializers.DateTimeField(read_only=True)


class PersonalNoteInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=NOTE_MAX_LENGTH)


class _QueueViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    required_capability = Capability.APPRECIATION
    lookup_field = "activity__public_id"
    lookup_url_kwarg = "activity"
    lookup_value_regex = "[0-9a-f-]{36}"

    def _queue(self) -> tuple[QuerySet[ThankYou], QuerySet[PersonalNote]]:
        show = self.request.query_params.get("show", "")
        if self.action == "list" and show:
            if show not in services.QUEUE_FILTERS:
                raise exceptions.ValidationError({"show": [_("Choose one of: open, overdue, mine, done.")]})
            return services.queue_items(organization=self.organization, membership=self.membership, show=show)
        thank_yous = services.visible_thank_yous(organization=self.organization, membership=self.membership)
        notes = services.visible_notes(organization=self.organization, membership=self.membership)
        return (
            thank_yous.select_related("advocate", "activity__activity_type").order_by("due_at", "pk"),
            notes.select_related("advocate", "activity__activity_type", "assignee", "written_by").order_by(
                "due_at", "pk"
            ),
        )


@extend_schema_view(list=extend_schema(parameters=[SHOW_PARAMETER]))
class ThankYouViewSet(_QueueViewSet):
    """The thank-you each completed activity is owed within 24 hours, and whether it went out."""

    model = ThankYou
    serializer_class = ThankYouSerializer

    def narrow_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return self._queue()[0]


@extend_schema_view(list=extend_schema(parameters=[SHOW_PARAMETER]))
class PersonalNoteViewSet(_QueueViewSet):
    """Personal notes for high-commitment work: who is to write each, its deadline and the note."""

    model = PersonalNote
    serializer_class = PersonalNoteSerializer

    def narrow_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return self._queue()[1]

    @extend_schema(request=PersonalNoteInputSerializer, responses={200: PersonalNoteSerializer})
    @action(detail=True, methods=["post"])
    def write(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Writes the note and sends it to the advocate in the caller's name. Only its assignee or
        the program team may (403); a note already written answers 409."""
        note = self.get_object()
        if not services.can_write_note(note, membership=self.membership):
            raise exceptions.PermissionDenied(_("This note is assigned to someone else."))
        payload = PersonalNoteInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        note = services.personal_note_write(
            note=note,
            text=payload.validated_data["note"],
            actor=self.actor,
            membership=self.membership,
            request=request._request,
        )
        return Response(PersonalNoteSerializer(self.get_queryset().get(pk=note.pk)).data)
