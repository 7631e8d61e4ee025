"""Campaigns: marketing asks many advocates at once (a review-site campaign, a testimonial drive, a
beta recruitment).

A campaign carries its own request, so every ask goes through ``ask_create`` and passes the same
rules as a single ask, checked again under a lock at the moment of asking. Campaigns never override
a rule: an advocate a rule leaves out is skipped and counted. Sending is idempotent (nobody is asked
twice by one campaign) and runs in batches, the first at once and the rest in a background task.
Closing withdraws the asks still waiting for an answer, so they stop using the advocates' capacity.

Review sites forbid asking for a positive review or tying a reward to one: a review campaign's
message is refused when it does either, and every review ask carries a fixed neutral line.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from advocacy.audit import audit_log
from advocacy.errors import ConflictError, ValidationFailed
from advocacy.messaging import recipient_language
from advocacy.models import Membership, Organization, User
from advocacy.roles import Capability
from advocacy.tasks import enqueue_on_commit
from advocates.models import ActivityType, Advocate

from ..matching import why_not
from ..models import Ask, Campaign, RequestStatus, RequestType
from ..selectors_campaigns import Audience, audience_preview, eligible_advocate_ids
from .outreach import ask_create
from .requests import request_submit, request_transition

CAMPAIGN_REQUEST_TYPES = {
    Campaign.Kind.REVIEW: RequestType.REVIEW,
    Campaign.Kind.TESTIMONIAL: RequestType.TESTIMONIAL,
    Campaign.Kind.BETA: RequestType.BETA,
}
CAMPAIGN_INPUT_FIELDS = ("kind", "name", "message", "site_name", "site_url", "closes_on")
# Asked at once when sending; the rest of a large audience is asked by a background task, in
# batches of this size, each continuing after the last advocate the previous one reached.
INLINE_BATCH = 25
TASK_BATCH = 200

NEUTRAL_REVIEW_LINE = gettext_lazy(
    "We ask for your honest review, whatever your experience has been. Nothing is offered in return, "
    "and nothing depends on your rating."
)

# Wording a review invitation must not use, in the languages the product speaks. The text is
# normalised (NFKC, so "５" is "5") and compared case-insensitively.
_LATIN = r"(?<![\w])(?:{})(?![\w])"
POSITIVE_REVIEW_PATTERNS = [
    # English
    _LATIN.format(r"(?:5|five)[\s-]*stars?"),
    _LATIN.format(r"(?:positive|good|great|glowing|favou?rable|excellent|stellar|nice|top)\s+(?:reviews?|ratings?)"),
    _LATIN.format(r"rate\s+us\s+(?:5|five|highly|well|10)"),
    _LATIN.format(r"(?:top|highest|best|perfect)\s+(?:score|rating|marks)"),
    _LATIN.format(r"10\s*/\s*10|5\s*/\s*5"),
    # Portuguese
    _LATIN.format(r"(?:5|cinco)\s+estrelas"),
    _LATIN.format(r"avalia[çc](?:ão|ao|ões|oes)\s+(?:positivas?|[óo]timas?|boas?|excelentes?|favor[áa]ve(?:l|is))"),
    _LATIN.format(r"(?:boa|[óo]tima|excelente)s?\s+avalia[çc](?:ão|ao|ões|oes)"),
    _LATIN.format(r"(?:coment[áa]rios?|reviews?|resenhas?)\s+positiv[oa]s?"),
    _LATIN.format(r"nota\s+(?:m[áa]xima|5|10|cinco|dez)"),
    # Japanese (no word boundaries)
    r"5つ星|五つ星|星5|星五|★{3,}|★5|高評価|良い評価|よい評価|いい評価|好意的な(?:評価|レビュー|口コミ)"
    r"|ポジティブな(?:評価|レビュー|口コミ)|最高評価|満点",
]
REWARD_PATTERNS = [
    # English
    _LATIN.format(r"gift\s*cards?|gift\s*certificates?|gifts?|rewards?|rewarded|vouchers?|coupons?|swag|prizes?"),
    _LATIN.format(r"raffles?|sweepstakes?|giveaways?|prize\s+draw|lucky\s+draw|incentives?|compensat\w*"),
    _LATIN.format(r"in\s+(?:exchange|return)\s+for|discounts?|donat(?:e|ion|ions)|cash|get\s+paid|we\s+will\s+pay"),
    r"[$€£¥]\s?\d|\d\s?(?:USD|EUR|GBP|BRL|JPY|dollars?|euros?)\b|R\$\s?\d",
    # Portuguese
    _LATIN.format(r"brindes?|presentes?|recompensas?|vale[\s-]presentes?|cart[ãa]o[\s-]presente|pr[êé]mios?"),
    _LATIN.format(
        r"sorteios?|descontos?|em\s+troca|gratifica[çc](?:ão|ao|ões|oes)|incentivos?|cupons?|doa[çc](?:ão|ao)"
    ),
    # Japanese
    r"ギフトカード|ギフト券|商品券|謝礼|報酬|プレゼント|特典|景品|お礼の品|クーポン|割引|ポイント|見返り|抽選|キャッシュバック"
    r"|寄付",
]
_POSITIVE = [re.compile(pattern, re.IGNORECASE) for pattern in POSITIVE_REVIEW_PATTERNS]
_REWARD = [re.compile(pattern, re.IGNORECASE) for pattern in REWARD_PATTERNS]


def review_wording_problems(text: str) -> list[str]:
    """Why a review invitation's wording is refused, one message per phrase found; empty if neutral."""
    normalised = unicodedata.normalize("NFKC", text)
    problems: list[str] = []
    seen: set[str] = set()
    for patterns, message in (
        (_POSITIVE, _("“%(phrase)s” asks for a favourable review. Ask for an honest one, whatever it says.")),
        (
            _REWARD,
            _("“%(phrase)s” ties a reward to the review, which review sites forbid. Offer nothing for a review."),
        ),
    ):
        for pattern in patterns:
            for match in pattern.finditer(normalised):
                phrase = match.group(0).strip()
                if phrase.casefold() not in seen:
                    seen.add(phrase.casefold())
                    problems.append(message % {"phrase": phrase})
    return problems


# Who runs campaigns ---------------------------------------------------------------------------------


def can_run_campaigns(membership: Membership) -> bool:
    """Marketing and the program team."""
    return membership.can(Capability.CAMPAIGNS)


# Creating -----------------------------------------------------------------------------------------


def _validate(organization: Organization, values: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    kind = values.get("kind")
    if kind not in CAMPAIGN_REQUEST_TYPES:
        errors["kind"] = [_("Choose the kind of campaign.")]
    elif not ActivityType.objects.filter(organization=organization, key=CAMPAIGN_REQUEST_TYPES[kind]).exists():
        errors["kind"] = [_("This activity is not part of your program; add it in the program settings first.")]
    if not values.get("name", "").strip():
        errors["name"] = [_("Give the campaign a name.")]
    message = values.get("message", "").strip()
    if not message:
        errors["message"] = [_("Write the message advocates will read.")]
    elif kind == Campaign.Kind.REVIEW:
        problems = review_wording_problems(message)
        if problems:
            errors["message"] = problems
    if kind == Campaign.Kind.REVIEW:
        if not values.get("site_name", "").strip():
            errors["site_name"] = [_("Name the review site (G2, Capterra, TrustRadius…).")]
        if not values.get("site_url", "").strip():
            errors["site_url"] = [_("Give the address of your page on the review site.")]
    closes_on = values.get("closes_on")
    if closes_on is None:
        errors["closes_on"] = [_("Choose the day the campaign closes.")]
    elif closes_on <= timezone.localdate():
        errors["closes_on"] = [_("The closing day must be in the future.")]
    if errors:
        raise ValidationFailed(errors)


@transaction.atomic
def campaign_create(
    *, organization: Organization, actor: User, data: dict[str, Any], request: HttpRequest | None = None
) -> Campaign:
    """A draft campaign and the request that carries its asks (requested by its creator)."""
    values = {name: data[name] for name in CAMPAIGN_INPUT_FIELDS if name in data}
    for name in ("name", "message", "site_name", "site_url"):
        values[name] = str(values.get(name) or "").strip()
    _validate(organization, values)
    if values["kind"] != Campaign.Kind.REVIEW:
        values["site_name"] = values["site_url"] = ""
    advocacy_request = request_submit(
        organization=organization,
        requester=actor,
        data={
            "request_type": CAMPAIGN_REQUEST_TYPES[values["kind"]],
            "needed_by": values["closes_on"],
            "notes": values["name"],
        },
        request=request,
    )
    campaign = Campaign.objects.create(
        organization=organization, request=advocacy_request, created_by=actor, created_at=timezone.now(), **values
    )
    audit_log(
        organization=organization,
        actor=actor,
        verb="campaign.created",
        target=campaign,
        data={"kind": campaign.kind, "closes_on": campaign.closes_on.isoformat()},
        request=request,
    )
    return campaign


# What advocates read ------------------------------------------------------------------------------


def ask_message_for(*, campaign: Campaign, advocate: Advocate) -> str:
    """The campaign's message as the advocate receives it (email and portal), in their language: a
    review ask adds where to write the review and the fixed neutral line."""
    language = recipient_language(organization=campaign.organization, user=advocate.user)
    with translation.override(language):
        return campaign_message_text(campaign)


def campaign_message_text(campaign: Campaign) -> str:
    parts = [campaign.message.strip()]
    if campaign.kind == Campaign.Kind.REVIEW:
        parts.append(_("Where to write it: %(site)s, %(url)s") % {"site": campaign.site_name, "url": campaign.site_url})
        parts.append(str(NEUTRAL_REVIEW_LINE))
    return "\n\n".join(parts)


# Sending ------------------------------------------------------------------------------------------


@dataclass
class BatchResult:
    asked: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    next_after: int | None = None
    stopped: bool = False  # the campaign closed while asking

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())


@dataclass
class SendResult:
    campaign: Campaign
    eligible: int
    left_out: dict[str, int]
    already_asked: int
    first_batch: BatchResult
    continues_in_background: bool


def _lock_campaign(campaign: Campaign) -> Campaign:
    return (
        Campaign.objects.select_for_update(of=("self",))
        .select_related("request")
        .get(organization=campaign.organization_id, pk=campaign.pk)
    )


def _ensure_sendable(campaign: Campaign) -> None:
    if campaign.status == Campaign.Status.CLOSED:
        raise ConflictError(_("This campaign is closed: nobody more can be asked."))
    if campaign.closes_on < timezone.localdate():
        raise ConflictError(_("This campaign's closing day has passed: nobody more can be asked."))


def _open(campaign: Campaign, *, actor: User, request: HttpRequest | None) -> None:
    """Opens a draft and moves its request to matching, where advocates can be asked."""
    advocacy_request = campaign.request
    for step in (RequestStatus.TRIAGED, RequestStatus.MATCHING):
        if advocacy_request.can_transition_to(step):
            advocacy_request = request_transition(
                advocacy_request=advocacy_request, to_status=step, actor=actor, request=request
            )
    if advocacy_request.status not in (RequestStatus.MATCHING, RequestStatus.OUTREACH):
        raise ConflictError(
            _("The campaign's request is “%(status)s”: it cannot ask anyone.")
            % {"status": advocacy_request.get_status_display()}
        )
    campaign.request = advocacy_request
    campaign.status = Campaign.Status.OPEN
    campaign.opened_at = timezone.now()
    campaign.save(update_fields=["status", "opened_at"])
    audit_log(organization=campaign.organization, actor=actor, verb="campaign.opened", target=campaign, request=request)


@transaction.atomic
def campaign_send(
    *, campaign: Campaign, actor: User, audience: Audience, request: HttpRequest | None = None
) -> SendResult:
    """Opens the campaign (if still a draft) and asks every advocate of the audience who passes the
    rules. The first few are asked at once; a large audience continues in a background task. Safe
    to repeat: whoever this campaign already asked is skipped, so a second send with a wider
    audience asks only the newcomers."""
    locked = _lock_campaign(campaign)
    _ensure_sendable(locked)
    if locked.status == Campaign.Status.DRAFT:
        _open(locked, actor=actor, request=request)
    preview = audience_preview(campaign=locked, audience=audience, sample_size=0)
    audit_log(
        organization=locked.organization,
        actor=actor,
        verb="campaign.sent",
        target=locked,
        data={
            "audience": audience.as_dict(),
            "in_audience": preview.total,
            "eligible": preview.eligible,
            "already_asked": preview.already_asked,
            "left_out": preview.excluded_counts(),
        },
        request=request,
    )
    first = _ask_batch(locked, actor=actor, audience=audience, after_pk=0, limit=INLINE_BATCH, request=request)
    if first.next_after is not None:
        from ..campaign_tasks import send_campaign_asks_task

        enqueue_on_commit(
            send_campaign_asks_task, locked.organization_id, locked.pk, actor.pk, audience.as_dict(), first.next_after
        )
    return SendResult(
        campaign=locked,
        eligible=preview.eligible,
        left_out=preview.excluded_counts(),
        already_asked=preview.already_asked,
        first_batch=first,
        continues_in_background=first.next_after is not None,
    )


def campaign_ask_batch(
    *, campaign: Campaign, actor: User | None, audience: Audience, after_pk: int, limit: int = TASK_BATCH
) -> BatchResult:
    """One batch of a send, for the background task. Each ask is its own transaction, so a batch
    cut short keeps what it did and the next run picks up after it."""
    return _ask_batch(campaign, actor=actor, audience=audience, after_pk=after_pk, limit=limit, request=None)


def _ask_batch(
    campaign: Campaign,
    *,
    actor: User | None,
    audience: Audience,
    after_pk: int,
    limit: int,
    request: HttpRequest | None,
) -> BatchResult:
    result = BatchResult()
    ids, result.next_after = eligible_advocate_ids(campaign=campaign, audience=audience, after_pk=after_pk, limit=limit)
    advocates = Advocate.objects.filter(organization=campaign.organization, pk__in=ids).select_related("user")
    asker = actor or campaign.request.requester
    for advocate in sorted(advocates, key=lambda item: item.pk):
        outcome = _ask_one(campaign, advocate=advocate, actor=asker, request=request)
        if outcome == "closed":
            result.stopped = True
            result.next_after = None
            break
        if outcome == "asked":
            result.asked += 1
        else:
            result.skipped[outcome] += 1
    if result.asked or result.skipped:
        audit_log(
            organization=campaign.organization,
            actor=actor,
            verb="campaign.advocates_asked",
            target=campaign,
            data={"asked": result.asked, "skipped": dict(result.skipped)},
            request=request,
        )
    return result


def _ask_one(campaign: Campaign, *, advocate: Advocate, actor: User, request: HttpRequest | None) -> str:
    """ "asked", "closed" (stop: the campaign closed meanwhile), or the key of the rule that refused
    the advocate at the moment of asking (their situation changed since the audience was read)."""
    try:
        with transaction.atomic():
            locked = _lock_campaign(campaign)
            if locked.status != Campaign.Status.OPEN or locked.closes_on < timezone.localdate():
                return "closed"
            ask_create(
                advocacy_request=locked.request,
                advocate=advocate,
                actor=actor,
                message=ask_message_for(campaign=locked, advocate=advocate),
                request=request,
            )
    except IntegrityError:  # asked by a concurrent batch between the read and the insert
        return "already_asked"
    except (ConflictError, ValidationFailed):
        if Ask.objects.filter(
            organization=campaign.organization_id, request=campaign.request_id, advocate=advocate
        ).exists():
            return "already_asked"
        reasons = why_not(advocacy_request=campaign.request, advocate=advocate)
        return reasons[0].key if reasons else "refused"
    return "asked"


# Closing ------------------------------------------------------------------------------------------


@transaction.atomic
def campaign_close(
    *, campaign: Campaign, actor: User | None, reason: str = "", request: HttpRequest | None = None
) -> Campaign:
    """Closes the campaign: nobody more is asked, and the asks still waiting for an answer are
    withdrawn so they stop using the advocates' capacity. Accepted asks stay: the advocate can
    still do what they said yes to, and it is recorded as done. ``actor`` None is the daily sweep."""
    locked = _lock_campaign(campaign)
    if locked.status == Campaign.Status.CLOSED:
        raise ConflictError(_("This campaign is already closed."))
    now = timezone.now()
    note = reason.strip() or _("The campaign closed.")
    pending = list(
        Ask.objects.select_for_update(of=("self",))
        .filter(organization=locked.organization, request=locked.request_id, status=Ask.Status.PENDING)
        .select_related("advocate")
        .order_by("pk")
    )
    Ask.objects.filter(organization=locked.organization, pk__in=[ask.pk for ask in pending]).update(
        status=Ask.Status.WITHDRAWN, responded_at=now
    )
    for ask in pending:
        audit_log(
            organization=locked.organization,
            actor=actor,
            verb="ask.withdrawn",
            target=locked.request,
            data={"ask": str(ask.public_id), "advocate": str(ask.advocate.public_id), "note": note},
            request=request,
        )
    previous = locked.status
    if previous == Campaign.Status.DRAFT and locked.request.can_be_cancelled():
        # Never sent: its request is no longer needed.
        request_transition(
            advocacy_request=locked.request,
            to_status=RequestStatus.CANCELLED,
            actor=actor,
            reason=note,
            request=request,
        )
    elif previous == Campaign.Status.OPEN and locked.request.can_transition_to(RequestStatus.CLOSED):
        # Closed with the campaign, so it no longer counts among the open requests anywhere.
        request_transition(
            advocacy_request=locked.request,
            to_status=RequestStatus.CLOSED,
            actor=actor,
            reason=reason.strip(),
            request=request,
        )
    locked.status = Campaign.Status.CLOSED
    locked.closed_at = now
    locked.save(update_fields=["status", "closed_at"])
    audit_log(
        organization=locked.organization,
        actor=actor,
        verb="campaign.closed",
        target=locked,
        data={
            "from": previous,
            "withdrawn": len(pending),
            "reason": reason.strip(),
            "by": "user" if actor else "sweep",
        },
        request=request,
    )
    return locked


def campaigns_due_to_close(*, organization: Organization) -> list[int]:
    """Campaigns still open or in draft after their closing day."""
    return list(
        Campaign.objects.filter(
            organization=organization,
            status__in=(Campaign.Status.DRAFT, Campaign.Status.OPEN),
            closes_on__lt=timezone.localdate(),
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
