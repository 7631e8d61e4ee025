"""Outbound messages: recorded on the person's timeline, in their language, opt-outs honoured,
one-click unsubscribe, sent once per dedupe key; the program invitation and the welcome sequence."""

from __future__ import annotations

import re
import smtplib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core import mail, signing
from django.core.mail import EmailMultiAlternatives
from django.test import Client
from django.utils import timezone, translation

from advocacy import messaging
from advocacy.messaging import Purpose, advocate_set_opt_out, messages_for_advocate, send_message
from advocacy.models import AuditEvent, Invitation, OutboundMessage
from advocacy.roles import Role
from advocates.enrollment_tasks import welcome_sequence_organization_task, welcome_sequence_sweep_task
from advocates.models import Advocate, Tier
from advocates.services import advocate_invite, advocate_respond_to_invitation
from tests.factories import AdvocateFactory, UserFactory

pytestmark = pytest.mark.django_db

UNSUBSCRIBE_PATH = re.compile(r"https?://[^/\s]+(/m/unsubscribe/[^/\s]+/)")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def invitation_context() -> dict[str, Any]:
    return {
        "inviter": "Ana",
        "role": Role.ADVOCATE.label,
        "message": "Hello",
        "url": "https://example.test/x",
        "expires_at": timezone.now(),
    }


def send_welcome(advocate: Advocate, **kwargs: Any) -> OutboundMessage:
    defaults: dict[str, Any] = {
        "organization": advocate.organization,
        "to_email": advocate.email,
        "template": "welcome_1",
        "purpose": Purpose.WELCOME,
        "advocate": advocate,
        "context": {"advocate": advocate, "yearly_cap": 6, "thank_you_hours": 24, "url": "https://example.test/p"},
    }
    return send_message(**(defaults | kwargs))


def unsubscribe_path(message: Any) -> str:
    match = UNSUBSCRIBE_PATH.search(message.body)
    assert match, message.body
    return match.group(1)


def welcome_subjects(advocate: Advocate) -> list[str]:
    return [message.subject for message in mail.outbox if message.to == [advocate.email]]


# The record ----------------------------------------------------------------------------------------


def test_a_sent_message_is_recorded_with_every_field(org: Any, members: Any) -> None:
    person = members[Role.ADVOCATE]
    advocate = AdvocateFactory(organization=org, user=person, email=person.email)
    invitation = Invitation.objects.create(
        organization=org, email=person.email, role=Role.ADVOCATE, token=Invitation.new_token()
    )
    message = send_message(
        organization=org,
        to_email=person.email,
        template="invitation",
        context=invitation_context(),
        purpose=Purpose.INVITATION,
        advocate=advocate,
        related=invitation,
        sender=members[Role.PROGRAM_MANAGER],
    )
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    message.refresh_from_db()
    assert message.organization == org and message.recipient_email == person.email
    assert message.recipient_user == person and message.advocate == advocate
    assert message.sender == members[Role.PROGRAM_MANAGER]
    assert message.purpose == Purpose.INVITATION and message.is_transactional
    assert message.template == "invitation" and message.subject == sent.subject and org.name in message.subject
    assert message.language == "en"
    assert (message.related_type, message.related_id) == ("advocacy.invitation", str(invitation.public_id))
    assert message.related_label == str(invitation)
    assert message.status == OutboundMessage.Status.SENT and message.sent_at is not None and message.error == ""
    # In the program manager's name, from the platform's own address; replies reach the person.
    assert members[Role.PROGRAM_MANAGER].display_name in sent.from_email
    assert sent.reply_to == [members[Role.PROGRAM_MANAGER].email]
    assert "List-Unsubscribe" not in sent.extra_headers  # transactional
    assert sent.alternatives and sent.alternatives[0][1] == "text/html"


def test_a_failed_send_is_recorded_and_raised(org: Any, monkeypatch: Any) -> None:
    advocate = AdvocateFactory(organization=org)

    def refuse(self: Any, fail_silently: bool = False) -> int:
        raise smtplib.SMTPServerDisconnected("mail server went away")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        send_welcome(advocate)
    message = OutboundMessage.objects.get(organization=org, advocate=advocate)
    assert message.status == OutboundMessage.Status.FAILED and "mail server went away" in message.error
    assert message.sent_at is None


def test_messages_are_rendered_in_the_recipients_language(org: Any, monkeypatch: Any) -> None:
    languages_seen: list[str | None] = []
    original = messaging.render_to_string

    def spy(template_name: str, context: Any = None) -> str:
        languages_seen.append(translation.get_language())
        return original(template_name, context)

    monkeypatch.setattr(messaging, "render_to_string", spy)
    reader = UserFactory(email="yuki@example.test", language="ja")
    message = send_message(
        organization=org,
        to_email=reader.email,
        template="invitation",
        context=invitation_context(),
        purpose=Purpose.INVITATION,
        user=reader,
        language="pt-br",
    )
    assert languages_seen == ["ja", "ja", "ja"] and message.language == "ja"
    with translation.override("ja"):
        assert mail.outbox[0].subject == translation.gettext("You are invited to join %(org)s on Advocacy") % {
            "org": org.name
        }

    # No language of their own: the organisation's default.
    org.default_language = "pt-br"
    org.save(update_fields=["default_language"])
    languages_seen.clear()
    advocate = AdvocateFactory(organization=org)
    assert send_welcome(advocate).language == "pt-br" and set(languages_seen) == {"pt-br"}


# Opt-out and unsubscribe -----------------------------------------------------------------------


def test_opt_out_suppresses_program_mail_but_not_transactional_mail(org: Any) -> None:
    advocate = AdvocateFactory(organization=org, marketing_opt_out_at=timezone.now())
    suppressed = send_welcome(advocate)
    assert suppressed.status == OutboundMessage.Status.SUPPRESSED and suppressed.sent_at is None
    assert mail.outbox == []
    transactional = send_message(
        organization=org,
        to_email=advocate.email,
        template="invitation",
        context=invitation_context(),
        purpose=Purpose.PROGRAM_INVITATION,
        advocate=advocate,
    )
    assert transactional.status == OutboundMessage.Status.SENT and len(mail.outbox) == 1
    assert "List-Unsubscribe" not in mail.outbox[0].extra_headers


def test_program_mail_must_name_the_advocate(org: Any) -> None:
    with pytest.raises(ValueError, match="advocate"):
        send_message(
            organization=org,
            to_email="someone@example.test",
            template="welcome_1",
            context={},
            purpose=Purpose.NEWSLETTER,
        )
    assert not OutboundMessage.objects.filter(organization=org).exists()


def test_unsubscribe_link_confirms_then_opts_out(org: Any) -> None:
    advocate = AdvocateFactory(organization=org)
    send_welcome(advocate)
    sent = mail.outbox[0]
    path = unsubscribe_path(sent)
    assert sent.extra_headers["List-Unsubscribe"] == f"<{settings.SITE_URL}{path}>"
    assert sent.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert settings.SITE_URL + path in sent.alternatives[0][0]

    browser = Client(enforce_csrf_checks=True)
    page = browser.get(path)
    assert page.status_code == 200 and "Unsubscribe" in page.content.decode()
    advocate.refresh_from_db()
    assert advocate.marketing_opt_out_at is None  # looking changes nothing

    done = browser.post(path, {"csrfmiddlewaretoken": page.context["csrf_token"]})
    assert done.status_code == 200
    text = done.content.decode()
    assert "You will no longer receive program emails" in text
    assert "Invitations you answer and thank-yous for things you did still reach you" in text
    advocate.refresh_from_db()
    assert advocate.marketing_opt_out_at is not None
    event = AuditEvent.objects.get(organization=org, verb="advocate.opted_out")
    assert event.actor is None and event.data == {"via": "unsubscribe link"}
    assert event.object_id == str(advocate.public_id)

    # Clicking again changes nothing and logs nothing more; the page says where things stand.
    assert browser.post(path).status_code == 200
    assert AuditEvent.objects.filter(organization=org, verb="advocate.opted_out").count() == 1
    assert "no longer receives program emails" in browser.get(path).content.decode()


def test_one_click_unsubscribe_from_a_mail_client_needs_no_csrf_token(org: Any) -> None:
    advocate = AdvocateFactory(organization=org)
    send_welcome(advocate)
    path = unsubscribe_path(mail.outbox[0])
    response = Client(enforce_csrf_checks=True).post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    advocate.refresh_from_db()
    assert advocate.marketing_opt_out_at is not None
    # Program mail stops; the record says why.
    assert send_welcome(advocate, template="welcome_2").status == OutboundMessage.Status.SUPPRESSED
    assert len(mail.outbox) == 1


def test_a_tampered_or_foreign_token_changes_nothing(org: Any, other_org: Any) -> None:
    advocate = AdvocateFactory(organization=org)
    send_welcome(advocate)
    path = unsubscribe_path(mail.outbox[0])
    token = path.split("/")[-2]
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    other_salt = signing.dumps({"o": org.pk, "a": str(advocate.public_id)}, salt="something-else")
    # Correctly signed, but naming the advocate under another organisation: never resolved across.
    wrong_tenant = signing.dumps({"o": other_org.pk, "a": str(advocate.public_id)}, salt=messaging.UNSUBSCRIBE_SALT)
    client = Client(enforce_csrf_checks=True)
    for bad in (tampered, other_salt, wrong_tenant, "not-a-token"):
        for method in (client.get, client.post):
            response = method(f"/m/unsubscribe/{bad}/")
            assert response.status_code == 400, bad
            assert "This unsubscribe link does not work" in response.content.decode()
    advocate.refresh_from_db()
    assert advocate.marketing_opt_out_at is None
    assert not AuditEvent.objects.filter(verb="advocate.opted_out").exists()


def test_opting_back_in(org: Any, members: Any) -> None:
    advocate = AdvocateFactory(organization=org, marketing_opt_out_at=timezone.now())
    advocate = advocate_set_opt_out(advocate=advocate, opted_out=False, actor=members[Role.ADVOCATE])
    assert advocate.marketing_opt_out_at is None
    event = AuditEvent.objects.get(organization=org, verb="advocate.opted_in")
    assert event.actor == members[Role.ADVOCATE] and event.data == {"via": "portal"}
    assert send_welcome(advocate).status == OutboundMessage.Status.SENT


# Idempotence -----------------------------------------------------------------------------------


def test_the_same_dedupe_key_sends_once(org: Any, other_org: Any) -> None:
    advocate = AdvocateFactory(organization=org)
    first = send_welcome(advocate, dedupe_key="welcome:test:1")
    second = send_welcome(advocate, dedupe_key="welcome:test:1")
    assert first.pk == second.pk and len(mail.outbox) == 1
    assert OutboundMessage.objects.filter(organization=org, dedupe_key="welcome:test:1").count() == 1
    # Keys belong to their organisation: the same key elsewhere is another message.
    other = AdvocateFactory(organization=other_org)
    assert send_welcome(other, dedupe_key="welcome:test:1").status == OutboundMessage.Status.SENT
    assert len(mail.outbox) == 2


def test_a_failed_message_is_sent_by_the_next_attempt_with_its_key(org: Any, monkeypatch: Any) -> None:
    advocate = AdvocateFactory(organization=org)
    original = EmailMultiAlternatives.send
    outcomes = iter([smtplib.SMTPServerDisconnected("down"), None])

    def flaky(self: Any, fail_silently: bool = False) -> int:
        error = next(outcomes)
        if error is not None:
            raise error
        return original(self, fail_silently)

    monkeypatch.setattr(EmailMultiAlternatives, "send", flaky)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        send_welcome(advocate, dedupe_key="k")
    message = send_welcome(advocate, dedupe_key="k")
    assert message.status == OutboundMessage.Status.SENT and message.attempts == 2 and message.error == ""
    assert len(mail.outbox) == 1
    assert send_welcome(advocate, dedupe_key="k").attempts == 2 and len(mail.outbox) == 1


# Timeline --------------------------------------------------------------------------------------


def test_messages_for_advocate_newest_first_and_only_theirs(org: Any, other_org: Any) -> None:
    advocate = AdvocateFactory(organization=org)
    neighbour = AdvocateFactory(organization=org)
    foreign = AdvocateFactory(organization=other_org, email=advocate.email)
    with time_machine.travel(T0, tick=False):
        first = send_welcome(advocate)
    with time_machine.travel(T0 + timedelta(days=3), tick=False):
        second = send_welcome(advocate, template="welcome_2")
        send_welcome(neighbour)
        send_welcome(foreign)
    assert messages_for_advocate(advocate=advocate) == [second, first]
    assert messages_for_advocate(advocate=advocate, limit=1) == [second]


# Enrollment: the program invitation ------------------------------------------------------------


def test_platinum_invitation_goes_out_in_the_executives_name(
    org: Any, members: Any, django_capture_on_commit_callbacks: Any
) -> None:
    executive = members[Role.EXECUTIVE]
    executive.full_name = "Erin Exec"
    executive.save(update_fields=["full_name"])
    advocate = AdvocateFactory(organization=org, tier=Tier.PLATINUM, status=Advocate.Status.CANDIDATE)
    with django_capture_on_commit_callbacks(execute=True):
        advocate_invite(
            advocate=advocate,
            actor=members[Role.PROGRAM_MANAGER],
            sender=executive,
            message="Your team's results inspired us.",
        )
    invitation = Invitation.objects.get(organization=org, email=advocate.email)
    assert invitation.role == Role.ADVOCATE and invitation.sent_at is not None
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert "Erin Exec" in sent.subject and "Erin Exec" in sent.from_email and sent.reply_to == [executive.email]
    assert "Your team's results inspired us." in sent.body
    assert "Platinum, Gold, Silver, Community" in sent.body and "invited as Platinum" in sent.body
    assert "at most 6 activities a year" in sent.body and "24 hours" in sent.body
    assert f"/accounts/invitations/{invitation.token}/" in sent.body
    assert "List-Unsubscribe" not in sent.extra_headers
    message = OutboundMessage.objects.get(organization=org, advocate=advocate)
    assert message.purpose == Purpose.PROGRAM_INVITATION and message.template == "program_invitation"
    assert message.sender == executive and message.related_id == str(invitation.public_id)

    # The advocate signs up through the link and lands in the portal with the advocate role.
    response = Client().post(
        f"/accounts/invitations/{invitation.token}/",
        {"full_name": advocate.full_name, "password1": "correct-horse-battery", "password2": "correct-horse-battery"},
    )
    assert response.status_code == 302 and response["Location"] == f"/o/{org.slug}/portal/"


def test_an_advocate_with_portal_access_gets_the_portal_link(
    org: Any, members: Any, django_capture_on_commit_callbacks: Any
) -> None:
    person = members[Role.ADVOCATE]
    advocate = AdvocateFactory(organization=org, email=person.email, status=Advocate.Status.CANDIDATE)
    with django_capture_on_commit_callbacks(execute=True):
        advocate_invite(advocate=advocate, actor=members[Role.PROGRAM_MANAGER], message="Join us?")
    assert not Invitation.objects.filter(organization=org, email=person.email).exists()
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert f"{settings.SITE_URL}/o/{org.slug}/portal/" in sent.body and "Join us?" in sent.body
    assert members[Role.PROGRAM_MANAGER].display_name in sent.from_email
    message = OutboundMessage.objects.get(organization=org, advocate=advocate)
    assert message.purpose == Purpose.PROGRAM_INVITATION and message.recipient_user == person


def test_a_stale_pending_account_invitation_is_renewed_not_ignored(
    org: Any, members: Any, django_capture_on_commit_callbacks: Any
) -> None:
    advocate = AdvocateFactory(organization=org, status=Advocate.Status.CANDIDATE)
    old = Invitation.objects.create(
        organization=org,
        email=advocate.email,
        role=Role.ADVOCATE,
        token=Invitation.new_token(),
        expires_at=timezone.now() - timedelta(days=1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        advocate_invite(advocate=advocate, actor=members[Role.PROGRAM_MANAGER], message="Second try")
    old.refresh_from_db()
    assert old.is_usable and len(mail.outbox) == 1
    assert f"/accounts/invitations/{old.token}/" in mail.outbox[0].body and "Second try" in mail.outbox[0].body


# Enrollment: the welcome sequence --------------------------------------------------------------


def enrolled(org: Any, at: datetime = T0, **kwargs: Any) -> Advocate:
    return AdvocateFactory(organization=org, status=Advocate.Status.INVITED, enrolled_at=at, **kwargs)


def test_accepting_the_invitation_sends_the_first_welcome_at_once(
    org: Any, members: Any, django_capture_on_commit_callbacks: Any
) -> None:
    person = members[Role.ADVOCATE]
    advocate = AdvocateFactory(organization=org, email=person.email, status=Advocate.Status.INVITED)
    with django_capture_on_commit_callbacks(execute=True):
        advocate_respond_to_invitation(advocate=advocate, user=person, accept=True)
    assert len(mail.outbox) == 1 and "what happens next" in mail.outbox[0].subject
    assert "List-Unsubscribe" in mail.outbox[0].extra_headers
    welcome_sequence_sweep_task.delay()  # the sweep finds nothing more to send today
    assert len(mail.outbox) == 1


def test_welcome_sweep_sends_each_step_on_time_and_once(org: Any) -> None:
    advocate = enrolled(org)
    schedule = [
        (timedelta(0), 1),
        (timedelta(days=2, hours=23), 1),
        (timedelta(days=3), 2),
        (timedelta(days=9, hours=23), 2),
        (timedelta(days=10), 3),
        (timedelta(days=25), 3),
    ]
    for offset, expected in schedule:
        with time_machine.travel(T0 + offset, tick=False):
            welcome_sequence_sweep_task.delay()
            welcome_sequence_sweep_task.delay()  # a doubled run sends nothing more
        assert len(welcome_subjects(advocate)) == expected, offset
    keys = set(OutboundMessage.objects.filter(organization=org, advocate=advocate).values_list("dedupe_key", flat=True))
    assert keys == {f"welcome:{advocate.public_id}:{step}" for step in (1, 2, 3)}
    subjects = welcome_subjects(advocate)
    assert "what happens next" in subjects[0] and "preferences and consent" in subjects[1]
    assert "thanks you" in subjects[2]


def test_welcome_sweep_skips_opted_out_and_long_enrolled_advocates(org: Any) -> None:
    enrolled(org, marketing_opt_out_at=T0)
    enrolled(org, at=T0 - timedelta(days=400))  # joined long before the sequence existed
    paused = enrolled(org)
    paused.status = Advocate.Status.PAUSED
    paused.save(update_fields=["status"])
    with time_machine.travel(T0 + timedelta(days=10), tick=False):
        welcome_sequence_sweep_task.delay()
    assert mail.outbox == []
    assert not OutboundMessage.objects.filter(organization=org).exists()


def test_a_sweep_that_was_down_catches_up_in_order(org: Any) -> None:
    advocate = enrolled(org)
    with time_machine.travel(T0 + timedelta(days=11), tick=False):
        welcome_sequence_sweep_task.delay()
        assert len(welcome_subjects(advocate)) == 1
        welcome_sequence_sweep_task.delay()
        welcome_sequence_sweep_task.delay()
        welcome_sequence_sweep_task.delay()
    assert len(welcome_subjects(advocate)) == 3


def test_one_organisations_sweep_never_touches_another(org: Any, other_org: Any) -> None:
    ours = enrolled(org)
    theirs = enrolled(other_org, email=ours.email)
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        assert welcome_sequence_organization_task.delay(org.pk).get() == 1
    assert len(mail.outbox) == 1
    assert OutboundMessage.objects.filter(organization=org, advocate=ours).count() == 1
    assert not OutboundMessage.objects.filter(organization=other_org).exists()
    assert not OutboundMessage.objects.filter(advocate=theirs).exists()
    # The other organisation's own sweep sends theirs, under their own key space.
    with time_machine.travel(T0 + timedelta(minutes=20), tick=False):
        assert welcome_sequence_organization_task.delay(other_org.pk).get() == 1
    assert OutboundMessage.objects.get(organization=other_org).advocate == theirs
    assert OutboundMessage.objects.filter(organization=org).count() == 1


# allauth's emails ------------------------------------------------------------------------------


def test_sign_in_codes_are_recorded_as_transactional_messages(org: Any, members: Any) -> None:
    person = members[Role.ADVOCATE]
    client = Client()
    client.post("/accounts/login/code/", {"email": person.email})
    assert len(mail.outbox) == 1
    message = OutboundMessage.objects.get(organization=org, recipient_user=person)
    assert message.purpose == Purpose.SIGN_IN and message.is_transactional
    assert message.status == OutboundMessage.Status.SENT and message.subject == mail.outbox[0].subject
    assert message.template == "account/email/login_code"
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", mail.outbox[0].body, re.MULTILINE)
    assert code, mail.outbox[0].body
    assert client.post("/accounts/login/code/confirm/", {"code": code.group(1)}).status_code == 302


def test_email_to_someone_without_an_organisation_is_sent_unrecorded(outsider: Any) -> None:
    Client().post("/accounts/login/code/", {"email": outsider.email})
    assert len(mail.outbox) == 1
    assert not OutboundMessage.objects.exists()
