"""The thank-you every completed activity is owed within 24 hours, and the personal note that
high-commitment work earns on top of it.

- ``thank_you_schedule`` runs in the transaction that completes the activity: it records what is
  owed (due 24 hours later) and sends the automatic thank-you once that transaction commits.
- ``personal_note_write`` records the note an executive, a CSM or the program team wrote, and
  emails it to the advocate in the writer's name: on the advocate's timeline it shows as an email
  from that person.

Only activities completed now are thanked: one whose date is more than ``RECENT_COMPLETION`` in
the past is history being entered after the fact (a backlog, a spreadsheet), and an automatic
"thank you for what you did" weeks later would read as a mistake, not as appreciation.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from advocacy.audit import audit_log
from advocacy.errors import ConflictError, ValidationFailed
from advocacy.models import Membership, Organization, User
from advocacy.roles import Capability, Role
from advocacy.tasks import enqueue_on_commit
from advocates.models import Activity, ActivityType, Advocate, Tier
from reporting.rollups import appreciation_change

from ..models import THANK_YOU_WITHIN, PersonalNote, ThankYou

# Activity types that earn a personal note whatever commitment the organisation gave them.
HIGH_COMMITMENT_KEYS = frozenset({"case_study", "speaking", "advisory_board", "event"})
# Work at or above this value (the activity's, or the deal of the request it served) is thanked by
# an executive. Tunable per organisation: ``settings["appreciation"]["executive_note_threshold"]``.
DEFAULT_EXECUTIVE_NOTE_THRESHOLD = Decimal(100_000)
# How far back an activity's date may be and still be thanked (see the module docstring).
RECENT_COMPLETION = timedelta(days=2)
NOTE_MAX_LENGTH = 4000


def executive_note_threshold(organization: Organization) -> Decimal:
    stored = ((organization.settings or {}).get("appreciation") or {}).get("executive_note_threshold")
    if stored in (None, ""):
        return DEFAULT_EXECUTIVE_NOTE_THRESHOLD
    try:
        return Decimal(str(stored))
    except InvalidOperation:
        return DEFAULT_EXECUTIVE_NOTE_THRESHOLD


def is_high_commitment(activity_type: ActivityType) -> bool:
    return activity_type.commitment == ActivityType.Commitment.HIGH or activity_type.key in HIGH_COMMITMENT_KEYS


def is_high_value(activity: Activity) -> bool:
    threshold = executive_note_threshold(activity.organization)
    if activity.value is not None and activity.value >= threshold:
        return True
    deal_value = activity.request.deal_value if activity.request_id and activity.request is not None else None
    return deal_value is not None and deal_value >= threshold


def _members(organization: Organization, role: str) -> list[User]:
    memberships = (
        Membership.objects.filter(organization=organization, role=role, user__is_active=True)
        .select_related("user")
        .order_by("created_at", "pk")
    )
    return [membership.user for membership in memberships]


def _is_member(organization: Organization, user: User | None, roles: tuple[str, ...]) -> bool:
    if user is None or not user.is_active:
        return False
    return Membership.objects.filter(organization=organization, user=user, role__in=roles).exists()


def note_assignee(activity: Activity) -> User | None:
    """Who writes the personal note: an executive for a platinum advocate or high-value work (the
    one who invited the advocate, if an executive did, for continuity), otherwise the account's
    CSM; without either, the first program manager (then administrator) so it is never orphaned."""
    organization = activity.organization
    advocate = activity.advocate
    if advocate.tier == Tier.PLATINUM or is_high_value(activity):
        if _is_member(organization, advocate.invited_by, (Role.EXECUTIVE,)):
            return advocate.invited_by
        executives = _members(organization, Role.EXECUTIVE)
        if executives:
            return executives[0]
    csm = advocate.account.csm
    if _is_member(organization, csm, (Role.CSM, Role.EXECUTIVE, Role.PROGRAM_MANAGER, Role.ADMIN)):
        return csm
    for role in (Role.PROGRAM_MANAGER, Role.ADMIN):
        people = _members(organization, role)
        if people:
            return people[0]
    return None


def is_recent_completion(activity: Activity, *, now: datetime | None = None) -> bool:
    today = timezone.localdate(now or timezone.now())
    return activity.occurred_on >= today - RECENT_COMPLETION


@transaction.atomic
def thank_you_schedule(*, activity: Activity, now: datetime | None = None) -> ThankYou | None:
    """Records the thank-you a just-completed activity is owed (due 24 hours from now) and, for
    high-commitment work, the personal note to be written by the same deadline. The automatic
    thank-you is sent once the transaction commits. Calling it again for the same activity, or for
    one that is not completed or not recent, does nothing."""
    from ..tasks import send_thank_you_task

    if activity.status != Activity.Status.COMPLETED or not is_recent_completion(activity, now=now):
        return None
    if ThankYou.objects.filter(organization=activity.organization_id, activity=activity).exists():
        return None
    completed_at = now or timezone.now()
    due_at = completed_at + THANK_YOU_WITHIN
    try:
        with transaction.atomic():
            thank_you = ThankYou.objects.create(
                organization_id=activity.organization_id,
                activity=activity,
                advocate_id=activity.advocate_id,
                completed_at=completed_at,
                due_at=due_at,
            )
    except IntegrityError:  # scheduled by a concurrent transaction
        return None
    if is_high_commitment(activity.activity_type):
        assignee = note_assignee(activity)
        note = PersonalNote.objects.create(
            organization_id=activity.organization_id,
            activity=activity,
            advocate_id=activity.advocate_id,
            assignee=assignee,
            due_at=due_at,
            created_at=completed_at,
        )
        audit_log(
            organization=activity.organization,
            actor=None,
            verb="personal_note.assigned",
            target=activity.advocate,
            data={
                "activity": str(activity.public_id),
                "assignee": assignee.email if assignee else "",
                "due_at": note.due_at.isoformat(),
            },
        )
    enqueue_on_commit(send_thank_you_task, activity.organization_id, thank_you.pk)
    return thank_you


def can_write_note(note: PersonalNote, *, membership: Membership) -> bool:
    return membership.can(Capability.APPRECIATION_MANAGE) or (
        note.assignee_id is not None and note.assignee_id == membership.user_id
    )


@transaction.atomic
def personal_note_write(
    *, note: PersonalNote, text: str, actor: User, membership: Membership, request: HttpRequest | None = None
) -> PersonalNote:
    """Records the note and sends it to the advocate in the writer's name, once. The assignee or
    the program team may write it; a note already written is not written again (409)."""
    from ..tasks import send_personal_note_task

    if not can_write_note(note, membership=membership):
        raise ConflictError(_("This note is assigned to someone else."))
    text = text.strip()
    if not text:
        raise ValidationFailed({"note": [_("Write a few words to the advocate.")]})
    if len(text) > NOTE_MAX_LENGTH:
        raise ValidationFailed({"note": [_("Keep it under %(count)s characters.") % {"count": NOTE_MAX_LENGTH}]})
    now = timezone.now()
    # The claim sends no signal: ``appreciation_change`` keeps the thank-you's rollup current.
    with appreciation_change(note.organization_id, activity_id=note.activity_id):
        claimed = PersonalNote.objects.filter(
            Q(written_at__isnull=True), organization=note.organization_id, pk=note.pk
        ).update(note=text, written_at=now, written_by=actor)
    if not claimed:
        raise ConflictError(_("This note has already been written."))
    note.refresh_from_db()
    audit_log(
        organization=note.organization,
        actor=actor,
        verb="personal_note.written",
        target=note.advocate,
        data={"activity": str(note.activity.public_id), "on_time": now <= note.due_at},
        request=request,
    )
    enqueue_on_commit(send_personal_note_task, note.organization_id, note.pk)
    return note


# Reading: the appreciation queue ------------------------------------------------------------------

QUEUE_FILTERS = ("open", "overdue", "mine", "done")


def visible_thank_yous(*, organization: Organization, membership: Membership) -> QuerySet[ThankYou]:
    """Thank-yous this member may see: the program team and executives all of them, a CSM those of
    the advocates of their accounts."""
    thank_yous = ThankYou.objects.filter(organization=organization)
    if membership.role == Role.CSM:
        thank_yous = thank_yous.filter(advocate__account__csm=membership.user)
    return thank_yous


def visible_notes(*, organization: Organization, membership: Membership) -> QuerySet[PersonalNote]:
    """Personal notes this member may see: as for thank-yous, plus any note assigned to them."""
    notes = PersonalNote.objects.filter(organization=organization)
    if membership.role == Role.CSM:
        notes = notes.filter(Q(advocate__account__csm=membership.user) | Q(assignee=membership.user))
    return notes


def queue_items(
    *, organization: Organization, membership: Membership, show: str = "open", now: datetime | None = None
) -> tuple[QuerySet[ThankYou], QuerySet[PersonalNote]]:
    """The queue's two lists under one filter, most urgent first (most recent first for "done"):
    open (not sent or not written yet), overdue (open and past the deadline), mine (notes
    assigned to me and thank-yous for work I recorded, still open), done."""
    now = now or timezone.now()
    thank_yous = visible_thank_yous(organization=organization, membership=membership)
    notes = visible_notes(organization=organization, membership=membership)
    if show == "done":
        thank_yous = thank_yous.filter(sent_at__isnull=False).order_by("-sent_at", "-pk")
        notes = notes.filter(written_at__isnull=False).order_by("-written_at", "-pk")
    else:
        thank_yous = thank_yous.filter(sent_at__isnull=True).order_by("due_at", "pk")
        notes = notes.filter(written_at__isnull=True).order_by("due_at", "pk")
        if show == "overdue":
            thank_yous = thank_yous.filter(due_at__lt=now)
            notes = notes.filter(due_at__lt=now)
        elif show == "mine":
            thank_yous = thank_yous.filter(activity__recorded_by=membership.user)
            notes = notes.filter(assignee=membership.user)
    thank_yous = thank_yous.select_related("advocate", "activity__activity_type", "activity__recorded_by")
    notes = notes.select_related("advocate", "activity__activity_type", "assignee", "written_by")
    return thank_yous, notes


def advocate_appreciation(*, advocate: Advocate) -> list[ThankYou | PersonalNote]:
    """What the advocate has been sent, newest first: thank-yous and written personal notes."""
    thank_yous = ThankYou.objects.filter(
        organization=advocate.organization_id, advocate=advocate, sent_at__isnull=False
    ).select_related("activity__activity_type")
    notes = PersonalNote.objects.filter(
        organization=advocate.organization_id, advocate=advocate, written_at__isnull=False
    ).select_related("activity__activity_type", "written_by")
    items: list[ThankYou | PersonalNote] = [*thank_yous[:50], *notes[:50]]
    items.sort(key=done_at, reverse=True)
    return items


def done_at(item: ThankYou | PersonalNote) -> datetime:
    """When a thank-you was sent or a note written (the far past while it is still owed)."""
    when = item.sent_at if isinstance(item, ThankYou) else item.written_at
    return when or datetime.min.replace(tzinfo=UTC)
