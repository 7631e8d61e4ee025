"""django-allauth integration: nobody signs up on their own; people join through invitations."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        return super().get_login_redirect_url(request)

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        # allauth's own emails (login codes, password resets) go out in the recipient's language.
        from django.utils import translation

        from .models import User

        user = User.objects.filter(email__iexact=email).only("language").first()
        language = user.language if user and user.language else translation.get_language()
        with translation.override(language):
            super().send_mail(template_prefix, email, context)
