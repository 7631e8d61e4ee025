"""Fields, the strict-input mixin and the small shapes that the resources' serializers share."""

from __future__ import annotations

import re
import uuid
import zoneinfo
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from advocacy.api.base import TenantRelatedField
from advocacy.models import Membership

from ..models import ActivityType, Product

LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")


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
