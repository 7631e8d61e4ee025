"""Asks: one advocate asked to help with one request, and what follows from their answer (the
time slots proposed, the slot chosen, the briefings, completion and the advocate's rating)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from advocacy.models import Organization

from .requests import AdvocacyRequest


class Ask(models.Model):
    """One advocate asked to help with one request. Pending and accepted asks use the advocate's
    capacity until the activity they lead to is in the ledger; a completed ask points at it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("No answer in time")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        COMPLETED = "completed", _("Completed")

    COUNTING_STATUSES = (Status.PENDING, Status.ACCEPTED)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="asks")
    request = models.ForeignKey(AdvocacyRequest, on_delete=models.CASCADE, related_name="asks")
    advocate = models.ForeignKey("advocates.Advocate", on_delete=models.PROTECT, related_name="asks")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    message = models.TextField(_("personal message"), blank=True, max_length=4000)
    override_reason = models.TextField(
        _("why a soft rule was overridden"),
        blank=True,
        max_length=2000,
        help_text=_("Cooldown or the advocate's own limits; the yearly cap and consent are never overridden."),
    )
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    asked_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(_("reason given"), max_length=500, blank=True)
    # Scheduling: the chosen slot (UTC) and what each side should know before it.
    scheduled_start = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    scheduled_minutes = models.PositiveSmallIntegerField(
        _("length (minutes)"), default=30, validators=[MinValueValidator(5), MaxValueValidator(480)]
    )
    meeting_location = models.CharField(_("where (link or address)"), max_length=500, blank=True)
    advocate_briefing = models.TextField(_("briefing for the advocate"), blank=True, max_length=4000)
    requester_briefing = models.TextField(_("briefing for the requester"), blank=True, max_length=4000)
    # Calendar updates replace the earlier invitation when their sequence number is higher.
    calendar_sequence = models.PositiveIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)
    activity = models.OneToOneField(
        "advocates.Activity", null=True, blank=True, on_delete=models.SET_NULL, related_name="ask"
    )
    advocate_rating = models.PositiveSmallIntegerField(
        _("how it went for the advocate (1-5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    advocate_comment = models.TextField(_("the advocate's comment"), blank=True, max_length=2000)
    rated_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("ask")
        verbose_name_plural = _("asks")
        ordering = ["-asked_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "advocate"],
                condition=models.Q(status__in=["pending", "accepted"]),
                name="ask_one_open_per_request_and_advocate",
            ),
            models.CheckConstraint(
                condition=models.Q(advocate_rating__isnull=True)
                | models.Q(advocate_rating__gte=1, advocate_rating__lte=5),
                name="ask_rating_1_to_5",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "advocate", "asked_at"], name="ask_org_advocate_asked"),
            models.Index(fields=["organization", "status", "expires_at"], name="ask_org_status_expiry"),
            # Matching's past-feedback part: the few rated, completed asks.
            models.Index(
                fields=["organization", "advocate"],
                include=["advocate_rating"],
                condition=models.Q(status="completed", advocate_rating__isnull=False),
                name="ask_rated_by_advocate",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.advocate_id} for {self.request_id} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def scheduled_end(self) -> datetime | None:
        if self.scheduled_start is None:
            return None
        return self.scheduled_start + timedelta(minutes=self.scheduled_minutes)


class TimeSlot(models.Model):
    """A time proposed for an accepted ask. Each party sees it in their own time zone; the one
    chosen becomes the ask's scheduled start and is sent to both as a calendar invitation."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    ask = models.ForeignKey(Ask, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField(_("starts at"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("length (minutes)"), default=30, validators=[MinValueValidator(5), MaxValueValidator(480)]
    )
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    chosen_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("proposed time")
        verbose_name_plural = _("proposed times")
        ordering = ["starts_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["ask", "starts_at"], name="timeslot_once_per_ask_and_start"),
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M} UTC"
