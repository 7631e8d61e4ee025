"""Security events from Django and allauth, written to the audit log of every organisation the
person belongs to, so each organisation's administrators see their own members' sign-ins and
MFA changes, and nothing of other organisations'."""

from __future__ import annotations

import logging
from typing import Any

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from django.contrib.auth import signals as auth_signals
from django.http import HttpRequest
from django_scopes import scope

from .audit import audit_log
from .tenancy import memberships_of

security_log = logging.getLogger("advocacy.security")


def _record_for_user(user: Any, verb: str, request: HttpRequest | None, data: dict[str, Any] | None = None) -> None:
    for membership in memberships_of(user):
        with scope(organization=membership.organization):
            audit_log(organization=membership.organization, actor=user, verb=verb, data=data, request=request)


def on_logged_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    _record_for_user(user, "auth.login", request)


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    from .models import User

    email = str(credentials.get("email") or credentials.get("username") or "").strip().lower()
    security_log.info(
        "sign-in failed for %s from %s", email or "(no email)", request and request.META.get("REMOTE_ADDR")
    )
    user = User.objects.filter(email__iexact=email).first() if email else None
    if user is not None:
        for membership in memberships_of(user):
            with scope(organization=membership.organization):
                audit_log(
                    organization=membership.organization,
                    actor=None,
                    verb="auth.login_failed",
                    data={"email": email},
                    request=request,
                )


def on_logged_out(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is not None:
        _record_for_user(user, "auth.logout", request)


def on_authenticator_added(sender: Any, request: HttpRequest, user: Any, authenticator: Any, **kwargs: Any) -> None:
    _record_for_user(user, "mfa.added", request, {"type": authenticator.type})


def on_authenticator_removed(sender: Any, request: HttpRequest, user: Any, authenticator: Any, **kwargs: Any) -> None:
    _record_for_user(user, "mfa.removed", request, {"type": authenticator.type})


def on_authenticator_reset(sender: Any, request: HttpRequest, user: Any, authenticator: Any, **kwargs: Any) -> None:
    _record_for_user(user, "mfa.reset", request, {"type": authenticator.type})


def on_login_code_rejected(sender: Any, request: HttpRequest, user: Any = None, **kwargs: Any) -> None:
    if user is not None:
        _record_for_user(user, "auth.login_code_rejected", request)


def connect() -> None:
    auth_signals.user_logged_in.connect(on_logged_in, dispatch_uid="audit_login")
    auth_signals.user_login_failed.connect(on_login_failed, dispatch_uid="audit_login_failed")
    auth_signals.user_logged_out.connect(on_logged_out, dispatch_uid="audit_logout")
    mfa_signals.authenticator_added.connect(on_authenticator_added, dispatch_uid="audit_mfa_added")
    mfa_signals.authenticator_removed.connect(on_authenticator_removed, dispatch_uid="audit_mfa_removed")
    mfa_signals.authenticator_reset.connect(on_authenticator_reset, dispatch_uid="audit_mfa_reset")
    account_signals.login_code_rejected.connect(on_login_code_rejected, dispatch_uid="audit_code_rejected")
