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
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from advocacy.audit import audit_log
from advocacy.errors import ConflictError, ValidationFailed
from advocacy.forms import time_zone_choices
from advocacy.roles import Capability
from advocacy.tenancy import TenantRequest, organization_view

from .. import privacy, services
from ..capacity import advocate_capacity
from ..models import (
    CONSENT_FIELDS,
    Activity,
    ActivityPreference,
    ActivityType,
    Advocate,
    BlackoutPeriod,
    Channel,
    Consent,
    ConsentChange,
    ConsentSource,
    ProgramPolicy,
    TierPolicy,
)
from ..models.choices import LANGUAGE_CHOICES

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


# Forms ---------------------------------------------------------------------------------------------


class PlainLabelsForm(forms.Form):
    """Labels without the trailing colon: they sit beside checkboxes and above short fields."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class InvitationAnswerForm(PlainLabelsForm):
    answer = forms.ChoiceField(choices=[("accept", gettext_lazy("Accept")), ("decline", gettext_lazy("Decline"))])
    reason = forms.CharField(
        label=gettext_lazy("Would you tell us why? (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# Friendly frequencies and the limits they stand for: (at most per 12 months, at least days apart).
FREQUENCY_PRESETS: dict[str, tuple[int, int]] = {
    "monthly": (12, 30),
    "quarterly": (4, 90),
    "twice_a_year": (2, 180),
    "yearly": (1, 365),
}
FREQUENCY_CHOICES = [
    ("", gettext_lazy("No limit of my own")),
    ("monthly", gettext_lazy("At most once a month")),
    ("quarterly", gettext_lazy("At most once a quarter")),
    ("twice_a_year", gettext_lazy("At most twice a year")),
    ("yearly", gettext_lazy("At most once a year")),
    ("custom", gettext_lazy("My own numbers")),
]


def _minutes_label(minutes: int) -> tuple[float, str]:
    if minutes < 60:
        return minutes, "minutes"
    if minutes < 1440:
        return minutes / 60, "hours"
    return minutes / 1440, "days"


def time_range_label(low: int, high: int) -> str:
    """How long an activity takes, in the largest unit that fits: “30–45 minutes”, “2–4 hours”."""
    low_value, low_unit = _minutes_label(low)
    high_value, high_unit = _minutes_label(high)
    units: dict[str, Callable[[str, float], str]] = {
        "minutes": lambda text, n: ngettext("%(n)s minute", "%(n)s minutes", round(n)) % {"n": text},
        "hours": lambda text, n: ngettext("%(n)s hour", "%(n)s hours", round(n)) % {"n": text},
        "days": lambda text, n: ngettext("%(n)s day", "%(n)s days", round(n)) % {"n": text},
    }
    if low_unit == high_unit:
        text = f"{low_value:g}" if low == high else f"{low_value:g}–{high_value:g}"
        return units[high_unit](text, high_value)
    return _("%(low)s to %(high)s") % {
        "low": units[low_unit](f"{low_value:g}", low_value),
        "high": units[high_unit](f"{high_value:g}", high_value),
    }


class PortalPreferencesForm(PlainLabelsForm):
    """What the advocate is willing to do, with their own limits per activity type, and how they like
    to be reached. The per-type fields are named after the activity type's key."""

    preferred_channel = forms.ChoiceField(label=gettext_lazy("How we reach you best"), choices=Channel.choices)
    time_zone = forms.ChoiceField(label=gettext_lazy("Your time zone"), required=False)
    languages = forms.MultipleChoiceField(
        label=gettext_lazy("Languages you are happy to speak with peers"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        *args: Any,
        advocate: Advocate,
        activity_types: list[ActivityType],
        preferences: dict[int, ActivityPreference],
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.activity_types = activity_types
        self.has_stated_preferences = bool(preferences)
        self.fields["time_zone"].choices = time_zone_choices(str(_("Not set")))  # type: ignore[attr-defined]
        known = {code for code, _label in LANGUAGE_CHOICES}
        extra = [(code, code) for code in advocate.language_codes if code not in known]
        self.fields["languages"].choices = [*LANGUAGE_CHOICES, *extra]  # type: ignore[attr-defined]
        self.initial.update(
            preferred_channel=advocate.preferred_channel,
            time_zone=advocate.time_zone,
            languages=advocate.language_codes,
        )
        for activity_type in activity_types:
            key = activity_type.key
            self.fields[f"{key}-willing"] = forms.BooleanField(label=activity_type.name, required=False)
            self.fields[f"{key}-frequency"] = forms.ChoiceField(
                label=gettext_lazy("How often"), choices=FREQUENCY_CHOICES, required=False
            )
            self.fields[f"{key}-max"] = forms.IntegerField(
                label=gettext_lazy("At most, per 12 months"), required=False, min_value=1, max_value=52
            )
            self.fields[f"{key}-interval"] = forms.IntegerField(
                label=gettext_lazy("At least, days apart"), required=False, min_value=1, max_value=1095
            )
            preference = preferences.get(activity_type.pk)
            if preference is None:
                continue
            self.initial[f"{key}-willing"] = True
            limits = (preference.max_per_year, preference.min_interval_days)
            preset = next((name for name, values in FREQUENCY_PRESETS.items() if values == limits), None)
            if preset is not None:
                self.initial[f"{key}-frequency"] = preset
            elif limits != (None, None):
                self.initial.update(
                    {f"{key}-frequency": "custom", f"{key}-max": limits[0], f"{key}-interval": limits[1]}
                )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.activity_types and not any(data.get(f"{t.key}-willing") for t in self.activity_types):
            # No stated preference means “anything”; someone who wants a break adds a blackout period.
            self.add_error(
                None,
                _(
                    "Choose at least one kind of activity. If you would rather not be asked for a while, "
                    "add a period when you are unavailable instead."
                ),
            )
        return data

    def willing(self) -> dict[int, dict[str, int | None]]:
        """Activity type id → the advocate's own limits, for ``preferences_set``."""
        willing: dict[int, dict[str, int | None]] = {}
        for activity_type in self.activity_types:
            key = activity_type.key
            if not self.cleaned_data.get(f"{key}-willing"):
                continue
            frequency = self.cleaned_data.get(f"{key}-frequency") or ""
            max_per_year: int | None
            interval: int | None
            if frequency in FREQUENCY_PRESETS:
                max_per_year, interval = FREQUENCY_PRESETS[frequency]
            else:
                max_per_year, interval = self.cleaned_data.get(f"{key}-max"), self.cleaned_data.get(f"{key}-interval")
            willing[activity_type.pk] = {"max_per_year": max_per_year, "min_interval_days": interval}
        return willing

    def type_rows(self) -> list[dict[str, Any]]:
        """Each activity type with its fields and what the program itself asks, for the template."""
        return [
            {
                "type": activity_type,
                "time_range": time_range_label(activity_type.min_minutes, activity_type.max_minutes),
                "willing": self[f"{activity_type.key}-willing"],
                "frequency": self[f"{activity_type.key}-frequency"],
                "max": self[f"{activity_type.key}-max"],
                "interval": self[f"{activity_type.key}-interval"],
            }
            for activity_type in self.activity_types
        ]


class BlackoutForm(PlainLabelsForm):
    starts_on = forms.DateField(label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=gettext_lazy("Until"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(
        label=gettext_lazy("Note (optional)"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("For example “parental leave” or “year-end closing”."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The end date is before the start date."))
        elif ends_on and ends_on < timezone.localdate():
            self.add_error("ends_on", _("This period is already over."))
        return data


class BlackoutRemoveForm(forms.Form):
    blackout = forms.IntegerField(widget=forms.HiddenInput)


# Plain words for what each consent allows.
CONSENT_EXPLANATIONS: dict[str, Any] = {
    Consent.NAMED: gettext_lazy(
        "We may mention your name and your company when we talk about your experience, for example "
        "to a prospect before a reference call or in a case study."
    ),
    Consent.QUOTED: gettext_lazy(
        "We may use your words as a written quote, for example on our website, in a presentation or in a case study."
    ),
    Consent.LOGO: gettext_lazy(
        "We may show your company's logo among our customers, for example on our website or in a "
        "presentation. Only agree if you may decide this for your company."
    ),
    Consent.RECORDED: gettext_lazy("We may record a call, webinar or talk you take part in, and share the recording."),
    Consent.SPEAK_PUBLICLY: gettext_lazy(
        "You are happy to be invited to speak in public: at conferences, webinars, panels or podcasts."
    ),
}


class ConsentForm(PlainLabelsForm):
    def __init__(self, *args: Any, advocate: Advocate, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for consent in Consent:
            self.fields[consent.value] = forms.BooleanField(label=consent.label, required=False)
            self.initial[consent.value] = getattr(advocate, CONSENT_FIELDS[consent])


class ErasureRequestForm(PlainLabelsForm):
    confirm = forms.BooleanField(
        label=gettext_lazy("I understand that my data will be erased and that this cannot be undone."),
        error_messages={"required": gettext_lazy("Tick the box to confirm that you want your data erased.")},
    )


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
    return render(
        request,
        "advocates/portal_home.html",
        {
            "advocate": advocate,
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
