"""Referrals: an advocate introduces a peer who agreed to be contacted; a sales owner takes it
from there."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from advocacy.models import Organization


class ReferralStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    OPPORTUNITY = "opportunity", _("Opportunity")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    DECLINED = "declined", _("Not taken up")


REFERRAL_TRANSITIONS: dict[str, frozenset[str]] = {
    ReferralStatus.SUBMITTED: frozenset({ReferralStatus.ACCEPTED, ReferralStatus.DECLINED}),
    ReferralStatus.ACCEPTED: frozenset({ReferralStatus.OPPORTUNITY, ReferralStatus.LOST, ReferralStatus.DECLINED}),
    ReferralStatus.OPPORTUNITY: frozenset({ReferralStatus.WON, ReferralStatus.LOST}),
    ReferralStatus.WON: frozenset(),
    ReferralStatus.LOST: frozenset(),
    ReferralStatus.DECLINED: frozenset(),
}


class Referral(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="referrals")
    advocate = models.ForeignKey(
        "advocates.Advocate", verbose_name=_("referred by"), on_delete=models.PROTECT, related_name="referrals"
    )
    peer_name = models.CharField(_("their name"), max_length=200)
    peer_email = models.EmailField(_("their email"))
    peer_company = models.CharField(_("their company"), max_length=200)
    peer_title = models.CharField(_("their role"), max_length=200, blank=True)
    context = models.TextField(_("what they need and how you know them"), max_length=4000)
    peer_agreed = models.BooleanField(_("they agreed to be contacted"), default=False)
    status = models.CharField(
        _("status"), max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.SUBMITTED
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sales owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    crm_opportunity_id = models.CharField(_("CRM opportunity ID"), max_length=64, blank=True)
    opportunity_value = models.DecimalField(
        _("opportunity value"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    status_note = models.TextField(_("note"), blank=True, max_length=2000)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "status", "-created_at"], name="referral_org_status"),
            models.Index(fields=["organization", "peer_email"], name="referral_org_peer_email"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(peer_agreed=True), name="referral_peer_agreed"),
        ]

    def __str__(self) -> str:
        return f"{self.peer_name} ({self.peer_company})"

    def can_transition_to(self, status: str) -> bool:
        return status in REFERRAL_TRANSITIONS.get(self.status, frozenset())
