"""Personal data rights: what the program holds about an advocate (the export), the advocate's
request to be erased, and the erasure a program manager confirms.

Erasure anonymises the person everywhere in the organisation and keeps what reporting needs: the
advocate row (tier, status, dates) and every activity, as anonymous counts. The log records that an
erasure happened and who confirmed it, never the erased data.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from advocacy.audit import audit_log
from advocacy.errors import ConflictError
from advocacy.models import ApiToken, AuditEvent, Invitation, Membership, Organization, OutboundMessage, User
from advocacy.roles import Role
from advocacy.tenancy import memberships_of

from .models import (
    CONSENT_FIELDS,
    Activity,
    ActivityPreference,
    Advocate,
    AdvocateStatusChange,
    BlackoutPeriod,
    Channel,
    ConsentChange,
    ConsentSource,
    ImportJob,
    NpsResponse,
    TierChange,
)

# Audit payload keys whose values describe the person; blanked on the erased advocate's events.
PERSONAL_AUDIT_KEYS = frozenset(
    {
        "full_name",
        "email",
        "title",
        "outcomes",
        "use_cases",
        "tags",
        "languages",
        "time_zone",
        "reason",
        "note",
        "message",
        "name",
        "invitation_message",
    }
)
ERASED_TEXT = "[erased]"


def erased_email(public_id: Any) -> str:
    """A unique address that can never receive mail (``.invalid`` is reserved, RFC 2606)."""
    return f"erased-{public_id}@invalid"


def _erased_name(organization: Organization) -> str:
    with translation.override(organization.default_language):
        return str(_("Erased advocate"))


def _lock(advocate: Advocate) -> Advocate:
    return Advocate.objects.select_for_update(of=("self",)).get(organization=advocate.organization, pk=advocate.pk)


# The export ----------------------------------------------------------------------------------------
# One small function per kind of data; the export is their union. A new kind of personal data
# (messages sent to the advocate, rewards…) adds one function and one line in EXPORT_SECTIONS.


def _profile(advocate: Advocate) -> dict[str, Any]:
    return {
        "public_id": advocate.public_id,
        "full_name": advocate.full_name,
        "email": advocate.email,
        "company": advocate.account.name,
        "title": advocate.title,
        "seniority": advocate.seniority,
        "languages": advocate.language_codes,
        "time_zone": advocate.time_zone,
        "preferred_channel": advocate.preferred_channel,
        "tier": advocate.tier,
        "suggested_tier": advocate.suggested_tier,
        "suggested_tier_reason": advocate.suggested_tier_reason,
        "status": advocate.status,
        "latest_nps": advocate.nps_score,
        "latest_nps_on": advocate.nps_recorded_on,
        "outcomes": advocate.outcomes,
        "use_cases": advocate.use_cases,
        "tags": advocate.tag_list,
        "consents": advocate.consents(),
        "invited_by": advocate.invited_by.display_name if advocate.invited_by else None,
        "invited_at": advocate.invited_at,
        "invitation_message": advocate.invitation_message,
        "enrolled_at": advocate.enrolled_at,
        "joined_at": advocate.joined_at,
        "onboarded_at": advocate.onboarded_at,
        "last_activity_at": advocate.last_activity_at,
        "marketing_opt_out_at": advocate.marketing_opt_out_at,
        "erasure_requested_at": advocate.erasure_requested_at,
        "created_at": advocate.created_at,
        "updated_at": advocate.updated_at,
    }


def _portal_account(advocate: Advocate) -> dict[str, Any] | None:
    user = advocate.user
    if user is None:
        return None
    return {
        "email": user.email,
        "full_name": user.full_name,
        "language": user.language,
        "time_zone": user.time_zone,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
    }


def _consent_history(advocate: Advocate) -> list[dict[str, Any]]:
    return [
        {"consent": change.consent, "granted": change.granted, "source": change.source, "note": change.note}
        | {"at": change.created_at}
        for change in ConsentChange.objects.filter(organization=advocate.organization, advocate=advocate)
    ]


def _activity_preferences(advocate: Advocate) -> list[dict[str, Any]]:
    preferences = ActivityPreference.objects.filter(organization=advocate.organization, advocate=advocate)
    return [
        {
            "activity_type": preference.activity_type.key,
            "activity_type_name": preference.activity_type.name,
            "max_per_12_months": preference.max_per_year,
            "min_days_apart": preference.min_interval_days,
        }
        for preference in preferences.select_related("activity_type").order_by("activity_type__sort_order")
    ]


def _blackouts(advocate: Advocate) -> list[dict[str, Any]]:
    return [
        {"from": blackout.starts_on, "until": blackout.ends_on, "note": blackout.note}
        for blackout in BlackoutPeriod.objects.filter(organization=advocate.organization, advocate=advocate)
    ]


def _activities(advocate: Advocate) -> list[dict[str, Any]]:
    activities = Activity.objects.filter(organization=advocate.organization, advocate=advocate)
    return [
        {
            "public_id": activity.public_id,
            "activity_type": activity.activity_type.key,
            "activity_type_name": activity.activity_type.name,
            "date": activity.occurred_on,
            "minutes": activity.minutes,
            "status": activity.status,
            "outcome": activity.outcome,
        }
        for activity in activities.select_related("activity_type")
    ]


def _nps_history(advocate: Advocate) -> list[dict[str, Any]]:
    return [
        {"score": response.score, "responded_on": response.responded_on, "source": response.source}
        for response in NpsResponse.objects.filter(organization=advocate.organization, advocate=advocate)
    ]


def _status_history(advocate: Advocate) -> list[dict[str, Any]]:
    return [
        {"from": change.from_status, "to": change.to_status, "reason": change.reason, "at": change.created_at}
        for change in AdvocateStatusChange.objects.filter(organization=advocate.organization, advocate=advocate)
    ]


def _tier_history(advocate: Advocate) -> list[dict[str, Any]]:
    return [
        {
            "kind": change.kind,
            "from": change.from_tier,
            "to": change.to_tier,
            "reason": change.reason,
            "at": change.created_at,
        }
        for change in TierChange.objects.filter(organization=advocate.organization, advocate=advocate)
    ]


def _messages(advocate: Advocate) -> list[dict[str, Any]]:
    """What the program sent them (bodies are never stored, so neither exported)."""
    return [
        {
            "purpose": message.purpose,
            "subject": message.subject,
            "to": message.recipient_email,
            "language": message.language,
            "status": message.status,
            "created_at": message.created_at,
            "sent_at": message.sent_at,
        }
        for message in OutboundMessage.objects.filter(organization=advocate.organization, advocate=advocate)
    ]


def _asks(advocate: Advocate) -> list[dict[str, Any]]:
    """What the program asked of them and how they answered."""
    from requests_mgmt.models import Ask

    asks = Ask.objects.filter(organization=advocate.organization, advocate=advocate).select_related("request")
    return [
        {
            "public_id": ask.public_id,
            "request_type": ask.request.request_type,
            "message": ask.message,
            "asked_at": ask.asked_at,
            "status": ask.status,
            "answered_at": ask.responded_at,
            "reason_given": ask.decline_reason,
            "scheduled_for": ask.scheduled_start,
            "briefing": ask.advocate_briefing,
            "completed_at": ask.completed_at,
            "rating": ask.advocate_rating,
            "comment": ask.advocate_comment,
        }
        for ask in asks
    ]


def _referrals(advocate: Advocate) -> list[dict[str, Any]]:
    from requests_mgmt.models import Referral

    return [
        {
            "public_id": referral.public_id,
            "peer_name": referral.peer_name,
            "peer_email": referral.peer_email,
            "peer_company": referral.peer_company,
            "context": referral.context,
            "status": referral.status,
            "created_at": referral.created_at,
        }
        for referral in Referral.objects.filter(organization=advocate.organization, advocate=advocate)
    ]


def _content(advocate: Advocate) -> list[dict[str, Any]]:
    from requests_mgmt.models import ContentPiece

    pieces = ContentPiece.objects.filter(organization=advocate.organization, advocate=advocate)
    return [
        {
            "public_id": piece.public_id,
            "kind": piece.kind,
            "title": piece.title,
            "status": piece.status,
            "published_in": [
                {"channel": item.channel, "where": item.where, "until": item.permitted_until}
                for item in piece.publications.all()
                if item.withdrawn_at is None
            ],
        }
        for piece in pieces.prefetch_related("publications")
    ]


def _rewards(advocate: Advocate) -> list[dict[str, Any]]:
    from benefits.privacy import export_rewards

    return export_rewards(advocate)


def _thank_yous(advocate: Advocate) -> list[dict[str, Any]]:
    from benefits.privacy import export_thank_yous

    return export_thank_yous(advocate)


def _nominations(advocate: Advocate) -> list[dict[str, Any]]:
    from benefits.privacy import export_nominations

    return export_nominations(advocate)


EXPORT_SECTIONS: list[tuple[str, Callable[[Advocate], Any]]] = [
    ("advocate", _profile),
    ("portal_account", _portal_account),
    ("consent_history", _consent_history),
    ("activity_preferences", _activity_preferences),
    ("blackout_periods", _blackouts),
    ("activities", _activities),
    ("nps_history", _nps_history),
    ("status_history", _status_history),
    ("tier_history", _tier_history),
    ("messages", _messages),
    ("asks", _asks),
    ("referrals", _referrals),
    ("content", _content),
    ("rewards", _rewards),
    ("thank_yous", _thank_yous),
    ("nominations", _nominations),
]


def advocate_data_export(*, advocate: Advocate) -> dict[str, Any]:
    """Everything the organisation holds about the advocate, as plain data for a JSON download."""
    organization = advocate.organization
    export: dict[str, Any] = {
        "exported_at": timezone.now(),
        "organization": {"name": organization.name, "slug": organization.slug},
    }
    for key, build in EXPORT_SECTIONS:
        export[key] = build(advocate)
    return export


# The erasure request -------------------------------------------------------------------------------


@transaction.atomic
def advocate_request_erasure(*, advocate: Advocate, user: User, request: HttpRequest | None = None) -> Advocate:
    """The advocate asks to be erased; a program manager confirms. Asking twice changes nothing."""
    advocate = _lock(advocate)
    if advocate.anonymised_at is not None:
        raise ConflictError(_("This person's data has already been erased."))
    if advocate.erasure_requested_at is None:
        advocate.erasure_requested_at = timezone.now()
        advocate.save(update_fields=["erasure_requested_at", "updated_at"])
        audit_log(
            organization=advocate.organization,
            actor=user,
            verb="advocate.erasure_requested",
            target=advocate,
            request=request,
        )
    return advocate


@transaction.atomic
def advocate_withdraw_erasure_request(
    *, advocate: Advocate, user: User, request: HttpRequest | None = None
) -> Advocate:
    """The advocate changes their mind before the program team erased anything. Once erased, there is
    nothing left to withdraw."""
    advocate = _lock(advocate)
    if advocate.anonymised_at is not None:
        raise ConflictError(_("This person's data has already been erased."))
    if advocate.erasure_requested_at is None:
        raise ConflictError(_("There is no erasure request to withdraw."))
    advocate.erasure_requested_at = None
    advocate.save(update_fields=["erasure_requested_at", "updated_at"])
    audit_log(
        organization=advocate.organization,
        actor=user,
        verb="advocate.erasure_withdrawn",
        target=advocate,
        request=request,
    )
    return advocate


# The erasure ---------------------------------------------------------------------------------------


def _replace_needles(text: str, needles: list[str], replacement: str) -> str:
    """Replaces whole-word mentions, so a short name does not eat into other words."""
    for needle in needles:
        text = re.sub(rf"(?<!\w){re.escape(needle)}(?!\w)", replacement, text, flags=re.IGNORECASE)
    return text


def _blank(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _blank(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_blank(item) for item in value]
    return "" if isinstance(value, str) else value


def _scrub(value: Any, needles: list[str], *, own_event: bool, key: str | None = None) -> Any:
    """A copy of an audit payload without the person: every mention of their name or email
    replaced and, on the erased advocate's own events, the values of personal fields emptied."""
    if own_event and key in PERSONAL_AUDIT_KEYS:
        return _blank(value)
    if isinstance(value, dict):
        return {k: _scrub(v, needles, own_event=own_event, key=k) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(item, needles, own_event=own_event, key=key) for item in value]
    if isinstance(value, str):
        return _replace_needles(value, needles, ERASED_TEXT)
    return value


def _is_only_this_advocate(organization: Organization, user: User | None) -> bool:
    """Whether the portal user is here only as this advocate (not a staff member linked by
    mistake): only then are their own actions and address in the organisation's log anonymised."""
    if user is None:
        return False
    role = Membership.objects.filter(organization=organization, user=user).values_list("role", flat=True).first()
    return role in (None, Role.ADVOCATE)


def _scrub_audit_events(
    *,
    organization: Organization,
    advocate: Advocate,
    needles: list[str],
    emails: list[str],
    person: User | None,
    erased_name: str,
) -> None:
    """Every event about the advocate, mentioning one of their addresses, or done by them."""
    own = Q(object_type="advocate", object_id=str(advocate.public_id))
    matches = own
    for email in emails:
        matches |= Q(data_text__icontains=email) | Q(object_label__icontains=email)
    if person is not None:
        matches |= Q(actor=person)
    events = (
        AuditEvent.objects.filter(organization=organization)
        .annotate(data_text=Cast("data", output_field=TextField()))
        .filter(matches)
    )
    changed = []
    for event in events:
        own_event = event.object_type == "advocate" and event.object_id == str(advocate.public_id)
        event.data = _scrub(event.data, needles, own_event=own_event)
        event.object_label = erased_name if own_event else _replace_needles(event.object_label, needles, ERASED_TEXT)
        if person is not None and event.actor_id == person.pk:
            event.actor = None
            event.actor_label = erased_name
            event.ip_address = None
        changed.append(event)
    AuditEvent.objects.bulk_update(changed, ["data", "object_label", "actor", "actor_label", "ip_address"])


def _scrub_invitations(*, organization: Organization, emails: list[str]) -> None:
    """Account invitations to the person's addresses: the address and message go; a pending one is
    revoked."""
    query = Q(pk__in=[])
    for email in emails:
        query |= Q(email__iexact=email)
    for invitation in Invitation.objects.filter(query, organization=organization):
        invitation.email = erased_email(invitation.public_id)
        invitation.message = ""
        if invitation.status == Invitation.Status.PENDING:
            invitation.status = Invitation.Status.REVOKED
        invitation.save(update_fields=["email", "message", "status"])


def _scrub_messages(
    *, organization: Organization, advocate: Advocate, emails: list[str], person: User | None, needles: list[str]
) -> None:
    """The record of what was sent stays (purpose, status, dates) without who it went to or what its
    subject said."""
    query = Q(advocate=advocate)
    for email in emails:
        query |= Q(recipient_email__iexact=email)
    if person is not None:
        query |= Q(recipient_user=person)
    messages = list(OutboundMessage.objects.filter(query, organization=organization))
    for message in messages:
        message.recipient_email = erased_email(message.public_id)
        message.recipient_user = None
        message.subject = ""
        message.error = ""
        message.related_label = _replace_needles(message.related_label, needles, ERASED_TEXT)
    OutboundMessage.objects.bulk_update(
        messages, ["recipient_email", "recipient_user", "subject", "error", "related_label"]
    )


def _scrub_import_errors(*, organization: Organization, needles: list[str]) -> None:
    """Row-level import errors quote the rows they are about; drop the person from them."""
    lowered = [needle.lower() for needle in needles]
    for job in ImportJob.objects.filter(organization=organization).exclude(errors=[]).only("pk", "errors"):
        text = json.dumps(job.errors).lower()
        if any(needle in text for needle in lowered):
            job.errors = _scrub(job.errors, needles, own_event=False)
            job.save(update_fields=["errors"])


def _release_portal_user(*, organization: Organization, user: User) -> None:
    """The person's access here ends. Users are global: the account itself is anonymised and
    closed only when the person belongs to no other organisation."""
    Membership.objects.filter(organization=organization, user=user, role=Role.ADVOCATE).delete()
    ApiToken.objects.filter(organization=organization, user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if memberships_of(user):
        return
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    user.email = erased_email(user.public_id)
    user.full_name = ""
    user.language = ""
    user.time_zone = ""
    user.is_active = False
    user.set_unusable_password()
    user.save(update_fields=["email", "full_name", "language", "time_zone", "is_active", "password"])


# Where an advocate who is erased goes: someone who is gone is no longer asked.
LEAVING_STATUS: dict[str, str] = {
    Advocate.Status.ACTIVE: Advocate.Status.ALUMNI,
    Advocate.Status.PAUSED: Advocate.Status.ALUMNI,
    Advocate.Status.INVITED: Advocate.Status.DECLINED,
}

ANONYMISED_FIELDS = (
    "full_name",
    "email",
    "user",
    "title",
    "seniority",
    "outcomes",
    "use_cases",
    "tags",
    "languages",
    "time_zone",
    "preferred_channel",
    "invitation_message",
    "suggested_tier_reason",
    "nps_score",
    "nps_recorded_on",
    "status",
    "anonymised_at",
    *CONSENT_FIELDS.values(),
)


def _scrub_requests_work(*, organization: Organization, advocate: Advocate, now: Any) -> None:
    """Asks still open are withdrawn (their capacity and calendar go with the person); what they
    wrote in asks and referrals is cleared; content about them stops being used: live
    publications are withdrawn and the drafts emptied. Referred peers' own details stay with sales."""
    from requests_mgmt.models import ApprovalStep, Ask, ContentPiece, ContentStatus, Publication, Referral

    history = {"organization": organization, "advocate": advocate}
    Ask.objects.filter(**history, status__in=Ask.COUNTING_STATUSES).update(
        status=Ask.Status.WITHDRAWN, responded_at=now
    )
    Ask.objects.filter(**history).update(
        message="", decline_reason="", advocate_briefing="", advocate_comment="", meeting_location=""
    )
    Referral.objects.filter(**history).update(context="")
    pieces = ContentPiece.objects.filter(**history)
    Publication.objects.filter(organization=organization, content__in=pieces, withdrawn_at__isnull=True).update(
        withdrawn_at=now
    )
    ApprovalStep.objects.filter(organization=organization, content__in=pieces, kind="customer").update(comment="")
    pieces.update(body="", draft_url="", status=ContentStatus.WITHDRAWN)


def _scrub_appreciation(*, organization: Organization, advocate: Advocate, actor: User) -> None:
    """Thank-yous and notes still owed are dropped, unshipped rewards cancelled, and the texts about
    the person cleared (shipping addresses, notes, nomination reasons): see ``benefits/privacy.py``."""
    from benefits.privacy import erase_appreciation

    erase_appreciation(organization=organization, advocate=advocate, actor=actor)


@transaction.atomic
def advocate_erase(*, advocate: Advocate, actor: User, request: HttpRequest | None = None) -> Advocate:
    """Anonymises the advocate everywhere in the organisation, keeping their activities as anonymous
    counts, and records one ``advocate.erased`` event that holds no personal data. Erasing twice is
    refused."""
    advocate = _lock(advocate)
    if advocate.anonymised_at is not None:
        raise ConflictError(_("This person's data has already been erased."))
    organization = advocate.organization
    user = advocate.user
    person = user if _is_only_this_advocate(organization, user) else None
    emails = [advocate.email]
    if person is not None and person.email.lower() != advocate.email.lower():
        emails.append(person.email)
    names = [advocate.full_name, person.full_name if person is not None else ""]
    needles = list(dict.fromkeys([*emails, *(name for name in names if name.strip())]))
    erased_name = _erased_name(organization)
    now = timezone.now()
    history = {"organization": organization, "advocate": advocate}

    # Consent: each granted flag is withdrawn, recorded with nothing but that fact.
    ConsentChange.objects.filter(**history).update(note="")
    ConsentChange.objects.bulk_create(
        [
            ConsentChange(**history, consent=consent, granted=False, source=ConsentSource.ERASURE, created_at=now)
            for consent, field in CONSENT_FIELDS.items()
            if getattr(advocate, field)
        ]
    )
    BlackoutPeriod.objects.filter(**history).delete()
    ActivityPreference.objects.filter(**history).delete()
    NpsResponse.objects.filter(**history).delete()
    Activity.objects.filter(**history).update(outcome="", crm_opportunity_id="")
    AdvocateStatusChange.objects.filter(**history).update(reason="")
    TierChange.objects.filter(**history).update(reason="")
    if person is not None:
        ConsentChange.objects.filter(**history, actor=person).update(actor=None)
        AdvocateStatusChange.objects.filter(**history, actor=person).update(actor=None)

    leaving_status = LEAVING_STATUS.get(advocate.status)
    if leaving_status is not None:
        AdvocateStatusChange.objects.create(
            **history, from_status=advocate.status, to_status=leaving_status, actor=actor, created_at=now
        )
        advocate.status = leaving_status
    for field in CONSENT_FIELDS.values():
        setattr(advocate, field, False)
    advocate.full_name = erased_name
    advocate.email = erased_email(advocate.public_id)
    advocate.user = None
    advocate.title = advocate.seniority = advocate.outcomes = advocate.use_cases = advocate.tags = ""
    advocate.languages = advocate.time_zone = advocate.invitation_message = advocate.suggested_tier_reason = ""
    advocate.preferred_channel = Channel.EMAIL
    advocate.nps_score = None
    advocate.nps_recorded_on = None
    advocate.anonymised_at = now
    advocate.save(update_fields=[*ANONYMISED_FIELDS, "updated_at"])

    _scrub_requests_work(organization=organization, advocate=advocate, now=now)
    _scrub_appreciation(organization=organization, advocate=advocate, actor=actor)
    _scrub_invitations(organization=organization, emails=emails)
    _scrub_import_errors(organization=organization, needles=needles)
    _scrub_messages(organization=organization, advocate=advocate, emails=emails, person=person, needles=needles)
    _scrub_audit_events(
        organization=organization,
        advocate=advocate,
        needles=needles,
        emails=emails,
        person=person,
        erased_name=erased_name,
    )
    if person is not None:
        _release_portal_user(organization=organization, user=person)

    audit_log(
        organization=organization,
        actor=actor,
        verb="advocate.erased",
        target=advocate,
        data={"public_id": str(advocate.public_id)},
        request=request,
    )
    return advocate
