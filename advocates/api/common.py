"""Helpers shared by the advocates app's viewsets."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.request import Request


def query_filters(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    """The list filters in the query string, parsed by ``serializer_class``; a malformed value
    answers 400 naming the parameter."""
    serializer = serializer_class(data=request.query_params.dict())
    serializer.is_valid(raise_exception=True)
    return {name: value for name, value in serializer.validated_data.items() if value not in (None, "")}
