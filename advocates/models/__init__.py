"""The advocates app's models, split by resource."""

from .accounts import AccountProduct, CustomerAccount, HealthScoreChange, Product
from .activities import Activity, ActivityPreference, ActivityType
from .advocates import (
    CONSENT_FIELDS,
    Advocate,
    AdvocateQuerySet,
    AdvocateStatusChange,
    BlackoutPeriod,
    ConsentChange,
    NpsResponse,
    TierChange,
)
from .choices import LANGUAGE_CHOICES, TIER_ORDER, Channel, Consent, ConsentSource, Region, Segment, Seniority, Tier
from .imports import ImportJob
from .policy import ProgramPolicy, TierPolicy

__all__ = [
    "CONSENT_FIELDS",
    "LANGUAGE_CHOICES",
    "TIER_ORDER",
    "AccountProduct",
    "Activity",
    "ActivityPreference",
    "ActivityType",
    "Advocate",
    "AdvocateQuerySet",
    "AdvocateStatusChange",
    "BlackoutPeriod",
    "Channel",
    "Consent",
    "ConsentChange",
    "ConsentSource",
    "CustomerAccount",
    "HealthScoreChange",
    "ImportJob",
    "NpsResponse",
    "Product",
    "ProgramPolicy",
    "Region",
    "Segment",
    "Seniority",
    "Tier",
    "TierChange",
    "TierPolicy",
]

__all__ += ["ImportJob"]
