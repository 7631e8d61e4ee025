"""Advocacy requests: what sales and marketing need from the program, and where each need stands."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from advocacy.models import Organization
from advocates.models import LANGUAGE_CHOICES, Region, Segment, Seniority


class RequestType(models.TextChoices):
    REFERENCE_CALL = "reference_call", _("Reference call")
    CASE_STUDY = "case_study", _("Case study")
    TESTIMONIAL = "testimonial", _("Testimonial")
    REVIEW = "review", _("Review on a review site")
    SPEAKING = "speaking", _("Speaking slot")
    EVENT = "event", _("Event")
    BETA = "beta", _("Beta recruitment")
    REFERRAL = "referral", _("Referral")


class RequestStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    TRIAGED = "triaged", _("Triaged")
    MATCHING = "matching", _("Matching")
    OUTREACH = "outreach", _("Outreach")
    ACCEPTED = "accepted", _("Accepted")
    SCHEDULED = "scheduled", _("Scheduled")
    COMPLETED = "completed", _("Completed")
    CLOSED = "closed", _("Closed")
    UNFULFILLED = "unfulfilled", _("Unfulfilled")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = frozenset(
    {
        RequestStatus.SUBMITTED,
        RequestStatus.TRIAGED,
        RequestStatus.MATCHING,
        RequestStatus.OUTREACH,
        RequestStatus.ACCEPTED,
        RequestStatus.SCHEDULED,
    }
)

# Which requests each face offers: sales asks for what helps a deal, marketing for content.
SALES_TYPES = (RequestType.REFERENCE_CALL, RequestType.CASE_STUDY, RequestType.REFERRAL)
MARKETING_TYPES = (
    RequestType.CASE_STUDY,
    RequestType.TESTIMONIAL,
    RequestType.REVIEW,
    RequestType.SPEAKING,
    RequestType.EVENT,
    RequestType.BETA,
)

DUE_SOON = timedelta(hours=72)

# The workflow: which status may follow which. Anything else is refused (409 in the API).
TRANSITIONS: dict[str, frozenset[str]] = {
    RequestStatus.SUBMITTED: frozenset({RequestStatus.TRIAGED, RequestStatus.CANCELLED, RequestStatus.UNFULFILLED}),
    RequestStatus.TRIAGED: frozenset({RequestStatus.MATCHING, RequestStatus.CANCELLED, RequestStatus.UNFULFILLED}),
    RequestStatus.MATCHING: frozenset({RequestStatus.OUTREACH, RequestStatus.CANCELLED, RequestStatus.UNFULFILLED}),
    RequestStatus.OUTREACH: frozenset(
        {RequestStatus.ACCEPTED, RequestStatus.MATCHING, RequestStatus.CANCELLED, RequestStatus.UNFULFILLED}
    ),
    RequestStatus.ACCEPTED: frozenset(
        {RequestStatus.SCHEDULED, RequestStatus.MATCHING, RequestStatus.CANCELLED, RequestStatus.UNFULFILLED}
    ),
    RequestStatus.SCHEDULED: frozenset(
        {RequestStatus.COMPLETED, RequestStatus.MATCHING, RequestStatus.CANCELLED, RequestStatus.UNFULFILLED}
    ),
    RequestStatus.COMPLETED: frozenset({RequestStatus.CLOSED}),
    RequestStatus.CLOSED: frozenset(),
    RequestStatus.UNFULFILLED: frozenset(),
    RequestStatus.CANCELLED: frozenset(),
}
# Moves the program team makes by hand from the request page; the others follow from outreach,
# the advocate's answer, scheduling and completion.
MANUAL_TRANSITIONS = frozenset(
    {RequestStatus.TRIAGED, RequestStatus.MATCHING, RequestStatus.UNFULFILLED, RequestStatus.CLOSED}
)
# Moves that need a written reason.
REASON_REQUIRED = frozenset({RequestStatus.UNFULFILLED, RequestStatus.CANCELLED})
# Moves the requester is told about by email.
NOTIFY_REQUESTER = frozenset(
    {
        RequestStatus.TRIAGED,
        RequestStatus.ACCEPTED,
        RequestStatus.SCHEDULED,
        RequestStatus.COMPLETED,
        RequestStatus.UNFULFILLED,
    }
)


class AdvocacyRequestQuerySet(models.QuerySet["AdvocacyRequest"]):
    def open(self) -> AdvocacyRequestQuerySet:
        return self.filter(status__in=OPEN_STATUSES)


class AdvocacyRequest(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="advocacy_requests")
    request_type = models.CharField(_("request type"), max_length=32, choices=RequestType.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.SUBMITTED
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requester"), on_delete=models.PROTECT, related_name="+"
    )
    prospect_company = models.CharField(_("prospect company"), max_length=200, blank=True)
    prospect_industry = models.CharField(_("prospect industry"), max_length=100, blank=True)
    prospect_segment = models.CharField(_("prospect segment"), max_length=20, choices=Segment.choices, blank=True)
    prospect_region = models.CharField(_("prospect region"), max_length=20, choices=Region.choices, blank=True)
    products = models.CharField(_("products"), max_length=300, blank=True)
    use_case = models.CharField(_("use case"), max_length=300, blank=True)
    seniority_wanted = models.CharField(_("seniority wanted"), max_length=20, choices=Seniority.choices, blank=True)
    language = models.CharField(_("language of the conversation"), max_length=10, choices=LANGUAGE_CHOICES, blank=True)
    deal_value = models.DecimalField(
        _("deal value"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    crm_opportunity_id = models.CharField(_("CRM opportunity ID"), max_length=64, blank=True)
    needed_by = models.DateField(_("needed by"))
    notes = models.TextField(_("anything else the program team should know"), blank=True, max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(
        organization="organization", _manager_class=models.Manager.from_queryset(AdvocacyRequestQuerySet)
    )

    class Meta:
        verbose_name = _("advocacy request")
        verbose_name_plural = _("advocacy requests")
        ordering = ["needed_by", "created_at"]
        indexes = [
            models.Index(fields=["organization", "status", "needed_by"], name="request_org_status_due"),
            models.Index(fields=["organization", "requester", "-created_at"], name="request_org_requester"),
            # Reports: which CRM opportunities had advocacy.
            models.Index(
                fields=["organization", "crm_opportunity_id"],
                include=["status"],
                condition=~models.Q(crm_opportunity_id=""),
                name="request_org_crm_opportunity",
            ),
        ]

    def __str__(self) -> str:
        company = self.prospect_company or _("no prospect named")
        return f"{self.get_request_type_display()} · {company}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.needed_by < timezone.localdate()

    @property
    def is_due_soon(self) -> bool:
        if not self.is_open or self.is_overdue:
            return False
        return self.needed_by <= (timezone.now() + DUE_SOON).date()

    def can_be_cancelled(self) -> bool:
        return self.can_transition_to(RequestStatus.CANCELLED)

    def can_transition_to(self, status: str) -> bool:
        if status == RequestStatus.CLOSED and self.is_open and hasattr(self, "campaign"):
            return True  # a campaign's request closes with the campaign, wherever its asks stand
        return status in TRANSITIONS.get(self.status, frozenset())

    def manual_next_statuses(self) -> list[str]:
        if hasattr(self, "campaign"):
            return []  # a campaign's request moves with the campaign, from the campaign's page
        return [
            status for status in RequestStatus.values if status in MANUAL_TRANSITIONS and self.can_transition_to(status)
        ]

    @staticmethod
    def earliest_needed_by() -> date:
        return timezone.localdate()


class RequestStatusChange(models.Model):
    """One step in a request's history, shown to the requester on the status page."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    request = models.ForeignKey(AdvocacyRequest, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=RequestStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=RequestStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["organization", "request", "created_at"], name="reqchange_org_request"),
            # Reports: the latest changes to one status (why requests went unfulfilled).
            models.Index(fields=["organization", "to_status", "created_at"], name="reqchange_org_status_time"),
        ]

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status}"
