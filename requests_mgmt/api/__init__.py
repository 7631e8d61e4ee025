"""The requests app's API viewsets, and what they share."""

from __future__ import annotations

import uuid

from rest_framework import serializers


def uuid_param(name: str, value: str) -> uuid.UUID:
    """A public id given as a query parameter: a malformed one is a 400 on that parameter, not a
    database error."""
    try:
        return serializers.UUIDField().run_validation(value)
    except serializers.ValidationError as error:
        raise serializers.ValidationError({name: error.detail}) from None
