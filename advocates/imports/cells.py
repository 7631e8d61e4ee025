"""Cell parsers: each turns one cell's text into the value to store, or raises ``CellError`` with an
error code (see ``reports.ERROR_MESSAGES``)."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.utils import translation

from ..models.choices import LANGUAGE_CHOICES
from .columns import match_key

# Spreadsheets run a cell that starts with one of these as a formula: exports defuse them with a leading
# apostrophe, and imports remove it again so an export re-imports unchanged.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class CellError(Exception):
    def __init__(self, code: str, **params: Any):
        super().__init__(code)
        self.code = code
        self.params = params


def unescape(value: str) -> str:
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_STARTS:
        return value[1:]
    return value


def text_parser(limit: int) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if len(value) > limit:
            raise CellError("too_long", limit=limit)
        return value

    return parse


def parse_email(value: str) -> str:
    value = value.lower()
    try:
        validate_email(value)
    except ValidationError:
        raise CellError("invalid_email", value=value) from None
    if len(value) > 254:
        raise CellError("too_long", limit=254)
    return value


def integer_parser(low: int, high: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise CellError("not_integer", value=value) from None
        if not number.is_finite() or number != number.to_integral_value():
            raise CellError("not_integer", value=value)
        if not low <= number <= high:
            raise CellError("out_of_range", value=value, low=low, high=high)
        return int(number)

    return parse


def parse_amount(value: str) -> Decimal:
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise CellError("not_number", value=value) from None
    if not amount.is_finite():
        raise CellError("not_number", value=value)
    if amount < 0 or amount >= Decimal("1e12"):
        raise CellError("out_of_range", value=value, low=0, high="999999999999.99")
    return amount.quantize(Decimal("0.01"))


def parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CellError("invalid_date", value=value) from None


def parse_country(value: str) -> str:
    if len(value) != 2 or not value.isascii() or not value.isalpha():
        raise CellError("invalid_country", value=value)
    return value.upper()


def choice_lookup(choices: type[models.TextChoices]) -> dict[str, str]:
    """Values and labels (in English and in the active language) to the stored value."""
    lookup: dict[str, str] = {}
    with translation.override("en"):
        lookup |= {match_key(str(label)): value for value, label in choices.choices}
    lookup |= {match_key(str(label)): value for value, label in choices.choices}
    lookup |= {match_key(value): value for value in choices.values}
    return lookup


def choice_parser(lookup: dict[str, str], values: list[str]) -> Callable[[str], str]:
    def parse(value: str) -> str:
        try:
            return lookup[match_key(value)]
        except KeyError:
            raise CellError("invalid_choice", value=value, choices=", ".join(values)) from None

    return parse


def parse_products(value: str) -> list[str]:
    names: dict[str, str] = {}
    for name in (part.strip() for part in value.split(";")):
        if len(name) > 100:
            raise CellError("too_long", limit=100)
        if name:
            names.setdefault(name.lower(), name)
    return list(names.values())


def parse_tags(value: str) -> str:
    tags = list(dict.fromkeys(tag.strip() for tag in re.split(r"[,;]", value) if tag.strip()))
    joined = ", ".join(tags)
    if len(joined) > 300:
        raise CellError("too_long", limit=300)
    return joined


@lru_cache(maxsize=1)
def _time_zones() -> dict[str, str]:
    return {name.casefold(): name for name in zoneinfo.available_timezones()}


def parse_time_zone(value: str) -> str:
    try:
        return _time_zones()[value.casefold()]
    except KeyError:
        raise CellError("unknown_time_zone", value=value) from None


_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(-[a-z0-9]{2,8})?")


def languages_parser() -> Callable[[str], str]:
    """Language codes separated by spaces; names such as “Portuguese” are accepted too."""
    with translation.override("en"):
        names = {str(label).casefold(): code for code, label in LANGUAGE_CHOICES}
    names |= {str(label).casefold(): code for code, label in LANGUAGE_CHOICES}

    def parse(value: str) -> str:
        codes: dict[str, None] = {}
        for token in re.split(r"[\s,;/]+", value):
            code = names.get(token.casefold(), token.lower())
            if not _LANGUAGE_CODE.fullmatch(code):
                raise CellError("invalid_language", value=token)
            codes[code] = None
        joined = " ".join(codes)
        if len(joined) > 100:
            raise CellError("too_long", limit=100)
        return joined

    return parse
