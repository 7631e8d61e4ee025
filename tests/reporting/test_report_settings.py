"""The targets and values form and the report-settings API: bounds, audit trail and access."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from advocacy.models import AuditEvent
from advocacy.roles import Role
from reporting.policy import ReportingPolicy, Targets

pytestmark = pytest.mark.django_db


def edit_url(organization: Any) -> str:
    return f"/o/{organization.slug}/reports/targets/edit/"


def api_url(organization: Any) -> str:
    return f"/api/v1/orgs/{organization.slug}/report-settings/"


def form_data(**changes: str) -> dict[str, str]:
    """The form as the defaults fill it, with ``changes`` on top."""
    data = {f"target_{name}": str(value) for name, value in Targets().__dict__.items()}
    data |= {
        "attribution_percent": "10",
        "survey_interval_days": "182",
        "survey_open_days": "14",
        "executive_summary": "on",
    }
    return data | changes


def test_settings_form_saves_every_setting_with_an_audit_trail(
    org: Any, members: Any, client_for: Any, activity_types: Any
) -> None:
    manager = members[Role.PROGRAM_MANAGER]
    client = client_for(manager)
    page = client.get(edit_url(org))
    assert page.status_code == 200
    body = page.content.decode()
    assert "References provided" in body and "Case study" in body and 'value="4.5"' in body

    response = client.post(
        edit_url(org),
        form_data(
            target_references="60",
            target_review_average="4.2",
            attribution_percent="25",
            value_case_study="2000",
            value_testimonial="150.50",
            survey_interval_days="365",
            survey_open_days="21",
            executive_summary="",
        ),
    )
    assert response.status_code == 302 and response["Location"] == f"/o/{org.slug}/reports/targets/"
    org.refresh_from_db()
    policy = ReportingPolicy.for_organization(org)
    assert policy.targets.references == 60 and policy.targets.review_average == Decimal("4.2")
    assert policy.attribution_percent == 25
    assert policy.activity_values == {"case_study": Decimal("2000.00"), "testimonial": Decimal("150.50")}
    assert (policy.survey_interval_days, policy.survey_open_days, policy.executive_summary) == (365, 21, False)
    event = AuditEvent.objects.get(organization=org, verb="reporting.settings_changed")
    assert event.actor == manager
    assert event.data == {
        "activity_values.case_study": {"from": None, "to": "2000.00"},
        "activity_values.testimonial": {"from": None, "to": "150.50"},
        "attribution_percent": {"from": 10, "to": 25},
        "executive_summary": {"from": True, "to": False},
        "survey_interval_days": {"from": 182, "to": 365},
        "survey_open_days": {"from": 14, "to": 21},
        "targets.references": {"from": 50, "to": 60},
        "targets.review_average": {"from": "4.5", "to": "4.2"},
    }

    # An emptied value removes it; the rest unchanged logs only that.
    client.post(
        edit_url(org),
        form_data(
            target_references="60",
            target_review_average="4.2",
            attribution_percent="25",
            value_case_study="2000",
            value_testimonial="",
            survey_interval_days="365",
            survey_open_days="21",
        ),
    )
    org.refresh_from_db()
    assert ReportingPolicy.for_organization(org).activity_values == {"case_study": Decimal("2000.00")}
    latest = AuditEvent.objects.filter(verb="reporting.settings_changed").latest("id")
    assert latest.data == {
        "activity_values.testimonial": {"from": "150.50", "to": None},
        "executive_summary": {"from": False, "to": True},
    }


def test_inactive_activity_types_are_not_offered_and_keep_their_value(
    org: Any, members: Any, client_for: Any, activity_types: Any
) -> None:
    beta = activity_types["beta"]
    beta.active = False
    beta.save(update_fields=["active"])
    ReportingPolicy(activity_values={"beta": Decimal("75")}).save(org)
    client = client_for(members[Role.ADMIN])
    assert "value_beta" not in client.get(edit_url(org)).content.decode()
    assert client.post(edit_url(org), form_data(value_case_study="10")).status_code == 302
    org.refresh_from_db()
    assert ReportingPolicy.for_organization(org).activity_values == {
        "beta": Decimal("75"),
        "case_study": Decimal("10.00"),
    }


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("target_references", "100001", "less than or equal to 100000"),
        ("target_case_studies", "-1", "greater than or equal to 0"),
        ("target_retention", "101", "less than or equal to 100"),
        ("target_win_rate_lift", "100.5", "Enter a whole number"),
        ("target_review_average", "5.1", "less than or equal to 5.0"),
        ("target_review_average", "0.9", "greater than or equal to 1.0"),
        ("target_review_average", "4.25", "1 decimal place"),
        ("attribution_percent", "101", "less than or equal to 100"),
        ("value_case_study", "-1", "greater than or equal to 0"),
        ("value_case_study", "1.999", "2 decimal places"),
        ("survey_interval_days", "29", "greater than or equal to 30"),
        ("survey_interval_days", "731", "less than or equal to 730"),
        ("survey_open_days", "0", "greater than or equal to 1"),
        ("survey_open_days", "61", "less than or equal to 60"),
        ("target_references", "", "This field is required"),
    ],
)
def test_settings_form_bounds_keep_the_input(
    org: Any, members: Any, client_for: Any, activity_types: Any, field: str, value: str, message: str
) -> None:
    response = client_for(members[Role.ADMIN]).post(edit_url(org), form_data(**{field: value}))
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    if value:
        assert f'value="{value}"' in body
    org.refresh_from_db()
    assert "reporting" not in (org.settings or {})
    assert not AuditEvent.objects.filter(verb="reporting.settings_changed").exists()


def test_a_survey_round_must_close_before_the_next_opens(org: Any, members: Any, client_for: Any) -> None:
    response = client_for(members[Role.ADMIN]).post(
        edit_url(org), form_data(survey_interval_days="30", survey_open_days="45")
    )
    assert response.status_code == 400
    assert "must close before the next one opens" in response.content.decode()


def test_settings_form_access(org: Any, members: Any, other_manager: Any, outsider: Any, client_for: Any) -> None:
    for role in (Role.EXECUTIVE, Role.SALES, Role.CSM):
        client = client_for(members[role])
        assert client.get(edit_url(org)).status_code == 403
        assert client.post(edit_url(org), form_data(target_references="1")).status_code == 403
    assert client_for(other_manager).get(edit_url(org)).status_code == 404
    assert client_for(outsider).post(edit_url(org), form_data()).status_code == 404
    org.refresh_from_db()
    assert "reporting" not in (org.settings or {})


# The API -------------------------------------------------------------------------------------------------


def api_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_reads_and_patches_settings(org: Any, members: Any, activity_types: Any) -> None:
    ReportingPolicy(activity_values={"testimonial": Decimal("100")}).save(org)
    executive = api_for(members[Role.EXECUTIVE])
    read = executive.get(api_url(org))
    assert read.status_code == 200
    assert read.json() == {
        "targets": {
            "references": 50,
            "case_studies": 12,
            "testimonials": 50,
            "review_average": "4.5",
            "reference_close_rate": 90,
            "opportunities_supported": 80,
            "referral_pipeline_share": 20,
            "win_rate_lift": 15,
            "cycle_reduction": 20,
            "retention": 95,
        },
        "attribution_percent": 10,
        "activity_values": {"testimonial": "100.00"},
        "survey_interval_days": 182,
        "survey_open_days": 14,
        "executive_summary": True,
    }

    manager = api_for(members[Role.PROGRAM_MANAGER])
    changed = manager.patch(
        api_url(org),
        {"targets": {"case_studies": 20}, "activity_values": {"case_study": "2500", "testimonial": None}},
        format="json",
    )
    assert changed.status_code == 200
    assert changed.json()["targets"]["case_studies"] == 20 and changed.json()["targets"]["references"] == 50
    assert changed.json()["activity_values"] == {"case_study": "2500.00"}
    event = AuditEvent.objects.get(verb="reporting.settings_changed")
    assert event.data == {
        "activity_values.case_study": {"from": None, "to": "2500.00"},
        "activity_values.testimonial": {"from": "100", "to": None},
        "targets.case_studies": {"from": 12, "to": 20},
    }


def test_api_put_sets_every_setting(org: Any, members: Any, activity_types: Any) -> None:
    ReportingPolicy(activity_values={"testimonial": Decimal("100")}).save(org)
    api = api_for(members[Role.ADMIN])
    body = api.get(api_url(org)).json()
    body["activity_values"] = {"review": "40"}
    body["attribution_percent"] = 30
    response = api.put(api_url(org), body, format="json")
    assert response.status_code == 200
    assert response.json()["activity_values"] == {"review": "40.00"}
    assert response.json()["attribution_percent"] == 30
    incomplete = api.put(api_url(org), {"attribution_percent": 30}, format="json")
    assert incomplete.status_code == 400 and "targets" in incomplete.json()["error"]["fields"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"targets": {"references": 100_001}}, "targets"),
        ({"targets": {"review_average": "5.5"}}, "targets"),
        ({"attribution_percent": -1}, "attribution_percent"),
        ({"activity_values": {"case_study": "-3"}}, "activity_values"),
        ({"activity_values": {"not_a_type": "10"}}, "activity_values"),
        ({"survey_interval_days": 10}, "survey_interval_days"),
        ({"survey_open_days": 90}, "survey_open_days"),
        ({"survey_interval_days": 30, "survey_open_days": 30}, "survey_open_days"),
    ],
)
def test_api_refuses_bad_settings_with_field_messages(
    org: Any, other_org: Any, members: Any, activity_types: Any, payload: dict, field: str
) -> None:
    response = api_for(members[Role.ADMIN]).patch(api_url(org), payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    org.refresh_from_db()
    assert "reporting" not in (org.settings or {})


def test_api_activity_value_for_another_organisations_type_is_refused(org: Any, other_org: Any, members: Any) -> None:
    from tests.factories import ActivityTypeFactory

    theirs = ActivityTypeFactory(organization=other_org, key="their_own_type")
    response = api_for(members[Role.ADMIN]).patch(api_url(org), {"activity_values": {theirs.key: "10"}}, format="json")
    assert response.status_code == 400
    assert "their_own_type" in str(response.json()["error"]["fields"]["activity_values"])


def test_api_access_to_settings(org: Any, other_org: Any, members: Any, other_manager: Any, outsider: Any) -> None:
    assert (
        api_for(members[Role.EXECUTIVE]).patch(api_url(org), {"attribution_percent": 50}, format="json").status_code
        == 403
    )
    assert api_for(members[Role.SALES]).get(api_url(org)).status_code == 403
    assert api_for(other_manager).get(api_url(org)).status_code == 404
    assert api_for(other_manager).patch(api_url(org), {"attribution_percent": 50}, format="json").status_code == 404
    assert api_for(outsider).get(api_url(org)).status_code == 404
    # Each organisation changes its own settings only.
    assert (
        api_for(other_manager).patch(api_url(other_org), {"attribution_percent": 50}, format="json").status_code == 200
    )
    org.refresh_from_db()
    other_org.refresh_from_db()
    assert ReportingPolicy.for_organization(org).attribution_percent == 10
    assert ReportingPolicy.for_organization(other_org).attribution_percent == 50
