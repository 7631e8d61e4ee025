"""Customer accounts and the advocates who speak for them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from advocacy.models import Organization


class Segment(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")
    MID_MARKET = "mid_market", _("Mid-market")
    SMB = "smb", _("SMB")


class Region(models.TextChoices):
    NORTH_AMERICA = "north_america", _("North America")
    LATIN_AMERICA = "latin_america", _("Latin America")
    EMEA = "emea", _("Europe, Middle East and Africa")
    APAC = "apac", _("Asia-Pacific")


class Tier(models.TextChoices):
    PLATINUM = "platinum", _("Platinum")
    GOLD = "gold", _("Gold")
    SILVER = "silver", _("Silver")
    COMMUNITY = "community", _("Community")


class CustomerAccount(models.Model):
    """A customer company of the vendor."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="customer_accounts")
    name = models.CharField(_("name"), max_length=200)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    segment = models.CharField(_("segment"), max_length=20, choices=Segment.choices, blank=True)
    region = models.CharField(_("region"), max_length=20, choices=Region.choices, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True, help_text=_("ISO 3166 two-letter code."))
    health_score = models.PositiveSmallIntegerField(
        _("health score"), null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    customer_since = models.DateField(_("customer since"), null=True, blank=True)
    csm = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("customer success manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    crm_id = models.CharField(_("CRM ID"), max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("customer account")
        verbose_name_plural = _("customer accounts")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "organization", "crm_id", condition=~models.Q(crm_id=""), name="account_crm_id_unique_per_org"
            ),
            models.CheckConstraint(
                condition=models.Q(health_score__isnull=True) | models.Q(health_score__lte=100),
                name="account_health_score_range",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "name"], name="account_org_name"),
            models.Index(fields=["organization", "industry", "segment", "region"], name="account_org_fit"),
        ]

    def __str__(self) -> str:
        return self.name


class AdvocateQuerySet(models.QuerySet["Advocate"]):
    def active(self) -> AdvocateQuerySet:
        return self.filter(status=Advocate.Status.ACTIVE)


class Advocate(models.Model):
    """A person at a customer account who takes part, or may take part, in the program."""

    class Status(models.TextChoices):
        CANDIDATE = "candidate", _("Candidate")
        NOMINATED = "nominated", _("Nominated")
        INVITED = "invited", _("Invited")
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        ALUMNI = "alumni", _("Alumni")
        DECLINED = "declined", _("Declined")

    class Seniority(models.TextChoices):
        EXECUTIVE = "executive", _("Executive")
        MANAGER = "manager", _("Manager")
        PRACTITIONER = "practitioner", _("Practitioner")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="advocates")
    account = models.ForeignKey(
        CustomerAccount, verbose_name=_("account"), on_delete=models.PROTECT, related_name="advocates"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("portal user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="advocate_profiles",
    )
    full_name = models.CharField(_("full name"), max_length=200)
    email = models.EmailField(_("email address"))
    title = models.CharField(_("job title"), max_length=200, blank=True)
    seniority = models.CharField(_("seniority"), max_length=20, choices=Seniority.choices, blank=True)
    tier = models.CharField(_("tier"), max_length=20, choices=Tier.choices, default=Tier.COMMUNITY)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.CANDIDATE)
    nps_score = models.PositiveSmallIntegerField(
        _("latest NPS"), null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    joined_at = models.DateField(_("joined the program"), null=True, blank=True)
    last_activity_at = models.DateField(_("last activity"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(organization="organization", _manager_class=models.Manager.from_queryset(AdvocateQuerySet))

    class Meta:
        verbose_name = _("advocate")
        verbose_name_plural = _("advocates")
        ordering = ["full_name"]
        constraints = [
            models.UniqueConstraint("organization", Lower("email"), name="advocate_email_unique_per_org"),
            models.CheckConstraint(
                condition=models.Q(nps_score__isnull=True) | models.Q(nps_score__lte=10),
                name="advocate_nps_range",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "tier", "status"], name="advocate_org_tier_status"),
            models.Index(fields=["organization", "full_name"], name="advocate_org_name"),
            models.Index(fields=["organization", "account"], name="advocate_org_account"),
        ]

    def __str__(self) -> str:
        return self.full_name
