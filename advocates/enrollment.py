"""Enrollment messages: the program invitation and the welcome sequence.

The program invitation is transactional (the advocate must be able to answer it). The welcome
sequence is program mail: three messages timed from the moment the advocate accepted
(``enrolled_at``), sent by a periodic sweep rather than long Celery countdowns, each exactly once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy

from advocacy.errors import ValidationFailed
from advocacy.messaging import Purpose, retryable_messages, send_message
from advocacy.models import Invitation, Membership, Organization, OutboundMessage, User
from advocacy.roles import Role
from advocacy.services.invitations import invitation_create, invitation_resend
from advocacy.tasks import enqueue_on_commit

from .models import TIER_ORDER, Advocate, ProgramPolicy, Tier, TierPolicy

# The recognition levels, highest first; lazy, so they are translated when a message is rendered.
TIER_LEVELS = format_lazy("{}, {}, {}, {}", *(Tier(tier).label for tier in TIER_ORDER))
# How soon a contribution is thanked, as promised in the invitation and the welcome messages.
THANK_YOU_HOURS = 24


@dataclass(frozen=True)
class WelcomeStep:
    number: int
    after: timedelta  # from enrolment
    template: str


WELCOME_STEPS = (
    WelcomeStep(1, timedelta(0), "welcome_1"),  # welcome: what happens next
    WelcomeStep(2, timedelta(days=3), "welcome_2"),  # set your preferences and consent
    WelcomeStep(3, timedelta(days=10), "welcome_3"),  # how you are thanked; your benefits
)
# Past this, a missed welcome step is dropped: a "welcome" weeks after joining reads as noise.
WELCOME_WINDOW = timedelta(days=30)
# Who is in the welcome sequence: accepted the invitation and still taking part.
WELCOMED_STATUSES = (Advocate.Status.INVITED, Advocate.Status.ACTIVE)


def portal_url(organization: Organization) -> str:
    return settings.SITE_URL + reverse("portal:home", kwargs={"org_slug": organization.slug})


def welcome_dedupe_key(advocate_public_id: uuid.UUID, step: int) -> str:
    return f"welcome:{advocate_public_id}:{step}"


def program_invitation_dedupe_key(advocate: Advocate) -> str:
    invited_at = advocate.invited_at.isoformat() if advocate.invited_at else ""
    return f"program_invitation:{advocate.public_id}:{invited_at}"


# The program invitation -------------------------------------------------------------------------


def send_program_invitation(*, advocate: Advocate, actor: User, request: HttpRequest | None = None) -> None:
    """Sends the personal program invitation, in the name of ``advocate.invited_by`` (an executive
    for platinum), once the surrounding transaction commits.

    Someone without portal access gets an account invitation (advocate role) whose email is the
    program invitation with the sign-up link; someone with access gets the same email with the
    portal link, and answers there."""
    organization = advocate.organization
    has_access = Membership.objects.filter(
        organization=organization, user__email__iexact=advocate.email, role=Role.ADVOCATE
    ).exists()
    if has_access:
        from .enrollment_tasks import send_program_invitation_task

        enqueue_on_commit(send_program_invitation_task, organization.pk, advocate.pk)
        return
    pending = Invitation.objects.filter(
        organization=organization, email__iexact=advocate.email, status=Invitation.Status.PENDING
    ).first()
    if pending is not None:
        if pending.role == Role.ADVOCATE:
            # A fresh link (the old one may have expired) carrying this invitation's message.
            invitation_resend(invitation=pending, actor=actor, request=request)
        return
    try:
        invitation_create(
            organization=organization,
            invited_by=advocate.invited_by or actor,
            email=advocate.email,
            role=Role.ADVOCATE,
            message=advocate.invitation_message,
            request=request,
        )
    except ValidationFailed:
        # A member under another role: they answer in the portal once given the advocate role.
        return


def send_program_invitation_for_account_invitation(*, invitation: Invitation, url: str) -> bool:
    """Writes an advocate-role account invitation as the program invitation, when it was made for
    an advocate invited to the program. False when it was not (a plain invitation is sent)."""
    advocate = (
        Advocate.objects.select_related("organization", "invited_by", "user")
        .filter(
            organization=invitation.organization,
            email__iexact=invitation.email,
            status=Advocate.Status.INVITED,
            enrolled_at__isnull=True,
        )
        .first()
    )
    if advocate is None:
        return False
    send_program_invitation_email(advocate=advocate, url=url, invitation=invitation)
    return True


def send_program_invitation_email(
    *, advocate: Advocate, url: str, invitation: Invitation | None = None, dedupe_key: str = ""
) -> OutboundMessage:
    """The program invitation itself. ``invitation`` is the account invitation when the advocate
    still needs an account (the link signs them up); without it the link opens the portal."""
    organization = advocate.organization
    sender = advocate.invited_by
    policy = ProgramPolicy.for_organization(organization)
    tier_policy = TierPolicy.objects.filter(organization=organization, tier=advocate.tier).first()
    return send_message(
        organization=organization,
        to_email=advocate.email,
        template="program_invitation",
        purpose=Purpose.PROGRAM_INVITATION,
        user=advocate.user or User.objects.filter(email__iexact=advocate.email).first(),
        advocate=advocate,
        sender=sender,
        related=invitation,
        dedupe_key=dedupe_key,
        context={
            "advocate": advocate,
            "sender_name": sender.display_name if sender else organization.name,
            "message": advocate.invitation_message,
            "tier": Tier(advocate.tier).label,
            "tier_wording": tier_policy.advocate_wording if tier_policy else "",
            "tier_levels": TIER_LEVELS,
            "yearly_cap": policy.yearly_cap,
            "thank_you_hours": THANK_YOU_HOURS,
            "url": url,
            "needs_account": invitation is not None,
            "expires_at": invitation.expires_at if invitation is not None else None,
        },
    )


# The welcome sequence ---------------------------------------------------------------------------


def start_welcome_sequence(*, advocate: Advocate) -> None:
    """Sends the first welcome message once the enrolment commits; the periodic sweep
    (``welcome_sequence_sweep_task``) sends the later ones when they fall due, and the first one
    too if this send was lost."""
    from .enrollment_tasks import send_welcome_message_task

    enqueue_on_commit(send_welcome_message_task, advocate.organization_id, advocate.pk, WELCOME_STEPS[0].number)


def welcome_step(number: int) -> WelcomeStep | None:
    return next((step for step in WELCOME_STEPS if step.number == number), None)


def welcome_step_is_due(advocate: Advocate, step: WelcomeStep, *, now: datetime) -> bool:
    """The advocate is still in the welcome sequence and this step's time has come. Opt-outs are
    left to the messaging service, which records the message as not sent."""
    enrolled_at = advocate.enrolled_at
    return (
        enrolled_at is not None
        and now - WELCOME_WINDOW < enrolled_at
        and enrolled_at + step.after <= now
        and advocate.status in WELCOMED_STATUSES
        and advocate.anonymised_at is None
    )


def welcome_steps_due(*, organization: Organization, now: datetime | None = None) -> list[tuple[int, int]]:
    """(advocate id, step number) for each advocate of the organisation whose next welcome step is
    due and not yet sent: at most one step per advocate, the earliest, so a sweep that was down
    catches up in order. Advocates who opted out are skipped."""
    now = now or timezone.now()
    advocates = list(
        Advocate.objects.filter(
            organization=organization,
            enrolled_at__gt=now - WELCOME_WINDOW,
            enrolled_at__lte=now,
            status__in=WELCOMED_STATUSES,
            marketing_opt_out_at__isnull=True,
            anonymised_at__isnull=True,
        ).values_list("pk", "public_id", "enrolled_at")
    )
    if not advocates:
        return []
    settled = set(
        OutboundMessage.objects.filter(
            organization=organization, purpose=Purpose.WELCOME, advocate_id__in=[pk for pk, _, _ in advocates]
        )
        .exclude(retryable_messages(now=now))
        .values_list("dedupe_key", flat=True)
    )
    due = []
    for pk, public_id, enrolled_at in advocates:
        for step in WELCOME_STEPS:
            if enrolled_at is None or enrolled_at + step.after > now:
                break
            if welcome_dedupe_key(public_id, step.number) not in settled:
                due.append((pk, step.number))
                break
    return due


def send_welcome_message(*, advocate: Advocate, step: WelcomeStep) -> OutboundMessage:
    organization = advocate.organization
    policy = ProgramPolicy.for_organization(organization)
    tier_policy = TierPolicy.objects.filter(organization=organization, tier=advocate.tier).first()
    return send_message(
        organization=organization,
        to_email=advocate.email,
        template=step.template,
        purpose=Purpose.WELCOME,
        advocate=advocate,
        dedupe_key=welcome_dedupe_key(advocate.public_id, step.number),
        context={
            "advocate": advocate,
            "tier": Tier(advocate.tier).label,
            "tier_wording": tier_policy.advocate_wording if tier_policy else "",
            "tier_benefits": tier_policy.benefits if tier_policy else "",
            "yearly_cap": policy.yearly_cap,
            "thank_you_hours": THANK_YOU_HOURS,
            "url": portal_url(organization),
        },
    )
