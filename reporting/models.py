"""Reporting: daily rollups the dashboard reads, the checks that keep them honest, CRM opportunities
for the with/without-advocacy comparison, program costs, and the program NPS survey rounds."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from advocacy.models import Organization


class ActivityRollup(models.Model):
    """Activities per organisation, day, activity type and the account's segment ("" for none).

    Cancelled activities are left out. ``planned`` and ``completed`` are counts; minutes, value and
    the review ratings are summed over completed activities. Kept current by signals (the bucket an
    activity belongs to is recounted from the ledger) and checked against the ledger every night."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    activity_type = models.ForeignKey("advocates.ActivityType", on_delete=models.CASCADE, related_name="+")
    segment = models.CharField(max_length=20, blank=True)
    completed = models.PositiveIntegerField(default=0)
    planned = models.PositiveIntegerField(default=0)
    minutes = models.PositiveBigIntegerField(default=0)
    value = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    rating_sum = models.PositiveIntegerField(default=0)
    rating_count = models.PositiveIntegerField(default=0)

    objects = ScopedManager(organization="organization")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "day", "activity_type", "segment"], name="activity_rollup_bucket"
            ),
        ]
        indexes = [
            models.Index(
                fields=["organization", "day"],
                include=["activity_type", "segment", "completed", "planned"],
                name="activity_rollup_org_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.activity_type_id} {self.segment or '-'}: {self.completed}"


class RequestRollup(models.Model):
    """Requests (campaign requests aside) per organisation, day of submission, type and the
    prospect's segment, with where they ended, how long they took and the deals they touched.

    Durations are summed in hours with the number of requests they cover, so averages over any
    range are exact. Pipeline is the deal value of fulfilled requests (the outcome's value when the
    requester gave one, else the value on the request); won value is that of deals reported won."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    request_type = models.CharField(max_length=32)
    segment = models.CharField(max_length=20, blank=True)
    submitted = models.PositiveIntegerField(default=0)
    open = models.PositiveIntegerField(default=0)
    fulfilled = models.PositiveIntegerField(default=0)
    unfulfilled = models.PositiveIntegerField(default=0)
    cancelled = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)
    match_hours = models.FloatField(default=0)
    completed = models.PositiveIntegerField(default=0)
    complete_hours = models.FloatField(default=0)
    linked = models.PositiveIntegerField(default=0)
    pipeline = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    won = models.PositiveIntegerField(default=0)
    lost = models.PositiveIntegerField(default=0)
    won_value = models.DecimalField(max_digits=18, decimal_places=2, default=0)

    objects = ScopedManager(organization="organization")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "day", "request_type", "segment"], name="request_rollup_bucket"
            ),
        ]
        indexes = [models.Index(fields=["organization", "day"], name="request_rollup_org_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.request_type} {self.segment or '-'}: {self.submitted}"


class AppreciationRollup(models.Model):
    """Thank-yous per organisation, UTC day of completion (``ThankYou.completed_at``), activity type
    and the segment of the advocate's account ("" for none): how many are settled (the thank-you
    sent and, where high-commitment work earned one, the personal note written) and how many of
    those were settled within their 24 hours. Unsettled thank-yous are not here: whether one is owed
    yet depends on the clock, so the report reads those few from the raw tables."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    activity_type = models.ForeignKey("advocates.ActivityType", on_delete=models.CASCADE, related_name="+")
    segment = models.CharField(max_length=20, blank=True)
    settled = models.PositiveIntegerField(default=0)
    on_time = models.PositiveIntegerField(default=0)

    objects = ScopedManager(organization="organization")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "day", "activity_type", "segment"], name="appreciation_rollup_bucket"
            ),
        ]
        indexes = [
            models.Index(
                fields=["organization", "day"],
                include=["activity_type", "segment", "settled", "on_time"],
                name="appreciation_rollup_org_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.activity_type_id} {self.segment or '-'}: {self.on_time}/{self.settled}"


class RollupCheck(models.Model):
    """One nightly rebuild: every bucket recounted from the raw records and compared."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    ran_at = models.DateTimeField(default=timezone.now)
    buckets = models.PositiveIntegerField(default=0)
    mismatches = models.PositiveIntegerField(default=0)
    details = models.JSONField(default=list, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-ran_at", "-id"]
        indexes = [models.Index(fields=["organization", "-ran_at"], name="rollupcheck_org_ran")]

    def __str__(self) -> str:
        return f"{self.ran_at:%Y-%m-%d %H:%M}: {self.mismatches} of {self.buckets}"


class OpportunityResult(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class Opportunity(models.Model):
    """A sales opportunity from the CRM. Opportunities named by a request or an activity had
    advocacy; the others are the comparison for win rate and cycle length."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="opportunities")
    crm_id = models.CharField(_("CRM opportunity ID"), max_length=64)
    name = models.CharField(_("name"), max_length=200, blank=True)
    segment = models.CharField(_("segment"), max_length=20, blank=True)
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=10, choices=OpportunityResult.choices, default="open")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["-opened_on", "crm_id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "crm_id"], name="opportunity_crm_id_unique_per_org"),
            models.CheckConstraint(
                condition=models.Q(closed_on__isnull=True) | models.Q(closed_on__gte=models.F("opened_on")),
                name="opportunity_closes_after_opening",
            ),
        ]
        indexes = [models.Index(fields=["organization", "closed_on"], name="opportunity_org_closed")]

    def __str__(self) -> str:
        return self.name or self.crm_id


class CostKind(models.TextChoices):
    EVENTS = "events", _("Events")
    PLATFORM = "platform", _("Platform")
    STAFF = "staff", _("Staff time")
    OTHER = "other", _("Other")


class ProgramCost(models.Model):
    """What the program cost in a quarter, by kind, as the program team enters it. Rewards are
    counted from the rewards themselves (at cost), not entered here."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="program_costs")
    quarter_start = models.DateField(_("quarter starting"))
    kind = models.CharField(_("kind"), max_length=20, choices=CostKind.choices)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    note = models.CharField(_("note"), max_length=300, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("program cost")
        verbose_name_plural = _("program costs")
        ordering = ["-quarter_start", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "quarter_start", "kind"], name="cost_once_per_quarter"),
        ]

    def __str__(self) -> str:
        return f"{self.quarter_start} {self.kind}: {self.amount}"


class NpsSurvey(models.Model):
    """One round of the program NPS survey: every active advocate is emailed a signed link and
    sees the question in the portal until the round closes."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="nps_surveys")
    opened_at = models.DateTimeField(default=timezone.now)
    closes_at = models.DateTimeField()
    recipients = models.PositiveIntegerField(default=0)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("NPS survey")
        verbose_name_plural = _("NPS surveys")
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["organization", "-opened_at"], name="npssurvey_org_opened")]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.opened_at:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.closes_at > timezone.now()
