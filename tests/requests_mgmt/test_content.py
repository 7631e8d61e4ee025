"""Content approvals: legal, PR and the customer decide in that order; a rejection sends the draft back
and the next version goes through every step again; approved content is published with a permission
that can expire; the advocate decides their own step in the portal and sees nothing of anyone else."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from rest_framework.test import APIClient

from advocacy.errors import ConflictError, ValidationFailed
from advocacy.models import AuditEvent, OutboundMessage
from advocacy.roles import Role
from requests_mgmt.content_tasks import content_expiry_sweep_task
from requests_mgmt.models import (
    ApprovalKind,
    ApprovalStep,
    Ask,
    ContentKind,
    ContentPiece,
    ContentStatus,
    Publication,
    RequestStatus,
    RequestType,
)
from requests_mgmt.services import content as services
from tests.factories import AdvocacyRequestFactory, AdvocateFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

LEGAL = Role.CSM  # stands in for the legal counsel, a member of the organisation
PR = Role.MARKETING


@pytest.fixture
def advocate(org: Any, members: Any) -> Any:
    return AdvocateFactory(organization=org, user=members[Role.ADVOCATE], full_name="Aiko Sato", consent_quoted=True)


def new_piece(org: Any, members: Any, advocate: Any, **overrides: Any) -> ContentPiece:
    values: dict[str, Any] = {
        "organization": org,
        "actor": members[Role.PROGRAM_MANAGER],
        "advocate": advocate,
        "kind": ContentKind.CASE_STUDY,
        "title": "How Sato Foods halved reporting time",
        "body": "Before Alpha, closing the month took ten days.",
        "legal_approver": members[LEGAL],
        "pr_approver": members[PR],
    }
    values.update(overrides)
    return services.content_create(**values)


def submitted_piece(org: Any, members: Any, advocate: Any) -> ContentPiece:
    piece = new_piece(org, members, advocate)
    return services.content_submit(content=piece, actor=members[Role.PROGRAM_MANAGER])


def approve(piece: ContentPiece, kind: str, actor: Any, comment: str = "") -> None:
    services.step_decide(content=piece, kind=kind, actor=actor, approve=True, comment=comment)


def approved_piece(org: Any, members: Any, advocate: Any) -> ContentPiece:
    piece = submitted_piece(org, members, advocate)
    approve(piece, ApprovalKind.LEGAL, members[LEGAL])
    approve(piece, ApprovalKind.PR, members[PR])
    if advocate.user is not None:
        approve(piece, ApprovalKind.CUSTOMER, advocate.user)
    else:
        approve(piece, ApprovalKind.CUSTOMER, members[Role.PROGRAM_MANAGER], comment="Approved on a call.")
    piece.refresh_from_db()
    return piece


def api(user: Any) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def content_url(org: Any, rest: str = "") -> str:
    return f"/o/{org.slug}/content/{rest}"


def api_url(org: Any, rest: str = "") -> str:
    return f"/api/v1/orgs/{org.slug}/content/{rest}"


# The state machine ---------------------------------------------------------------------------------


def test_steps_are_decided_in_order_legal_pr_customer(
    org: Any, members: Any, advocate: Any, django_capture_on_commit_callbacks: Any
) -> None:
    piece = new_piece(org, members, advocate)
    assert piece.status == ContentStatus.DRAFT and services.current_step(piece) is None
    with django_capture_on_commit_callbacks(execute=True):
        piece = services.content_submit(content=piece, actor=members[Role.PROGRAM_MANAGER])
    assert [message.to for message in mail.outbox] == [[members[LEGAL].email]]
    assert "/content/" in mail.outbox[0].body and "/portal/" not in mail.outbox[0].body
    with pytest.raises(ConflictError, match="waiting for: Legal"):
        approve(piece, ApprovalKind.PR, members[PR])
    with pytest.raises(ConflictError, match="waiting for: Legal"):
        approve(piece, ApprovalKind.CUSTOMER, members[Role.ADVOCATE])

    with django_capture_on_commit_callbacks(execute=True):
        approve(piece, ApprovalKind.LEGAL, members[LEGAL])
    assert mail.outbox[-1].to == [members[PR].email]
    with django_capture_on_commit_callbacks(execute=True):
        approve(piece, ApprovalKind.PR, members[PR])
    # The advocate is asked last, with the link to their portal.
    assert mail.outbox[-1].to == [members[Role.ADVOCATE].email]
    assert f"/o/{org.slug}/portal/content/{piece.public_id}/" in mail.outbox[-1].body
    with django_capture_on_commit_callbacks(execute=True):
        approve(piece, ApprovalKind.CUSTOMER, members[Role.ADVOCATE])
    piece.refresh_from_db()
    assert piece.status == ContentStatus.APPROVED
    # The author hears that everyone approved.
    assert mail.outbox[-1].to == [members[Role.PROGRAM_MANAGER].email]
    assert "Approved by everyone" in mail.outbox[-1].subject
    assert set(
        OutboundMessage.objects.filter(organization=org, template__startswith="approval_").values_list(
            "purpose", flat=True
        )
    ) == {OutboundMessage.Purpose.APPROVAL, OutboundMessage.Purpose.PROGRAM_TEAM}
    verbs = list(
        AuditEvent.objects.filter(organization=org, object_id=str(piece.public_id)).values_list("verb", flat=True)
    )
    assert sorted(verbs) == sorted(
        [
            "content.created",
            "content.submitted",
            "content.step_approved",
            "content.step_approved",
            "content.step_approved",
        ]
    )


def test_rejection_needs_a_comment_and_the_next_version_starts_a_new_round(
    org: Any, members: Any, advocate: Any
) -> None:
    piece = submitted_piece(org, members, advocate)
    approve(piece, ApprovalKind.LEGAL, members[LEGAL])
    with pytest.raises(ValidationFailed) as error:
        services.step_decide(content=piece, kind=ApprovalKind.PR, actor=members[PR], approve=False, comment="  ")
    assert list(error.value.errors) == ["comment"]
    services.step_decide(
        content=piece, kind=ApprovalKind.PR, actor=members[PR], approve=False, comment="Drop the revenue figure."
    )
    piece.refresh_from_db()
    assert piece.status == ContentStatus.CHANGES_REQUESTED and services.current_step(piece) is None
    with pytest.raises(ConflictError, match="edit the draft first"):
        services.content_submit(content=piece, actor=members[Role.PROGRAM_MANAGER])
    with pytest.raises(ConflictError):
        approve(piece, ApprovalKind.CUSTOMER, members[Role.ADVOCATE])

    piece = services.content_update(
        content=piece, actor=members[Role.PROGRAM_MANAGER], data={"body": "Closing the month now takes five days."}
    )
    assert (piece.version, piece.status) == (2, ContentStatus.DRAFT)
    piece = services.content_submit(content=piece, actor=members[Role.PROGRAM_MANAGER])
    current = services.current_step(piece)
    assert current is not None and (current.kind, current.version) == (ApprovalKind.LEGAL, 2)
    # The first round is kept as it was decided.
    first_round = ApprovalStep.objects.filter(content=piece, version=1).order_by("position")
    assert [step.status for step in first_round] == ["approved", "rejected", "pending"]
    assert AuditEvent.objects.filter(organization=org, verb="content.new_version").count() == 1
    rejected = AuditEvent.objects.get(organization=org, verb="content.step_rejected")
    assert rejected.data["comment"] == "Drop the revenue figure."
    assert rejected.data["status"] == {"from": "in_review", "to": "changes_requested"}


def test_a_stale_decision_on_an_older_version_is_refused(org: Any, members: Any, advocate: Any) -> None:
    piece = submitted_piece(org, members, advocate)
    services.step_decide(content=piece, kind=ApprovalKind.LEGAL, actor=members[LEGAL], approve=False, comment="No.")
    piece = services.content_update(content=piece, actor=members[Role.PROGRAM_MANAGER], data={"title": "Better"})
    services.content_submit(content=piece, actor=members[Role.PROGRAM_MANAGER])
    with pytest.raises(ConflictError, match="newer version"):
        services.step_decide(content=piece, kind=ApprovalKind.LEGAL, actor=members[LEGAL], approve=True, version=1)


def test_only_the_approver_decides_or_the_program_team_on_their_behalf(org: Any, members: Any, advocate: Any) -> None:
    piece = submitted_piece(org, members, advocate)
    with pytest.raises(PermissionDenied):
        approve(piece, ApprovalKind.LEGAL, members[Role.SALES], comment="Looks fine to me")
    with pytest.raises(ValidationFailed) as error:
        approve(piece, ApprovalKind.LEGAL, members[Role.PROGRAM_MANAGER])
    assert "say how they gave their decision" in error.value.errors["comment"][0]
    approve(piece, ApprovalKind.LEGAL, members[Role.PROGRAM_MANAGER], comment="Legal approved by email on Monday.")
    step = ApprovalStep.objects.get(content=piece, kind=ApprovalKind.LEGAL)
    assert step.decided_by == members[Role.PROGRAM_MANAGER] and step.approver == members[LEGAL]
    event = AuditEvent.objects.get(organization=org, verb="content.step_approved")
    assert event.data["on_behalf_of"] == members[LEGAL].email
    assert event.actor == members[Role.PROGRAM_MANAGER]


def test_drafts_check_their_approvers_and_advocate(
    org: Any, other_org: Any, members: Any, other_manager: Any, advocate: Any
) -> None:
    with pytest.raises(ValidationFailed) as error:
        new_piece(org, members, advocate, legal_approver=other_manager, pr_approver=members[Role.ADVOCATE])
    assert set(error.value.errors) == {"legal_approver", "pr_approver"}
    foreign = AdvocateFactory(organization=other_org)
    with pytest.raises(ValidationFailed) as error:
        new_piece(org, members, foreign)
    assert "advocate" in error.value.errors
    with pytest.raises(ValidationFailed) as error:
        new_piece(org, members, advocate, title=" ", body="")
    assert set(error.value.errors) == {"title", "body"}
    assert not ContentPiece.objects.exists()


def test_cannot_publish_before_approval_and_publishing_then_withdrawing(org: Any, members: Any, advocate: Any) -> None:
    manager = members[Role.PROGRAM_MANAGER]
    piece = submitted_piece(org, members, advocate)
    with pytest.raises(ConflictError, match="Only approved content"):
        services.publication_add(content=piece, actor=manager, channel=Publication.Channel.WEBSITE)
    piece = approved_piece(org, members, AdvocateFactory(organization=org))
    today = timezone.localdate()
    with pytest.raises(ValidationFailed) as error:
        services.publication_add(
            content=piece,
            actor=manager,
            channel=Publication.Channel.WEBSITE,
            permitted_from=today,
            permitted_until=today - timedelta(days=1),
        )
    assert list(error.value.errors) == ["permitted_until"]
    website = services.publication_add(
        content=piece,
        actor=manager,
        channel=Publication.Channel.WEBSITE,
        where="alpha.example/customers/sato",
        permitted_until=today + timedelta(days=365),
    )
    deck = services.publication_add(content=piece, actor=manager, channel=Publication.Channel.SALES)
    piece.refresh_from_db()
    assert piece.status == ContentStatus.PUBLISHED
    services.publication_withdraw(publication=website, actor=manager, reason="Site redesign")
    piece.refresh_from_db()
    assert piece.status == ContentStatus.PUBLISHED
    services.publication_withdraw(publication=deck, actor=manager)
    piece.refresh_from_db()
    assert piece.status == ContentStatus.WITHDRAWN
    with pytest.raises(ConflictError, match="already withdrawn"):
        services.publication_withdraw(publication=deck, actor=manager)
    verbs = AuditEvent.objects.filter(organization=org, verb__startswith="content.publication").values_list(
        "verb", flat=True
    )
    assert sorted(verbs) == ["content.publication_added"] * 2 + ["content.publication_withdrawn"] * 2
    # Approval still stands: a new publication publishes it again.
    services.publication_add(content=piece, actor=manager, channel=Publication.Channel.EVENT)
    piece.refresh_from_db()
    assert piece.status == ContentStatus.PUBLISHED


# Permissions that expire ---------------------------------------------------------------------------


def publish(piece: ContentPiece, *, until: Any, where: str) -> Publication:
    """Recorded directly so a permission can already have ended (the service refuses that)."""
    return Publication.objects.create(
        organization=piece.organization,
        content=piece,
        channel=Publication.Channel.WEBSITE,
        where=where,
        permitted_from=timezone.localdate() - timedelta(days=400),
        permitted_until=until,
    )


def test_pieces_flag_permissions_expiring_within_30_days_and_expired_ones(
    org: Any, members: Any, advocate: Any, client_for: Any
) -> None:
    piece = approved_piece(org, members, advocate)
    today = timezone.localdate()
    publish(piece, until=today + timedelta(days=12), where="site/soon")
    publish(piece, until=today - timedelta(days=2), where="site/gone")
    publish(piece, until=today + timedelta(days=200), where="site/later")
    publish(piece, until=None, where="site/forever")
    withdrawn = publish(piece, until=today - timedelta(days=30), where="site/withdrawn")
    withdrawn.withdrawn_at = timezone.now()
    withdrawn.save()
    ContentPiece.objects.filter(pk=piece.pk).update(status=ContentStatus.PUBLISHED)
    calm = approved_piece(org, members, AdvocateFactory(organization=org, full_name="Calm Person"))
    publish(calm, until=today + timedelta(days=90), where="site/calm")

    client = client_for(members[Role.PROGRAM_MANAGER])
    detail = client.get(content_url(org, f"{piece.public_id}/")).content.decode()
    assert "Permission ends in 12 days" in detail
    assert detail.count("Permission expired: take it down") == 1
    assert detail.count("In use") == 2
    listing = client.get(content_url(org)).content.decode()
    assert "1 permission expired" in listing and "1 permission ends within 30 days" in listing
    assert "4 places" in listing
    expiring_only = client.get(content_url(org), {"usage": "expiring"}).content.decode()
    assert piece.title in expiring_only and "Calm Person" not in expiring_only
    body = api(members[Role.PROGRAM_MANAGER]).get(api_url(org, f"{piece.public_id}/publications/")).json()
    assert sorted(row["permission"] for row in body) == ["expired", "expiring", "live", "live", "withdrawn"]


def test_the_expiry_sweep_tells_the_program_team_once(
    org: Any, other_org: Any, members: Any, other_manager: Any, advocate: Any
) -> None:
    piece = approved_piece(org, members, advocate)
    today = timezone.localdate()
    soon = publish(piece, until=today + timedelta(days=20), where="site/soon")
    publish(piece, until=today - timedelta(days=1), where="site/gone")
    publish(piece, until=today + timedelta(days=60), where="site/later")
    other_piece = ContentPiece.objects.create(
        organization=other_org,
        advocate=AdvocateFactory(organization=other_org),
        kind=ContentKind.TESTIMONIAL,
        title="Beta's testimonial",
        body="…",
        status=ContentStatus.PUBLISHED,
    )
    publish(other_piece, until=today + timedelta(days=3), where="beta/site")
    mail.outbox.clear()

    content_expiry_sweep_task.delay()
    team = sorted([members[Role.ADMIN].email, members[Role.PROGRAM_MANAGER].email])
    ours = sorted(message.to[0] for message in mail.outbox if message.to[0].endswith("@alpha.test"))
    assert ours == sorted(team * 2)  # one notice per publication due, to each member of the team
    assert [message.to for message in mail.outbox if "Beta" in message.subject] == [[other_manager.email]]
    subjects = {message.subject for message in mail.outbox}
    assert f"Permission expired: “{piece.title}” is still in use" in subjects
    assert f"Permission ending soon: “{piece.title}”" in subjects
    sent = len(mail.outbox)

    content_expiry_sweep_task.delay()
    assert len(mail.outbox) == sent  # idempotent: the dedupe key holds
    # A renewed permission is announced again when its new end comes near.
    soon.permitted_until = today + timedelta(days=25)
    soon.save()
    content_expiry_sweep_task.delay()
    assert len(mail.outbox) == sent + 2
    assert (
        OutboundMessage.objects.filter(
            organization=org, template="approval_expiry", purpose=OutboundMessage.Purpose.PROGRAM_TEAM
        ).count()
        == 6
    )


# The advocate's step in the portal -----------------------------------------------------------------


def portal_url(org: Any, rest: str = "") -> str:
    return f"/o/{org.slug}/portal/content/{rest}"


def test_the_advocate_sees_the_piece_only_when_it_is_their_turn_and_decides_it(
    org: Any, members: Any, advocate: Any, client_for: Any
) -> None:
    client = client_for(members[Role.ADVOCATE])
    piece = submitted_piece(org, members, advocate)
    assert client.get(portal_url(org, f"{piece.public_id}/")).status_code == 404  # still with legal
    assert piece.title not in client.get(portal_url(org)).content.decode()
    approve(piece, ApprovalKind.LEGAL, members[LEGAL])
    approve(piece, ApprovalKind.PR, members[PR])

    listing = client.get(portal_url(org)).content.decode()
    assert piece.title in listing and "Waiting for your approval" in listing
    page = client.get(portal_url(org, f"{piece.public_id}/"))
    assert page.status_code == 200 and "Before Alpha, closing the month took ten days." in page.content.decode()
    form = {"step": "customer", "version": "1", "decision": "reject", "comment": ""}
    response = client.post(portal_url(org, f"{piece.public_id}/"), form)
    assert response.status_code == 400 and "Say what should change" in response.content.decode()
    form["comment"] = "Please use my title: VP Finance."
    response = client.post(portal_url(org, f"{piece.public_id}/"), form)
    assert response.status_code == 302
    piece.refresh_from_db()
    assert piece.status == ContentStatus.CHANGES_REQUESTED
    # The answer is not theirs to give twice.
    again = client.post(portal_url(org, f"{piece.public_id}/"), {**form, "decision": "approve"})
    assert again.status_code == 409
    # The advocate still sees their answer, but never the internal comments.
    ApprovalStep.objects.filter(content=piece, kind=ApprovalKind.LEGAL).update(comment="Internal legal note")
    page = client.get(portal_url(org, f"{piece.public_id}/")).content.decode()
    assert "Please use my title: VP Finance." in page and "Internal legal note" not in page


def test_an_advocate_never_sees_another_advocates_piece(
    org: Any, other_org: Any, members: Any, advocate: Any, client_for: Any
) -> None:
    piece = submitted_piece(org, members, advocate)
    approve(piece, ApprovalKind.LEGAL, members[LEGAL])
    approve(piece, ApprovalKind.PR, members[PR])
    someone_else = UserFactory(email="other-advocate@customer.example")
    MembershipFactory(organization=org, user=someone_else, role=Role.ADVOCATE)
    AdvocateFactory(organization=org, user=someone_else)
    client = client_for(someone_else)
    assert client.get(portal_url(org, f"{piece.public_id}/")).status_code == 404
    assert (
        client.post(
            portal_url(org, f"{piece.public_id}/"), {"step": "customer", "version": "1", "decision": "approve"}
        ).status_code
        == 404
    )
    assert piece.title not in client.get(portal_url(org)).content.decode()
    # Staff pages are not for advocates; another organisation's people get a 404.
    assert client.get(content_url(org, f"{piece.public_id}/")).status_code == 403
    other_advocate = UserFactory(email="beta-advocate@customer.example")
    MembershipFactory(organization=other_org, user=other_advocate, role=Role.ADVOCATE)
    assert client_for(other_advocate).get(portal_url(org, f"{piece.public_id}/")).status_code == 404
    assert api(members[Role.ADVOCATE]).get(api_url(org)).status_code == 403


# Pages: access, forms, query counts ----------------------------------------------------------------


def test_page_access_with_two_organisations_and_an_outsider(
    org: Any, other_org: Any, members: Any, other_manager: Any, outsider: Any, advocate: Any, client_for: Any
) -> None:
    piece = submitted_piece(org, members, advocate)
    draft = new_piece(org, members, AdvocateFactory(organization=org))
    pages = ["", "approvals/", "new/", f"{piece.public_id}/", f"{draft.public_id}/edit/"]
    for path in pages:
        assert client_for(None).get(content_url(org, path)).status_code == 302
        assert client_for(outsider).get(content_url(org, path)).status_code == 404
        assert client_for(other_manager).get(content_url(org, path)).status_code == 404
        assert client_for(members[Role.ADVOCATE]).get(content_url(org, path)).status_code == 403
    manager = client_for(members[Role.PROGRAM_MANAGER])
    for path in pages:
        assert manager.get(content_url(org, path)).status_code == 200, path
    # Another organisation's piece is a 404, even for its own program manager at their own address.
    assert client_for(other_manager).get(content_url(other_org, f"{piece.public_id}/")).status_code == 404
    # The legal approver reads the piece they approve; a member not asked does not see it.
    assert client_for(members[LEGAL]).get(content_url(org, f"{piece.public_id}/")).status_code == 200
    sales = client_for(members[Role.SALES])
    assert sales.get(content_url(org)).status_code == 200
    assert sales.get(content_url(org, f"{piece.public_id}/")).status_code == 404
    # Only the program team writes drafts and records publications.
    for role in (Role.MARKETING, Role.SALES, Role.CSM, Role.EXECUTIVE):
        assert client_for(members[role]).get(content_url(org, "new/")).status_code == 403
    assert client_for(members[LEGAL]).post(content_url(org, f"{piece.public_id}/publications/"), {}).status_code == 403
    # The portal is for advocates.
    assert manager.get(portal_url(org)).status_code == 403
    assert client_for(outsider).get(portal_url(org)).status_code == 404


def test_the_program_team_writes_and_sends_a_draft_from_a_request(
    org: Any, members: Any, advocate: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    advocacy_request = AdvocacyRequestFactory(
        organization=org, requester=members[Role.MARKETING], request_type=RequestType.CASE_STUDY,
        status=RequestStatus.ACCEPTED,
    )  # fmt: skip
    Ask.objects.create(organization=org, request=advocacy_request, advocate=advocate, status=Ask.Status.ACCEPTED)
    client = client_for(members[Role.PROGRAM_MANAGER])
    request_page = client.get(f"/o/{org.slug}/requests/{advocacy_request.public_id}/").content.decode()
    start = f"/o/{org.slug}/content/new/?request={advocacy_request.public_id}"
    assert start in request_page
    form_page = client.get(start).content.decode()
    assert f'value="{advocate.public_id}" selected' in form_page
    data = {
        "advocate": str(advocate.public_id),
        "kind": "case_study",
        "request": str(advocacy_request.public_id),
        "title": "",
        "body": "The story.",
        "legal_approver": str(members[LEGAL].pk),
        "pr_approver": str(members[PR].pk),
    }
    response = client.post(content_url(org, "new/"), data)
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    data["title"] = "Sato Foods"
    response = client.post(content_url(org, "new/"), data)
    assert response.status_code == 302
    piece = ContentPiece.objects.get(organization=org)
    assert piece.request == advocacy_request and piece.advocate == advocate
    assert "Sato Foods" in client.get(f"/o/{org.slug}/requests/{advocacy_request.public_id}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(content_url(org, f"{piece.public_id}/submit/"))
    assert response.status_code == 302 and mail.outbox[-1].to == [members[LEGAL].email]
    # Sending twice is an illegal state change, shown with the reason.
    again = client.post(content_url(org, f"{piece.public_id}/submit/"))
    assert again.status_code == 409 and "cannot be sent for approval" in again.content.decode()
    # Editing while in review is refused too.
    assert client.post(content_url(org, f"{piece.public_id}/edit/"), {"title": "x"}).status_code == 409


def test_editing_after_changes_were_requested_sends_the_next_version(
    org: Any, members: Any, advocate: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    piece = submitted_piece(org, members, advocate)
    services.step_decide(
        content=piece, kind=ApprovalKind.LEGAL, actor=members[LEGAL], approve=False, comment="Cut the claim."
    )
    client = client_for(members[Role.PROGRAM_MANAGER])
    page = client.get(content_url(org, f"{piece.public_id}/edit/")).content.decode()
    assert "Saving creates version 2" in page
    data = {
        "title": piece.title,
        "body": "A humbler story.",
        "draft_url": "",
        "legal_approver": str(members[Role.ADMIN].pk),
        "pr_approver": str(members[PR].pk),
        "submit_for_review": "1",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(content_url(org, f"{piece.public_id}/edit/"), data)
    assert response.status_code == 302
    piece.refresh_from_db()
    assert (piece.version, piece.status, piece.body) == (2, ContentStatus.IN_REVIEW, "A humbler story.")
    current = services.current_step(piece)
    assert current is not None and current.approver == members[Role.ADMIN] and current.version == 2
    assert mail.outbox[-1].to == [members[Role.ADMIN].email]


def test_internal_approver_decides_from_the_waiting_list(
    org: Any, members: Any, advocate: Any, client_for: Any
) -> None:
    piece = submitted_piece(org, members, advocate)
    legal = client_for(members[LEGAL])
    waiting = legal.get(content_url(org, "approvals/")).content.decode()
    assert piece.title in waiting
    assert piece.title not in client_for(members[PR]).get(content_url(org, "approvals/")).content.decode()
    detail = legal.get(content_url(org, f"{piece.public_id}/")).content.decode()
    assert "Record the decision" in detail
    response = legal.post(
        content_url(org, f"{piece.public_id}/decide/"), {"step": "legal", "version": "1", "decision": "reject"}
    )
    assert response.status_code == 400 and "Say what should change" in response.content.decode()
    response = legal.post(
        content_url(org, f"{piece.public_id}/decide/"), {"step": "legal", "version": "1", "decision": "approve"}
    )
    assert response.status_code == 302
    assert piece.title not in legal.get(content_url(org, "approvals/")).content.decode()
    assert piece.title in client_for(members[PR]).get(content_url(org, "approvals/")).content.decode()
    # Deciding a step that is not the current one is a conflict.
    response = legal.post(
        content_url(org, f"{piece.public_id}/decide/"), {"step": "legal", "version": "1", "decision": "approve"}
    )
    assert response.status_code == 409


def test_publishing_from_the_page_before_approval_is_409(
    org: Any, members: Any, advocate: Any, client_for: Any
) -> None:
    piece = submitted_piece(org, members, advocate)
    client = client_for(members[Role.PROGRAM_MANAGER])
    response = client.post(content_url(org, f"{piece.public_id}/publications/"), {"channel": "website"})
    assert response.status_code == 409 and "Only approved content can be published" in response.content.decode()
    piece = approved_piece(org, members, AdvocateFactory(organization=org))
    bad = client.post(
        content_url(org, f"{piece.public_id}/publications/"),
        {"channel": "website", "permitted_from": "2030-05-01", "permitted_until": "2030-04-01"},
    )
    assert bad.status_code == 400 and "cannot come before its start" in bad.content.decode()
    ok = client.post(content_url(org, f"{piece.public_id}/publications/"), {"channel": "website", "where": "home"})
    assert ok.status_code == 302
    publication = Publication.objects.get(content=piece)
    withdraw = content_url(org, f"{piece.public_id}/publications/{publication.pk}/withdraw/")
    assert client.post(withdraw, {"reason": "Old"}).status_code == 302
    assert client.post(withdraw).status_code == 409
    other = approved_piece(org, members, AdvocateFactory(organization=org))
    # A publication of another piece cannot be reached through this one.
    assert (
        client.post(content_url(org, f"{other.public_id}/publications/{publication.pk}/withdraw/")).status_code == 404
    )


def test_list_pages_use_a_constant_number_of_queries(
    org: Any, members: Any, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    for index in range(12):
        piece = submitted_piece(org, members, AdvocateFactory(organization=org))
        if index % 2:
            approve(piece, ApprovalKind.LEGAL, members[LEGAL])
    manager = client_for(members[Role.PROGRAM_MANAGER])
    with django_assert_max_num_queries(10):
        assert manager.get(content_url(org)).status_code == 200
    legal = client_for(members[LEGAL])
    with django_assert_max_num_queries(8):
        assert legal.get(content_url(org, "approvals/")).status_code == 200
    with django_assert_max_num_queries(9):
        assert api(members[Role.PROGRAM_MANAGER]).get(api_url(org)).status_code == 200
    with django_assert_max_num_queries(5):
        assert api(members[LEGAL]).get(api_url(org, "approvals/")).status_code == 200


# The API -------------------------------------------------------------------------------------------


def test_api_full_round_with_field_errors_and_conflicts(
    org: Any, other_org: Any, members: Any, other_manager: Any, advocate: Any
) -> None:
    client = api(members[Role.PROGRAM_MANAGER])
    payload = {
        "advocate": str(advocate.public_id),
        "kind": "testimonial",
        "title": "In her words",
        "body": "Alpha gave us our evenings back.",
        "legal_approver": members[LEGAL].email,
        "pr_approver": members[PR].email,
    }
    foreign = {
        **payload,
        "advocate": str(AdvocateFactory(organization=other_org).public_id),
        "legal_approver": other_manager.email,
    }
    rejected = client.post(api_url(org), foreign, format="json")
    assert rejected.status_code == 400 and set(rejected.json()["error"]["fields"]) == {"advocate", "legal_approver"}
    created = client.post(api_url(org), payload, format="json")
    assert created.status_code == 201
    body = created.json()
    piece_id = body["id"]
    assert body["status"] == "draft" and [step["step"] for step in body["steps"]] == ["legal", "pr", "customer"]
    assert body["steps"][2]["approver"] == members[Role.ADVOCATE].email

    early = client.post(api_url(org, f"{piece_id}/publications/"), {"channel": "website"}, format="json")
    assert early.status_code == 409
    assert client.post(api_url(org, f"{piece_id}/submit/")).json()["current_step"] == "legal"
    assert client.post(api_url(org, f"{piece_id}/submit/")).status_code == 409
    assert client.patch(api_url(org, f"{piece_id}/"), {"title": "New"}, format="json").status_code == 409

    legal = api(members[LEGAL])
    assert [row["content"] for row in legal.get(api_url(org, "approvals/")).json()] == [piece_id]
    no_comment = legal.post(api_url(org, f"{piece_id}/decide/"), {"step": "legal", "decision": "reject"}, format="json")
    assert no_comment.status_code == 400 and "comment" in no_comment.json()["error"]["fields"]
    out_of_turn = api(members[PR]).post(
        api_url(org, f"{piece_id}/decide/"), {"step": "pr", "decision": "approve"}, format="json"
    )
    assert out_of_turn.status_code == 409
    assert (
        api(members[Role.SALES])
        .post(api_url(org, f"{piece_id}/decide/"), {"step": "legal", "decision": "approve"}, format="json")
        .status_code
        == 404
    )  # not asked: the piece is not theirs to see
    decided = legal.post(
        api_url(org, f"{piece_id}/decide/"), {"step": "legal", "decision": "reject", "comment": "Remove the logo."},
        format="json",
    )  # fmt: skip
    assert decided.status_code == 200 and decided.json()["status"] == "changes_requested"
    revised = client.patch(api_url(org, f"{piece_id}/"), {"body": "Alpha gave us our weekends back."}, format="json")
    assert revised.status_code == 200 and (revised.json()["version"], revised.json()["status"]) == (2, "draft")
    client.post(api_url(org, f"{piece_id}/submit/"))
    for kind, user in (("legal", members[LEGAL]), ("pr", members[PR])):
        response = api(user).post(
            api_url(org, f"{piece_id}/decide/"), {"step": kind, "decision": "approve"}, format="json"
        )
        assert response.status_code == 200
    on_behalf = client.post(
        api_url(org, f"{piece_id}/decide/"),
        {"step": "customer", "decision": "approve", "comment": "Approved by email to the program manager."},
        format="json",
    )
    assert on_behalf.json()["status"] == "approved"
    until = (timezone.localdate() + timedelta(days=10)).isoformat()
    published = client.post(
        api_url(org, f"{piece_id}/publications/"), {"channel": "social", "permitted_until": until}, format="json"
    )
    assert published.status_code == 201 and published.json()["permission"] == "expiring"
    publication_id = published.json()["id"]
    withdrawn = client.post(api_url(org, f"{piece_id}/publications/{publication_id}/withdraw/"), {}, format="json")
    assert withdrawn.status_code == 200 and withdrawn.json()["permission"] == "withdrawn"
    assert client.post(api_url(org, f"{piece_id}/publications/{publication_id}/withdraw/")).status_code == 409
    assert client.get(api_url(org, f"{piece_id}/")).json()["status"] == "withdrawn"

    # Other organisations and outsiders: 404; roles without the right: 403.
    assert api(other_manager).get(api_url(org, f"{piece_id}/")).status_code == 404
    assert api(other_manager).get(api_url(other_org, f"{piece_id}/")).status_code == 404
    assert api(other_manager).post(api_url(other_org, f"{piece_id}/submit/")).status_code == 404
    assert api(UserFactory()).get(api_url(org)).status_code == 404
    assert api(None).get(api_url(org)).status_code in (401, 403)
    assert api(members[Role.MARKETING]).post(api_url(org), payload, format="json").status_code == 403
    assert api(members[Role.SALES]).get(api_url(org)).json()["results"] == []
