"""The appreciation rules page: the program team tunes the thresholds, each change is logged, and the
suggestions and note assignment read them."""

from __future__ import annotations

from typing import Any

import pytest

from advocacy.models import AuditEvent
from advocacy.roles import Role
from benefits.services.rewards import appreciation_settings
from benefits.services.thank_yous import executive_note_threshold

pytestmark = pytest.mark.django_db


def test_program_manager_tunes_the_rules(org: Any, members: Any, client_for: Any) -> None:
    client = client_for(members[Role.PROGRAM_MANAGER])
    url = f"/o/{org.slug}/appreciation/rules/"
    page = client.get(url).content.decode()
    assert 'value="25"' in page and 'value="100000' in page
    bad = client.post(
        url,
        {
            "value_per_hour_min": 80,
            "value_per_hour_max": 40,
            "experience_after_activities": 4,
            "executive_note_threshold": "50000",
        },
    )
    assert bad.status_code == 400 and "cannot be below" in bad.content.decode() and 'value="80"' in bad.content.decode()
    good = client.post(
        url,
        {
            "value_per_hour_min": 30,
            "value_per_hour_max": 300,
            "experience_after_activities": 4,
            "executive_note_threshold": "50000",
        },
    )
    assert good.status_code == 302
    org.refresh_from_db()
    assert appreciation_settings(org)["value_per_hour_max"] == 300
    assert appreciation_settings(org)["experience_after_activities"] == 4
    assert executive_note_threshold(org) == 50000
    event = AuditEvent.objects.get(organization=org, verb="appreciation.rules_changed")
    assert event.data["value_per_hour_min"] == {"from": "25", "to": "30"}


def test_rules_are_for_the_program_team_of_the_organisation(
    org: Any, members: Any, other_manager: Any, outsider: Any, client_for: Any
) -> None:
    url = f"/o/{org.slug}/appreciation/rules/"
    for role in (Role.CSM, Role.EXECUTIVE, Role.SALES, Role.MARKETING, Role.ADVOCATE):
        assert client_for(members[role]).get(url).status_code == 403, role
    assert client_for(members[Role.ADMIN]).get(url).status_code == 200
    for stranger in (other_manager, outsider):
        assert client_for(stranger).get(url).status_code == 404
