"""Signing in: email and password, one-time codes, no open sign-up, audit of sign-ins and MFA."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from advocacy.models import AuditEvent
from advocacy.roles import Role
from tests.factories import PASSWORD, MembershipFactory

pytestmark = pytest.mark.django_db


def sign_in(client: Client, email: str, password: str) -> Any:
    return client.post("/accounts/login/", {"login": email, "password": password})


def test_sign_in_lands_on_the_face_and_is_audited_in_each_organisation(org: Any, other_org: Any, members: Any) -> None:
    person = members[Role.SALES]
    MembershipFactory(organization=other_org, user=person, role=Role.SALES)
    client = Client()
    response = sign_in(client, person.email, PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    for organization in (org, other_org):
        assert AuditEvent.objects.filter(organization=organization, verb="auth.login", actor=person).count() == 1


def test_failed_sign_in_is_audited_without_the_password(org: Any, members: Any) -> None:
    client = Client()
    response = sign_in(client, members[Role.SALES].email, "wrong-password")
    assert response.status_code == 200
    event = AuditEvent.objects.get(organization=org, verb="auth.login_failed")
    assert event.data == {"email": members[Role.SALES].email}
    assert "wrong-password" not in str(event.data)


def test_no_open_sign_up(db: Any) -> None:
    response = Client().get("/accounts/signup/")
    assert response.status_code == 200
    assert "closed" in response.content.decode().lower()


def test_advocates_can_sign_in_with_a_one_time_code(org: Any, members: Any) -> None:
    client = Client()
    client.post("/accounts/login/code/", {"email": members[Role.ADVOCATE].email})
    assert len(mail.outbox) == 1
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", mail.outbox[0].body, re.MULTILINE)
    assert code, mail.outbox[0].body
    response = client.post("/accounts/login/code/confirm/", {"code": code.group(1)})
    assert response.status_code == 302
    assert client.get("/").headers["Location"] == f"/o/{org.slug}/portal/"


def test_django_admin_sign_in_goes_through_the_rate_limited_login(db: Any) -> None:
    response = Client().get("/admin/login/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_mfa_changes_are_audited(org: Any, members: Any) -> None:
    from allauth.mfa import signals
    from allauth.mfa.models import Authenticator

    user = members[Role.PROGRAM_MANAGER]
    authenticator = Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={})
    signals.authenticator_added.send(sender=Authenticator, request=None, user=user, authenticator=authenticator)
    signals.authenticator_removed.send(sender=Authenticator, request=None, user=user, authenticator=authenticator)
    verbs = set(AuditEvent.objects.filter(organization=org, actor=user).values_list("verb", flat=True))
    assert {"mfa.added", "mfa.removed"} <= verbs


def test_preferences_change_language_and_time_zone(org: Any, members: Any) -> None:
    client = Client()
    client.force_login(members[Role.SALES], backend="django.contrib.auth.backends.ModelBackend")
    response = client.post("/accounts/preferences/", {"full_name": "Sam", "language": "ja", "time_zone": "Asia/Tokyo"})
    assert response.status_code == 302
    page = client.get(f"/o/{org.slug}/requests/")
    assert page.headers["Content-Language"] == "ja"
    assert '<html lang="ja">' in page.content.decode()
    assert "Asia/Tokyo" in page.content.decode()
    bad = client.post("/accounts/preferences/", {"full_name": "Sam", "language": "xx", "time_zone": "Nowhere"})
    assert bad.status_code == 400 and bad.content.decode().count('aria-invalid="true"') == 2


def test_organisation_default_language_applies(org: Any, members: Any) -> None:
    org.default_language = "pt-br"
    org.save()
    client = Client()
    client.force_login(members[Role.SALES], backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(f"/o/{org.slug}/requests/").headers["Content-Language"] == "pt-br"


def test_the_signed_in_message_speaks_the_persons_language(org: Any, members: Any) -> None:
    person = members[Role.SALES]
    person.language = "pt-br"
    person.save()
    client = Client()
    response = sign_in(client, person.email, PASSWORD)
    page = client.get(response["Location"], follow=True).content.decode()
    from django.utils import translation

    with translation.override("pt-br"):
        expected = translation.gettext("Successfully signed in as %(name)s.") % {"name": person.full_name}
    assert expected != f"Successfully signed in as {person.full_name}."
    assert expected in page
