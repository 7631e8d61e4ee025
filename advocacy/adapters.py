"""django-allauth integration: nobody signs up on their own; people join through invitations."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def add_message(
        self, request: HttpRequest, level: int, message_template: str | None = None, *args: Any, **kwargs: Any
    ) -> None:
        # Messages added at sign-in are rendered during the anonymous request: render them in the
        # language the person will read the next page in.
        from django.utils import translation

        from .tenancy import preferred_language

        language = preferred_language(request.user) if request.user.is_authenticated else ""
        with translation.override(language or translation.get_language()):
            super().add_message(request, level, message_template, *args, **kwargs)

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        # allauth's own emails (login codes, password resets) go out in the recipient's language.
        from django.utils import translation

        from .models import User

        user = User.objects.filter(email__iexact=email).only("language").first()
        language = user.language if user and user.language else translation.get_language()
        with translation.override(language):
            super().send_mail(template_prefix, email, context)
