"""One JSON error shape for the whole API:

``{"error": {"status": 400, "code": "invalid", "message": "...", "fields": {"name": ["..."]}}}``
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ..errors import ConflictError, ValidationFailed


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "This change is not allowed from the current state."


def _flatten(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten(item) for item in detail]
    return str(detail)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ValidationFailed):
        exc = exceptions.ValidationError(exc.errors)
    elif isinstance(exc, ConflictError):
        exc = Conflict(exc.message)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    body: dict[str, Any] = {"status": response.status_code, "code": "error", "message": "", "fields": {}}
    if isinstance(exc, exceptions.ValidationError):
        body["code"] = "invalid"
        body["message"] = _("Some fields are not valid.")
        detail = _flatten(exc.detail)
        if isinstance(detail, dict):
            non_field = detail.pop("non_field_errors", None) or detail.pop("__all__", None)
            body["fields"] = detail
            if non_field:
                body["message"] = " ".join(non_field)
        else:
            body["message"] = " ".join(detail) if isinstance(detail, list) else str(detail)
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        body["code"] = codes if isinstance(codes, str) else "error"
        body["message"] = str(exc.detail)
    response.data = {"error": body}
    return response
