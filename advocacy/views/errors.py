from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ..roles import Capability
from ..tenancy import RoleForbidden


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    context: dict[str, Any] = {}
    if isinstance(exception, RoleForbidden):
        context["area"] = Capability(exception.capability).label
        context["role"] = exception.membership.get_role_display()
        context["home_url_name"] = exception.membership.home_url_name
        context["org_slug"] = exception.membership.organization.slug
    return render(request, "403.html", context, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)
