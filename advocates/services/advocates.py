"""Advocate workflows: create and update, the lifecycle (nominate, invite, accept, pause…), consent,
preferences and blackouts, the activity ledger, health and NPS. Every change is audit-logged."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from advocacy.audit import audit_log
from advocacy.errors import ConflictError, ValidationFailed
from advocacy.models import Membership, Organization, User
from advocacy.roles import Role

from ..models import (
    CONSENT_FIELDS,
    ActivityPreference,
    ActivityType,
    Advocate,
    AdvocateStatusChange,
    BlackoutPeriod,
    ConsentChange,
    NpsResponse,
    Tier,
)

if TYPE_CHECKING:
    from reporting.models import NpsSurvey

ADVOCATE_EDITABLE_FIELDS = (
    "account",
    "full_name",
    "email",
    "title",
    "seniority",
    "languages",
    "time_zone",
    "outcomes",
    "use_cases",
    "tags",
    "preferred_channel",
)


def _duplicate_email() -> ValidationFailed:
    return ValidationFailed({"email": [_("Another advocate in this organisation already has this email address.")]})


def _lock(advocate: Advocate) -> Advocate:
    return Advocate.objects.select_for_update(of=("self",)).get(organization=advocate.organization, pk=advocate.pk)


@transaction.atomic
def advocate_create(
    *, organization: Organization, actor: User | None, data: dict[str, Any], request: HttpRequest | None = None
) -> Advocate:
    values = {field: data[field] for field in ADVOCATE_EDITABLE_FIELDS if field in data}
    values["email"] = values.get("email", "").strip().lower()
    if values["account"].organization_id != organization.pk:
        raise ValidationFailed({"account": [_("No such account in this organisation.")]})
    if Advocate.objects.filter(organization=organization, email__iexact=values["email"]).exists():
        raise _duplicate_email()
    try:
        with transaction.atomic():
            advocate = Advocate.objects.create(organization=organization, **values)
    except IntegrityError:
        raise _duplicate_email() from None
    AdvocateStatusChange.objects.create(
        organization=organization, advocate=advocate, to_status=advocate.status, actor=actor, reason=_("Added.")
    )
    audit_log(
        organization=organization,
        actor=actor,
        verb="advocate.created",
        target=advocate,
        data={"email": advocate.email, "status": advocate.status},
        request=request,
    )
    if "nps_score" in data and data["nps_score"] is not None:
        nps_record(advocate=advocate, score=data["nps_score"], responded_on=timezone.localdate(), source="manual")
    return advocate


@transaction.atomic
def advocate_update(
    *, advocate: Advocate, actor: User | None, data: dict[str, Any], request: HttpRequest | None = None
) -> Advocate:
    advocate = _lock(advocate)
    changes: dict[str, dict[str, Any]] = {}
    for field in ADVOCATE_EDITABLE_FIELDS:
        if field not in data:
            continue
        value = data[field]
        if field == "email":
            value = value.strip().lower()
        if field == "account" and value.organization_id != advocate.organization_id:
            raise ValidationFailed({"account": [_("No such account in this organisation.")]})
        old = getattr(advocate, field)
        if old != value:
            changes[field] = {
                "from": str(old) if old is not None else None,
                "to": str(value) if value is not None else None,
            }
            setattr(advocate, field, value)
    if "email" in changes and (
        Advocate.objects.filter(organization=advocate.organization, email__iexact=advocate.email)
        .exclude(pk=advocate.pk)
        .exists()
    ):
        raise _duplicate_email()
    if changes:
        advocate.save(update_fields=[*changes, "updated_at"])
        audit_log(
            organization=advocate.organization,
            actor=actor,
            verb="advocate.updated",
            target=advocate,
            data=changes,
            request=request,
        )
    if "nps_score" in data and data["nps_score"] is not None and data["nps_score"] != advocate.nps_score:
        nps_record(advocate=advocate, score=data["nps_score"], responded_on=timezone.localdate(), source="manual")
    return advocate


@transaction.atomic
def advocate_change_status(
    *, advocate: Advocate, status: str, actor: User | None, reason: str = "", request: HttpRequest | None = None
) -> Advocate:
    """Moves an advocate along the lifecycle; a move the lifecycle does not allow is refused."""
    advocate = _lock(advocate)
    if not advocate.can_transition_to(status):
        raise ConflictError(
            _("An advocate who is “%(current)s” cannot become “%(target)s”.")
            % {"current": advocate.get_status_display(), "target": Advocate.Status(status).label}
        )
    previous = advocate.status
    advocate.status = status
    fields = ["status", "updated_at"]
    if status == Advocate.Status.ACTIVE and advocate.joined_at is None:
        advocate.joined_at = timezone.localdate()
        fields.append("joined_at")
    advocate.save(update_fields=fields)
    AdvocateStatusChange.objects.create(
        organization=advocate.organization,
        advocate=advocate,
        from_status=previous,
        to_status=status,
        reason=reason,
        actor=actor,
    )
    audit_log(
        organization=advocate.organization,
        actor=actor,
        verb="advocate.status_changed",
        target=advocate,
        data={"from": previous, "to": status, "reason": reason},
        request=request,
    )
    return advocate


def advocate_nominate(*, advocate: Advocate, actor: User, reason: str, request: HttpRequest | None = None) -> Advocate:
    """A CSM (or the program team) proposes a contact for the program, saying why."""
    if not reason.strip():
        raise ValidationFailed({"reason": [_("Say why this person would make a good advocate.")]})
    return advocate_change_status(
        advocate=advocate, status=Advocate.Status.NOMINATED, actor=actor, reason=reason.strip(), request=request
    )


@transaction.atomic
def advocate_invite(
    *,
    advocate: Advocate,
    actor: User,
    message: str,
    sender: User | None = None,
    request: HttpRequest | None = None,
) -> Advocate:
    """Invites a candidate or nominee into the program with a personal message. Platinum
    invitations go out in an executive's name; others in the program manager's."""
    from ..enrollment import send_program_invitation

    organization = advocate.organization
    if not message.strip():
        raise ValidationFailed({"message": [_("Write a personal message: it is the heart of the invitation.")]})
    sender = sender or actor
    if (
        advocate.tier == Tier.PLATINUM
        and not Membership.objects.filter(organization=organization, user=sender, role=Role.EXECUTIVE).exists()
    ):
        raise ValidationFailed({"sender": [_("Platinum invitations go out in an executive's name. Choose one.")]})
    if not Membership.objects.filter(organization=organization, user=sender).exists():
        raise ValidationFailed({"sender": [_("The sender must be a member of the organisation.")]})
    advocate = advocate_change_status(
        advocate=advocate,
        status=Advocate.Status.INVITED,
        actor=actor,
        reason=_("Invited to the program."),
        request=request,
    )
    advocate.invited_by = sender
    advocate.invited_at = timezone.now()
    advocate.invitation_message = message.strip()
    advocate.save(update_fields=["invited_by", "invited_at", "invitation_message", "updated_at"])
    send_program_invitation(advocate=advocate, actor=actor, request=request)
    return advocate


@transaction.atomic
def advocate_respond_to_invitation(
    *, advocate: Advocate, user: User, accept: bool, reason: str = "", request: HttpRequest | None = None
) -> Advocate:
    """The advocate's answer in the portal. Accepting enrols them (activation comes with the first
    activity); declining is recorded kindly, with their reason if they gave one."""
    advocate = _lock(advocate)
    if advocate.status != Advocate.Status.INVITED or advocate.enrolled_at is not None:
        raise ConflictError(_("There is no open invitation to answer."))
    if advocate.user_id not in (None, user.pk) or (
        advocate.user_id is None and advocate.email.lower() != user.email.lower()
    ):
        raise ConflictError(_("This invitation belongs to someone else."))
    if accept:
        advocate.user = user
        advocate.enrolled_at = timezone.now()
        advocate.save(update_fields=["user", "enrolled_at", "updated_at"])
        audit_log(
            organization=advocate.organization, actor=user, verb="advocate.enrolled", target=advocate, request=request
        )
        from ..enrollment import start_welcome_sequence

        start_welcome_sequence(advocate=advocate)
        return advocate
    return advocate_change_status(
        advocate=advocate,
        status=Advocate.Status.DECLINED,
        actor=user,
        reason=reason.strip() or _("Declined the invitation."),
        request=request,
    )


@transaction.atomic
def advocate_finish_onboarding(*, advocate: Advocate, user: User, request: HttpRequest | None = None) -> Advocate:
    advocate = _lock(advocate)
    if advocate.enrolled_at is None:
        raise ConflictError(_("Accept the invitation first."))
    if advocate.onboarded_at is None:
        advocate.onboarded_at = timezone.now()
        advocate.save(update_fields=["onboarded_at", "updated_at"])
        audit_log(
            organization=advocate.organization, actor=user, verb="advocate.onboarded", target=advocate, request=request
        )
    return advocate


@transaction.atomic
def consent_set(
    *,
    advocate: Advocate,
    consents: dict[str, bool],
    source: str,
    actor: User | None,
    note: str = "",
    request: HttpRequest | None = None,
) -> list[ConsentChange]:
    """Records each consent flag that changes, with its time and source; unchanged flags are not
    recorded again."""
    advocate = _lock(advocate)
    changes = []
    for consent, granted in consents.items():
        field = CONSENT_FIELDS.get(consent)  # type: ignore[call-overload]
        if field is None:
            raise ValidationFailed({consent: [_("Unknown consent.")]})
        if getattr(advocate, field) == bool(granted):
            continue
        setattr(advocate, field, bool(granted))
        changes.append(
            ConsentChange(
                organization=advocate.organization,
                advocate=advocate,
                consent=consent,
                granted=bool(granted),
                source=source,
                note=note,
                actor=actor,
            )
        )
    if changes:
        advocate.save(update_fields=[CONSENT_FIELDS[change.consent] for change in changes] + ["updated_at"])  # type: ignore[index]
        ConsentChange.objects.bulk_create(changes)
        audit_log(
            organization=advocate.organization,
            actor=actor,
            verb="advocate.consent_changed",
            target=advocate,
            data={change.consent: change.granted for change in changes} | {"source": source},
            request=request,
        )
    return changes


@transaction.atomic
def preferences_set(
    *,
    advocate: Advocate,
    actor: User | None,
    willing: dict[int, dict[str, int | None]] | None = None,
    preferred_channel: str | None = None,
    time_zone: str | None = None,
    languages: str | None = None,
    request: HttpRequest | None = None,
) -> Advocate:
    """Sets what the advocate is willing to do (activity type id → their own limits) and how they
    like to be reached. ``willing=None`` leaves the activity preferences as they are."""
    advocate = _lock(advocate)
    organization = advocate.organization
    data: dict[str, Any] = {}
    if willing is not None:
        types = {t.pk: t for t in ActivityType.objects.filter(organization=organization, pk__in=list(willing))}
        unknown = set(willing) - set(types)
        if unknown:
            raise ValidationFailed({"activity_types": [_("No such activity type in this organisation.")]})
        ActivityPreference.objects.filter(organization=organization, advocate=advocate).delete()
        ActivityPreference.objects.bulk_create(
            [
                ActivityPreference(
                    organization=organization,
                    advocate=advocate,
                    activity_type=types[type_id],
                    max_per_year=limits.get("max_per_year"),
                    min_interval_days=limits.get("min_interval_days"),
                )
                for type_id, limits in willing.items()
            ]
        )
        data["willing"] = sorted(types[type_id].key for type_id in willing)
        advocate.preferences_stated_at = timezone.now()
        advocate.save(update_fields=["preferences_stated_at", "updated_at"])
    fields = []
    for name, value in (("preferred_channel", preferred_channel), ("time_zone", time_zone), ("languages", languages)):
        if value is not None and getattr(advocate, name) != value:
            setattr(advocate, name, value)
            fields.append(name)
            data[name] = value
    if fields:
        advocate.save(update_fields=[*fields, "updated_at"])
    if data:
        audit_log(
            organization=organization,
            actor=actor,
            verb="advocate.preferences_changed",
            target=advocate,
            data=data,
            request=request,
        )
    return advocate


@transaction.atomic
def blackout_add(
    *,
    advocate: Advocate,
    starts_on: date,
    ends_on: date,
    note: str,
    actor: User | None,
    request: HttpRequest | None = None,
) -> BlackoutPeriod:
    if ends_on < starts_on:
        raise ValidationFailed({"ends_on": [_("The end date is before the start date.")]})
    blackout = BlackoutPeriod.objects.create(
        organization=advocate.organization, advocate=advocate, starts_on=starts_on, ends_on=ends_on, note=note
    )
    audit_log(
        organization=advocate.organization,
        actor=actor,
        verb="advocate.blackout_added",
        target=advocate,
        data={"from": starts_on.isoformat(), "until": ends_on.isoformat()},
        request=request,
    )
    return blackout


@transaction.atomic
def blackout_remove(*, blackout: BlackoutPeriod, actor: User | None, request: HttpRequest | None = None) -> None:
    advocate = blackout.advocate
    data = {"from": blackout.starts_on.isoformat(), "until": blackout.ends_on.isoformat()}
    blackout.delete()
    audit_log(
        organization=advocate.organization,
        actor=actor,
        verb="advocate.blackout_removed",
        target=advocate,
        data=data,
        request=request,
    )


@transaction.atomic
def nps_record(
    *,
    advocate: Advocate,
    score: int,
    responded_on: date,
    source: str = "manual",
    survey: NpsSurvey | None = None,
    comment: str = "",
) -> NpsResponse:
    """Records a score (from a program survey round when ``survey`` is given) and makes the
    advocate's latest score the one eligibility reads."""
    if not 0 <= score <= 10:
        raise ValidationFailed({"nps_score": [_("An NPS score is between 0 and 10.")]})
    response = NpsResponse.objects.create(
        organization=advocate.organization,
        advocate=advocate,
        score=score,
        responded_on=responded_on,
        source=source,
        survey=survey,
        comment=comment,
    )
    latest = (
        NpsResponse.objects.filter(organization=advocate.organization, advocate=advocate)
        .order_by("-responded_on", "-id")
        .first()
    )
    if latest is not None:
        Advocate.objects.filter(organization=advocate.organization, pk=advocate.pk).update(
            nps_score=latest.score, nps_recorded_on=latest.responded_on
        )
        advocate.nps_score, advocate.nps_recorded_on = latest.score, latest.responded_on
    return response
