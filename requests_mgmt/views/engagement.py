"""Scheduling, briefing, completion and feedback pages.

Staff act from the request page (its schedule and outcome panels post here); the advocate acts
from the portal. A form with errors comes back on its own page with status 400, a move the current
state does not allow with status 409 and the reason. Asks are reached through the requests the
member may see (another organisation's, or another requester's, is a 404); in the portal, only
through the signed-in advocate's own asks. The panels themselves are built in ``engagement_panels``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from advocacy.errors import ConflictError, ValidationFailed
from advocacy.roles import Capability
from advocacy.tenancy import TenantRequest, organization_view
from advocates.models import Advocate
from advocates.views.portal import advocate_page

from .. import selectors
from ..forms.engagement import (
    BriefingForm,
    CancelMeetingForm,
    ChooseTimeForm,
    CompleteForm,
    OutcomeForm,
    ProposeTimesForm,
    RatingForm,
)
from ..models import AdvocacyRequest, Ask, RequestOutcome
from ..services import completion, scheduling
from .engagement_panels import ENGAGED, ask_engagement, future_slots, meeting_invitation
from .form_submission import submit_form

# Looking things up ---------------------------------------------------------------------------------


def _visible_request(request: TenantRequest, public_id: Any) -> AdvocacyRequest:
    requests = selectors.visible_requests(organization=request.organization, membership=request.membership)
    advocacy_request: AdvocacyRequest = get_object_or_404(requests, public_id=public_id)
    return advocacy_request


def _staff_ask(request: TenantRequest, ask_id: Any) -> Ask:
    requests = selectors.visible_requests(organization=request.organization, membership=request.membership)
    asks = Ask.objects.filter(organization=request.organization, request__in=requests.values("pk")).select_related(
        "organization", "request", "request__organization", "request__requester", "advocate", "advocate__user"
    )
    if not scheduling.is_program_team(request.membership):
        # A requester learns who was asked only once someone accepted (as on the request page).
        asks = asks.filter(status__in=ENGAGED)
    ask: Ask = get_object_or_404(asks, public_id=ask_id)
    return ask


def _portal_ask(request: TenantRequest, advocate: Advocate, ask_id: Any) -> Ask:
    asks = Ask.objects.filter(organization=request.organization, advocate=advocate).select_related(
        "organization", "request", "request__organization", "advocate", "advocate__user"
    )
    ask: Ask = get_object_or_404(asks, public_id=ask_id)
    return ask


# Staff pages ---------------------------------------------------------------------------------------


def _form_page(
    request: TenantRequest,
    outcome: HttpResponse | int,
    *,
    ask: Ask | None,
    advocacy_request: AdvocacyRequest,
    title: str,
    form: forms.BaseForm,
    submit: str,
    intro: str = "",
    danger: bool = False,
) -> HttpResponse:
    """The response once the form was handled (``outcome`` from ``submit_form``), else the form's
    own page with the status it carries."""
    if isinstance(outcome, HttpResponse):
        return outcome
    return render(
        request,
        "requests_mgmt/engagement_form.html",
        {
            "advocacy_request": advocacy_request,
            "ask": ask,
            "title": title,
            "intro": intro,
            "form": form,
            "submit": submit,
            "danger": danger,
            "viewer_zone": timezone.get_current_timezone_name(),
        },
        status=outcome,
    )


def _posted(request: TenantRequest) -> Any:
    """The submitted data, even when empty (every field of a form may be optional)."""
    return request.POST if request.method == "POST" else None


def _back_to_request(org_slug: str, advocacy_request: AdvocacyRequest) -> HttpResponse:
    return redirect("requests_mgmt:request-detail", org_slug=org_slug, public_id=advocacy_request.public_id)


@organization_view(Capability.REQUESTS)
@require_http_methods(["GET", "POST"])
def propose_times(request: TenantRequest, org_slug: str, ask_id: Any) -> HttpResponse:
    ask = _staff_ask(request, ask_id)
    if not scheduling.can_propose_times(request.membership, ask.request):
        raise PermissionDenied
    form = ProposeTimesForm(_posted(request), prefix=f"p{ask.pk}", initial={"meeting_location": ask.meeting_location})

    def propose() -> HttpResponse:
        scheduling.slots_propose(
            ask=ask,
            actor=request.user,
            starts=form.starts(),
            duration_minutes=form.cleaned_data["duration_minutes"],
            meeting_location=form.cleaned_data["meeting_location"],
            request=request,
        )
        messages.success(request, _("The times were proposed; the advocate is asked to pick one."))
        return _back_to_request(org_slug, ask.request)

    outcome = submit_form(form, propose, field_aliases={"starts": "start_1"}) if request.method == "POST" else 200
    return _form_page(
        request,
        outcome,
        ask=ask,
        advocacy_request=ask.request,
        title=_("Propose times"),
        intro=_("Enter the times in your own time zone; the advocate sees them in theirs."),
        form=form,
        submit=_("Propose"),
    )


@organization_view(Capability.REQUESTS_TRIAGE)
@require_http_methods(["GET", "POST"])
def choose_time(request: TenantRequest, org_slug: str, ask_id: Any) -> HttpResponse:
    """The program team picks a time on the advocate's behalf (logged as such)."""
    ask = _staff_ask(request, ask_id)
    form = ChooseTimeForm(_posted(request), slots=future_slots(ask))

    def choose() -> HttpResponse:
        scheduling.slot_choose(ask=ask, starts_at=form.chosen(), actor=request.user, request=request)
        messages.success(request, _("The time is set; both sides receive a calendar invitation."))
        return _back_to_request(org_slug, ask.request)

    outcome: HttpResponse | int = 200
    if request.method == "POST":
        try:  # a meeting that can no longer be scheduled is refused before the form is looked at
            scheduling.check_schedulable(ask)
        except ConflictError as error:
            form.add_error(None, error.message)
            outcome = 409
        else:
            outcome = submit_form(form, choose)
    return _form_page(
        request,
        outcome,
        ask=ask,
        advocacy_request=ask.request,
        title=_("Choose a time for the advocate"),
        form=form,
        submit=_("Choose this time"),
    )


@organization_view(Capability.REQUESTS_TRIAGE)
@require_http_methods(["GET", "POST"])
def briefing(request: TenantRequest, org_slug: str, ask_id: Any) -> HttpResponse:
    ask = _staff_ask(request, ask_id)
    form = BriefingForm(_posted(request), instance=ask, prefix=f"b{ask.pk}")

    def save() -> HttpResponse:
        scheduling.briefing_update(ask=ask, actor=request.user, data=form.cleaned_data, request=request)
        messages.success(request, _("The briefing was saved."))
        return _back_to_request(org_slug, ask.request)

    outcome = submit_form(form, save) if request.method == "POST" else 200
    return _form_page(
        request, outcome, ask=ask, advocacy_request=ask.request, title=_("Briefing"), form=form, submit=_("Save")
    )


@organization_view(Capability.REQUESTS_TRIAGE)
@require_http_methods(["GET", "POST"])
def cancel_meeting(request: TenantRequest, org_slug: str, ask_id: Any) -> HttpResponse:
    ask = _staff_ask(request, ask_id)
    form = CancelMeetingForm(_posted(request), prefix=f"x{ask.pk}")

    def call_off() -> HttpResponse:
        scheduling.meeting_cancel(ask=ask, actor=request.user, reason=form.cleaned_data["reason"], request=request)
        messages.success(request, _("The meeting was called off; both sides were told."))
        return _back_to_request(org_slug, ask.request)

    outcome = submit_form(form, call_off) if request.method == "POST" else 200
    return _form_page(
        request,
        outcome,
        ask=ask,
        advocacy_request=ask.request,
        title=_("Call off the meeting"),
        form=form,
        submit=_("Call off the meeting"),
        danger=True,
    )


@organization_view(Capability.REQUESTS_TRIAGE)
@require_http_methods(["GET", "POST"])
def complete(request: TenantRequest, org_slug: str, ask_id: Any) -> HttpResponse:
    ask = _staff_ask(request, ask_id)
    form = CompleteForm(_posted(request), prefix=f"c{ask.pk}")

    def mark_done() -> HttpResponse:
        completion.ask_complete(
            ask=ask,
            actor=request.user,
            occurred_on=form.cleaned_data["occurred_on"],
            minutes=form.cleaned_data["minutes"],
            note=form.cleaned_data["note"],
            request=request,
        )
        messages.success(request, _("Marked as done and added to the advocate's history."))
        return _back_to_request(org_slug, ask.request)

    outcome = submit_form(form, mark_done) if request.method == "POST" else 200
    return _form_page(
        request,
        outcome,
        ask=ask,
        advocacy_request=ask.request,
        title=_("Mark as done"),
        intro=_("The activity goes into the advocate's history and counts toward their yearly limit at once."),
        form=form,
        submit=_("Mark as done"),
    )


@organization_view(Capability.REQUESTS)
@require_http_methods(["GET", "POST"])
def record_outcome(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    advocacy_request = _visible_request(request, public_id)
    if not completion.can_record_outcome(request.membership, advocacy_request):
        raise PermissionDenied
    outcome_so_far = RequestOutcome.objects.filter(organization=request.organization, request=advocacy_request).first()
    form = OutcomeForm(_posted(request), initial=OutcomeForm.initial_for(outcome_so_far))

    def record() -> HttpResponse:
        completion.outcome_record(
            advocacy_request=advocacy_request, actor=request.user, data=form.cleaned_data, request=request
        )
        messages.success(request, _("The outcome was recorded. Thank you for closing the loop."))
        return _back_to_request(org_slug, advocacy_request)

    outcome = submit_form(form, record) if request.method == "POST" else 200
    return _form_page(
        request,
        outcome,
        ask=None,
        advocacy_request=advocacy_request,
        title=_("What came of it"),
        form=form,
        submit=_("Save the outcome"),
    )


@organization_view(Capability.REQUESTS)
@require_safe
def calendar_file(request: TenantRequest, org_slug: str, ask_id: Any) -> HttpResponse:
    """The requester's copy of the invitation, for adding it to a calendar by hand."""
    ask = _staff_ask(request, ask_id)
    return meeting_invitation(ask, for_advocate=False, language=request.LANGUAGE_CODE)


# The advocate's pages ------------------------------------------------------------------------------


def _portal_next(request: TenantRequest, org_slug: str, ask: Ask) -> str:
    """Back to the page the advocate acted from (a portal page of this organisation), else the
    ask's page in the portal."""
    candidate = request.POST.get("next", "")
    portal_prefix = reverse("portal:home", kwargs={"org_slug": org_slug})
    if candidate.startswith(portal_prefix) and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}
    ):
        return candidate
    return reverse("outreach:portal-ask", kwargs={"org_slug": org_slug, "public_id": ask.public_id})


def _portal_page(
    request: TenantRequest, ask: Ask, advocate: Advocate, *, status: int = 200, **forms_given: Any
) -> HttpResponse:
    return render(
        request,
        "requests_mgmt/engagement_portal_ask.html",
        {
            "ask": ask,
            "advocate": advocate,
            "section": "asks",
            "engagement": ask_engagement(request, ask, advocate, **forms_given),
        },
        status=status,
    )


@organization_view(Capability.PORTAL)
@require_http_methods(["GET", "POST"])
@advocate_page
def portal_pick(request: TenantRequest, org_slug: str, advocate: Advocate, ask_id: Any) -> HttpResponse:
    """The advocate picks one of the proposed times (GET shows them, in the advocate's zone). The
    portal shows one line of explanation above the times rather than errors on a form."""
    ask = _portal_ask(request, advocate, ask_id)
    if request.method == "GET":
        return _portal_page(request, ask, advocate)
    form = ChooseTimeForm(request.POST, slots=future_slots(ask))
    try:
        scheduling.check_schedulable(ask)
    except ConflictError as error:
        return _portal_page(request, ask, advocate, status=409, pick_error=error.message)
    if not form.is_valid():
        return _portal_page(request, ask, advocate, status=400, pick_error=_("Choose one of the proposed times."))
    try:
        scheduling.slot_choose(ask=ask, starts_at=form.chosen(), actor=request.user, request=request)
    except ValidationFailed as error:
        message = " ".join(" ".join(texts) for texts in error.errors.values())
        return _portal_page(request, ask, advocate, status=400, pick_error=message)
    except ConflictError as error:
        return _portal_page(request, ask, advocate, status=409, pick_error=error.message)
    messages.success(request, _("Thank you! The time is set; a calendar invitation is on its way to you."))
    return redirect(_portal_next(request, org_slug, ask))


@organization_view(Capability.PORTAL)
@require_http_methods(["GET", "POST"])
@advocate_page
def portal_rate(request: TenantRequest, org_slug: str, advocate: Advocate, ask_id: Any) -> HttpResponse:
    ask = _portal_ask(request, advocate, ask_id)
    if request.method == "GET":
        return _portal_page(request, ask, advocate)
    form = RatingForm(request.POST)

    def rate() -> HttpResponse:
        completion.ask_rate(
            ask=ask,
            actor=request.user,
            rating=form.cleaned_data["rating"],
            comment=form.cleaned_data["comment"],
            request=request,
        )
        messages.success(request, _("Thank you for telling us how it went."))
        return redirect(_portal_next(request, org_slug, ask))

    outcome = submit_form(form, rate)
    if isinstance(outcome, HttpResponse):
        return outcome
    return _portal_page(request, ask, advocate, status=outcome, rating_form=form)


@organization_view(Capability.PORTAL)
@require_safe
@advocate_page
def portal_calendar_file(request: TenantRequest, org_slug: str, advocate: Advocate, ask_id: Any) -> HttpResponse:
    ask = _portal_ask(request, advocate, ask_id)
    return meeting_invitation(ask, for_advocate=True, language=request.LANGUAGE_CODE)
