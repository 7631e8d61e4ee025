"""Running a service for a submitted form, the same way on every page.

A page binds its form, then hands ``submit_form`` the work to do once the form is valid: call the
service, say what happened, and redirect. What comes back is either that response or the status to
show the form again with: 400 for a form with errors (the service's ``ValidationFailed`` messages on
their fields), 409 for a move the current state does not allow (the ``ConflictError`` reason above
the form, or wherever the page shows it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django import forms
from django.http import HttpResponse

from advocacy.errors import ConflictError, ValidationFailed


def add_service_errors(
    form: forms.BaseForm, error: ValidationFailed, field_aliases: Mapping[str, str] | None = None
) -> None:
    """Puts each message on the form field it names; a name the form has no field for (a rule about
    the whole submission, or a field the form does not show) becomes an error above the form.
    ``field_aliases`` maps a service's field name to the form field that stands for it."""
    aliases = field_aliases or {}
    for name, field_messages in error.errors.items():
        field_name = aliases.get(name, name)
        for message in field_messages:
            form.add_error(field_name if field_name in form.fields else None, message)


def submit_form(
    form: forms.BaseForm,
    on_valid: Callable[[], HttpResponse],
    *,
    field_aliases: Mapping[str, str] | None = None,
    on_conflict: Callable[[str], HttpResponse] | None = None,
) -> HttpResponse | int:
    """Validates ``form`` and, if it is valid, returns what ``on_valid`` answers (it calls the
    service and builds the success response). Otherwise returns the status to re-render the form
    with, the errors already on it: 400 for invalid input, 409 for a state conflict. A page that
    shows a conflict's reason outside the form passes ``on_conflict``, whose response is returned
    instead."""
    if not form.is_valid():
        return 400
    try:
        return on_valid()
    except ValidationFailed as error:
        add_service_errors(form, error, field_aliases)
        return 400
    except ConflictError as error:
        if on_conflict is not None:
            return on_conflict(error.message)
        form.add_error(None, error.message)
        return 409
