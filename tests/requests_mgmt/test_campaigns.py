"""Campaigns: neutral review wording, an audience that passes the same capacity rules as a single
ask, idempotent sending, each advocate's answer tracked, closing (by hand and by the daily sweep),
and access for every page and endpoint with two organisations and an outsider."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from advocacy.errors import ConflictError, ValidationFailed
from advocacy.models import AuditEvent
from advocacy.roles import Role
from advocates.models import Advocate, Tier
from requests_mgmt import campaign_tasks
from requests_mgmt.matching import why_not
from requests_mgmt.models import Ask, Campaign, RequestStatus, RequestType
from requests_mgmt.selectors_campaigns import Audience, audience_preview
from requests_mgmt.services import ask_create
from requests_mgmt.services import campaigns as services
from requests_mgmt.services.outreach import ask_accept, ask_decline
from tests.factories import ActivityFactory, AdvocacyRequestFactory, AdvocateFactory, CustomerAccountFactory

pytestmark = pytest.mark.django_db

NEUTRAL = "Would you share your honest experience of Acme on G2? It takes about 20 minutes."


def advocate_in(org: Any, *, tier: str = Tier.GOLD, health: int | None = 92, **fields: Any) -> Advocate:
    account = CustomerAccountFactory(organization=org, health_score=health)
    values = {"status": Advocate.Status.ACTIVE, "consent_named": True, "consent_quoted": True, **fields}
    return AdvocateFactory(organization=org, account=account, tier=tier, **values)


def new_campaign(org: Any, actor: Any, **overrides: Any) -> Campaign:
    data = {
        "kind": Campaign.Kind.REVIEW,
        "name": "Spring G2 reviews",
        "message": NEUTRAL,
        "site_name": "G2",
        "site_url": "https://www.g2.com/products/acme/reviews",
        "closes_on": timezone.localdate() + timedelta(days=30),
        **overrides,
    }
    return services.campaign_create(organization=org, actor=actor, data=data)


def at_yearly_cap(org: Any, activity_types: Any) -> Advocate:
    advocate = advocate_in(org)
    for index in range(6):
        ActivityFactory(
            organization=org,
            advocate=advocate,
            activity_type=activity_types["beta"],
            occurred_on=timezone.localdate() - timedelta(days=60 + index),
        )
    return advocate


def pending_elsewhere(org: Any, members: Any) -> Advocate:
    advocate = advocate_in(org)
    other = AdvocacyRequestFactory(
        organization=org,
        requester=members[Role.SALES],
        request_type=RequestType.REFERENCE_CALL,
        status=RequestStatus.MATCHING,
    )
    ask_create(advocacy_request=other, advocate=advocate, actor=members[Role.PROGRAM_MANAGER], message="Would you?")
    return advocate


def campaign_advocates(campaign: Campaign) -> set[int]:
    return set(
        Ask.objects.filter(organization=campaign.organization, request=campaign.request).values_list(
            "advocate_id", flat=True
        )
    )


# Neutral wording ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "phrase"),
    [
        ("Please leave us a 5-star review on G2!", "5-star"),
        ("We would love a positive review from you.", "positive review"),
        ("Rate us 5 and help others find us.", "Rate us 5"),
        ("Everyone who writes a review gets a $50 gift card.", "gift card"),
        ("Write a review and we'll send you some swag.", "swag"),
        ("Deixe uma avaliação positiva no G2, por favor.", "avaliação positiva"),
        ("Quem escrever uma avaliação ganha um brinde.", "brinde"),
        ("G2で高評価のレビューをお願いします。", "高評価"),
        ("レビューを書いていただいた方にギフトカードを差し上げます。", "ギフトカード"),
        ("星５のレビューをお願いします。", "星5"),
    ],
)
def test_a_review_campaign_refuses_wording_that_is_not_neutral(
    org: Any, members: Any, message: str, phrase: str
) -> None:
    with pytest.raises(ValidationFailed) as error:
        new_campaign(org, members[Role.MARKETING], message=message)
    assert any(f"“{phrase}”" in text for text in error.value.errors["message"]), error.value.errors
    assert not Campaign.objects.filter(organization=org).exists()


def test_neutral_wording_passes_and_other_kinds_may_be_enthusiastic(org: Any, members: Any) -> None:
    review = new_campaign(org, members[Role.MARKETING])
    testimonial = new_campaign(
        org,
        members[Role.MARKETING],
        kind=Campaign.Kind.TESTIMONIAL,
        message="A short, positive review of what changed for your team would mean a lot.",
        site_name="",
        site_url="",
    )
    assert review.status == Campaign.Status.DRAFT and testimonial.kind == Campaign.Kind.TESTIMONIAL
    assert review.request.request_type == RequestType.REVIEW and review.request.requester == members[Role.MARKETING]
    assert testimonial.request.request_type == RequestType.TESTIMONIAL
    assert AuditEvent.objects.filter(organization=org, verb="campaign.created").count() == 2


def test_a_review_campaign_needs_its_site_and_a_future_closing_day(org: Any, members: Any) -> None:
    with pytest.raises(ValidationFailed) as error:
        new_campaign(org, members[Role.MARKETING], site_name="", site_url="", closes_on=timezone.localdate())
    assert set(error.value.errors) == {"site_name", "site_url", "closes_on"}


def test_each_review_ask_carries_the_site_and_the_neutral_line(org: Any, members: Any) -> None:
    advocate = advocate_in(org)
    campaign = new_campaign(org, members[Role.MARKETING])
    services.campaign_send(campaign=campaign, actor=members[Role.MARKETING], audience=Audience())
    ask = Ask.objects.get(organization=org, request=campaign.request, advocate=advocate)
    assert ask.message.startswith(NEUTRAL)
    assert "https://www.g2.com/products/acme/reviews" in ask.message
    assert str(services.NEUTRAL_REVIEW_LINE) in ask.message


# Audience and capacity -------------------------------------------------------------------------------


def test_the_audience_passes_the_same_capacity_rules(
    org: Any, members: Any, activity_types: Any, django_capture_on_commit_callbacks: Any
) -> None:
    willing = [advocate_in(org) for _ in range(2)]
    capped = at_yearly_cap(org, activity_types)
    with django_capture_on_commit_callbacks(execute=True):
        waiting = pending_elsewhere(org, members)
    unhealthy = advocate_in(org, health=40)
    no_score = advocate_in(org, health=None)
    advocate_in(org, tier=Tier.COMMUNITY)  # outside the audience
    campaign = new_campaign(org, members[Role.MARKETING])
    audience = Audience(tiers=(Tier.GOLD,))

    preview = audience_preview(campaign=campaign, audience=audience)
    assert (preview.total, preview.eligible, preview.already_asked) == (6, 2, 0)
    excluded = preview.excluded_counts()
    assert excluded["cap"] == 1 and excluded["pending"] == 1 and excluded["healthy"] == 2
    assert {advocate.pk for advocate in preview.sample} == {advocate.pk for advocate in willing}
    left_out = {item.advocate.pk: item.reasons for item in preview.left_out_sample}
    assert "At the yearly cap" in left_out[capped.pk]
    assert "Still to answer another request" in left_out[waiting.pk]

    with django_capture_on_commit_callbacks(execute=True):
        result = services.campaign_send(campaign=campaign, actor=members[Role.MARKETING], audience=audience)
    assert result.first_batch.asked == 2 and result.eligible == 2
    assert campaign_advocates(campaign) == {advocate.pk for advocate in willing}
    for never in (capped, waiting, unhealthy, no_score):
        assert never.pk not in campaign_advocates(campaign)
    campaign.refresh_from_db()
    campaign.request.refresh_from_db()
    assert campaign.status == Campaign.Status.OPEN and campaign.opened_at is not None
    assert campaign.request.status == RequestStatus.OUTREACH


def test_audience_filters_narrow_who_is_asked(org: Any, members: Any) -> None:
    in_emea = advocate_in(org, languages="en pt")
    in_emea.account.region, in_emea.account.industry = "emea", "Banking"
    in_emea.account.save()
    elsewhere = advocate_in(org, languages="ja")
    elsewhere.account.region = "apac"
    elsewhere.account.save()
    campaign = new_campaign(org, members[Role.MARKETING])
    for audience, expected in (
        (Audience(regions=("emea",)), {in_emea.pk}),
        (Audience(languages=("pt",)), {in_emea.pk}),
        (Audience(industries=("banking",)), {in_emea.pk}),
        (Audience(accounts=(str(elsewhere.account.public_id),)), {elsewhere.pk}),
        (Audience(), {in_emea.pk, elsewhere.pk}),
    ):
        assert {item.pk for item in audience_preview(campaign=campaign, audience=audience).sample} == expected


def test_sending_twice_asks_nobody_twice(org: Any, members: Any) -> None:
    first = [advocate_in(org) for _ in range(3)]
    campaign = new_campaign(org, members[Role.PROGRAM_MANAGER])
    result = services.campaign_send(campaign=campaign, actor=members[Role.PROGRAM_MANAGER], audience=Audience())
    assert result.first_batch.asked == 3
    newcomer = advocate_in(org)
    again = services.campaign_send(campaign=campaign, actor=members[Role.PROGRAM_MANAGER], audience=Audience())
    assert again.first_batch.asked == 1 and again.already_asked == 3
    assert campaign_advocates(campaign) == {advocate.pk for advocate in [*first, newcomer]}
    assert Ask.objects.filter(organization=org, request=campaign.request).count() == 4
    verbs = list(AuditEvent.objects.filter(organization=org, object_id=str(campaign.public_id)).values_list("verb"))
    assert verbs.count(("campaign.opened",)) == 1 and verbs.count(("campaign.sent",)) == 2


def test_a_declined_advocate_is_not_asked_again_by_the_same_campaign(org: Any, members: Any) -> None:
    advocate = advocate_in(org)
    campaign = new_campaign(org, members[Role.MARKETING])
    services.campaign_send(campaign=campaign, actor=members[Role.MARKETING], audience=Audience())
    ask = Ask.objects.get(organization=org, request=campaign.request)
    ask_decline(ask=ask, actor=None, reason="Too busy this quarter", via="portal")
    again = services.campaign_send(campaign=campaign, actor=members[Role.MARKETING], audience=Audience())
    assert again.first_batch.asked == 0 and again.already_asked == 1
    assert Ask.objects.filter(organization=org, advocate=advocate).count() == 1


def test_a_large_audience_is_asked_in_background_batches(
    org: Any, members: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    monkeypatch.setattr(services, "INLINE_BATCH", 2)
    monkeypatch.setattr(campaign_tasks, "TASK_BATCH", 2)
    advocates = [advocate_in(org) for _ in range(7)]
    campaign = new_campaign(org, members[Role.MARKETING])
    with django_capture_on_commit_callbacks(execute=True):
        result = services.campaign_send(campaign=campaign, actor=members[Role.MARKETING], audience=Audience())
    assert result.continues_in_background and result.first_batch.asked == 2
    assert campaign_advocates(campaign) == {advocate.pk for advocate in advocates}
    batches = AuditEvent.objects.filter(organization=org, verb="campaign.advocates_asked")
    assert sorted(event.data["asked"] for event in batches) == [1, 2, 2, 2]


def test_a_closed_campaign_sends_nothing(org: Any, members: Any) -> None:
    advocate_in(org)
    campaign = new_campaign(org, members[Role.MARKETING])
    services.campaign_close(campaign=campaign, actor=members[Role.MARKETING])
    with pytest.raises(ConflictError, match="closed"):
        services.campaign_send(campaign=campaign, actor=members[Role.MARKETING], audience=Audience())
    campaign.request.refresh_from_db()
    assert campaign.request.status == RequestStatus.CANCELLED  # a draft never sent needs no request
    assert not Ask.objects.filter(organization=org).exists()


# Responses and closing -------------------------------------------------------------------------------


def sent_campaign(org: Any, members: Any, count: int) -> tuple[Campaign, list[Ask]]:
    for _ in range(count):
        advocate_in(org)
    campaign = new_campaign(org, members[Role.MARKETING])
    services.campaign_send(campaign=campaign, actor=members[Role.MARKETING], audience=Audience())
    asks = list(Ask.objects.filter(organization=org, request=campaign.request).order_by("pk"))
    return campaign, asks


def test_each_answer_is_tracked_with_counts_and_a_response_rate(
    org: Any, members: Any, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    campaign, asks = sent_campaign(org, members, 5)
    ask_accept(ask=asks[0], actor=None, via="portal")
    ask_decline(ask=asks[1], actor=None, reason="Not this quarter", via="portal")
    ask_accept(ask=asks[2], actor=None, via="portal")
    Ask.objects.filter(pk=asks[3].pk).update(status=Ask.Status.EXPIRED, responded_at=timezone.now())
    client = client_for(members[Role.MARKETING])
    done = client.post(f"/o/{org.slug}/campaigns/{campaign.public_id}/asks/{asks[2].public_id}/done/")
    assert done.status_code == 302
    asks[2].refresh_from_db()
    assert asks[2].status == Ask.Status.COMPLETED and asks[2].activity is not None

    with django_assert_max_num_queries(16):
        page = client.get(f"/o/{org.slug}/campaigns/{campaign.public_id}/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "60 %" in body  # accepted, declined and done: three of five answered
    assert "Not this quarter" in body
    summary = client.get(f"/api/v1/orgs/{org.slug}/campaigns/{campaign.public_id}/").json()["responses"]
    assert summary["asked"] == 5 and summary["response_rate"] == 60
    assert summary["by_status"] == {"accepted": 1, "declined": 1, "completed": 1, "expired": 1, "pending": 1}
    api = APIClient()
    api.force_authenticate(members[Role.MARKETING])
    declined = api.get(f"/api/v1/orgs/{org.slug}/campaigns/{campaign.public_id}/asks/", {"status": "declined"}).json()
    assert [row["decline_reason"] for row in declined["results"]] == ["Not this quarter"]


def test_the_campaign_pages_need_the_same_queries_for_many_asks(
    org: Any, members: Any, client_for: Any, django_assert_num_queries: Any
) -> None:
    campaign, _asks = sent_campaign(org, members, 2)
    client = client_for(members[Role.PROGRAM_MANAGER])
    urls = [f"/o/{org.slug}/campaigns/{campaign.public_id}/", f"/o/{org.slug}/campaigns/"]
    counts = []
    for url in urls:
        with CaptureQueriesContext(connection) as few:
            assert client.get(url).status_code == 200
        counts.append(len(few.captured_queries))
    for _ in range(12):
        advocate_in(org)
    services.campaign_send(campaign=campaign, actor=members[Role.MARKETING], audience=Audience())
    new_campaign(org, members[Role.MARKETING], name="Another")
    for url, count in zip(urls, counts, strict=True):
        with django_assert_num_queries(count):
            client.get(url)


def test_closing_withdraws_pending_asks_and_frees_capacity(org: Any, members: Any, client_for: Any) -> None:
    campaign, asks = sent_campaign(org, members, 3)
    ask_accept(ask=asks[0], actor=None, via="portal")
    response = client_for(members[Role.MARKETING]).post(
        f"/o/{org.slug}/campaigns/{campaign.public_id}/close/", {"reason": "Enough reviews for now."}
    )
    assert response.status_code == 302
    statuses = dict(Ask.objects.filter(organization=org, request=campaign.request).values_list("pk", "status"))
    assert statuses == {asks[0].pk: "accepted", asks[1].pk: "withdrawn", asks[2].pk: "withdrawn"}
    withdrawn = AuditEvent.objects.filter(organization=org, verb="ask.withdrawn")
    assert {event.data["ask"] for event in withdrawn} == {str(asks[1].public_id), str(asks[2].public_id)}
    closed = AuditEvent.objects.get(organization=org, verb="campaign.closed")
    assert closed.actor == members[Role.MARKETING] and closed.data["withdrawn"] == 2
    other_request = AdvocacyRequestFactory(
        organization=org,
        requester=members[Role.SALES],
        request_type=RequestType.REFERENCE_CALL,
        status=RequestStatus.MATCHING,
    )
    reasons = {reason.key for reason in why_not(advocacy_request=other_request, advocate=asks[1].advocate)}
    assert "pending" not in reasons and "cap" not in reasons
    again = client_for(members[Role.MARKETING]).post(f"/o/{org.slug}/campaigns/{campaign.public_id}/close/")
    assert again.status_code == 409 and "already closed" in again.content.decode()


def test_the_daily_sweep_closes_campaigns_past_their_closing_day(org: Any, members: Any) -> None:
    campaign, _asks = sent_campaign(org, members, 2)
    still_running = new_campaign(org, members[Role.MARKETING], name="Still running")
    Campaign.objects.filter(pk=campaign.pk).update(closes_on=timezone.localdate() - timedelta(days=1))
    campaign_tasks.close_due_campaigns_sweep_task.delay()
    campaign.refresh_from_db()
    still_running.refresh_from_db()
    assert campaign.status == Campaign.Status.CLOSED and still_running.status == Campaign.Status.DRAFT
    assert set(Ask.objects.filter(organization=org).values_list("status", flat=True)) == {"withdrawn"}
    campaign.request.refresh_from_db()
    assert campaign.request.status == RequestStatus.CLOSED  # no longer counted among open requests
    assert campaign.request.manual_next_statuses() == []
    event = AuditEvent.objects.get(organization=org, verb="campaign.closed")
    assert event.actor is None and event.data["by"] == "sweep"
    assert campaign_tasks.close_due_campaigns_task.delay(org.pk).get() == 0  # idempotent


def test_the_sweep_is_on_the_beat_schedule() -> None:
    from advocacy.celery import app

    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "requests_mgmt.campaign_tasks.close_due_campaigns_sweep_task" in tasks


# Pages -----------------------------------------------------------------------------------------------


def test_marketing_creates_previews_and_sends_from_the_pages(org: Any, members: Any, client_for: Any) -> None:
    advocate = advocate_in(org)
    advocate_in(org, tier=Tier.SILVER)
    client = client_for(members[Role.MARKETING])
    refused = client.post(
        f"/o/{org.slug}/campaigns/new/",
        {
            "kind": "review",
            "name": "G2",
            "message": "Give us five stars!",
            "site_name": "G2",
            "site_url": "https://g2.com/acme",
            "closes_on": (timezone.localdate() + timedelta(days=20)).isoformat(),
        },
    )
    assert refused.status_code == 400 and "“five stars”" in refused.content.decode()
    created = client.post(
        f"/o/{org.slug}/campaigns/new/",
        {
            "kind": "review",
            "name": "G2",
            "message": NEUTRAL,
            "site_name": "G2",
            "site_url": "https://g2.com/acme",
            "closes_on": (timezone.localdate() + timedelta(days=20)).isoformat(),
        },
    )
    campaign = Campaign.objects.get(organization=org)
    assert created.status_code == 302 and created["Location"].endswith(f"/campaigns/{campaign.public_id}/audience/")
    preview = client.get(created["Location"], {"tiers": ["gold"]})
    assert preview.status_code == 200 and advocate.full_name in preview.content.decode()
    sent = client.post(f"/o/{org.slug}/campaigns/{campaign.public_id}/send/", {"tiers": ["gold"]})
    assert sent.status_code == 302
    assert campaign_advocates(campaign) == {advocate.pk}
    page = client.get(sent["Location"]).content.decode()
    assert advocate.full_name in page and str(services.NEUTRAL_REVIEW_LINE) in page
    closed = client.post(f"/o/{org.slug}/campaigns/{campaign.public_id}/close/")
    assert closed.status_code == 302
    again = client.post(f"/o/{org.slug}/campaigns/{campaign.public_id}/send/", {"tiers": ["gold"]})
    assert again.status_code == 409 and "closed" in again.content.decode()


def test_campaign_requests_stay_out_of_the_request_queue(org: Any, members: Any, client_for: Any) -> None:
    campaign = new_campaign(org, members[Role.MARKETING], name="Hidden")
    ordinary = AdvocacyRequestFactory(organization=org, requester=members[Role.SALES])
    page = client_for(members[Role.PROGRAM_MANAGER]).get(f"/o/{org.slug}/requests/", {"status": ""}).content.decode()
    assert str(ordinary.public_id) in page and str(campaign.request.public_id) not in page
    listed = api_for(members[Role.PROGRAM_MANAGER]).get(f"/api/v1/orgs/{org.slug}/requests/").json()["results"]
    assert [row["id"] for row in listed] == [str(ordinary.public_id)]


CAMPAIGN_ROLES = {Role.MARKETING, Role.PROGRAM_MANAGER, Role.ADMIN}


def page_urls(org: Any, campaign: Campaign, ask: Ask) -> list[tuple[str, str]]:
    base = f"/o/{org.slug}/campaigns"
    return [
        ("get", f"{base}/"),
        ("get", f"{base}/new/"),
        ("get", f"{base}/{campaign.public_id}/"),
        ("get", f"{base}/{campaign.public_id}/audience/"),
        ("post", f"{base}/{campaign.public_id}/send/"),
        ("post", f"{base}/{campaign.public_id}/asks/{ask.public_id}/done/"),
        ("post", f"{base}/{campaign.public_id}/close/"),
    ]


@pytest.mark.parametrize("role", [role.value for role in Role])
def test_each_role_reaches_exactly_the_campaign_pages(org: Any, members: Any, client_for: Any, role: str) -> None:
    campaign, asks = sent_campaign(org, members, 1)
    client = client_for(members[role])
    for method, url in page_urls(org, campaign, asks[0]):
        response = getattr(client, method)(url)
        expected = (200 if method == "get" else 302) if role in CAMPAIGN_ROLES else 403
        assert response.status_code == expected, (role, url, response.status_code)


def test_other_organisations_and_outsiders_get_404(
    org: Any, other_org: Any, members: Any, other_manager: Any, outsider: Any, client_for: Any
) -> None:
    campaign, asks = sent_campaign(org, members, 1)
    for user in (other_manager, outsider):
        client = client_for(user)
        for method, url in page_urls(org, campaign, asks[0]):
            assert getattr(client, method)(url).status_code == 404, (user.email, url)
    # Their own organisation's pages do not reach our campaign either.
    theirs = client_for(other_manager)
    for method, url in page_urls(org, campaign, asks[0])[2:]:
        response = getattr(theirs, method)(url.replace(f"/o/{org.slug}/", f"/o/{other_org.slug}/"))
        assert response.status_code == 404, url
    anonymous = client_for(None).get(f"/o/{org.slug}/campaigns/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.OPEN


# API -------------------------------------------------------------------------------------------------


def api_for(user: Any) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def api_payload(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "review",
        "name": "Capterra push",
        "message": NEUTRAL,
        "site_name": "Capterra",
        "site_url": "https://www.capterra.com/p/acme/",
        "closes_on": (timezone.localdate() + timedelta(days=14)).isoformat(),
        **overrides,
    }


def test_api_create_preview_send_asks_close(org: Any, members: Any, activity_types: Any) -> None:
    willing = advocate_in(org)
    capped = at_yearly_cap(org, activity_types)
    client = api_for(members[Role.MARKETING])
    base = f"/api/v1/orgs/{org.slug}/campaigns/"

    refused = client.post(base, api_payload(message="Tell us about us: 5 estrelas, por favor!"), format="json")
    assert refused.status_code == 400 and "“5 estrelas”" in refused.json()["error"]["fields"]["message"][0]
    created = client.post(base, api_payload(), format="json")
    assert created.status_code == 201
    campaign_id = created.json()["id"]
    assert created.json()["status"] == "draft"

    preview = client.get(f"{base}{campaign_id}/preview/", {"tiers": ["gold"]}).json()
    assert preview["in_audience"] == 2 and preview["eligible"] == 1
    assert {"key": "cap", "label": "At the yearly cap", "count": 1} in preview["excluded"]
    assert [row["id"] for row in preview["sample"]] == [str(willing.public_id)]
    bad = client.get(f"{base}{campaign_id}/preview/", {"tiers": ["diamond"]})
    assert bad.status_code == 400 and "tiers" in bad.json()["error"]["fields"]

    sent = client.post(f"{base}{campaign_id}/send/", {"tiers": ["gold"]}, format="json")
    assert sent.status_code == 200
    assert sent.json()["asked_now"] == 1 and sent.json()["left_out"]["cap"] == 1
    asks = client.get(f"{base}{campaign_id}/asks/").json()["results"]
    assert [row["advocate"]["id"] for row in asks] == [str(willing.public_id)]
    assert capped.pk not in campaign_advocates(Campaign.objects.get(public_id=campaign_id))

    closed = client.post(f"{base}{campaign_id}/close/", {}, format="json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert client.post(f"{base}{campaign_id}/close/", {}, format="json").status_code == 409
    assert client.post(f"{base}{campaign_id}/send/", {}, format="json").status_code == 409
    listed = client.get(base).json()["results"]
    assert [row["id"] for row in listed] == [campaign_id] and listed[0]["responses"]["by_status"] == {"withdrawn": 1}


def test_api_rejects_another_organisations_account_in_the_audience(org: Any, other_org: Any, members: Any) -> None:
    campaign = new_campaign(org, members[Role.MARKETING])
    foreign = CustomerAccountFactory(organization=other_org)
    response = api_for(members[Role.MARKETING]).post(
        f"/api/v1/orgs/{org.slug}/campaigns/{campaign.public_id}/send/",
        {"accounts": [str(foreign.public_id)]},
        format="json",
    )
    assert response.status_code == 400 and "accounts" in response.json()["error"]["fields"]
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT


def api_urls(org: Any, campaign: Campaign) -> list[tuple[str, str]]:
    base = f"/api/v1/orgs/{org.slug}/campaigns"
    return [
        ("get", f"{base}/"),
        ("post", f"{base}/"),
        ("get", f"{base}/{campaign.public_id}/"),
        ("get", f"{base}/{campaign.public_id}/preview/"),
        ("get", f"{base}/{campaign.public_id}/asks/"),
        ("post", f"{base}/{campaign.public_id}/send/"),
        ("post", f"{base}/{campaign.public_id}/close/"),
    ]


@pytest.mark.parametrize("role", [role.value for role in Role])
def test_each_role_reaches_exactly_the_campaign_endpoints(org: Any, members: Any, role: str) -> None:
    campaign = new_campaign(org, members[Role.MARKETING])
    advocate_in(org)
    client = api_for(members[role])
    for method, url in api_urls(org, campaign):
        response = getattr(client, method)(url, {}, format="json") if method == "post" else client.get(url)
        creating = method == "post" and url.endswith("/campaigns/")  # an empty campaign: field errors
        expected = (400 if creating else 200) if role in CAMPAIGN_ROLES else 403
        assert response.status_code == expected, (role, url, response.status_code)


def test_api_other_organisations_outsiders_and_anonymous(
    org: Any, other_org: Any, members: Any, other_manager: Any, outsider: Any
) -> None:
    campaign = new_campaign(org, members[Role.MARKETING])
    for user in (other_manager, outsider):
        for method, url in api_urls(org, campaign):
            response = getattr(api_for(user), method)(url, {}, format="json")
            assert response.status_code == 404, (user.email, url)
    theirs = api_for(other_manager)
    for method, url in api_urls(org, campaign)[2:]:
        response = getattr(theirs, method)(url.replace(f"/orgs/{org.slug}/", f"/orgs/{other_org.slug}/"), {})
        assert response.status_code == 404, url
    for method, url in api_urls(org, campaign):
        assert getattr(api_for(None), method)(url, {}, format="json").status_code == 401, url
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT


def test_api_list_query_count_does_not_grow(org: Any, members: Any, django_assert_max_num_queries: Any) -> None:
    for index in range(6):
        campaign = new_campaign(org, members[Role.MARKETING], name=f"Campaign {index}")
        advocate_in(org)
        services.campaign_send(campaign=campaign, actor=members[Role.MARKETING], audience=Audience())
    client = api_for(members[Role.PROGRAM_MANAGER])
    with django_assert_max_num_queries(8):
        response = client.get(f"/api/v1/orgs/{org.slug}/campaigns/")
    assert len(response.json()["results"]) == 6
