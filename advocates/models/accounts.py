"""Customer accounts: the companies whose people advocate, with their health over time."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from advocacy.models import Organization

from .choices import Region, Segment


class Product(models.Model):
    """One of the vendor's products, as customers use it."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="products")
    name = models.CharField(_("name"), max_length=100)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name"]
        constraints = [models.UniqueConstraint("organization", Lower("name"), name="product_name_unique_per_org")]

    def __str__(self) -> str:
        return self.name


class CustomerAccount(models.Model):
    """A customer company of the vendor."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="customer_accounts")
    name = models.CharField(_("name"), max_length=200)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    segment = models.CharField(_("segment"), max_length=20, choices=Segment.choices, blank=True)
    employee_count = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    region = models.CharField(_("region"), max_length=20, choices=Region.choices, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True, help_text=_("ISO 3166 two-letter code."))
    arr = models.DecimalField(
        _("annual recurring revenue"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    products = models.ManyToManyField(
        Product, through="AccountProduct", related_name="accounts", blank=True, verbose_name=_("products used")
    )
    health_score = models.PositiveSmallIntegerField(
        _("health score"), null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    health_updated_at = models.DateTimeField(_("health updated"), null=True, blank=True)
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
            models.Index(fields=["organization", "health_score"], name="account_org_health"),
        ]

    def __str__(self) -> str:
        return self.name

    def tenure_months(self, today: object | None = None) -> int | None:
        if self.customer_since is None:
            return None
        today = today or timezone.localdate()
        months = (today.year - self.customer_since.year) * 12 + today.month - self.customer_since.month  # type: ignore[attr-defined]
        if today.day < self.customer_since.day:  # type: ignore[attr-defined]
            months -= 1
        return max(months, 0)


class AccountProduct(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(CustomerAccount, on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")

    objects = ScopedManager(organization="organization")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "product"], name="account_product_once")]
        indexes = [models.Index(fields=["organization", "product"], name="accountproduct_org_product")]

    def __str__(self) -> str:
        return f"{self.account_id} uses {self.product_id}"


class HealthScoreChange(models.Model):
    """The account's health over time; the latest is copied onto the account."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(CustomerAccount, on_delete=models.CASCADE, related_name="health_history")
    score = models.PositiveSmallIntegerField(validators=[MaxValueValidator(100)])
    previous = models.PositiveSmallIntegerField(null=True, blank=True)
    source = models.CharField(max_length=32, default="manual")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["organization", "account", "-recorded_at"], name="health_org_account")]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.score}"
