"""The advocate's own space: the program invitation and onboarding, recognition and capacity, history,
preferences and blackout periods, consent, and their personal data (download, erasure request).

Every page belongs to the advocate profile linked to the signed-in person in this organisation. An
invitation that has not been answered yet is found by the address it was sent to; answering it
links the profile to the person's account.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from advocacy.audit import audit_log
from advocacy.errors import ConflictError, ValidationFailed
from advocacy.roles import Capability
from advocacy.tenancy import TenantRequest, organization_view
from requests_mgmt.models import Ask

from .. import privacy, services
from ..capacity import advocate_capacity
from ..forms import (
    CONSENT_EXPLANATIONS,
    BlackoutForm,
    BlackoutRemoveForm,
    ConsentForm,
    ErasureRequestForm,
    InvitationAnswerForm,
    PortalPreferencesForm,
)
from ..forms import time_range_label as time_range_label
from ..models import (
    CONSENT_FIELDS,
    Activity,
    ActivityPreference,
    ActivityType,
    Advocate,
    BlackoutPeriod,
    Consent,
    ConsentChange,
    ConsentSource,
    ProgramPolicy,
    TierPolicy,
)

PortalView = Callable[..., HttpResponse]


def portal_advocate(request: TenantRequest) -> Advocate | None:
    """The signed-in person's advocate profile in this organisation: the one linked to their
    account, else one whose invitation went to their address and is not linked to anyone yet."""
    advocates = Advocate.objects.filter(organization=request.organization, anonymised_at__isnull=True)
    advocates = advocates.select_related("organization", "account", "invited_by")
    linked = advocates.filter(user=request.user).first()
    if linked is not None:
        return linked
    return advocates.filter(
        user__isnull=True,
        email__iexact=request.user.email,
        status__in=(Advocate.Status.INVITED, Advocate.Status.DECLINED),
    ).first()


def _not_linked(request: TenantRequest) -> HttpResponse:
    return render(request, "advocates/portal_unlinked.html")


def advocate_page(view: PortalView) -> PortalView:
    """Passes the linked advocate to the view. Without a profile the person gets a friendly page
    saying what to do; with only an unanswered invitation, the home page where it waits."""

    @wraps(view)
    def wrapped(request: TenantRequest, org_slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
        advocate = portal_advocate(request)
        if advocate is None:
            return _not_linked(request)
        if advocate.user_id != request.user.pk:
            return redirect("portal:home", org_slug=org_slug)
        return view(request, org_slug, advocate, *args, **kwargs)

    return wrapped


def _apply_errors(form: forms.Form, error: ValidationFailed) -> None:
    for field, field_messages in error.errors.items():
        for message in field_messages:
            form.add_error(field if field in form.fields else None, message)


def _tier_policy(advocate: Advocate) -> TierPolicy | None:
    return TierPolicy.objects.filter(organization=advocate.organization, tier=advocate.tier).first()


# Shared by the pages and the onboarding steps ---------------------------------------------------------


def _preferences_form(request: TenantRequest, advocate: Advocate, *, bound: bool) -> PortalPreferencesForm:
    organization = request.organization
    activity_types = list(ActivityType.objects.filter(organization=organization, active=True))
    preferences = {
        preference.activity_type_id: preference
        for preference in ActivityPreference.objects.filter(organization=organization, advocate=advocate)
    }
    data = request.POST if bound else None
    return PortalPreferencesForm(data, advocate=advocate, activity_types=activity_types, preferences=preferences)


def _save_preferences(request: TenantRequest, advocate: Advocate, form: PortalPreferencesForm) -> bool:
    if not form.is_valid():
        return False
    try:
        services.preferences_set(
            advocate=advocate,
            actor=request.user,
            willing=form.willing(),
            preferred_channel=form.cleaned_data["preferred_channel"],
            time_zone=form.cleaned_data["time_zone"],
            languages=" ".join(form.cleaned_data["languages"]),
            request=request,
        )
    except ValidationFailed as error:
        _apply_errors(form, error)
        return False
    return True


def _save_consent(request: TenantRequest, advocate: Advocate, form: ConsentForm) -> list[ConsentChange] | None:
    if not form.is_valid():
        return None
    return services.consent_set(
        advocate=advocate,
        consents={consent.value: form.cleaned_data[consent.value] for consent in Consent},
        source=ConsentSource.PORTAL,
        actor=request.user,
        request=request,
    )


def _consent_rows(advocate: Advocate, form: ConsentForm) -> tuple[list[dict[str, Any]], list[ConsentChange]]:
    history = list(
        ConsentChange.objects.filter(organization=advocate.organization, advocate=advocate).select_related("actor")
    )
    rows = []
    for consent in Consent:
        last = next((change for change in history if change.consent == consent), None)
        rows.append(
            {
                "consent": consent,
                "explanation": CONSENT_EXPLANATIONS[consent],
                "granted": getattr(advocate, CONSENT_FIELDS[consent]),
                "last_change": last,
                "field": form[consent.value],
            }
        )
    return rows, history


# Home, invitation and onboarding -------------------------------------------------------------------


@organization_view(Capability.PORTAL)
@require_safe
def portal_home(request: TenantRequest, org_slug: str) -> HttpResponse:
    advocate = portal_advocate(request)
    if advocate is None:
        return _not_linked(request)
    if advocate.status in (Advocate.Status.INVITED, Advocate.Status.DECLINED) and advocate.enrolled_at is None:
        return render(
            request, "advocates/portal_invitation.html", {"advocate": advocate, "form": InvitationAnswerForm()}
        )
    if advocate.enrolled_at is not None and advocate.onboarded_at is None:
        return redirect("portal:welcome", org_slug=org_slug)
    today = timezone.localdate()
    organization = request.organization
    activities = Activity.objects.filter(organization=organization, advocate=advocate).select_related("activity_type")
    blackouts = BlackoutPeriod.objects.filter(organization=organization, advocate=advocate, ends_on__gte=today)
    waiting = Ask.objects.filter(
        organization=organization, advocate=advocate, status=Ask.Status.PENDING, expires_at__gt=timezone.now()
    ).select_related("request")
    return render(
        request,
        "advocates/portal_home.html",
        {
            "advocate": advocate,
            "waiting_asks": waiting,
            "tier_policy": _tier_policy(advocate),
            "capacity": advocate_capacity(advocate, today=today),
            "activities": activities,
            "blackouts": blackouts,
            "section": "home",
        },
    )


@organization_view(Capability.PORTAL)
@require_POST
def invitation_answer(request: TenantRequest, org_slug: str) -> HttpResponse:
    advocate = portal_advocate(request)
    if advocate is None:
        return _not_linked(request)
    form = InvitationAnswerForm(request.POST)
    status = 400
    if form.is_valid():
        accept = form.cleaned_data["answer"] == "accept"
        try:
            services.advocate_respond_to_invitation(
                advocate=advocate,
                user=request.user,
                accept=accept,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ConflictError as error:
            form.add_error(None, error.message)
            status = 409
        else:
            if accept:
                messages.success(request, _("Welcome to the program! A few short steps and you are all set."))
                return redirect("portal:welcome", org_slug=org_slug)
            messages.success(request, _("Thank you for letting us know."))
            return redirect("portal:home", org_slug=org_slug)
    return render(request, "advocates/portal_invitation.html", {"advocate": advocate, "form": form}, status=status)


ONBOARDING_STEPS = [
    ("program", gettext_lazy("The program")),
    ("recognition", gettext_lazy("Your recognition")),
    ("preferences", gettext_lazy("What you like to do")),
    ("consent", gettext_lazy("Your consent")),
]


@organization_view(Capability.PORTAL)
@advocate_page
@require_http_methods(["GET", "POST"])
def welcome(request: TenantRequest, org_slug: str, advocate: Advocate, step: str = "program") -> HttpResponse:
    """Onboarding after accepting the invitation, one step at a time; the consent step finishes it."""
    keys = [key for key, _label in ONBOARDING_STEPS]
    if step not in keys:
        raise Http404
    if advocate.enrolled_at is None or advocate.onboarded_at is not None:
        return redirect("portal:home", org_slug=org_slug)
    index = keys.index(step)
    next_step = keys[index + 1] if index + 1 < len(keys) else None
    if request.method == "POST" and step in ("program", "recognition"):
        return redirect("portal:welcome", org_slug=org_slug, step=next_step)
    context: dict[str, Any] = {
        "advocate": advocate,
        "step": step,
        "steps": ONBOARDING_STEPS,
        "step_number": index + 1,
        "previous_step": keys[index - 1] if index else None,
        "next_step": next_step,
    }
    status = 200
    if step == "program":
        context["policy"] = ProgramPolicy.for_organization(request.organization)
    elif step == "recognition":
        context["tier_policy"] = _tier_policy(advocate)
    elif step == "preferences":
        form = _preferences_form(request, advocate, bound=request.method == "POST")
        if request.method == "POST":
            if _save_preferences(request, advocate, form):
                return redirect("portal:welcome", org_slug=org_slug, step=next_step)
            status = 400
        context["form"] = form
    else:
        consent_form = ConsentForm(request.POST if request.method == "POST" else None, advocate=advocate)
        if request.method == "POST":
            if _save_consent(request, advocate, consent_form) is not None:
                services.advocate_finish_onboarding(advocate=advocate, user=request.user, request=request)
                messages.success(request, _("You are all set. Thank you for joining us!"))
                return redirect("portal:home", org_slug=org_slug)
            status = 400
        context["consent_rows"] = _consent_rows(advocate, consent_form)[0]
        context["form"] = consent_form
    return render(request, "advocates/portal_welcome.html", context, status=status)


# Preferences and blackout periods ----------------------------------------------------------------------


def _blackout_context(request: TenantRequest, advocate: Advocate, form: BlackoutForm | None = None) -> dict[str, Any]:
    blackouts = BlackoutPeriod.objects.filter(
        organization=request.organization, advocate=advocate, ends_on__gte=timezone.localdate()
    )
    return {"blackouts": blackouts, "blackout_form": form or BlackoutForm()}


def _preferences_page(
    request: TenantRequest,
    advocate: Advocate,
    *,
    form: PortalPreferencesForm | None = None,
    blackout_form: BlackoutForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "advocate": advocate,
        "form": form or _preferences_form(request, advocate, bound=False),
        "section": "preferences",
        **_blackout_context(request, advocate, blackout_form),
    }
    return render(request, "advocates/portal_preferences.html", context, status=status)


@organization_view(Capability.PORTAL)
@advocate_page
@require_http_methods(["GET", "POST"])
def preferences(request: TenantRequest, org_slug: str, advocate: Advocate) -> HttpResponse:
    form = _preferences_form(request, advocate, bound=request.method == "POST")
    if request.method == "POST":
        if _save_preferences(request, advocate, form):
            messages.success(request, _("Your preferences were saved. We will respect them in every request."))
            return redirect("portal:preferences", org_slug=org_slug)
        return _preferences_page(request, advocate, form=form, status=400)
    return _preferences_page(request, advocate, form=form)


def _blackouts_response(
    request: TenantRequest, advocate: Advocate, *, form: BlackoutForm | None = None, status: int = 200
) -> HttpResponse:
    """With htmx, only the blackout list and form are re-rendered. A refused form comes back with 200
    there, because htmx swaps successful responses only; without JavaScript it is a 400 page."""
    if request.htmx:  # type: ignore[attr-defined]
        return render(
            request, "advocates/portal_preferences.html#blackouts", _blackout_context(request, advocate, form)
        )
    if status != 200:
        return _preferences_page(request, advocate, blackout_form=form, status=status)
    return redirect("portal:preferences", org_slug=request.organization.slug)


@organization_view(Capability.PORTAL)
@advocate_page
@require_POST
def blackout_add(request: TenantRequest, org_slug: str, advocate: Advocate) -> HttpResponse:
    form = BlackoutForm(request.POST)
    if form.is_valid():
        try:
            services.blackout_add(
                advocate=advocate,
                starts_on=form.cleaned_data["starts_on"],
                ends_on=form.cleaned_data["ends_on"],
                note=form.cleaned_data["note"],
                actor=request.user,
                request=request,
            )
        except ValidationFailed as error:
            _apply_errors(form, error)
        else:
            if not request.htmx:  # type: ignore[attr-defined]
                messages.success(request, _("We will not ask you during these dates."))
            return _blackouts_response(request, advocate)
    return _blackouts_response(request, advocate, form=form, status=400)


@organization_view(Capability.PORTAL)
@advocate_page
@require_POST
def blackout_remove(request: TenantRequest, org_slug: str, advocate: Advocate) -> HttpResponse:
    form = BlackoutRemoveForm(request.POST)
    if not form.is_valid():
        raise Http404
    blackout = BlackoutPeriod.objects.filter(
        organization=request.organization, advocate=advocate, pk=form.cleaned_data["blackout"]
    ).first()
    if blackout is None:
        raise Http404
    services.blackout_remove(blackout=blackout, actor=request.user, request=request)
    if not request.htmx:  # type: ignore[attr-defined]
        messages.success(request, _("The period was removed."))
    return _blackouts_response(request, advocate)


# Consent -------------------------------------------------------------------------------------------------


@organization_view(Capability.PORTAL)
@advocate_page
@require_http_methods(["GET", "POST"])
def consent(request: TenantRequest, org_slug: str, advocate: Advocate) -> HttpResponse:
    form = ConsentForm(request.POST if request.method == "POST" else None, advocate=advocate)
    status = 200
    if request.method == "POST":
        changes = _save_consent(request, advocate, form)
        if changes is not None:
            if changes:
                messages.success(request, _("Your choices were saved."))
            else:
                messages.info(request, _("Nothing changed."))
            return redirect("portal:consent", org_slug=org_slug)
        status = 400
    rows, history = _consent_rows(advocate, form)
    return render(
        request,
        "advocates/portal_consent.html",
        {"advocate": advocate, "form": form, "rows": rows, "history": history, "section": "consent"},
        status=status,
    )


# Personal data ---------------------------------------------------------------------------------------------


def _data_page(request: TenantRequest, advocate: Advocate, form: ErasureRequestForm, status: int = 200) -> HttpResponse:
    return render(
        request,
        "advocates/portal_data.html",
        {"advocate": advocate, "form": form, "section": "data"},
        status=status,
    )


@organization_view(Capability.PORTAL)
@advocate_page
@require_safe
def my_data(request: TenantRequest, org_slug: str, advocate: Advocate) -> HttpResponse:
    return _data_page(request, advocate, ErasureRequestForm())


@organization_view(Capability.PORTAL)
@advocate_page
@require_safe
def data_download(request: TenantRequest, org_slug: str, advocate: Advocate) -> HttpResponse:
    export = privacy.advocate_data_export(advocate=advocate)
    audit_log(
        organization=request.organization,
        actor=request.user,
        verb="advocate.data_exported",
        target=advocate,
        request=request,
    )
    filename = f"my-data-{request.organization.slug}-{timezone.localdate().isoformat()}.json"
    response = HttpResponse(
        json.dumps(export, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@organization_view(Capability.PORTAL)
@advocate_page
@require_POST
def erasure_request(request: TenantRequest, org_slug: str, advocate: Advocate) -> HttpResponse:
    form = ErasureRequestForm(request.POST)
    if not form.is_valid():
        return _data_page(request, advocate, form, status=400)
    try:
        privacy.advocate_request_erasure(advocate=advocate, user=request.user, request=request)
    except ConflictError as error:
        form.add_error(None, error.message)
        return _data_page(request, advocate, form, status=409)
    messages.success(request, _("Your request was sent. The program team will confirm it and erase your data."))
    return redirect("portal:data", org_slug=org_slug)


@organization_view(Capability.PORTAL)
@advocate_page
@require_POST
def erasure_withdraw(request: TenantRequest, org_slug: str, advocate: Advocate) -> HttpResponse:
    try:
        privacy.advocate_withdraw_erasure_request(advocate=advocate, user=request.user, request=request)
    except ConflictError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your erasure request was withdrawn. Nothing was erased."))
    return redirect("portal:data", org_slug=org_slug)
