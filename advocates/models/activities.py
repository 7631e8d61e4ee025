"""Activity types, what each advocate is willing to do, and the ledger of every participation."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from advocacy.models import Organization

from .advocates import Advocate
from .choices import Consent


class ActivityType(models.Model):
    """Something an advocate can do for the program, with its cost to them and its limits."""

    class Priority(models.TextChoices):
        ESSENTIAL = "essential", _("Essential")
        IMPORTANT = "important", _("Important")
        NICE_TO_HAVE = "nice_to_have", _("Nice to have")

    class Commitment(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="activity_types")
    key = models.SlugField(_("key"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=300, blank=True)
    min_minutes = models.PositiveIntegerField(_("shortest time (minutes)"), default=30)
    max_minutes = models.PositiveIntegerField(_("longest time (minutes)"), default=60)
    priority = models.CharField(_("priority"), max_length=20, choices=Priority.choices, default=Priority.IMPORTANT)
    commitment = models.CharField(_("commitment"), max_length=20, choices=Commitment.choices, default=Commitment.LOW)
    limit_per_year = models.PositiveSmallIntegerField(
        _("limit per advocate per 12 months"), null=True, blank=True, help_text=_("Empty for no limit.")
    )
    min_interval_days = models.PositiveSmallIntegerField(
        _("minimum days between two"), null=True, blank=True, help_text=_("Empty for none.")
    )
    needs_named = models.BooleanField(_("needs consent to be named"), default=False)
    needs_quoted = models.BooleanField(_("needs consent to be quoted"), default=False)
    needs_logo = models.BooleanField(_("needs consent for logo use"), default=False)
    needs_recorded = models.BooleanField(_("needs consent to be recorded"), default=False)
    needs_speak_publicly = models.BooleanField(_("needs consent to speak publicly"), default=False)
    rewards_allowed = models.BooleanField(
        _("rewards allowed"),
        default=True,
        help_text=_("Review sites forbid rewarding reviews: never allowed for review activities."),
    )
    is_review = models.BooleanField(_("is a review-site review"), default=False)
    counts_toward_cap = models.BooleanField(_("counts toward the yearly cap"), default=True)
    active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(default=100)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("activity type")
        verbose_name_plural = _("activity types")
        ordering = ["sort_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="activitytype_key_unique_per_org"),
            models.CheckConstraint(
                condition=models.Q(max_minutes__gte=models.F("min_minutes")), name="activitytype_time_range"
            ),
            models.CheckConstraint(
                condition=~models.Q(is_review=True, rewards_allowed=True), name="activitytype_no_rewarded_reviews"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def consents_needed(self) -> list[str]:
        return [
            consent
            for consent, needed in (
                (Consent.NAMED, self.needs_named),
                (Consent.QUOTED, self.needs_quoted),
                (Consent.LOGO, self.needs_logo),
                (Consent.RECORDED, self.needs_recorded),
                (Consent.SPEAK_PUBLICLY, self.needs_speak_publicly),
            )
            if needed
        ]


class ActivityPreference(models.Model):
    """An activity type the advocate is willing to do, with their own limits if stricter."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    advocate = models.ForeignKey(Advocate, on_delete=models.CASCADE, related_name="activity_preferences")
    activity_type = models.ForeignKey(ActivityType, on_delete=models.CASCADE, related_name="+")
    max_per_year = models.PositiveSmallIntegerField(_("at most per 12 months"), null=True, blank=True)
    min_interval_days = models.PositiveSmallIntegerField(_("at least days apart"), null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["advocate", "activity_type"], name="preference_once_per_type"),
        ]
        indexes = [models.Index(fields=["organization", "activity_type"], name="preference_org_type")]

    def __str__(self) -> str:
        return f"{self.advocate_id} · {self.activity_type_id}"


class ActivityQuerySet(models.QuerySet["Activity"]):
    def counting(self) -> ActivityQuerySet:
        """Participations that use capacity: done or agreed, not cancelled."""
        return self.filter(status__in=Activity.COUNTING_STATUSES, activity_type__counts_toward_cap=True)


class Activity(models.Model):
    """One participation of an advocate: the ledger capacity and history are computed from."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    COUNTING_STATUSES = (Status.PLANNED, Status.COMPLETED)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="activities")
    advocate = models.ForeignKey(Advocate, on_delete=models.PROTECT, related_name="activities")
    activity_type = models.ForeignKey(ActivityType, on_delete=models.PROTECT, related_name="activities")
    occurred_on = models.DateField(_("date"))
    minutes = models.PositiveIntegerField(_("minutes"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.COMPLETED)
    outcome = models.TextField(_("outcome"), blank=True, max_length=2000)
    request = models.ForeignKey(
        "requests_mgmt.AdvocacyRequest",
        verbose_name=_("request"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    crm_opportunity_id = models.CharField(_("CRM opportunity ID"), max_length=64, blank=True)
    value = models.DecimalField(
        _("value"), max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    rating = models.PositiveSmallIntegerField(
        _("stars given"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("For a review-site review: the rating the review gave, 1 to 5."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization", _manager_class=models.Manager.from_queryset(ActivityQuerySet))

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-occurred_on", "-id"]
        indexes = [
            models.Index(fields=["organization", "advocate", "occurred_on"], name="activity_org_adv_date"),
            models.Index(fields=["organization", "activity_type", "occurred_on"], name="activity_org_type_date"),
            models.Index(fields=["organization", "occurred_on"], name="activity_org_date"),
            # Reports: which CRM opportunities had advocacy.
            models.Index(
                fields=["organization", "crm_opportunity_id"],
                include=["status"],
                condition=~models.Q(crm_opportunity_id=""),
                name="activity_org_crm_opportunity",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="activity_rating_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity_type_id} on {self.occurred_on}"
