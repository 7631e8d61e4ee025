"""Outbound email rendered from translatable templates in the recipient's language.

Each message has a text body and an HTML body: ``templates/emails/<name>_subject.txt``,
``<name>.txt`` and ``<name>.html``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def send_templated_email(*, to: str, template: str, context: dict[str, Any], language: str) -> None:
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
        text_body = render_to_string(f"emails/{template}.txt", context)
        html_body = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.splitlines()),
        body=text_body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    message.attach_alternative(html_body, "text/html")
    message.send()
