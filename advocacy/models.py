"""Platform core: people, organisations (tenants), memberships, invitations, audit log, API tokens."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from .roles import MFA_POLICY_ROLES, ROLE_HOME, Role, role_can

TIME_ZONE_HELP = _("An IANA time zone name, for example America/Sao_Paulo or Asia/Tokyo.")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Global across organisations; what they may do comes from their memberships."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("Leave empty to use your organisation's default language."),
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, blank=True, help_text=_("Leave empty to use your organisation's time zone.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff status"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Organization(models.Model):
    """A tenant: one vendor company running its own advocacy program."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name in addresses"), max_length=60, unique=True)
    time_zone = models.CharField(_("display time zone"), max_length=64, default="UTC", help_text=TIME_ZONE_HELP)
    default_language = models.CharField(_("default language"), max_length=10, choices=settings.LANGUAGES, default="en")
    require_mfa_for_managers = models.BooleanField(
        _("require two-factor authentication for administrators and program managers"), default=False
    )
    settings = models.JSONField(_("program settings"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A person's role in one organisation."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_one_role_per_org"),
        ]
        indexes = [models.Index(fields=["organization", "role"], name="membership_org_role")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organization}"

    def can(self, capability: str) -> bool:
        return role_can(self.role, capability)

    @property
    def home_url_name(self) -> str:
        return ROLE_HOME[self.role]

    @property
    def mfa_required(self) -> bool:
        return self.organization.require_mfa_for_managers and self.role in MFA_POLICY_ROLES


def _invitation_expiry() -> Any:
    return timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS)


class Invitation(models.Model):
    """A one-use, expiring invitation for a person to join an organisation with a role."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REVOKED = "revoked", _("Revoked")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email address"))
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    message = models.TextField(_("personal message"), blank=True, max_length=2000)
    token = models.CharField(max_length=64, unique=True, editable=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=_invitation_expiry)
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "status", "-created_at"], name="invitation_org_status")]
        constraints = [
            models.UniqueConstraint(
                "organization",
                Lower("email"),
                condition=models.Q(status="pending"),
                name="invitation_one_pending_per_email",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.organization} ({self.get_role_display()})"

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @property
    def is_usable(self) -> bool:
        return self.status == self.Status.PENDING and not self.is_expired


class AuditEvent(models.Model):
    """Who did what, to which object, in which organisation, and when. Append-only."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="audit_events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True)
    verb = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_label = models.CharField(max_length=254, blank=True)
    data = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=False)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="audit_org_created"),
            models.Index(fields=["organization", "verb", "-created_at"], name="audit_org_verb"),
            models.Index(fields=["organization", "object_type", "object_id"], name="audit_org_object"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.verb}"


class ApiToken(models.Model):
    """An organisation-scoped API key. Only a hash is stored; the key is shown once, at creation."""

    PREFIX = "adv"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="api_tokens")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    key_prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "-created_at"], name="apitoken_org_created")]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @classmethod
    def generate_key(cls) -> tuple[str, str, str]:
        """Returns (full key, lookup prefix, hash). The prefix is public; the rest is secret."""
        prefix = secrets.token_hex(4)
        secret = secrets.token_urlsafe(32)
        key = f"{cls.PREFIX}_{prefix}_{secret}"
        return key, prefix, cls.hash_key(key)

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class OutboundMessage(models.Model):
    """One message sent (or deliberately not sent) to a person: the record behind their timeline.

    Bodies are not stored (they may carry sign-in codes or links); the template, subject and
    language are enough to tell what the person received. ``dedupe_key`` makes a send idempotent:
    a second attempt with the same key finds the first record instead of sending again.
    """

    class Purpose(models.TextChoices):
        INVITATION = "invitation", _("Invitation to join")
        SIGN_IN = "sign_in", _("Sign-in and account security")
        PROGRAM_INVITATION = "program_invitation", _("Invitation to the program")
        OUTREACH = "outreach", _("Request to take part")
        THANK_YOU = "thank_you", _("Thank-you")
        WELCOME = "welcome", _("Welcome sequence")
        NEWSLETTER = "newsletter", _("Program newsletter")
        EXECUTIVE_UPDATE = "executive_update", _("Executive update")
        RE_ENGAGEMENT = "re_engagement", _("Re-engagement")
        REQUEST_UPDATE = "request_update", _("Where a request stands")
        MEETING = "meeting", _("Meeting invitation")
        APPROVAL = "approval", _("Approval request")
        REFERRAL = "referral", _("Referral acknowledgement")
        CONTRIBUTION_USED = "contribution_used", _("How a contribution was used")
        PROGRAM_TEAM = "program_team", _("Note for the program team")
        NPS_SURVEY = "nps_survey", _("Program survey")
        PROGRAM_REPORT = "program_report", _("Program report")

    # Messages a person needs in order to act on something (answer, sign in, be thanked for what they
    # did). Everything else is program mail: it carries an unsubscribe link and respects opt-outs.
    TRANSACTIONAL_PURPOSES = frozenset(
        {
            Purpose.INVITATION,
            Purpose.SIGN_IN,
            Purpose.PROGRAM_INVITATION,
            Purpose.OUTREACH,
            Purpose.THANK_YOU,
            Purpose.REQUEST_UPDATE,
            Purpose.MEETING,
            Purpose.APPROVAL,
            Purpose.REFERRAL,
            Purpose.CONTRIBUTION_USED,
            Purpose.PROGRAM_TEAM,
            Purpose.PROGRAM_REPORT,
        }
    )

    class Status(models.TextChoices):
        QUEUED = "queued", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SUPPRESSED = "suppressed", _("Not sent: opted out")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="outbound_messages")
    recipient_email = models.EmailField(_("recipient"))
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    advocate = models.ForeignKey(
        "advocates.Advocate", null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent in the name of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    purpose = models.CharField(_("purpose"), max_length=32, choices=Purpose.choices)
    template = models.CharField(_("template"), max_length=100)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    related_type = models.CharField(max_length=64, blank=True)
    related_id = models.CharField(max_length=64, blank=True)
    related_label = models.CharField(max_length=254, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    dedupe_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "advocate", "-created_at"], name="message_org_advocate"),
            models.Index(fields=["organization", "recipient_user", "-created_at"], name="message_org_user"),
            models.Index(fields=["organization", "status", "-created_at"], name="message_org_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="message_dedupe_once_per_org",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} → {self.recipient_email} ({self.get_status_display()})"

    @property
    def is_transactional(self) -> bool:
        return self.purpose in self.TRANSACTIONAL_PURPOSES
