"""Appreciation: the benefit catalogue, the thank-you every completed activity is owed within 24
hours (and the personal note for high-commitment work), rewards and their fulfilment, budgets, and
recognition nominations."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from advocacy.models import Organization

THANK_YOU_WITHIN = timedelta(hours=24)


class BenefitKind(models.TextChoices):
    PUBLIC_RECOGNITION = "public_recognition", _("Public recognition (spotlight, social, awards)")
    PRIVATE_RECOGNITION = "private_recognition", _("Private recognition (executive notes, calls)")
    EXCLUSIVE_ACCESS = "exclusive_access", _("Exclusive access (betas, roadmap previews)")
    SWAG = "swag", _("Quality swag")
    GIFT = "gift", _("Gift")
    EXPERIENCE = "experience", _("Experience")
    CHARITY = "charity", _("Charity donation")
    LICENCE = "licence", _("Licence")
    NETWORKING = "networking", _("Networking (peer events, private community)")
    INFLUENCE = "influence", _("Influence (advisory seats, feature priority)")
    PERSONAL_BRAND = "personal_brand", _("Personal brand (speaking slots, co-authored content)")


# Kinds that are worth money to the advocate: never given for a review (review sites forbid it).
MONETARY_KINDS = frozenset(
    {BenefitKind.SWAG, BenefitKind.GIFT, BenefitKind.EXPERIENCE, BenefitKind.CHARITY, BenefitKind.LICENCE}
)


class Benefit(models.Model):
    """Something the program gives advocates, with its value to them and its cost to the program."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="benefits")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=BenefitKind.choices)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    value = models.DecimalField(
        _("value to the advocate"), max_digits=10, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    cost = models.DecimalField(
        _("cost to the program"), max_digits=10, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    tiers = models.JSONField(_("tiers it is offered to"), default=list, blank=True, help_text=_("Empty: every tier."))
    stock = models.PositiveIntegerField(_("in stock"), null=True, blank=True, help_text=_("Empty: unlimited."))
    digital = models.BooleanField(_("delivered digitally"), default=False)
    needs_shipping = models.BooleanField(_("needs a shipping address"), default=False)
    active = models.BooleanField(_("offered"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("benefit")
        verbose_name_plural = _("benefits")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="benefit_name_once_per_org"),
            models.CheckConstraint(
                condition=~(models.Q(digital=True) & models.Q(needs_shipping=True)), name="benefit_digital_or_shipped"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_monetary(self) -> bool:
        return self.kind in MONETARY_KINDS or self.value > 0


class ThankYou(models.Model):
    """The thank-you a completed activity is owed, due 24 hours after completion. One per activity:
    the one-to-one key is what makes sending exactly-once."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    activity = models.OneToOneField("advocates.Activity", on_delete=models.CASCADE, related_name="thank_you")
    advocate = models.ForeignKey("advocates.Advocate", on_delete=models.CASCADE, related_name="thank_yous")
    completed_at = models.DateTimeField()
    due_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    message = models.ForeignKey(
        "advocacy.OutboundMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("thank-you")
        verbose_name_plural = _("thank-yous")
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["organization", "sent_at", "due_at"], name="thankyou_org_sent_due"),
            # Reports: the share thanked within 24 hours over a range, read from the index alone.
            models.Index(
                fields=["organization", "completed_at"],
                include=["due_at", "sent_at", "activity"],
                name="thankyou_org_completed",
            ),
        ]

    def __str__(self) -> str:
        return f"thank-you for {self.activity_id}"


class PersonalNote(models.Model):
    """A personal note for high-commitment work, assigned to the right person (an executive for
    platinum advocates or high-value work, the account's CSM otherwise), due with the thank-you."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    activity = models.OneToOneField("advocates.Activity", on_delete=models.CASCADE, related_name="personal_note")
    advocate = models.ForeignKey("advocates.Advocate", on_delete=models.CASCADE, related_name="personal_notes")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("to be written by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due_at = models.DateTimeField()
    note = models.TextField(_("note"), blank=True, max_length=4000)
    written_at = models.DateTimeField(null=True, blank=True)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    escalated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("personal note")
        verbose_name_plural = _("personal notes")
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["organization", "written_at", "due_at"], name="note_org_written_due")]

    def __str__(self) -> str:
        return f"note for {self.activity_id}"


class RewardStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    ORDERED = "ordered", _("Ordered")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")
    DECLINED = "declined", _("Declined by the advocate")


REWARD_TRANSITIONS: dict[str, frozenset[str]] = {
    RewardStatus.PROPOSED: frozenset({RewardStatus.APPROVED, RewardStatus.CANCELLED, RewardStatus.DECLINED}),
    RewardStatus.APPROVED: frozenset(
        {RewardStatus.ORDERED, RewardStatus.DELIVERED, RewardStatus.CANCELLED, RewardStatus.DECLINED}
    ),
    RewardStatus.ORDERED: frozenset({RewardStatus.SHIPPED, RewardStatus.DELIVERED, RewardStatus.CANCELLED}),
    RewardStatus.SHIPPED: frozenset({RewardStatus.DELIVERED}),
    RewardStatus.DELIVERED: frozenset(),
    RewardStatus.CANCELLED: frozenset(),
    RewardStatus.DECLINED: frozenset(),
}


class Reward(models.Model):
    """A benefit given to one advocate, usually for an activity, followed to delivery. When several
    options are offered, the advocate chooses one (or declines) in the portal."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="rewards")
    advocate = models.ForeignKey("advocates.Advocate", on_delete=models.PROTECT, related_name="rewards")
    activity = models.ForeignKey(
        "advocates.Activity", null=True, blank=True, on_delete=models.SET_NULL, related_name="rewards"
    )
    benefit = models.ForeignKey(Benefit, null=True, blank=True, on_delete=models.PROTECT, related_name="rewards")
    options = models.ManyToManyField(Benefit, blank=True, related_name="offered_in")
    status = models.CharField(_("status"), max_length=20, choices=RewardStatus.choices, default=RewardStatus.PROPOSED)
    value = models.DecimalField(_("value"), max_digits=10, decimal_places=2, default=0)
    cost = models.DecimalField(_("cost"), max_digits=10, decimal_places=2, default=0)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    shipping_address = models.TextField(_("shipping address"), blank=True, max_length=1000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("reward")
        verbose_name_plural = _("rewards")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "status", "-created_at"], name="reward_org_status")]

    def __str__(self) -> str:
        return f"{self.benefit or '?'} for {self.advocate_id}"

    def can_transition_to(self, status: str) -> bool:
        return status in REWARD_TRANSITIONS.get(self.status, frozenset())


class RewardStatusChange(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    reward = models.ForeignKey(Reward, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=RewardStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=RewardStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status}"


class Budget(models.Model):
    """What the program may spend on rewards in a quarter (at cost), for everyone or one tier."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="budgets")
    quarter_start = models.DateField(_("quarter starting"))
    tier = models.CharField(_("tier"), max_length=20, blank=True, help_text=_("Empty: the whole program."))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    enforced = models.BooleanField(
        _("refuse rewards beyond it"), default=False, help_text=_("Otherwise a warning is shown and it is allowed.")
    )

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        ordering = ["-quarter_start", "tier"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "quarter_start", "tier"], name="budget_once_per_quarter")
        ]

    def __str__(self) -> str:
        return f"{self.quarter_start} {self.tier or '*'}: {self.amount}"


class Nomination(models.Model):
    """A spotlight or award nomination: public recognition the program team decides on."""

    class Kind(models.TextChoices):
        SPOTLIGHT = "spotlight", _("Spotlight")
        AWARD = "award", _("Award")

    class Status(models.TextChoices):
        NOMINATED = "nominated", _("Nominated")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Not this time")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="nominations")
    advocate = models.ForeignKey("advocates.Advocate", on_delete=models.CASCADE, related_name="nominations")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    reason = models.TextField(_("why"), max_length=2000)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NOMINATED)
    nominated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("nomination")
        verbose_name_plural = _("nominations")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title
