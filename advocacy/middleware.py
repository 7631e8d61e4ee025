"""Request middleware: tenant resolution and scope, the user's language and time zone, MFA policy."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from .tenancy import membership_for, organization_by_slug


class TenantMiddleware:
    """Resolves the organisation named in the URL (``org_slug``) and runs the view in its scope.

    Pages: an anonymous visitor is sent to sign in before anything about the organisation is
    revealed; a signed-in non-member gets the same 404 as for an organisation that does not exist.
    API: the organisation is attached (or None); the API base view answers 401/404 after DRF has
    authenticated the token or session.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.organization = None  # type: ignore[attr-defined]
        request.membership = None  # type: ignore[attr-defined]
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)
        slug = match.kwargs.get("org_slug")
        if slug is None:
            if match.app_name == "admin" and request.user.is_staff:
                # Staff tooling looks across tenants on purpose; nothing else does.
                with scopes_disabled():
                    return self.get_response(request)
            # No scope is active: a tenant query here raises instead of reading every tenant.
            return self.get_response(request)

        organization = organization_by_slug(slug)
        is_api = request.path_info.startswith("/api/")
        if not is_api and request.user.is_authenticated:
            membership = membership_for(request.user, organization)
            if membership is None:
                raise Http404
            request.membership = membership  # type: ignore[attr-defined]
            organization = membership.organization
        request.organization = organization  # type: ignore[attr-defined]
        if organization is None:
            return self.get_response(request)
        with scope(organization=organization):
            return self.get_response(request)


class UserPreferencesMiddleware:
    """Activates the viewer's language and time zone: the person's own choice first, then the
    organisation's default, then the browser's language (already chosen by LocaleMiddleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user: Any = request.user
        organization = getattr(request, "organization", None)
        language = ""
        tz_name = ""
        if user.is_authenticated:
            language = user.language
            tz_name = user.time_zone
        if organization is not None and getattr(request, "membership", None) is not None:
            language = language or organization.default_language
            tz_name = tz_name or organization.time_zone
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        try:
            timezone.activate(zoneinfo.ZoneInfo(tz_name)) if tz_name else timezone.deactivate()
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        response = self.get_response(request)
        if language:
            response.headers.setdefault("Content-Language", translation.get_language())
        return response


class RequireMfaMiddleware:
    """Where the organisation requires it, administrators and program managers must set up TOTP
    before using the organisation's pages; account pages stay reachable so they can do so."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        membership = getattr(request, "membership", None)
        if membership is not None and membership.mfa_required and not _has_totp(request.user):
            messages.warning(
                request,
                _("%(org)s requires two-factor authentication for your role. Set it up to continue.")
                % {"org": membership.organization.name},
            )
            return HttpResponseRedirect(reverse("mfa_activate_totp") + f"?next={request.path}")
        return self.get_response(request)


def _has_totp(user: Any) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
