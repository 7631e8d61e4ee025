"""The appreciation queue at /o/<org>/appreciation/: every thank-you and personal note still owed,
with its 24-hour clock, and the page where a personal note is written."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from advocacy.errors import ConflictError, ValidationFailed
from advocacy.roles import Capability
from advocacy.tenancy import TenantRequest, organization_view

from ..forms.notes import PersonalNoteForm
from ..models import PersonalNote
from ..services import thank_yous as services

# Each list shows the most urgent rows; the counts say how many more there are.
QUEUE_ROWS = 50
FILTER_LABELS = {
    "open": gettext_lazy("Open"),
    "overdue": gettext_lazy("Overdue"),
    "mine": gettext_lazy("Mine"),
    "done": gettext_lazy("Done"),
}


@organization_view(Capability.APPRECIATION)
@require_safe
def queue(request: TenantRequest, org_slug: str) -> HttpResponse:
    show = request.GET.get("show", "open")
    if show not in services.QUEUE_FILTERS:
        show = "open"
    thank_yous, notes = services.queue_items(
        organization=request.organization, membership=request.membership, show=show
    )
    can_manage = request.membership.can(Capability.APPRECIATION_MANAGE)
    note_rows = list(notes[:QUEUE_ROWS])
    return render(
        request,
        "benefits/queue.html",
        {
            "show": show,
            "filters": list(FILTER_LABELS.items()),
            "thank_yous": list(thank_yous[:QUEUE_ROWS]),
            "thank_you_total": thank_yous.count(),
            "notes": [(note, can_manage or note.assignee_id == request.user.pk) for note in note_rows],
            "note_total": notes.count(),
            "rows": QUEUE_ROWS,
            "now": timezone.now(),
        },
    )


def visible_note(request: TenantRequest, activity_public_id: Any) -> PersonalNote:
    """A personal note this member may see, by its activity's public id; anything else is a 404."""
    try:
        key = uuid.UUID(str(activity_public_id))
    except ValueError as error:
        raise Http404 from error
    note = (
        services.visible_notes(organization=request.organization, membership=request.membership)
        .select_related("advocate__account", "activity__activity_type", "activity__request", "assignee", "written_by")
        .filter(activity__public_id=key)
        .first()
    )
    if note is None:
        raise Http404
    return note


@organization_view(Capability.APPRECIATION)
@require_http_methods(["GET", "HEAD", "POST"])
def note_write(request: TenantRequest, org_slug: str, activity_public_id: Any) -> HttpResponse:
    """The note's context (who, what, when, the clock) and, for its assignee or the program team,
    the form to write it. Writing it sends it to the advocate in the writer's name."""
    note = visible_note(request, activity_public_id)
    can_write = note.written_at is None and services.can_write_note(note, membership=request.membership)
    form = PersonalNoteForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if note.written_at is not None:
            return render(
                request,
                "benefits/queue_note.html",
                {"note": note, "form": None, "conflict": _("This note has already been written.")},
                status=409,
            )
        if not can_write:
            raise PermissionDenied(_("This note is assigned to someone else."))
        if form.is_valid():
            try:
                services.personal_note_write(
                    note=note,
                    text=form.cleaned_data["note"],
                    actor=request.user,
                    membership=request.membership,
                    request=request,
                )
            except ValidationFailed as error:
                for field, field_messages in error.errors.items():
                    for message in field_messages:
                        form.add_error(field if field in form.fields else None, message)
            except ConflictError as error:
                return render(
                    request,
                    "benefits/queue_note.html",
                    {"note": note, "form": None, "conflict": error.message},
                    status=409,
                )
            else:
                messages.success(request, _("Your note is on its way to %(name)s.") % {"name": note.advocate.full_name})
                return redirect("benefits:queue", org_slug=org_slug)
        status = 400
    return render(
        request, "benefits/queue_note.html", {"note": note, "form": form if can_write else None}, status=status
    )
