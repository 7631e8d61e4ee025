"""Per-organisation program policy: tiers and the numbers DOMAIN.md gives as defaults."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from advocacy.models import Organization

from .choices import Tier


@dataclass(frozen=True)
class ProgramPolicy:
    """The organisation's program numbers, read from ``Organization.settings["program"]``."""

    yearly_cap: int = 6
    health_threshold: int = 80
    tenure_months: int = 12
    nps_promoter_min: int = 9
    cooldown_days: int = 30
    ask_answer_days: int = 7

    @classmethod
    def for_organization(cls, organization: Organization) -> ProgramPolicy:
        stored = (organization.settings or {}).get("program") or {}
        known = {field.name for field in fields(cls)}
        return cls(**{key: int(value) for key, value in stored.items() if key in known})

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class TierPolicy(models.Model):
    """What a tier means in this organisation: expected participation, share of the base, touch."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="tier_policies")
    tier = models.CharField(_("tier"), max_length=20, choices=Tier.choices)
    expected_min = models.PositiveSmallIntegerField(_("expected activities a year (from)"))
    expected_max = models.PositiveSmallIntegerField(_("expected activities a year (to)"))
    share_min = models.PositiveSmallIntegerField(_("target share of the base, from (%)"), null=True, blank=True)
    share_max = models.PositiveSmallIntegerField(_("target share of the base, to (%)"), null=True, blank=True)
    touch_model = models.CharField(_("touch model"), max_length=200, blank=True)
    benefits = models.TextField(_("benefits"), blank=True, max_length=2000)
    advocate_wording = models.TextField(
        _("how the tier is described to the advocate"),
        blank=True,
        max_length=1000,
        help_text=_("Shown in the portal. Recognition, never a bracket to fall out of."),
    )

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("tier policy")
        verbose_name_plural = _("tier policies")
        constraints = [
            models.UniqueConstraint(fields=["organization", "tier"], name="tierpolicy_once_per_tier"),
            models.CheckConstraint(
                condition=models.Q(expected_max__gte=models.F("expected_min")), name="tierpolicy_expected_range"
            ),
        ]

    def __str__(self) -> str:
        return self.get_tier_display()
