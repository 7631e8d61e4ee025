"""Outbound messages: the one way every app writes to a person.

Each message is rendered from translatable templates in the recipient's language
(``templates/emails/<name>_subject.txt``, ``<name>.txt`` and ``<name>.html``), recorded as an
``OutboundMessage`` on the person's timeline (sent, failed, or suppressed because they opted out),
and, unless it is transactional, carries a signed one-click unsubscribe link (RFC 8058).

Send from a task or after commit, never inside a transaction that may still roll back: the email
cannot be unsent.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import formataddr, parseaddr
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_scopes import scope

from .audit import audit_log
from .models import Organization, OutboundMessage, User

if TYPE_CHECKING:
    from advocates.models import Advocate

Purpose = OutboundMessage.Purpose
Status = OutboundMessage.Status

UNSUBSCRIBE_SALT = "advocacy.messaging.unsubscribe"
# A failed message with a dedupe key is tried again by the next attempt, up to this many times.
MAX_ATTEMPTS = 5
# A claim older than this was left by a worker that died mid-send (tasks are killed after 3 minutes).
STALE_CLAIM = timedelta(minutes=10)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: str
    mimetype: str


def is_transactional(purpose: str) -> bool:
    return purpose in OutboundMessage.TRANSACTIONAL_PURPOSES


def recipient_language(*, organization: Organization, user: User | None = None, language: str | None = None) -> str:
    """The person's own language, else the organisation's default, else ``language``."""
    supported = {code for code, _name in settings.LANGUAGES}
    for candidate in (getattr(user, "language", ""), organization.default_language, language):
        if candidate and candidate in supported:
            return candidate
    return settings.LANGUAGE_CODE


# Unsubscribe tokens -----------------------------------------------------------------------------


def unsubscribe_token(advocate: Advocate) -> str:
    """A signed token naming the organisation and the advocate. It does not expire: a link in an old
    email must still work."""
    return signing.dumps({"o": advocate.organization_id, "a": str(advocate.public_id)}, salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """(organisation id, advocate public id), or None for a tampered or malformed token."""
    try:
        payload = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("o"), int) or not isinstance(payload.get("a"), str):
        return None
    try:
        advocate_public_id = str(uuid.UUID(payload["a"]))
    except ValueError:
        return None
    return payload["o"], advocate_public_id


def unsubscribe_url(advocate: Advocate) -> str:
    return settings.SITE_URL + reverse("message-unsubscribe", kwargs={"token": unsubscribe_token(advocate)})


# Sending ----------------------------------------------------------------------------------------


def send_message(
    *,
    organization: Organization,
    to_email: str,
    template: str,
    context: dict[str, Any],
    purpose: str,
    language: str | None = None,
    user: User | None = None,
    advocate: Advocate | None = None,
    related: models.Model | None = None,
    sender: User | None = None,
    dedupe_key: str = "",
    attachments: list[Attachment] | None = None,
) -> OutboundMessage:
    """Renders, sends and records one email.

    - Language: the recipient's own (``user``, else the advocate's portal user), else the
      organisation's default, else ``language``.
    - Program mail (any purpose that is not transactional) must name the advocate: it is not sent
      to an advocate who opted out (recorded as suppressed) and carries a one-click unsubscribe link.
    - ``sender`` puts the message in a person's name (display name and Reply-To); the address stays
      the platform's, so the mail passes SPF and DMARC.
    - ``attachments``: files sent with the message, such as a calendar invitation.
    - ``dedupe_key``: a second call with the same key returns the first record without sending,
      unless that one failed (tried again, a bounded number of times).

    A failure is recorded on the message and raised, so a task can retry.
    """
    transactional = is_transactional(purpose)
    if not transactional and advocate is None:
        raise ValueError("Program mail goes to an advocate, whose opt-out it must respect.")
    if advocate is not None and advocate.organization_id != organization.pk:
        raise ValueError("The advocate belongs to another organisation.")
    if related is not None and getattr(related, "organization_id", organization.pk) != organization.pk:
        raise ValueError("The related object belongs to another organisation.")
    recipient = user or (advocate.user if advocate is not None else None)
    language = recipient_language(organization=organization, user=recipient, language=language)

    with scope(organization=organization):
        message, claimed = _claim(
            organization=organization,
            dedupe_key=dedupe_key,
            recipient_email=to_email,
            recipient_user=recipient,
            advocate=advocate,
            sender=sender,
            purpose=purpose,
            template=template,
            language=language,
            **_related_fields(related),
        )
        if not claimed:
            return message
        if not transactional and advocate is not None:
            advocate.refresh_from_db(fields=["marketing_opt_out_at"])
            if advocate.marketing_opt_out_at is not None:
                message.status = Status.SUPPRESSED
                message.save(update_fields=["status"])
                return message
        try:
            email = _compose(
                organization=organization,
                to_email=to_email,
                template=template,
                context=context,
                language=language,
                sender=sender,
                unsubscribe=None if transactional or advocate is None else unsubscribe_url(advocate),
            )
            for attachment in attachments or ():
                email.attach(attachment.filename, attachment.content, attachment.mimetype)
        except Exception as exc:
            _record_failure(message, exc)
            raise
        message.subject = str(email.subject)[:300]
        _deliver(message, email)
    return message


def send_rendered_message(
    *,
    organization: Organization,
    email: EmailMessage,
    purpose: str,
    template: str,
    user: User | None = None,
    language: str = "",
) -> OutboundMessage:
    """Sends and records a message rendered elsewhere (allauth's sign-in and password emails).
    Only for transactional messages: nothing here checks opt-outs."""
    if not is_transactional(purpose):
        raise ValueError("Only transactional messages may be sent pre-rendered.")
    with scope(organization=organization):
        message, _claimed = _claim(
            organization=organization,
            dedupe_key="",
            recipient_email=email.to[0] if email.to else "",
            recipient_user=user,
            purpose=purpose,
            template=template,
            subject=str(email.subject)[:300],
            language=language,
        )
        _deliver(message, email)
    return message


def _related_fields(related: models.Model | None) -> dict[str, str]:
    if related is None:
        return {}
    meta = related._meta
    return {
        "related_type": f"{meta.app_label}.{meta.model_name}",
        "related_id": str(getattr(related, "public_id", None) or related.pk),
        "related_label": str(related)[:254],
    }


def retryable_messages(*, now: datetime) -> models.Q:
    """Messages another attempt with the same dedupe key would send: failed ones with attempts
    left, and claims abandoned by a worker that died mid-send."""
    return models.Q(status=Status.FAILED, attempts__lt=MAX_ATTEMPTS) | models.Q(
        status=Status.QUEUED, claimed_at__lt=now - STALE_CLAIM
    )


def _claim(*, organization: Organization, dedupe_key: str, **fields: Any) -> tuple[OutboundMessage, bool]:
    """Creates the record of a message about to be sent, or, for a dedupe key already used, returns
    the existing one. A failed (or abandoned) one is claimed again by a conditional update, so two
    workers racing on the same key cannot both send."""
    now = timezone.now()
    if not dedupe_key:
        created = OutboundMessage.objects.create(organization=organization, claimed_at=now, attempts=1, **fields)
        return created, True
    try:
        with transaction.atomic():
            created = OutboundMessage.objects.create(
                organization=organization, dedupe_key=dedupe_key, claimed_at=now, attempts=1, **fields
            )
        return created, True
    except IntegrityError:
        pass
    existing = OutboundMessage.objects.get(organization=organization, dedupe_key=dedupe_key)
    reclaimed = (
        OutboundMessage.objects.filter(organization=organization, pk=existing.pk)
        .filter(retryable_messages(now=now))
        .update(status=Status.QUEUED, claimed_at=now, attempts=models.F("attempts") + 1, error="")
    )
    existing.refresh_from_db()
    return existing, bool(reclaimed)


def _compose(
    *,
    organization: Organization,
    to_email: str,
    template: str,
    context: dict[str, Any],
    language: str,
    sender: User | None,
    unsubscribe: str | None,
) -> EmailMultiAlternatives:
    context = {"organization": organization, **context, "unsubscribe_url": unsubscribe}
    from_email = settings.DEFAULT_FROM_EMAIL
    reply_to: list[str] = []
    with translation.override(language):
        subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
        text_body = render_to_string(f"emails/{template}.txt", context)
        html_body = render_to_string(f"emails/{template}.html", context)
        if sender is not None:
            name = gettext("%(name)s at %(organization)s") % {
                "name": sender.display_name,
                "organization": organization.name,
            }
            from_email = formataddr((name, parseaddr(settings.DEFAULT_FROM_EMAIL)[1]))
            reply_to = [sender.email]
    headers = {}
    if unsubscribe:
        headers["List-Unsubscribe"] = f"<{unsubscribe}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email = EmailMultiAlternatives(
        subject=" ".join(subject.splitlines()),
        body=text_body,
        from_email=from_email,
        to=[to_email],
        reply_to=reply_to,
        headers=headers,
    )
    email.attach_alternative(html_body, "text/html")
    return email


def _deliver(message: OutboundMessage, email: EmailMessage) -> None:
    try:
        email.send()
    except Exception as exc:
        _record_failure(message, exc)
        raise
    message.status = Status.SENT
    message.sent_at = timezone.now()
    message.error = ""
    message.save(update_fields=["status", "sent_at", "error", "subject"])


def _record_failure(message: OutboundMessage, exc: BaseException) -> None:
    message.status = Status.FAILED
    message.error = f"{type(exc).__name__}: {exc}"[:2000]
    message.save(update_fields=["status", "error", "subject"])


# Reading ----------------------------------------------------------------------------------------


def messages_for_advocate(*, advocate: Advocate, limit: int = 50) -> list[OutboundMessage]:
    """The advocate's messages, newest first, for their profile timeline."""
    return list(
        OutboundMessage.objects.filter(organization_id=advocate.organization_id, advocate=advocate)
        .select_related("sender")
        .order_by("-created_at", "-id")[:limit]
    )


# Opt-out ----------------------------------------------------------------------------------------


@transaction.atomic
def advocate_set_opt_out(
    *,
    advocate: Advocate,
    opted_out: bool,
    actor: User | None,
    request: HttpRequest | None = None,
    via: str = "portal",
) -> Advocate:
    """Opts the advocate out of program mail, or back in. Transactional messages (invitations to
    answer, thank-yous, sign-in) reach them either way. Setting the current state again changes
    nothing and logs nothing."""
    locked = (
        type(advocate).objects.select_for_update(of=("self",)).get(organization=advocate.organization, pk=advocate.pk)
    )
    if (locked.marketing_opt_out_at is not None) == opted_out:
        return locked
    locked.marketing_opt_out_at = timezone.now() if opted_out else None
    locked.save(update_fields=["marketing_opt_out_at", "updated_at"])
    audit_log(
        organization=locked.organization,
        actor=actor,
        verb="advocate.opted_out" if opted_out else "advocate.opted_in",
        target=locked,
        data={"via": via},
        request=request,
    )
    return locked
