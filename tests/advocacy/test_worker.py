"""A real Celery worker process, over Redis, against the test database."""

from __future__ import annotations

import email
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django_scopes import scope

from advocacy.celery import app as celery_app
from advocacy.models import Invitation
from advocacy.roles import Role
from advocacy.services.invitations import invitation_create
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    db = connection.settings_dict
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """Starts `celery worker` on a queue of its own and points this process's producer at it."""
    queue = f"advocacy-test-{uuid.uuid4().hex[:8]}"
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "advocacy.settings.test",
        "DATABASE_URL": _database_url(),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_TASK_DEFAULT_QUEUE": queue,  # what the worker itself enqueues (sweeps fanning out) stays here
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(outbox),
    }
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(  # noqa: S603 - our own worker, fixed arguments
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "advocacy",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "-l",
            "info",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    previous = (celery_app.conf.task_always_eager, celery_app.conf.task_default_queue)
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    try:
        yield {"outbox": outbox, "log": tmp_path / "worker.log", "process": process}
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = previous
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def wait_for(condition: Any, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return False


def test_invitation_email_is_sent_by_the_worker_after_commit(worker: dict[str, Any]) -> None:
    organization = OrganizationFactory(slug="worker-org", name="Worker Org")
    admin = MembershipFactory(organization=organization, role=Role.ADMIN).user
    with scope(organization=organization):
        invitation = invitation_create(
            organization=organization, invited_by=admin, email="queued@example.test", role=Role.SALES
        )

    def sent() -> bool:
        return Invitation.objects.filter(pk=invitation.pk, sent_at__isnull=False).exists()

    assert wait_for(sent), worker["log"].read_text()[-3000:]
    assert wait_for(lambda: any(worker["outbox"].iterdir()), timeout=10)
    files = list(worker["outbox"].iterdir())
    assert len(files) == 1
    message = email.message_from_string(files[0].read_text().split("\n" + "-" * 79)[0])
    assert message["To"] == "queued@example.test"
    text = next(part for part in message.walk() if part.get_content_type() == "text/plain")
    assert invitation.token in text.get_payload(decode=True).decode()
    assert "succeeded" in worker["log"].read_text()
