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
        """allauth's own emails (sign-in codes, password resets) go out in the recipient's language.
        A member's are recorded as transactional messages in their first organisation, the one
        their default language comes from; a stranger's are only sent."""
        from allauth.core import context as allauth_context
        from django.contrib.sites.shortcuts import get_current_site
        from django.utils import translation

        from .messaging import Purpose, send_rendered_message
        from .models import User
        from .tenancy import memberships_of

        user = User.objects.filter(email__iexact=email).first()
        language = user.language if user and user.language else translation.get_language()
        request = allauth_context.request
        with translation.override(language):
            message = self.render_mail(
                template_prefix,
                email,
                {"request": request, "email": email, "current_site": get_current_site(request), **context},
            )
        memberships = memberships_of(user) if user is not None else []
        if not memberships:
            message.send()
            return
        send_rendered_message(
            organization=memberships[0].organization,
            email=message,
            purpose=Purpose.SIGN_IN,
            template=template_prefix,
            user=user,
            language=language or "",
        )
