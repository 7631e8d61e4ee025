"""The organisation's reporting settings: yearly targets, the value it gives each activity type, the
share of influenced revenue it attributes to the program, and the NPS survey rhythm.

Stored in ``Organization.settings["reporting"]``; every number is a default from DOMAIN.md the
organisation may change on the targets page."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from advocacy.models import Organization


@dataclass(frozen=True)
class Targets:
    """Yearly goals. Counts are per calendar year; the others are percentages or an average."""

    references: int = 50
    case_studies: int = 12
    testimonials: int = 50
    review_average: Decimal = Decimal("4.5")
    reference_close_rate: int = 90
    opportunities_supported: int = 80
    referral_pipeline_share: int = 20
    win_rate_lift: int = 15
    cycle_reduction: int = 20
    retention: int = 95


TARGET_LABELS: dict[str, Any] = {
    "references": _("References provided"),
    "case_studies": _("Case studies"),
    "testimonials": _("Testimonials"),
    "review_average": _("Review average (stars)"),
    "reference_close_rate": _("Reference requests fulfilled (%)"),
    "opportunities_supported": _("Opportunities supported by advocacy (%)"),
    "referral_pipeline_share": _("Pipeline from referrals (%)"),
    "win_rate_lift": _("Win rate with advocacy, better by (%)"),
    "cycle_reduction": _("Sales cycle with advocacy, shorter by (%)"),
    "retention": pgettext_lazy("target", "Advocate retention (%)"),
}


@dataclass(frozen=True)
class ReportingPolicy:
    targets: Targets = field(default_factory=Targets)
    # Share (percent) of the won revenue of deals the program supported that counts as its value.
    attribution_percent: int = 10
    # The value the organisation gives one completed activity of a type, by activity type key.
    activity_values: dict[str, Decimal] = field(default_factory=dict)
    survey_interval_days: int = 182
    survey_open_days: int = 14
    executive_summary: bool = True

    @classmethod
    def for_organization(cls, organization: Organization) -> ReportingPolicy:
        stored = (organization.settings or {}).get("reporting") or {}
        target_names = {item.name: item.type for item in fields(Targets)}
        targets = Targets(
            **{
                name: _number(value, decimal=name == "review_average")
                for name, value in (stored.get("targets") or {}).items()
                if name in target_names and _number(value, decimal=name == "review_average") is not None
            }
        )
        values = {
            str(key): amount
            for key, raw in (stored.get("activity_values") or {}).items()
            if (amount := _number(raw, decimal=True)) is not None
        }
        simple = {
            name: stored[name]
            for name in ("attribution_percent", "survey_interval_days", "survey_open_days")
            if isinstance(stored.get(name), int)
        }
        policy = cls(targets=targets, activity_values=values, **simple)
        if isinstance(stored.get("executive_summary"), bool):
            policy = replace(policy, executive_summary=stored["executive_summary"])
        return policy

    def as_settings(self) -> dict[str, Any]:
        """The JSON stored on the organisation."""
        targets = {
            key: str(value) if isinstance(value, Decimal) else value for key, value in asdict(self.targets).items()
        }
        return {
            "targets": targets,
            "attribution_percent": self.attribution_percent,
            "activity_values": {key: str(value) for key, value in self.activity_values.items()},
            "survey_interval_days": self.survey_interval_days,
            "survey_open_days": self.survey_open_days,
            "executive_summary": self.executive_summary,
        }

    def save(self, organization: Organization) -> None:
        organization.settings = {**(organization.settings or {}), "reporting": self.as_settings()}
        organization.save(update_fields=["settings"])


def _number(raw: Any, *, decimal: bool = False) -> Any:
    if isinstance(raw, bool):
        return None
    if decimal:
        try:
            return Decimal(str(raw))
        except (InvalidOperation, ValueError):
            return None
    return raw if isinstance(raw, int) else None
