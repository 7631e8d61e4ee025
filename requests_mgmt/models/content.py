"""Content approvals: a case-study or testimonial draft goes through legal, PR and the customer
before it is used; each publication records where it may be used and until when."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from advocacy.models import Organization

from .requests import AdvocacyRequest


class ContentKind(models.TextChoices):
    CASE_STUDY = "case_study", _("Case study")
    TESTIMONIAL = "testimonial", _("Testimonial")


class ContentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ApprovalKind(models.TextChoices):
    LEGAL = "legal", _("Legal")
    PR = "pr", _("Public relations")
    CUSTOMER = "customer", _("Customer")


class ContentPiece(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="content_pieces")
    request = models.ForeignKey(
        AdvocacyRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="content_pieces"
    )
    advocate = models.ForeignKey(
        "advocates.Advocate", verbose_name=_("advocate"), on_delete=models.PROTECT, related_name="content_pieces"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ContentKind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("draft"), max_length=20000)
    draft_url = models.URLField(_("link to the draft"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=ContentStatus.choices, default=ContentStatus.DRAFT)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("content piece")
        verbose_name_plural = _("content pieces")
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["organization", "status"], name="content_org_status")]

    def __str__(self) -> str:
        return self.title


class ApprovalStep(models.Model):
    """One sign-off on one version of a piece. Steps are decided in order; a rejection sends the
    piece back for changes and a new version starts the round again."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    content = models.ForeignKey(ContentPiece, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(_("step"), max_length=20, choices=ApprovalKind.choices)
    position = models.PositiveSmallIntegerField()
    version = models.PositiveIntegerField()
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approver"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True, max_length=4000)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")
        ordering = ["version", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["content", "version", "kind"], name="approval_once_per_version_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} v{self.version}: {self.status}"


class Publication(models.Model):
    """Where an approved piece may be used, and until when that permission holds."""

    class Channel(models.TextChoices):
        WEBSITE = "website", _("Website")
        SALES = "sales", _("Sales materials")
        SOCIAL = "social", _("Social media")
        PRESS = "press", _("Press")
        EVENT = "event", _("Events")
        OTHER = "other", _("Other")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    content = models.ForeignKey(ContentPiece, on_delete=models.CASCADE, related_name="publications")
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    where = models.CharField(_("where exactly"), max_length=500, blank=True)
    permitted_from = models.DateField(_("may be used from"), default=timezone.localdate)
    permitted_until = models.DateField(_("may be used until"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        ordering = ["permitted_until", "id"]
        indexes = [models.Index(fields=["organization", "permitted_until"], name="publication_org_until")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(permitted_until__isnull=True)
                | models.Q(permitted_until__gte=models.F("permitted_from")),
                name="publication_period_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.where}".strip()
