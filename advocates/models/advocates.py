"""Advocates: people at customer accounts, their lifecycle, consent, preferences and history."""

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

from .accounts import CustomerAccount
from .choices import Channel, Consent, ConsentSource, Seniority, Tier

CONSENT_FIELDS = {
    Consent.NAMED: "consent_named",
    Consent.QUOTED: "consent_quoted",
    Consent.LOGO: "consent_logo",
    Consent.RECORDED: "consent_recorded",
    Consent.SPEAK_PUBLICLY: "consent_speak_publicly",
}


class AdvocateQuerySet(models.QuerySet["Advocate"]):
    def active(self) -> AdvocateQuerySet:
        return self.filter(status=Advocate.Status.ACTIVE)

    def in_program(self) -> AdvocateQuerySet:
        """Advocates who have joined (active or paused): the base the tiers are measured on."""
        return self.filter(status__in=(Advocate.Status.ACTIVE, Advocate.Status.PAUSED))


class Advocate(models.Model):
    """A person at a customer account who takes part, or may take part, in the program."""

    class Status(models.TextChoices):
        CANDIDATE = "candidate", _("Candidate")
        NOMINATED = "nominated", _("Nominated")
        INVITED = "invited", _("Invited")
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        ALUMNI = "alumni", _("Alumni")
        DECLINED = "declined", _("Declined the invitation")

    # The lifecycle: which status may follow which. Anything else is refused (409 in the API).
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.CANDIDATE: frozenset({Status.NOMINATED, Status.INVITED}),
        Status.NOMINATED: frozenset({Status.INVITED, Status.CANDIDATE}),
        Status.INVITED: frozenset({Status.ACTIVE, Status.DECLINED, Status.CANDIDATE}),
        Status.ACTIVE: frozenset({Status.PAUSED, Status.ALUMNI}),
        Status.PAUSED: frozenset({Status.ACTIVE, Status.ALUMNI}),
        Status.ALUMNI: frozenset({Status.ACTIVE}),
        Status.DECLINED: frozenset({Status.CANDIDATE}),
    }

    Seniority = Seniority

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
    languages = models.CharField(
        _("languages"),
        max_length=100,
        blank=True,
        help_text=_("Language codes separated by spaces, e.g. “en pt”."),
    )
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    tier = models.CharField(_("tier"), max_length=20, choices=Tier.choices, default=Tier.COMMUNITY)
    suggested_tier = models.CharField(_("suggested tier"), max_length=20, choices=Tier.choices, blank=True)
    suggested_tier_reason = models.CharField(max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.CANDIDATE)
    nps_score = models.PositiveSmallIntegerField(
        _("latest NPS"), null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    nps_recorded_on = models.DateField(_("NPS date"), null=True, blank=True)
    outcomes = models.TextField(_("outcomes they can state"), blank=True, max_length=2000)
    use_cases = models.CharField(_("use cases"), max_length=300, blank=True)
    tags = models.CharField(_("tags"), max_length=300, blank=True)
    preferences_stated_at = models.DateTimeField(
        _("activity preferences last stated"),
        null=True,
        blank=True,
        help_text=_("Until the advocate states preferences, every activity counts as possible."),
    )
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=20, choices=Channel.choices, default=Channel.EMAIL
    )
    consent_named = models.BooleanField(_("may be named"), default=False)
    consent_quoted = models.BooleanField(_("may be quoted"), default=False)
    consent_logo = models.BooleanField(_("company logo may be used"), default=False)
    consent_recorded = models.BooleanField(_("may be recorded"), default=False)
    consent_speak_publicly = models.BooleanField(_("will speak publicly"), default=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invitation sent in the name of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    invited_at = models.DateTimeField(_("invited"), null=True, blank=True)
    invitation_message = models.TextField(_("invitation message"), blank=True, max_length=4000)
    enrolled_at = models.DateTimeField(_("accepted the invitation"), null=True, blank=True)
    joined_at = models.DateField(_("joined the program"), null=True, blank=True)
    onboarded_at = models.DateTimeField(_("finished onboarding"), null=True, blank=True)
    last_activity_at = models.DateField(_("last activity"), null=True, blank=True)
    marketing_opt_out_at = models.DateTimeField(_("opted out of program emails"), null=True, blank=True)
    gifts_declined_at = models.DateTimeField(_("prefers no gifts"), null=True, blank=True)
    erasure_requested_at = models.DateTimeField(_("erasure requested"), null=True, blank=True)
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)
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
            models.Index(fields=["organization", "status", "last_activity_at"], name="advocate_org_status_last"),
            models.Index(fields=["organization", "enrolled_at"], name="advocate_org_enrolled"),
            # Matching reads the active advocates of the best-fitting accounts without touching the table.
            models.Index(
                fields=["organization", "account"],
                include=[
                    "id",
                    "status",
                    "tier",
                    "seniority",
                    "languages",
                    "use_cases",
                    "preferences_stated_at",
                    "consent_named",
                    "consent_quoted",
                    "consent_logo",
                    "consent_recorded",
                    "consent_speak_publicly",
                ],
                condition=models.Q(status="active"),
                name="advocate_active_by_account",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def can_transition_to(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, frozenset())

    def consents(self) -> dict[str, bool]:
        return {kind: getattr(self, field) for kind, field in CONSENT_FIELDS.items()}

    @property
    def language_codes(self) -> list[str]:
        return self.languages.split()

    @property
    def tag_list(self) -> list[str]:
        return [tag.strip() for tag in self.tags.split(",") if tag.strip()]


class AdvocateStatusChange(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    advocate = models.ForeignKey(Advocate, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=Advocate.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Advocate.Status.choices)
    reason = models.TextField(blank=True, max_length=2000)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "advocate", "-created_at"], name="advstatus_org_adv")]

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status}"


class TierChange(models.Model):
    """A tier decision: a suggestion from the rules, its acceptance, or a manager's override."""

    class Kind(models.TextChoices):
        SUGGESTED = "suggested", _("Suggested")
        ACCEPTED = "accepted", _("Suggestion accepted")
        OVERRIDDEN = "overridden", _("Set by a program manager")
        INITIAL = "initial", _("Initial tier")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    advocate = models.ForeignKey(Advocate, on_delete=models.CASCADE, related_name="tier_changes")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    from_tier = models.CharField(max_length=20, choices=Tier.choices, blank=True)
    to_tier = models.CharField(max_length=20, choices=Tier.choices)
    reason = models.TextField(max_length=2000)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "advocate", "-created_at"], name="tierchange_org_adv")]

    def __str__(self) -> str:
        return f"{self.from_tier or '∅'} → {self.to_tier} ({self.kind})"


class ConsentChange(models.Model):
    """Every grant or withdrawal of a consent flag, with when and where it came from."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    advocate = models.ForeignKey(Advocate, on_delete=models.CASCADE, related_name="consent_changes")
    consent = models.CharField(max_length=20, choices=Consent.choices)
    granted = models.BooleanField()
    source = models.CharField(max_length=20, choices=ConsentSource.choices)
    note = models.CharField(max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "advocate", "-created_at"], name="consent_org_adv")]

    def __str__(self) -> str:
        return f"{self.consent}={'yes' if self.granted else 'no'}"


class NpsResponse(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    advocate = models.ForeignKey(Advocate, on_delete=models.CASCADE, related_name="nps_history")
    score = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])
    responded_on = models.DateField()
    source = models.CharField(max_length=32, default="manual")
    survey = models.ForeignKey(
        "reporting.NpsSurvey", null=True, blank=True, on_delete=models.SET_NULL, related_name="responses"
    )
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-responded_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "advocate"], condition=models.Q(survey__isnull=False), name="nps_once_per_survey"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "advocate", "-responded_on"], name="nps_org_adv"),
            models.Index(fields=["organization", "responded_on"], name="nps_org_day"),
        ]

    def __str__(self) -> str:
        return f"{self.score} on {self.responded_on}"


class BlackoutPeriod(models.Model):
    """Dates an advocate does not want to be asked (holidays, busy quarters)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    advocate = models.ForeignKey(Advocate, on_delete=models.CASCADE, related_name="blackouts")
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="blackout_ends_after_start"
            )
        ]
        indexes = [models.Index(fields=["organization", "advocate", "ends_on"], name="blackout_org_adv_end")]

    def __str__(self) -> str:
        return f"{self.starts_on} – {self.ends_on}"
