"""The quarterly executive summary email: last quarter's executive page, in a few headline figures.

``executive_summary_sweep_task`` runs daily on the beat schedule (``advocacy/celery.py``). In the
first week of a quarter (in the organisation's time zone), for every organisation that has not
turned the summary off, it sends one task that emails the summary of the quarter just ended to
each member who may see the reports: executives, administrators and program managers, each in
their own language.

Exactly once per person and quarter: each email carries the dedupe key
``executive-summary:<quarter start>:<user id>``, so the sweep running every day of that week, a
retry, or a send by hand (``manage.py send_executive_summary``) give each person one email."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from celery import Task, shared_task
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from advocacy.messaging import recipient_language, send_message
from advocacy.models import Membership, Organization, OutboundMessage, User
from advocacy.roles import Capability, Role, role_can
from advocacy.tasks import TenantTask
from benefits.services.budgets import next_quarter_start, organization_today, quarter_start

from .filters import ReportFilter
from .pages import build_page
from .panels import Panel
from .policy import ReportingPolicy

# What ``reporting.tasks`` re-exports so the worker registers the tasks.
__all__ = ["executive_summary_sweep_task", "send_executive_summary_task"]

TRANSIENT_ERRORS = (OSError, smtplib.SMTPException)
# The summary goes out on one of the first days of the quarter: a sweep missed on the first day
# (a deploy, a broker restart) still sends it later that week.
SUMMARY_WINDOW_DAYS = 7
TEMPLATE = "executive_summary"


@dataclass(frozen=True)
class Quarter:
    start: date

    @classmethod
    def containing(cls, day: date) -> Quarter:
        return cls(quarter_start(day))

    @property
    def end(self) -> date:
        return next_quarter_start(self.start) - timedelta(days=1)

    @property
    def number(self) -> int:
        return (self.start.month - 1) // 3 + 1

    @property
    def previous(self) -> Quarter:
        return Quarter.containing(self.start - timedelta(days=1))

    def report_filter(self) -> ReportFilter:
        return ReportFilter(start=self.start, end=self.end)


def summary_due(organization: Organization, today: date | None = None) -> Quarter | None:
    """The quarter to summarise when today (the organisation's) is in the first days of the next
    one, else None."""
    today = today or organization_today(organization)
    current = Quarter.containing(today)
    if (today - current.start).days >= SUMMARY_WINDOW_DAYS:
        return None
    return current.previous


def summary_roles() -> list[str]:
    """The roles that see the report pages, and so the summary of them."""
    return [role.value for role in Role if role_can(role.value, Capability.DASHBOARD)]


def summary_recipients(organization: Organization) -> list[User]:
    memberships = (
        Membership.objects.filter(organization=organization, role__in=summary_roles(), user__is_active=True)
        .select_related("user")
        .order_by("user_id")
    )
    return [membership.user for membership in memberships]


def summary_url(organization: Organization, quarter: Quarter) -> str:
    path = reverse("reporting:executive", kwargs={"org_slug": organization.slug})
    return f"{settings.SITE_URL}{path}?{quarter.report_filter().querystring()}"


def summary_context(organization: Organization, quarter: Quarter, panels: list[Panel]) -> dict[str, Any]:
    """What the email templates render: the panels that have headline figures (their charts and
    tables are on the page the email links to)."""
    return {
        "organization": organization,
        "quarter": quarter,
        "panels": [panel for panel in panels if panel.figures],
        "has_more": any(panel.charts or panel.tables for panel in panels),
        "url": summary_url(organization, quarter),
    }


def dedupe_key(quarter: Quarter, user: User) -> str:
    return f"executive-summary:{quarter.start.isoformat()}:{user.pk}"


def recipients_by_language(organization: Organization, recipients: list[User]) -> dict[str, list[User]]:
    groups: dict[str, list[User]] = {}
    for user in recipients:
        groups.setdefault(recipient_language(organization=organization, user=user), []).append(user)
    return groups


def summary_panels(organization: Organization, quarter: Quarter, language: str) -> list[Panel]:
    """The executive page for the quarter, built in the language of the readers (labels a builder
    translates as it builds come out in that language)."""
    with translation.override(language):
        return build_page("executive", organization, quarter.report_filter())


def render_summary(organization: Organization, quarter: Quarter, language: str) -> dict[str, str]:
    """Subject, text and HTML of the summary in ``language``, for a preview."""
    context = summary_context(organization, quarter, summary_panels(organization, quarter, language))
    context["unsubscribe_url"] = None
    with translation.override(language):
        return {
            "subject": " ".join(render_to_string(f"emails/{TEMPLATE}_subject.txt", context).split()),
            "text": render_to_string(f"emails/{TEMPLATE}.txt", context),
            "html": render_to_string(f"emails/{TEMPLATE}.html", context),
        }


def send_executive_summary(*, organization: Organization, quarter: Quarter) -> list[OutboundMessage]:
    """Emails the quarter's summary to every member who sees the reports who does not have it yet
    (the dedupe key keeps it to one per person); returns the messages of those it tried to reach.
    The page is built once per language, and not at all when everyone already has it."""
    recipients = summary_recipients(organization)
    delivered = set(
        OutboundMessage.objects.filter(
            organization=organization,
            dedupe_key__in=[dedupe_key(quarter, user) for user in recipients],
            status=OutboundMessage.Status.SENT,
        ).values_list("dedupe_key", flat=True)
    )
    pending = [user for user in recipients if dedupe_key(quarter, user) not in delivered]
    messages = []
    for language, people in recipients_by_language(organization, pending).items():
        context = summary_context(organization, quarter, summary_panels(organization, quarter, language))
        for user in people:
            messages.append(
                send_message(
                    organization=organization,
                    to_email=user.email,
                    user=user,
                    template=TEMPLATE,
                    context=context,
                    purpose=OutboundMessage.Purpose.PROGRAM_REPORT,
                    dedupe_key=dedupe_key(quarter, user),
                )
            )
    return messages


@shared_task(base=TenantTask, bind=True, max_retries=3, soft_time_limit=120, time_limit=150)
def send_executive_summary_task(self: Task, organization: Organization, quarter_start_iso: str) -> int:
    """Sends one organisation's summary of the quarter starting ``quarter_start_iso`` to whoever
    does not have it yet; how many emails went out."""
    quarter = Quarter.containing(date.fromisoformat(quarter_start_iso))
    try:
        messages = send_executive_summary(organization=organization, quarter=quarter)
    except TRANSIENT_ERRORS as exc:
        # The dedupe keys let the retry skip whoever already has it.
        raise self.retry(exc=exc, countdown=300) from exc
    return sum(message.status == OutboundMessage.Status.SENT for message in messages)


@shared_task(soft_time_limit=60, time_limit=90)
def executive_summary_sweep_task() -> int:
    """Starts the summary of every organisation in the first days of its quarter that wants one;
    how many were started."""
    started = 0
    organizations = Organization.objects.order_by("pk").only("pk", "time_zone", "settings")
    for organization in organizations.iterator():
        quarter = summary_due(organization)
        if quarter is None or not ReportingPolicy.for_organization(organization).executive_summary:
            continue
        send_executive_summary_task.delay(organization.pk, quarter.start.isoformat())
        started += 1
    return started
