"""Platform guarantees: fail-closed tenancy, CSP, configuration errors, production checks, demo seed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django_scopes import ScopeError, scope

from advocacy.models import Membership, Organization
from advocates.models import Advocate
from tests.factories import AdvocateFactory

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_tenant_queries_fail_closed_outside_a_scope(org: Any) -> None:
    AdvocateFactory(organization=org)
    with scope(organization=org):
        assert Advocate.objects.count() == 1
    # A fresh context with no scope (what a view outside /o/<org>/ or a task outside its base sees).
    import contextvars

    def unscoped_count() -> int:
        from django_scopes.state import state

        state.set(None)
        return Advocate.objects.count()

    with pytest.raises(ScopeError):
        contextvars.Context().run(unscoped_count)


@pytest.mark.django_db
def test_scope_follows_the_organisation_in_the_url(org: Any, other_org: Any, other_manager: Any) -> None:
    AdvocateFactory(organization=org, full_name="Alpha Person")
    AdvocateFactory(organization=other_org, full_name="Beta Person")
    with scope(organization=other_org):
        assert list(Advocate.objects.values_list("full_name", flat=True)) == ["Beta Person"]


@pytest.mark.django_db
def test_pages_send_a_nonce_based_csp(client: Any) -> None:
    response = client.get("/accounts/login/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy and "unsafe-inline" not in policy
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.content.decode()
    assert "cdn" not in response.content.decode().lower()


def _run_django(env_overrides: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    dropped = ("DATABASE_URL", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    env.update(env_overrides)
    return subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "mysql://nope"),
        ("DEBUG", "maybe"),
        ("EMAIL_PORT", "twenty-five"),
        ("REDIS_URL", "localhost:6379"),
        ("DATABASE_CONN_MAX_AGE", "forever"),
    ],
)
def test_invalid_configuration_stops_start_up_naming_the_variable(variable: str, value: str) -> None:
    result = _run_django(
        {
            "DJANGO_SETTINGS_MODULE": "advocacy.settings.production",
            "SECRET_KEY": "x" * 60,
            "DATABASE_URL": "postgres://u:p@127.0.0.1:5432/db",
            variable: value,
        },
        "check",
    )
    assert result.returncode != 0
    assert variable in result.stderr


@pytest.mark.parametrize("variable", ["SECRET_KEY", "DATABASE_URL"])
def test_production_requires_a_secret_key_and_a_database(variable: str) -> None:
    required = {"SECRET_KEY": "x" * 60, "DATABASE_URL": "postgres://u:p@127.0.0.1:5432/db"}
    required.pop(variable)
    result = _run_django({"DJANGO_SETTINGS_MODULE": "advocacy.settings.production", **required}, "check")
    assert result.returncode != 0 and variable in result.stderr


def test_production_settings_pass_the_deployment_checklist() -> None:
    result = _run_django(
        {
            "DJANGO_SETTINGS_MODULE": "advocacy.settings.production",
            "SECRET_KEY": "k3y-" + "9f" * 30,
            "ALLOWED_HOSTS": "advocacy.example.com",
            "DATABASE_URL": "postgres://postgres:postgres@127.0.0.1:5432/postgres",
        },
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_demo_seed_is_complete_and_safe_to_run_twice(capsys: Any) -> None:
    call_command("seed_demo")
    call_command("seed_demo")
    output = capsys.readouterr().out
    assert "manager@acme.test" in output and "advocacy-demo" in output
    acme = Organization.objects.get(slug="acme")
    globex = Organization.objects.get(slug="globex")
    assert Membership.objects.filter(organization=acme).count() == 7
    assert Membership.objects.filter(organization=globex).count() == 1
    active = Advocate.objects.filter(organization=acme, status=Advocate.Status.ACTIVE)
    assert active.count() == 1500
    assert Advocate.objects.filter(organization=acme, user__email="advocate@acme.test").exists()


@pytest.mark.django_db
def test_create_organization_command_invites_the_first_admin(
    capsys: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.core import mail

    from advocacy.models import Invitation

    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "create_organization", "--slug", "initech", "--name", "Initech", "--admin-email", "boss@initech.test"
        )
    output = capsys.readouterr().out
    organization = Organization.objects.get(slug="initech")
    invitation = Invitation.objects.get(organization=organization)
    assert invitation.role == "admin" and invitation.token in output
    assert len(mail.outbox) == 1
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="already exists"):
        call_command("create_organization", "--slug", "initech", "--name", "X", "--admin-email", "x@initech.test")
