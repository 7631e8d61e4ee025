"""The program NPS survey: opening a round, emailing its signed links, and recording the answers.

A round opens when the organisation's interval is up (twice a year by default) or when the program
team starts one. Every active advocate (not anonymised, no erasure pending) is emailed a personal
link; the link is signed and names the round and the advocate, so answering needs no sign-in. Those
who opted out of program emails are counted among the round's recipients but not written to (the
message is recorded as suppressed); they see the question in their portal. An advocate answers a
round once (a unique constraint), and the answer becomes their latest NPS, which their eligibility
as a promoter follows.

Exactly once: a round is opened with the organisation's row locked, after checking that none is
open (and, for the daily sweep, that none opened within the interval), so two sweeps cannot both
open one. Each email carries the dedupe key ``nps-survey:<round>:<advocate>``, so a batch run twice
sends nothing twice.

Recipients: counted when the round opens, and raised as the round reaches more people (advocates
who became active later and were emailed by the daily catch-up, or who answered in the portal), so
the response rate never passes 100 %.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import CharField, Exists, F, OuterRef, QuerySet, Value
from django.db.models.functions import Cast, Concat, Greatest
from django.http import HttpRequest
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from advocacy.audit import audit_log
from advocacy.errors import ConflictError
from advocacy.messaging import send_message
from advocacy.models import Organization, OutboundMessage, User
from advocacy.tasks import enqueue_on_commit
from advocates.models import Advocate, NpsResponse
from advocates.services import nps_record

from .models import NpsSurvey
from .policy import ReportingPolicy

SURVEY_LINK_SALT = "reporting.nps.answer"
# Emails sent by one task; a larger program is sent in several tasks, one after the other.
SEND_BATCH = 200
SURVEY_SOURCE = "survey"


def survey_recipients(organization: Organization) -> QuerySet[Advocate]:
    """The advocates a round is sent to: active, not anonymised, and not waiting to be erased."""
    return Advocate.objects.filter(
        organization=organization,
        status=Advocate.Status.ACTIVE,
        anonymised_at__isnull=True,
        erasure_requested_at__isnull=True,
    )


def latest_survey(organization: Organization) -> NpsSurvey | None:
    return NpsSurvey.objects.filter(organization=organization).order_by("-opened_at", "-id").first()


def open_survey(organization: Organization, *, now: datetime | None = None) -> NpsSurvey | None:
    """The round advocates can answer now, if any."""
    now = now or timezone.now()
    return (
        NpsSurvey.objects.filter(organization=organization, opened_at__lte=now, closes_at__gt=now)
        .order_by("-opened_at", "-id")
        .first()
    )


def survey_due(organization: Organization, *, now: datetime | None = None) -> bool:
    """True when no round opened within the organisation's interval and someone would receive one."""
    now = now or timezone.now()
    policy = ReportingPolicy.for_organization(organization)
    recent = NpsSurvey.objects.filter(
        organization=organization, opened_at__gt=now - timedelta(days=policy.survey_interval_days)
    )
    return not recent.exists() and survey_recipients(organization).exists()


# Signed links ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyToken:
    organization_id: int
    survey_public_id: uuid.UUID
    advocate_public_id: uuid.UUID


def survey_token(survey: NpsSurvey, advocate: Advocate) -> str:
    """A signed token naming the organisation, the round and the advocate. It does not expire by
    age: the round's closing date decides whether it can still be answered."""
    return signing.dumps(
        {"o": survey.organization_id, "s": str(survey.public_id), "a": str(advocate.public_id)},
        salt=SURVEY_LINK_SALT,
    )


def read_survey_token(token: str) -> SurveyToken | None:
    """What a link names, or None for a tampered or malformed token."""
    try:
        payload = signing.loads(token, salt=SURVEY_LINK_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("o"), int):
        return None
    try:
        return SurveyToken(payload["o"], uuid.UUID(str(payload.get("s"))), uuid.UUID(str(payload.get("a"))))
    except ValueError:
        return None


def survey_url(survey: NpsSurvey, advocate: Advocate) -> str:
    path = reverse(
        "surveys:answer", kwargs={"org_slug": survey.organization.slug, "token": survey_token(survey, advocate)}
    )
    return settings.SITE_URL + path


def survey_dedupe_key(survey: NpsSurvey, advocate: Advocate) -> str:
    return f"nps-survey:{survey.public_id}:{advocate.public_id}"


# Rounds --------------------------------------------------------------------------------------------


@transaction.atomic
def survey_start(
    *,
    organization: Organization,
    started_by: User | None,
    only_if_due: bool = False,
    request: HttpRequest | None = None,
) -> NpsSurvey | None:
    """Opens a round and queues its emails (sent once the round is committed).

    The program team (``started_by``) may start one whenever no round is open; the daily sweep
    (``only_if_due``) starts one only when the interval is up, and returns None otherwise. The
    organisation's row is locked first, so two starts at the same moment open one round."""
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    now = timezone.now()
    current = open_survey(organization, now=now)
    if only_if_due:
        if current is not None or not survey_due(organization, now=now):
            return None
    elif current is not None:
        raise ConflictError(
            _("A survey round is already open until %(date)s.")
            % {"date": formats.date_format(timezone.localtime(current.closes_at), "DATE_FORMAT")}
        )
    recipients = survey_recipients(organization).count()
    if not recipients:
        if only_if_due:
            return None
        raise ConflictError(_("There are no active advocates to ask."))
    policy = ReportingPolicy.for_organization(organization)
    survey = NpsSurvey.objects.create(
        organization=organization,
        opened_at=now,
        closes_at=now + timedelta(days=policy.survey_open_days),
        recipients=recipients,
        started_by=started_by,
    )
    audit_log(
        organization=organization,
        actor=started_by,
        verb="nps_survey.started",
        target=survey,
        data={
            "recipients": recipients,
            "closes_at": survey.closes_at.isoformat(),
            "via": "program team" if started_by is not None else "schedule",
        },
        request=request,
    )
    from .survey_tasks import send_nps_survey_batch_task  # the tasks module imports this one

    enqueue_on_commit(send_nps_survey_batch_task, organization.pk, survey.pk, 0)
    return survey


@dataclass(frozen=True)
class BatchResult:
    sent: int
    # The last advocate reached when more may follow; None when the round has been sent to everyone.
    next_after: int | None


def survey_send_batch(*, survey: NpsSurvey, after_pk: int, limit: int | None = None) -> BatchResult:
    """Emails the next advocates of a round (in id order, after ``after_pk``). Advocates still
    active when their batch runs receive it; opted-out ones are recorded as suppressed. Those the
    round already reached (or who answered in the portal) are skipped, so a batch run again, or the
    daily catch-up, sends only what is missing. A closed round sends nothing more."""
    if not survey.is_open:
        return BatchResult(sent=0, next_after=None)
    limit = limit or SEND_BATCH
    organization = survey.organization
    messaged = OutboundMessage.objects.filter(
        organization=organization,
        dedupe_key=Concat(Value(f"nps-survey:{survey.public_id}:"), Cast(OuterRef("public_id"), CharField())),
        status__in=(OutboundMessage.Status.SENT, OutboundMessage.Status.SUPPRESSED),
    )
    answered = NpsResponse.objects.filter(organization=organization, survey=survey, advocate=OuterRef("pk"))
    advocates = list(
        survey_recipients(organization)
        .filter(pk__gt=after_pk)
        .exclude(Exists(messaged))
        .exclude(Exists(answered))
        .select_related("user")
        .order_by("pk")[:limit]
    )
    sent = 0
    for advocate in advocates:
        message = send_message(
            organization=organization,
            to_email=advocate.email,
            advocate=advocate,
            template="nps_survey",
            context={
                "advocate": advocate,
                "survey": survey,
                "answer_url": survey_url(survey, advocate),
            },
            purpose=OutboundMessage.Purpose.NPS_SURVEY,
            dedupe_key=survey_dedupe_key(survey, advocate),
        )
        sent += message.status == OutboundMessage.Status.SENT
    next_after = advocates[-1].pk if len(advocates) == limit else None
    recount_recipients(survey)
    return BatchResult(sent=sent, next_after=next_after)


def recount_recipients(survey: NpsSurvey) -> None:
    """Raises the round's recipients to everyone it has reached: those emailed (or recorded as
    opted out) and those who answered without an email. Never lowers the count taken at opening."""
    messages = OutboundMessage.objects.filter(
        organization=survey.organization_id,
        purpose=OutboundMessage.Purpose.NPS_SURVEY,
        dedupe_key__startswith=f"nps-survey:{survey.public_id}:",
        status__in=(OutboundMessage.Status.SENT, OutboundMessage.Status.SUPPRESSED),
    )
    emailed = messages.filter(
        dedupe_key=Concat(Value(f"nps-survey:{survey.public_id}:"), Cast(OuterRef("advocate__public_id"), CharField()))
    )
    reached = (
        messages.count()
        + NpsResponse.objects.filter(organization=survey.organization_id, survey=survey)
        .exclude(Exists(emailed))
        .count()
    )
    NpsSurvey.objects.filter(pk=survey.pk).update(recipients=Greatest(F("recipients"), Value(reached)))


# Answers --------------------------------------------------------------------------------------------


def survey_answer_for(survey: NpsSurvey, advocate: Advocate) -> NpsResponse | None:
    return NpsResponse.objects.filter(organization=survey.organization_id, survey=survey, advocate=advocate).first()


@transaction.atomic
def survey_answer(
    *,
    survey: NpsSurvey,
    advocate: Advocate,
    score: int,
    comment: str = "",
    request: HttpRequest | None = None,
) -> NpsResponse:
    """Records the advocate's answer to a round, once. A closed round or a second answer is refused
    and changes nothing; the answer becomes the advocate's latest NPS."""
    if advocate.organization_id != survey.organization_id:
        raise ConflictError(_("This survey belongs to another program."))
    locked = (
        Advocate.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(organization=survey.organization_id, pk=advocate.pk)
    )
    if not survey.is_open:
        raise ConflictError(_("This survey closed on %(date)s.") % {"date": _closing_date(survey)})
    if survey_answer_for(survey, locked) is not None:
        raise ConflictError(_("You have already answered this survey. Your first answer stands."))
    try:
        with transaction.atomic():
            response = nps_record(
                advocate=locked,
                score=score,
                responded_on=timezone.localdate(),
                source=SURVEY_SOURCE,
                survey=survey,
                comment=comment.strip(),
            )
    except IntegrityError as error:
        raise ConflictError(_("You have already answered this survey. Your first answer stands.")) from error
    advocate.nps_score, advocate.nps_recorded_on = locked.nps_score, locked.nps_recorded_on
    recount_recipients(survey)
    audit_log(
        organization=locked.organization,
        actor=None,
        verb="nps.answered",
        target=locked,
        data={"survey": str(survey.public_id), "score": score, "via": "survey link"},
        request=request,
    )
    return response


def _closing_date(survey: NpsSurvey) -> str:
    return formats.date_format(timezone.localtime(survey.closes_at), "DATE_FORMAT")
