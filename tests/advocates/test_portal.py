"""The advocate portal: the invitation and onboarding, the home page, preferences and blackout periods,
consent, and who may see what."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from advocacy.models import AuditEvent
from advocacy.roles import Role
from advocates import services
from advocates.models import (
    Activity,
    ActivityPreference,
    Advocate,
    AdvocateStatusChange,
    BlackoutPeriod,
    ConsentChange,
    ConsentSource,
    Tier,
)
from tests.factories import ActivityFactory, AdvocateFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def portal(org: Any, rest: str = "") -> str:
    return f"/o/{org.slug}/portal/{rest}"


@pytest.fixture
def advocate_user(members: Any) -> Any:
    return members[Role.ADVOCATE]


@pytest.fixture
def invited(org: Any, members: Any, advocate_user: Any) -> Advocate:
    """Invited by the program manager; the portal account is not linked yet (the invitation went to
    the person's address)."""
    return AdvocateFactory(
        organization=org,
        email=advocate_user.email,
        full_name="Inês Duarte",
        status=Advocate.Status.INVITED,
        tier=Tier.GOLD,
        invited_by=members[Role.PROGRAM_MANAGER],
        invited_at=timezone.now(),
        invitation_message="Your story about cutting reporting time in half would help many peers.",
    )


@pytest.fixture
def onboarded(org: Any, advocate_user: Any) -> Advocate:
    now = timezone.now()
    return AdvocateFactory(
        organization=org,
        user=advocate_user,
        full_name="Aiko Sato",
        tier=Tier.GOLD,
        enrolled_at=now,
        onboarded_at=now,
    )


# The invitation and onboarding ---------------------------------------------------------------------


def test_invitation_shows_the_personal_message_and_who_sent_it(
    org: Any, members: Any, invited: Advocate, client_for: Any
) -> None:
    members[Role.PROGRAM_MANAGER].full_name = "Paula Manager"
    members[Role.PROGRAM_MANAGER].save()
    page = client_for(members[Role.ADVOCATE]).get(portal(org)).content.decode()
    assert "cutting reporting time in half" in page
    assert "A message from Paula Manager" in page
    assert "Accept the invitation" in page and "Decline the invitation" in page


def test_accepting_links_the_account_and_onboarding_ends_with_onboarded_at(
    org: Any, advocate_user: Any, invited: Advocate, activity_types: Any, client_for: Any
) -> None:
    client = client_for(advocate_user)
    response = client.post(portal(org, "invitation/"), {"answer": "accept"})
    assert response.status_code == 302 and response["Location"] == portal(org, "welcome/")
    invited.refresh_from_db()
    assert invited.user == advocate_user and invited.enrolled_at is not None and invited.onboarded_at is None
    assert invited.status == Advocate.Status.INVITED  # active only with the first activity

    # Until onboarding is finished, the portal leads through it.
    assert client.get(portal(org))["Location"] == portal(org, "welcome/")
    overview = client.get(portal(org, "welcome/")).content.decode()
    assert "at most 6 times a year" in overview and "24 hours" in overview
    recognition = client.get(portal(org, "welcome/recognition/")).content.decode()
    assert "Gold" in recognition and "testimonials and the occasional stage" in recognition
    assert "Early access, speaking opportunities" in recognition

    preferences = client.get(portal(org, "welcome/preferences/"))
    assert preferences.status_code == 200 and "Reference call" in preferences.content.decode()
    response = client.post(
        portal(org, "welcome/preferences/"),
        {"reference_call-willing": "on", "reference_call-frequency": "quarterly", "preferred_channel": "video"},
    )
    assert response.status_code == 302 and response["Location"] == portal(org, "welcome/consent/")

    response = client.post(portal(org, "welcome/consent/"), {"named": "on", "recorded": "on"})
    assert response.status_code == 302 and response["Location"] == portal(org)
    invited.refresh_from_db()
    assert invited.onboarded_at is not None
    assert invited.consent_named and invited.consent_recorded and not invited.consent_logo
    assert invited.preferred_channel == "video"
    preference = ActivityPreference.objects.get(advocate=invited)
    assert (preference.activity_type, preference.max_per_year, preference.min_interval_days) == (
        activity_types["reference_call"],
        4,
        90,
    )
    assert AuditEvent.objects.filter(organization=org, verb="advocate.onboarded").count() == 1
    # Onboarding done: its pages lead home.
    assert client.get(portal(org, "welcome/consent/"))["Location"] == portal(org)


def test_the_first_completed_activity_activates_an_enrolled_advocate(
    org: Any, members: Any, advocate_user: Any, invited: Advocate, activity_types: Any, client_for: Any
) -> None:
    client_for(advocate_user).post(portal(org, "invitation/"), {"answer": "accept"})
    invited.refresh_from_db()
    services.activity_record(
        organization=org,
        actor=members[Role.PROGRAM_MANAGER],
        data={
            "advocate": invited,
            "activity_type": activity_types["testimonial"],
            "occurred_on": timezone.localdate(),
            "status": Activity.Status.COMPLETED,
        },
    )
    invited.refresh_from_db()
    assert invited.status == Advocate.Status.ACTIVE and invited.joined_at == timezone.localdate()


def test_declining_records_the_reason_and_thanks_the_person(
    org: Any, advocate_user: Any, invited: Advocate, client_for: Any
) -> None:
    client = client_for(advocate_user)
    response = client.post(
        portal(org, "invitation/"), {"answer": "decline", "reason": "Too busy with a migration this year."}
    )
    assert response.status_code == 302
    invited.refresh_from_db()
    assert invited.status == Advocate.Status.DECLINED and invited.enrolled_at is None
    change = AdvocateStatusChange.objects.filter(advocate=invited).first()
    assert change is not None and change.to_status == Advocate.Status.DECLINED
    assert change.reason == "Too busy with a migration this year."
    page = client.get(portal(org)).content.decode()
    assert "Thank you for letting us know" in page and "Accept the invitation" not in page
    # Answering again is refused.
    assert client.post(portal(org, "invitation/"), {"answer": "accept"}).status_code == 409


def test_without_an_invitation_or_profile_the_pages_say_what_to_do(
    org: Any, advocate_user: Any, client_for: Any
) -> None:
    client = client_for(advocate_user)
    for path in ("", "preferences/", "consent/", "data/", "welcome/"):
        response = client.get(portal(org, path))
        assert response.status_code == 200, path
        assert "not linked to an advocate profile" in response.content.decode(), path
    response = client.post(portal(org, "invitation/"), {"answer": "accept"})
    assert "not linked to an advocate profile" in response.content.decode()


def test_an_invitee_is_sent_to_the_invitation_before_anything_else(
    org: Any, advocate_user: Any, invited: Advocate, client_for: Any
) -> None:
    response = client_for(advocate_user).get(portal(org, "preferences/"))
    assert response.status_code == 302 and response["Location"] == portal(org)


# Home -------------------------------------------------------------------------------------------


def test_home_shows_recognition_capacity_history_and_blackouts(
    org: Any, advocate_user: Any, onboarded: Advocate, activity_types: Any, client_for: Any
) -> None:
    today = timezone.localdate()
    ActivityFactory(
        organization=org,
        advocate=onboarded,
        activity_type=activity_types["reference_call"],
        occurred_on=today - timedelta(days=40),
        outcome="Prospect signed a three-year deal.",
    )
    ActivityFactory(
        organization=org, advocate=onboarded, activity_type=activity_types["testimonial"], occurred_on=today
    )
    ActivityFactory(
        organization=org,
        advocate=onboarded,
        activity_type=activity_types["review"],
        occurred_on=today - timedelta(days=500),
    )
    BlackoutPeriod.objects.create(
        organization=org,
        advocate=onboarded,
        starts_on=today + timedelta(days=10),
        ends_on=today + timedelta(days=20),
        note="Family holiday",
    )
    BlackoutPeriod.objects.create(
        organization=org,
        advocate=onboarded,
        starts_on=today - timedelta(days=30),
        ends_on=today - timedelta(days=20),
        note="Past trip",
    )
    page = client_for(advocate_user).get(portal(org)).content.decode()
    assert "testimonials and the occasional stage" in page  # the gold tier's own wording
    assert "You have helped 2 times in the last 12 months." in page
    assert "We will not ask you more than 6 times a year." in page
    assert "Prospect signed a three-year deal." in page and "Review-site review" in page
    assert "Family holiday" in page and "Past trip" not in page


def test_home_says_when_the_yearly_limit_is_reached(
    org: Any, advocate_user: Any, onboarded: Advocate, activity_types: Any, client_for: Any
) -> None:
    org.settings = {"program": {"yearly_cap": 1}}
    org.save()
    ActivityFactory(organization=org, advocate=onboarded, activity_type=activity_types["testimonial"])
    page = client_for(advocate_user).get(portal(org)).content.decode()
    assert "We will not ask you more than once a year." in page
    assert "We will not ask again before" in page


# Preferences and blackout periods -----------------------------------------------------------------


def test_preferences_are_saved_and_shown(
    org: Any, advocate_user: Any, onboarded: Advocate, activity_types: Any, client_for: Any
) -> None:
    client = client_for(advocate_user)
    response = client.post(
        portal(org, "preferences/"),
        {
            "reference_call-willing": "on",
            "reference_call-frequency": "monthly",
            "testimonial-willing": "on",
            "testimonial-frequency": "custom",
            "testimonial-max": "2",
            "testimonial-interval": "120",
            "case_study-frequency": "yearly",  # not ticked: ignored
            "preferred_channel": "phone",
            "time_zone": "Europe/Lisbon",
            "languages": ["en", "pt"],
        },
    )
    assert response.status_code == 302
    onboarded.refresh_from_db()
    assert (onboarded.preferred_channel, onboarded.time_zone, onboarded.languages) == (
        "phone",
        "Europe/Lisbon",
        "en pt",
    )
    limits = {
        preference.activity_type.key: (preference.max_per_year, preference.min_interval_days)
        for preference in ActivityPreference.objects.filter(advocate=onboarded).select_related("activity_type")
    }
    assert limits == {"reference_call": (12, 30), "testimonial": (2, 120)}

    page = client.get(portal(org, "preferences/")).content.decode()
    assert 'name="reference_call-willing" id="id_reference_call-willing" checked' in page
    assert 'name="case_study-willing" id="id_case_study-willing" checked' not in page
    assert '<option value="monthly" selected>' in page
    assert 'name="testimonial-max" value="2"' in page and 'name="testimonial-interval" value="120"' in page
    assert '<option value="Europe/Lisbon" selected>' in page


def test_numbers_typed_without_choosing_a_frequency_are_kept(
    org: Any, advocate_user: Any, onboarded: Advocate, client_for: Any
) -> None:
    client_for(advocate_user).post(
        portal(org, "preferences/"),
        {"speaking-willing": "on", "speaking-max": "1", "preferred_channel": "email"},
    )
    preference = ActivityPreference.objects.get(advocate=onboarded)
    assert (preference.max_per_year, preference.min_interval_days) == (1, None)


def test_choosing_nothing_is_refused_because_it_would_mean_anything(
    org: Any, advocate_user: Any, onboarded: Advocate, activity_types: Any, client_for: Any
) -> None:
    ActivityPreference.objects.create(
        organization=org, advocate=onboarded, activity_type=activity_types["referral"], max_per_year=3
    )
    response = client_for(advocate_user).post(portal(org, "preferences/"), {"preferred_channel": "email"})
    assert response.status_code == 400
    assert "Choose at least one kind of activity" in response.content.decode()
    assert ActivityPreference.objects.filter(advocate=onboarded).count() == 1


def test_blackout_ending_before_it_starts_is_a_field_error_and_nothing_is_saved(
    org: Any, advocate_user: Any, onboarded: Advocate, client_for: Any
) -> None:
    today = timezone.localdate()
    data = {"starts_on": (today + timedelta(days=10)).isoformat(), "ends_on": (today + timedelta(days=5)).isoformat()}
    client = client_for(advocate_user)
    response = client.post(portal(org, "preferences/blackouts/"), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "The end date is before the start date." in body and 'id="id_ends_on_error"' in body
    assert "<html" in body  # without JavaScript: the whole page, with the error
    assert "This field is required" not in body and "Choose at least one kind" not in body
    partial = client.post(portal(org, "preferences/blackouts/"), data, HTTP_HX_REQUEST="true").content.decode()
    assert "The end date is before the start date." in partial and "<html" not in partial
    assert not BlackoutPeriod.objects.filter(advocate=onboarded).exists()


def test_blackouts_are_added_and_removed_with_and_without_htmx(
    org: Any, advocate_user: Any, onboarded: Advocate, client_for: Any
) -> None:
    today = timezone.localdate()
    client = client_for(advocate_user)
    response = client.post(
        portal(org, "preferences/blackouts/"),
        {"starts_on": today.isoformat(), "ends_on": (today + timedelta(days=7)).isoformat(), "note": "Conference"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200 and 'id="blackouts"' in body and "Conference" in body and "<html" not in body
    blackout = BlackoutPeriod.objects.get(advocate=onboarded)

    response = client.post(portal(org, "preferences/blackouts/remove/"), {"blackout": blackout.pk})
    assert response.status_code == 302 and response["Location"] == portal(org, "preferences/")
    assert not BlackoutPeriod.objects.filter(advocate=onboarded).exists()
    assert AuditEvent.objects.filter(organization=org, verb="advocate.blackout_removed").count() == 1


def test_another_advocates_blackout_cannot_be_removed(
    org: Any, other_org: Any, advocate_user: Any, onboarded: Advocate, client_for: Any
) -> None:
    today = timezone.localdate()
    neighbour = AdvocateFactory(organization=org)
    foreign = AdvocateFactory(organization=other_org)
    theirs = [
        BlackoutPeriod.objects.create(
            organization=advocate.organization, advocate=advocate, starts_on=today, ends_on=today
        )
        for advocate in (neighbour, foreign)
    ]
    client = client_for(advocate_user)
    for blackout in theirs:
        assert client.post(portal(org, "preferences/blackouts/remove/"), {"blackout": blackout.pk}).status_code == 404
    assert BlackoutPeriod.objects.filter(pk__in=[b.pk for b in theirs]).count() == 2


# Consent ----------------------------------------------------------------------------------------


def test_consent_changes_are_recorded_with_source_and_time_and_shown(
    org: Any, advocate_user: Any, onboarded: Advocate, client_for: Any
) -> None:
    client = client_for(advocate_user)
    before = timezone.now()
    response = client.post(portal(org, "consent/"), {"named": "on", "quoted": "on"})
    assert response.status_code == 302
    changes = list(ConsentChange.objects.filter(advocate=onboarded).order_by("consent"))
    assert [(change.consent, change.granted) for change in changes] == [("named", True), ("quoted", True)]
    assert all(change.source == ConsentSource.PORTAL and change.created_at >= before for change in changes)
    assert all(change.actor == advocate_user for change in changes)

    client.post(portal(org, "consent/"), {"named": "on"})  # withdraws quoted
    onboarded.refresh_from_db()
    assert onboarded.consent_named and not onboarded.consent_quoted
    page = client.get(portal(org, "consent/")).content.decode()
    assert "The advocate, in the portal" in page and "Withdrawn" in page and "Last changed" in page
    assert "as a written quote" in page  # what each consent allows, in plain words
    assert ConsentChange.objects.filter(advocate=onboarded).count() == 3

    # Nothing ticked withdraws everything.
    assert client.post(portal(org, "consent/"), {}).status_code == 302
    onboarded.refresh_from_db()
    assert not any(onboarded.consents().values())


# Who may see what -----------------------------------------------------------------------------------


def test_each_advocate_sees_only_their_own_space(org: Any, onboarded: Advocate, client_for: Any) -> None:
    other_user = MembershipFactory(organization=org, role=Role.ADVOCATE, user=UserFactory()).user
    AdvocateFactory(
        organization=org,
        user=other_user,
        full_name="Bruno Other",
        enrolled_at=timezone.now(),
        onboarded_at=timezone.now(),
    )
    BlackoutPeriod.objects.create(
        organization=org, advocate=onboarded, starts_on=timezone.localdate(), ends_on=timezone.localdate(), note="Mine"
    )
    client = client_for(other_user)
    for path in ("", "preferences/", "consent/", "data/"):
        body = client.get(portal(org, path)).content.decode()
        assert "Aiko Sato" not in body and "Mine" not in body, path
    assert "Bruno Other" in client.get(portal(org)).content.decode()


def test_portal_access_by_organisation_and_role(
    org: Any, other_org: Any, members: Any, outsider: Any, onboarded: Advocate, client_for: Any
) -> None:
    paths = ["", "preferences/", "consent/", "data/", "data/download/", "welcome/"]
    advocate_client = client_for(members[Role.ADVOCATE])
    for path in paths:
        assert advocate_client.get(portal(other_org, path)).status_code == 404, path
        assert client_for(members[Role.SALES]).get(portal(org, path)).status_code == 403, path
        assert client_for(members[Role.PROGRAM_MANAGER]).get(portal(org, path)).status_code == 403, path
        assert client_for(outsider).get(portal(org, path)).status_code == 404, path
        assert client_for(None).get(portal(org, path)).status_code == 302, path
    assert client_for(members[Role.SALES]).post(portal(org, "consent/"), {"named": "on"}).status_code == 403
    onboarded.refresh_from_db()
    assert not onboarded.consent_named


def test_portal_home_query_count_stays_small(
    org: Any,
    advocate_user: Any,
    onboarded: Advocate,
    activity_types: Any,
    client_for: Any,
    django_assert_max_num_queries: Any,
) -> None:
    for activity_type in list(activity_types.values())[:5]:
        ActivityFactory.create_batch(3, organization=org, advocate=onboarded, activity_type=activity_type)
    client = client_for(advocate_user)
    with django_assert_max_num_queries(16):
        assert client.get(portal(org)).status_code == 200
    with django_assert_max_num_queries(15):
        assert client.get(portal(org, "preferences/")).status_code == 200
