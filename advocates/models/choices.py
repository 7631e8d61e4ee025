"""Vocabularies shared by accounts, advocates, activity types and requests."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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


# Highest first: the order tiers are ranked and suggested in.
TIER_ORDER = (Tier.PLATINUM, Tier.GOLD, Tier.SILVER, Tier.COMMUNITY)


class Consent(models.TextChoices):
    """What an advocate explicitly agrees to. Each flag is kept with its time, source and history."""

    NAMED = "named", _("May be named")
    QUOTED = "quoted", _("May be quoted")
    LOGO = "logo", _("Company logo may be used")
    RECORDED = "recorded", _("May be recorded")
    SPEAK_PUBLICLY = "speak_publicly", _("Will speak publicly")


class ConsentSource(models.TextChoices):
    PORTAL = "portal", _("The advocate, in the portal")
    PROGRAM_TEAM = "program_team", _("The program team, on the advocate's word")
    IMPORT = "import", _("Import")
    ERASURE = "erasure", _("Personal data erased")


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    VIDEO = "video", _("Video call")
    IN_PERSON = "in_person", _("In person")


class Seniority(models.TextChoices):
    EXECUTIVE = "executive", _("Executive")
    MANAGER = "manager", _("Manager")
    PRACTITIONER = "practitioner", _("Practitioner")


LANGUAGE_CHOICES = [
    ("en", _("English")),
    ("pt", _("Portuguese")),
    ("es", _("Spanish")),
    ("ja", _("Japanese")),
    ("fr", _("French")),
    ("de", _("German")),
]
