"""Resolving the tenant from the URL, and reaching tenant data only through it.

The middleware activates the organisation's django-scopes scope for the whole request, so a query
on a scoped model that forgets its organisation raises instead of leaking another tenant's rows.
This module is the one place that looks across tenants, and only to resolve the tenant itself.
"""

from __future__ import annotations

from functools import wraps
from typing import TYPE_CHECKING, Any, Protocol

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseBase
from django_scopes import scopes_disabled

from .models import Membership, Organization

if TYPE_CHECKING:
    from collections.abc import Callable

    from .models import User


class TenantRequest(HttpRequest):
    """What a view behind ``organization_view`` can rely on (for type checkers)."""

    organization: Organization
    membership: Membership
    user: User


class _View(Protocol):
    def __call__(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponseBase: ...


def organization_by_slug(slug: str) -> Organization | None:
    return Organization.objects.filter(slug=slug).first()


def membership_for(user: Any, organization: Organization | None) -> Membership | None:
    if organization is None or not getattr(user, "is_authenticated", False):
        return None
    with scopes_disabled():
        return Membership.objects.select_related("organization").filter(user=user, organization=organization).first()


def memberships_of(user: Any) -> list[Membership]:
    """Every organisation a person belongs to, for the landing page and the switcher."""
    if not getattr(user, "is_authenticated", False):
        return []
    with scopes_disabled():
        return list(Membership.objects.select_related("organization").filter(user=user).order_by("organization__name"))


def preferred_language(user: Any) -> str:
    """The person's own language, else the default of their first organisation, else empty."""
    if getattr(user, "language", ""):
        return str(user.language)
    memberships = memberships_of(user)
    return memberships[0].organization.default_language if memberships else ""


class RoleForbidden(PermissionDenied):
    """A member whose role lacks the right: the 403 page explains which area and why."""

    def __init__(self, capability: str, membership: Membership):
        super().__init__(capability)
        self.capability = capability
        self.membership = membership


def organization_view(capability: str) -> Callable[[_View], _View]:
    """Guards a page under /o/<org>/: sign-in required, members only (404 for anyone else, exactly
    as for a missing organisation), and the capability checked against the member's role (403)."""

    def decorator(view: _View) -> _View:
        @wraps(view)
        def wrapped(request: Any, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = getattr(request, "membership", None)
            if membership is None:
                raise Http404
            if not membership.can(capability):
                raise RoleForbidden(capability, membership)
            return view(request, *args, **kwargs)

        wrapped.required_capability = capability  # type: ignore[attr-defined]
        return wrapped

    return decorator
