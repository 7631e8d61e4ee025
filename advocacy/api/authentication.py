"""Organisation-scoped API tokens: ``Authorization: Token adv_<prefix>_<secret>``."""

from __future__ import annotations

import hmac
from datetime import timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import scopes_disabled
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from ..models import ApiToken

_LAST_USED_RESOLUTION = timedelta(minutes=5)


class OrganizationTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        parts = header.split()
        if parts[0].lower() not in ("token", "bearer"):
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Malformed Authorization header: use 'Token <key>'."))
        key = parts[1]
        pieces = key.split("_", 2)
        if len(pieces) != 3 or pieces[0] != ApiToken.PREFIX:
            raise exceptions.AuthenticationFailed(_("Invalid API token."))
        # Resolving a token is resolving its tenant: the one lookup that is not inside a scope yet.
        with scopes_disabled():
            token = ApiToken.objects.select_related("user", "organization").filter(key_prefix=pieces[1]).first()
        if token is None or not hmac.compare_digest(token.key_hash, ApiToken.hash_key(key)):
            raise exceptions.AuthenticationFailed(_("Invalid API token."))
        if not token.is_active or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("This API token has been revoked."))
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > _LAST_USED_RESOLUTION:
            with scopes_disabled():
                ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class OrganizationTokenScheme(OpenApiAuthenticationExtension):
    target_class = "advocacy.api.authentication.OrganizationTokenAuthentication"
    name = "organizationToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "Organisation API token, sent as `Token <key>`. Administrators create them in "
                "Settings → API tokens, or with `manage.py create_api_token`."
            ),
        }
