"""Row-level problems, stored as codes with parameters on the job and worded when shown, in the
reader's language."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy

from ..models import ImportJob

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

# Enough to fix a file by; the counts always cover every row.
MAX_STORED_ERRORS = 500

ERROR_MESSAGES: dict[str, StrPromise] = {
    "required": gettext_lazy("A value is required."),
    "encoding": gettext_lazy("This row is not UTF-8 text: save the file as “CSV UTF-8” and upload it again."),
    "unreadable": gettext_lazy("This row cannot be read as CSV: check its quotation marks."),
    "extra_cells": gettext_lazy("This row has more cells than the header has columns: check for unquoted commas."),
    "invalid_email": gettext_lazy("“%(value)s” is not a valid email address."),
    "duplicate_email": gettext_lazy("The email address %(value)s is also on row %(row)s of this file."),
    "duplicate_crm_id": gettext_lazy("The CRM ID %(value)s is also on row %(row)s of this file."),
    "duplicate_name": gettext_lazy("The account “%(value)s” is also on row %(row)s of this file."),
    "unknown_industry": gettext_lazy("Unknown industry “%(value)s”."),
    "unknown_account": gettext_lazy("No account with the CRM ID or name “%(value)s” in this organisation."),
    "ambiguous_account": gettext_lazy("Several accounts are called “%(value)s”: use the account's CRM ID."),
    "ambiguous_name": gettext_lazy("Several accounts are called “%(value)s”: add a CRM ID to say which one."),
    "unknown_member": gettext_lazy("%(value)s is not a member of this organisation."),
    "invalid_choice": gettext_lazy("“%(value)s” is not one of: %(choices)s."),
    "not_integer": gettext_lazy("“%(value)s” is not a whole number."),
    "not_number": gettext_lazy("“%(value)s” is not a number: use digits and a dot for decimals, e.g. 125000.50."),
    "out_of_range": gettext_lazy("%(value)s is out of range: use a whole number from %(low)s to %(high)s."),
    "invalid_date": gettext_lazy("“%(value)s” is not a date: use YYYY-MM-DD."),
    "invalid_country": gettext_lazy("“%(value)s” is not a two-letter country code such as PT, US or JP."),
    "too_long": gettext_lazy("Too long: at most %(limit)s characters."),
    "unknown_time_zone": gettext_lazy("“%(value)s” is not a time zone such as Europe/Lisbon."),
    "invalid_language": gettext_lazy("“%(value)s” is not a language code such as en, pt or ja."),
}


def describe_error(entry: dict[str, Any]) -> str:
    message = ERROR_MESSAGES.get(entry.get("code", ""))
    if message is None:
        return str(entry.get("code", ""))
    try:
        return str(message) % entry.get("params", {})
    except (KeyError, TypeError, ValueError):
        return str(message)


def errors_for_display(job: ImportJob) -> list[dict[str, Any]]:
    return [
        {"row": entry.get("row"), "column": entry.get("column", ""), "message": describe_error(entry)}
        for entry in job.errors
    ]
