"""Reads for campaigns: who is in an audience, who of them may be asked, and how the asks went.

The audience is checked with the matching engine's own annotations (one boolean per rule, computed
in the database), streamed once and counted in Python (an aggregate per rule would repeat the
correlated subqueries), so the people a campaign asks are exactly those "why not?" would clear.
Campaigns never override a rule: the soft ones (cooldown, the advocate's own limits, blackout
dates) leave an advocate out like the hard ones.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from advocacy.audit import verb_label
from advocacy.models import AuditEvent, Organization
from advocates.models import Advocate, CustomerAccount

from .matching import HARD_RULES, activity_type_for, annotate_rules
from .models import Ask, Campaign

# Each matching rule's key (as "why not?" names it) and how a preview labels the people it leaves out.
RULE_KEYS = {
    "ok_active": "active",
    "ok_healthy": "healthy",
    "ok_consent": "consent",
    "ok_willing": "willing",
    "ok_cap": "cap",
    "ok_type_limit": "type_limit",
    "ok_interval": "interval",
    "ok_cooldown": "cooldown",
    "ok_blackout": "blackout",
    "ok_not_pending": "pending",
}
REASON_LABELS = {
    "active": _("Not active in the program"),
    "healthy": _("Account health below the threshold"),
    "consent": _("Consent missing"),
    "willing": _("Not willing to do this activity"),
    "cap": _("At the yearly cap"),
    "type_limit": _("Reached this activity's limit for the year"),
    "interval": _("Did this activity too recently"),
    "cooldown": _("Asked too recently"),
    "blackout": _("In a blackout period"),
    "pending": _("Still to answer another request"),
    "own_interval": _("Their own minimum interval"),
    "already_asked": _("Already asked in this campaign"),
    "refused": _("Refused at the moment of asking"),
}
PASSES_EVERY_RULE = Q(**{rule: True for rule in HARD_RULES})


@dataclass(frozen=True)
class Audience:
    """Who a campaign is for. Empty means everyone; several values of one filter mean any of them."""

    tiers: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()  # customer account public ids
    languages: tuple[str, ...] = ()

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Audience:
        def values(name: str) -> tuple[str, ...]:
            raw = data.get(name) or ()
            if isinstance(raw, str):
                raw = (raw,)
            return tuple(sorted({str(value).strip() for value in raw if str(value).strip()}))

        return cls(**{name: values(name) for name in cls.__dataclass_fields__})

    def as_dict(self) -> dict[str, list[str]]:
        return {name: list(getattr(self, name)) for name in self.__dataclass_fields__}


def audience_advocates(
    *, organization: Organization, audience: Audience, queryset: QuerySet[Any] | None = None
) -> QuerySet[Any]:
    """The organisation's advocates matching the audience filters (before any rule is applied)."""
    advocates = queryset if queryset is not None else Advocate.objects.all()
    advocates = advocates.filter(organization=organization)
    if audience.tiers:
        advocates = advocates.filter(tier__in=audience.tiers)
    if audience.segments:
        advocates = advocates.filter(account__segment__in=audience.segments)
    if audience.regions:
        advocates = advocates.filter(account__region__in=audience.regions)
    if audience.industries:
        any_industry = Q()
        for industry in audience.industries:
            any_industry |= Q(account__industry__iexact=industry)
        advocates = advocates.filter(any_industry)
    if audience.accounts:
        advocates = advocates.filter(account__public_id__in=audience.accounts)
    if audience.languages:
        codes = "|".join(re.escape(code) for code in audience.languages)
        advocates = advocates.filter(languages__regex=rf"(^| )({codes})( |$)")
    return advocates


def _checked(campaign: Campaign, audience: Audience, today: date) -> QuerySet[Any]:
    """The audience with the matching rules annotated, plus whether this campaign already asked them
    (whatever came of it: nobody is asked twice by one campaign)."""
    advocacy_request = campaign.request
    annotated = annotate_rules(advocacy_request, activity_type_for(advocacy_request), today=today)
    asked_here = Ask.objects.filter(
        organization=OuterRef("organization"), request=advocacy_request, advocate=OuterRef("pk")
    )
    return audience_advocates(organization=campaign.organization, audience=audience, queryset=annotated).annotate(
        in_campaign=Exists(asked_here)
    )


def _within_own_interval(own_interval: int | None, last_type_on: date | None, today: date) -> bool:
    return bool(own_interval and last_type_on and last_type_on > today - timedelta(days=own_interval))


@dataclass
class LeftOut:
    advocate: Any
    reasons: list[str]


@dataclass
class AudiencePreview:
    total: int
    eligible: int
    already_asked: int
    excluded: list[tuple[str, str, int]] = field(default_factory=list)  # (key, label, count), most first
    sample: list[Any] = field(default_factory=list)
    left_out_sample: list[LeftOut] = field(default_factory=list)

    @property
    def left_out(self) -> int:
        return self.total - self.eligible - self.already_asked

    def excluded_counts(self) -> dict[str, int]:
        return {key: count for key, _label, count in self.excluded}


def audience_preview(
    *, campaign: Campaign, audience: Audience, sample_size: int = 8, today: date | None = None
) -> AudiencePreview:
    """How many of the audience pass every rule, how many each rule leaves out (one advocate may
    fail several), and a few names on each side.

    The rules are read in one pass over the audience (one boolean per rule, computed in the
    database) and counted here: an aggregate filtering on each rule would make PostgreSQL evaluate
    the correlated subqueries behind a rule once per use. Three queries whatever the audience size."""
    today = today or timezone.localdate()
    columns = ("pk", "full_name", "in_campaign", "own_interval", "last_type_on", *HARD_RULES)
    rows = _checked(campaign, audience, today).values_list(*columns).order_by()
    total = already_asked = 0
    excluded: Counter[str] = Counter()
    eligible_names: list[tuple[str, int]] = []
    left_out_names: list[tuple[str, int]] = []
    left_out_reasons: dict[int, list[str]] = {}
    for pk, full_name, in_campaign, own_interval, last_type_on, *rules in rows.iterator(chunk_size=5000):
        total += 1
        if in_campaign:
            already_asked += 1
            continue
        failed = [RULE_KEYS[rule] for rule, passed in zip(HARD_RULES, rules, strict=True) if passed is not True]
        if not failed and _within_own_interval(own_interval, last_type_on, today):
            failed = ["own_interval"]
        if failed:
            excluded.update(failed)
            _keep_first(left_out_names, (full_name.casefold(), pk), sample_size)
            left_out_reasons[pk] = failed
        else:
            _keep_first(eligible_names, (full_name.casefold(), pk), sample_size)
    sample_ids = [pk for _name, pk in eligible_names] + [pk for _name, pk in left_out_names]
    people = (
        Advocate.objects.filter(organization=campaign.organization, pk__in=sample_ids).select_related("account")
        if sample_ids
        else Advocate.objects.none()
    )
    by_pk = {advocate.pk: advocate for advocate in people}
    return AudiencePreview(
        total=total,
        eligible=total - already_asked - len(left_out_reasons),
        already_asked=already_asked,
        excluded=sorted(
            ((key, str(REASON_LABELS[key]), count) for key, count in excluded.items()),
            key=lambda item: (-item[2], item[0]),
        ),
        sample=[by_pk[pk] for _name, pk in sorted(eligible_names) if pk in by_pk],
        left_out_sample=[
            LeftOut(advocate=by_pk[pk], reasons=[str(REASON_LABELS[key]) for key in left_out_reasons[pk]])
            for _name, pk in sorted(left_out_names)
            if pk in by_pk
        ],
    )


def _keep_first(kept: list[tuple[str, int]], item: tuple[str, int], size: int) -> None:
    """Keeps the ``size`` smallest items, sorted: the first names alphabetically."""
    if size <= 0:
        return
    if len(kept) < size:
        bisect.insort(kept, item)
    elif item < kept[-1]:
        bisect.insort(kept, item)
        kept.pop()


def eligible_advocate_ids(
    *, campaign: Campaign, audience: Audience, after_pk: int = 0, limit: int = 100, today: date | None = None
) -> tuple[list[int], int | None]:
    """The next ``limit`` advocates (by id, after ``after_pk``) the campaign may ask, and the id to
    continue from, or None when the audience has been gone through."""
    today = today or timezone.localdate()
    rows = list(
        _checked(campaign, audience, today)
        .filter(PASSES_EVERY_RULE, in_campaign=False, pk__gt=after_pk)
        .order_by("pk")
        .values_list("pk", "own_interval", "last_type_on")[:limit]
    )
    ids = [pk for pk, own_interval, last_type_on in rows if not _within_own_interval(own_interval, last_type_on, today)]
    next_after = rows[-1][0] if len(rows) == limit else None
    return ids, next_after


# Responses ----------------------------------------------------------------------------------------

RESPONSE_STATUSES = (
    Ask.Status.PENDING,
    Ask.Status.ACCEPTED,
    Ask.Status.DECLINED,
    Ask.Status.EXPIRED,
    Ask.Status.WITHDRAWN,
    Ask.Status.COMPLETED,
)
ANSWERED = (Ask.Status.ACCEPTED, Ask.Status.DECLINED, Ask.Status.COMPLETED)


@dataclass
class ResponseSummary:
    asked: int
    by_status: dict[str, int]

    @property
    def answered(self) -> int:
        return sum(self.by_status.get(status, 0) for status in ANSWERED)

    @property
    def response_rate(self) -> int | None:
        """Answered (yes, no or done) out of everyone asked, in whole per cent."""
        if not self.asked:
            return None
        return round(100 * self.answered / self.asked)

    def rows(self) -> list[tuple[str, str, int]]:
        return [(status, str(Ask.Status(status).label), self.by_status.get(status, 0)) for status in RESPONSE_STATUSES]


def campaign_asks(*, campaign: Campaign, status: str = "") -> QuerySet[Ask]:
    asks = Ask.objects.filter(organization=campaign.organization, request=campaign.request_id).select_related(
        "advocate", "advocate__account"
    )
    if status:
        asks = asks.filter(status=status)
    return asks.order_by("advocate__full_name", "pk")


def campaign_response_summary(*, campaign: Campaign) -> ResponseSummary:
    rows = (
        Ask.objects.filter(organization=campaign.organization, request=campaign.request_id)
        .order_by()
        .values("status")
        .annotate(n=Count("pk"))
    )
    by_status = {row["status"]: row["n"] for row in rows}
    return ResponseSummary(asked=sum(by_status.values()), by_status=by_status)


def campaign_summaries(*, organization: Organization, campaigns: list[Campaign]) -> dict[int, ResponseSummary]:
    """Response counts for a page of campaigns in one query."""
    rows = (
        Ask.objects.filter(organization=organization, request__campaign__in=campaigns)
        .order_by()
        .values("request__campaign", "status")
        .annotate(n=Count("pk"))
    )
    by_campaign: dict[int, dict[str, int]] = {campaign.pk: {} for campaign in campaigns}
    for row in rows:
        by_campaign[row["request__campaign"]][row["status"]] = row["n"]
    return {pk: ResponseSummary(asked=sum(counts.values()), by_status=counts) for pk, counts in by_campaign.items()}


@dataclass
class LogEntry:
    verb: str
    label: str
    created_at: Any
    actor_label: str
    data: dict[str, Any]
    reasons: list[tuple[str, int]]  # (label, how many advocates), for a send's left-out and skipped


def campaign_sending_log(*, campaign: Campaign, limit: int = 20) -> list[LogEntry]:
    """What each send did (audience, asked, left out by which rule) and the closing, newest first,
    read back from the audit log."""
    events = AuditEvent.objects.filter(
        organization=campaign.organization,
        object_type="campaign",
        object_id=str(campaign.public_id),
        verb__in=("campaign.sent", "campaign.advocates_asked", "campaign.closed"),
    ).order_by("-created_at", "-id")[:limit]
    entries = []
    for event in events:
        counts = event.data.get("left_out") or event.data.get("skipped") or {}
        reasons = [(str(REASON_LABELS.get(key, key)), count) for key, count in counts.items() if count]
        entries.append(
            LogEntry(
                verb=event.verb,
                label=verb_label(event.verb),
                created_at=event.created_at,
                actor_label=event.actor_label,
                data=event.data,
                reasons=sorted(reasons, key=lambda item: -item[1]),
            )
        )
    return entries


def audience_choices(*, organization: Organization) -> dict[str, list[tuple[str, str]]]:
    """The industries and accounts an audience can be narrowed to (the fixed vocabularies come from
    the model choices)."""
    accounts = CustomerAccount.objects.filter(organization=organization).order_by("name", "pk")
    industries = sorted(
        set(accounts.exclude(industry="").order_by().values_list("industry", flat=True).distinct()), key=str.casefold
    )
    return {
        "industries": [(industry, industry) for industry in industries],
        "accounts": [(str(public_id), name) for public_id, name in accounts.values_list("public_id", "name")],
    }
