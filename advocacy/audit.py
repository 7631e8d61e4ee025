"""The audit log helper: every state change a user cares about is recorded with who, when and why."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent, Organization

# What each verb means to a person reading the log; verbs not listed show as written.
VERB_LABELS: dict[str, Any] = {
    "program_costs.changed": _("Program costs changed"),
    "reporting.settings_changed": _("Targets and values changed"),
    "nps_survey.started": _("Program survey started"),
    "nps.answered": _("Program survey answered"),
    "opportunity.created": _("Opportunity added"),
    "opportunity.updated": _("Opportunity changed"),
    "opportunity.deleted": _("Opportunity deleted"),
    "opportunity.imported": _("Opportunities imported"),
    "auth.login": _("Signed in"),
    "auth.login_failed": _("Sign-in failed"),
    "auth.logout": _("Signed out"),
    "auth.login_code_rejected": _("One-time sign-in code rejected"),
    "mfa.added": _("Two-factor method added"),
    "mfa.removed": _("Two-factor method removed"),
    "mfa.reset": _("Recovery codes regenerated"),
    "invitation.created": _("Invitation sent"),
    "invitation.resent": _("Invitation sent again"),
    "invitation.revoked": _("Invitation revoked"),
    "invitation.accepted": _("Invitation accepted"),
    "membership.role_changed": _("Role changed"),
    "membership.removed": _("Member removed"),
    "organization.updated": _("Organisation settings changed"),
    "api_token.created": _("API token created"),
    "api_token.revoked": _("API token revoked"),
    "advocate.created": _("Advocate added"),
    "advocate.updated": _("Advocate updated"),
    "advocate.status_changed": _("Advocate status changed"),
    "advocate.tier_changed": _("Tier changed"),
    "advocate.consent_changed": _("Consent changed"),
    "advocate.preferences_changed": _("Preferences changed"),
    "advocate.blackout_added": _("Blackout period added"),
    "advocate.blackout_removed": _("Blackout period removed"),
    "advocate.enrolled": _("Invitation to the program accepted"),
    "advocate.onboarded": _("Onboarding finished"),
    "advocate.opted_out": _("Opted out of program emails"),
    "advocate.opted_in": _("Opted back in to program emails"),
    "advocate.erasure_requested": _("Erasure requested"),
    "advocate.erasure_withdrawn": _("Erasure request withdrawn"),
    "advocate.erased": _("Personal data erased"),
    "advocate.data_exported": _("Personal data downloaded"),
    "account.created": _("Account added"),
    "account.updated": _("Account updated"),
    "activity_type.created": _("Activity type added"),
    "activity_type.updated": _("Activity type changed"),
    "activity.recorded": _("Activity recorded"),
    "activity.status_changed": _("Activity status changed"),
    "account.health_changed": _("Account health changed"),
    "import.completed": _("Import completed"),
    "import.failed": _("Import failed"),
    "import.expired": _("Unconfirmed imports cancelled"),
    "program.policy_changed": _("Program rules changed"),
    "program.tier_policy_changed": _("Tier policy changed"),
    "request.submitted": _("Request submitted"),
    "request.updated": _("Request updated"),
    "request.cancelled": _("Request cancelled"),
    "request.status_changed": _("Request moved on"),
    "request.advocate_asked": _("Advocate asked"),
    "ask.accepted": _("Ask accepted"),
    "ask.declined": _("Ask declined"),
    "ask.withdrawn": _("Ask withdrawn"),
    "ask.expired": _("Ask expired unanswered"),
    "referral.submitted": _("Referral received"),
    "referral.assigned": _("Referral owner changed"),
    "referral.status_changed": _("Referral moved on"),
    "content.created": _("Content draft created"),
    "content.updated": _("Content draft edited"),
    "content.new_version": _("New version of a content draft"),
    "content.submitted": _("Content sent for approval"),
    "content.step_approved": _("Content approval step approved"),
    "content.step_rejected": _("Content changes requested"),
    "content.publication_added": _("Content publication recorded"),
    "content.publication_withdrawn": _("Content publication withdrawn"),
    "campaign.created": _("Campaign created"),
    "campaign.opened": _("Campaign opened"),
    "campaign.sent": _("Campaign sent"),
    "campaign.advocates_asked": _("Campaign advocates asked"),
    "campaign.closed": _("Campaign closed"),
    "ask.times_proposed": _("Meeting times proposed"),
    "ask.scheduled": _("Meeting time chosen"),
    "ask.rescheduled": _("Meeting moved"),
    "ask.meeting_cancelled": _("Meeting called off"),
    "ask.briefing_updated": _("Briefing updated"),
    "ask.completed": _("Marked as done"),
    "ask.rated": _("Advocate rated the experience"),
    "ask.rating_changed": _("Advocate changed their rating"),
    "request.outcome_recorded": _("Outcome recorded"),
    "thank_you.sent": _("Thank-you sent"),
    "personal_note.assigned": _("Personal note assigned"),
    "personal_note.written": _("Personal note written"),
    "personal_note.escalated": _("Overdue personal note escalated"),
    "user.preferences_changed": _("Preferences changed"),
    "benefit.created": _("Benefit added to the catalogue"),
    "benefit.updated": _("Benefit changed"),
    "reward.proposed": _("Reward proposed"),
    "reward.option_chosen": _("Advocate chose a reward"),
    "reward.status_changed": _("Reward moved on"),
    "reward.address_given": _("Shipping address given"),
    "budget.created": _("Budget set"),
    "budget.updated": _("Budget changed"),
    "advocate.gifts_declined": _("Advocate prefers no gifts"),
    "advocate.gifts_accepted": _("Advocate accepts gifts again"),
    "nomination.created": _("Nominated for recognition"),
    "nomination.accepted": _("Nomination accepted"),
    "nomination.declined": _("Nomination declined"),
    "appreciation.rules_changed": _("Appreciation rules changed"),
}


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_log(
    *,
    organization: Organization,
    actor: Any,
    verb: str,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Records one event. ``actor`` may be None for the system (a task, a sweep)."""
    actor_user = actor if getattr(actor, "is_authenticated", False) else None
    object_id = ""
    if target is not None:
        object_id = str(getattr(target, "public_id", None) or target.pk)
    return AuditEvent.objects.create(
        organization=organization,
        actor=actor_user,
        actor_label=actor_user.email if actor_user else str(_("System")),
        verb=verb,
        object_type=(target._meta.model_name or "") if target is not None else "",
        object_id=object_id,
        object_label=str(target)[:254] if target is not None else "",
        data=data or {},
        ip_address=client_ip(request),
        created_at=timezone.now(),
    )


def verb_label(verb: str) -> str:
    return str(VERB_LABELS.get(verb, verb))
