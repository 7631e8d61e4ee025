"""Campaigns: marketing asks many advocates at once. A campaign carries its own request, so every
ask in it passes the same capacity rules as any other and each answer is tracked on its ask."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from advocacy.models import Organization

from .requests import AdvocacyRequest


class Campaign(models.Model):
    class Kind(models.TextChoices):
        REVIEW = "review", _("Review-site campaign")
        TESTIMONIAL = "testimonial", _("Testimonial drive")
        BETA = "beta", _("Beta recruitment")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="campaigns")
    request = models.OneToOneField(AdvocacyRequest, on_delete=models.CASCADE, related_name="campaign")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    message = models.TextField(_("message to advocates"), max_length=4000)
    site_name = models.CharField(_("review site"), max_length=100, blank=True)
    site_url = models.URLField(_("review page address"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    closes_on = models.DateField(_("closes on"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "status"], name="campaign_org_status")]

    def __str__(self) -> str:
        return self.name
