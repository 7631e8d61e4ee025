"""What the program team does to advocates: nominate, invite, move along the lifecycle, decide
tiers and record participation; and the candidates and tier-review lists."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from advocacy.errors import ConflictError, ValidationFailed
from advocacy.roles import Capability
from advocacy.tasks import enqueue_on_commit
from advocacy.tenancy import TenantRequest, organization_view

from .. import selectors, services, tiers
from ..eligibility import annotate_eligibility, ineligibility_reasons
from ..forms import ActivityForm, AdvocateProfileForm, InviteForm, NominateForm, StatusForm, TierOverrideForm
from ..models import Advocate, ProgramPolicy
from ..tasks import recalculate_tiers_task
from .directory import visible_advocate


def _back(advocate: Advocate, org_slug: str) -> HttpResponse:
    return redirect("advocates:advocate-detail", org_slug=org_slug, public_id=advocate.public_id)


def _fail(request: TenantRequest, error: Exception) -> None:
    if isinstance(error, ValidationFailed):
        messages.error(request, " ".join(message for field in error.errors.values() for message in field))
    elif isinstance(error, ConflictError):
        messages.error(request, error.message)


def _form_errors(request: TenantRequest, form: Any) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


@organization_view(Capability.ADVOCATES_NOMINATE)
@require_POST
def advocate_nominate(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    advocate = visible_advocate(request, public_id)
    form = NominateForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(advocate, org_slug)
    try:
        services.advocate_nominate(
            advocate=advocate, actor=request.user, reason=form.cleaned_data["reason"], request=request
        )
    except (ValidationFailed, ConflictError) as error:
        _fail(request, error)
    else:
        messages.success(
            request,
            _("%(name)s was nominated. The program team will take it from here.") % {"name": advocate.full_name},
        )
    return _back(advocate, org_slug)


@organization_view(Capability.ADVOCATES_MANAGE)
@require_POST
def advocate_invite(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    advocate = visible_advocate(request, public_id)
    form = InviteForm(request.POST, organization=request.organization)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(advocate, org_slug)
    try:
        services.advocate_invite(
            advocate=advocate,
            actor=request.user,
            sender=form.cleaned_data["sender"],
            message=form.cleaned_data["message"],
            request=request,
        )
    except (ValidationFailed, ConflictError) as error:
        _fail(request, error)
    else:
        messages.success(request, _("The invitation is on its way to %(email)s.") % {"email": advocate.email})
    return _back(advocate, org_slug)


@organization_view(Capability.ADVOCATES_MANAGE)
@require_POST
def advocate_status(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    advocate = visible_advocate(request, public_id)
    form = StatusForm(request.POST, advocate=advocate)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(advocate, org_slug)
    try:
        services.advocate_change_status(
            advocate=advocate,
            status=form.cleaned_data["status"],
            actor=request.user,
            reason=form.cleaned_data["reason"],
            request=request,
        )
    except ConflictError as error:
        _fail(request, error)
    else:
        messages.success(request, _("Status updated."))
    return _back(advocate, org_slug)


@organization_view(Capability.ADVOCATES_MANAGE)
@require_POST
def advocate_tier(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    advocate = visible_advocate(request, public_id)
    try:
        if request.POST.get("action") == "accept":
            tiers.tier_accept_suggestion(advocate=advocate, actor=request.user, request=request)
        else:
            form = TierOverrideForm(request.POST)
            if not form.is_valid():
                _form_errors(request, form)
                return _back(advocate, org_slug)
            tiers.tier_override(
                advocate=advocate,
                tier=form.cleaned_data["tier"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
                request=request,
            )
    except (ValidationFailed, ConflictError) as error:
        _fail(request, error)
    else:
        advocate.refresh_from_db()
        messages.success(
            request, _("%(name)s is now %(tier)s.") % {"name": advocate.full_name, "tier": advocate.get_tier_display()}
        )
    if request.POST.get("next") == "tier-review":
        return redirect("advocates:tier-review", org_slug=org_slug)
    return _back(advocate, org_slug)


@organization_view(Capability.ADVOCATES_MANAGE)
@require_POST
def activity_create(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    advocate = visible_advocate(request, public_id)
    form = ActivityForm(request.POST, organization=request.organization)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(advocate, org_slug)
    try:
        services.activity_record(
            organization=request.organization,
            actor=request.user,
            data={**form.cleaned_data, "advocate": advocate},
            request=request,
        )
    except (ValidationFailed, ConflictError) as error:
        _fail(request, error)
    else:
        messages.success(request, _("Activity recorded; capacity updated."))
    return _back(advocate, org_slug)


@organization_view(Capability.ADVOCATES_NOMINATE)
def candidate_list(request: TenantRequest, org_slug: str) -> HttpResponse:
    """Contacts who are not advocates yet, ranked by the eligibility score. By default only those
    who meet every criterion; "show all" lists the rest with the reasons they fall short."""
    organization = request.organization
    policy = ProgramPolicy.for_organization(organization)
    show_all = request.GET.get("show") == "all"
    contacts = selectors.visible_advocates(organization=organization, membership=request.membership).filter(
        status__in=(Advocate.Status.CANDIDATE, Advocate.Status.NOMINATED)
    )
    ranked: QuerySet[Any] = annotate_eligibility(contacts.select_related("account"), policy=policy)
    if not show_all:
        ranked = ranked.filter(is_eligible=True)
    ranked = ranked.order_by("-eligibility_score", "full_name")
    page = Paginator(ranked, 25).get_page(request.GET.get("page"))
    rows = [(advocate, ineligibility_reasons(advocate, policy=policy)) for advocate in page]
    return render(
        request,
        "advocates/candidate_list.html",
        {
            "page": page,
            "rows": rows,
            "show_all": show_all,
            "policy": policy,
            "querystring": "show=all" if show_all else "",
            "can_manage": request.membership.can(Capability.ADVOCATES_MANAGE),
            "nominate_form": NominateForm(),
        },
    )


@organization_view(Capability.ADVOCATES_MANAGE)
def tier_review(request: TenantRequest, org_slug: str) -> HttpResponse:
    """Advocates whose suggested tier differs from their tier, for the program team to decide."""
    organization = request.organization
    pending = (
        Advocate.objects.filter(organization=organization)
        .in_program()
        .exclude(suggested_tier="")
        .exclude(suggested_tier=F("tier"))
        .select_related("account")
        .order_by("account__name", "full_name")
    )
    page = Paginator(pending, 50).get_page(request.GET.get("page"))
    return render(request, "advocates/tier_review.html", {"page": page, "override_form": TierOverrideForm()})


@organization_view(Capability.ADVOCATES_MANAGE)
@require_POST
def tier_recalculate(request: TenantRequest, org_slug: str) -> HttpResponse:
    enqueue_on_commit(recalculate_tiers_task, request.organization.pk)
    messages.success(request, _("Suggested tiers are being recalculated; refresh in a moment."))
    return redirect("advocates:tier-review", org_slug=org_slug)


@organization_view(Capability.ADVOCATES_MANAGE)
@require_http_methods(["GET", "POST"])
def advocate_create(request: TenantRequest, org_slug: str) -> HttpResponse:
    form = AdvocateProfileForm(request.POST or None, organization=request.organization)
    if request.method == "POST" and form.is_valid():
        try:
            advocate = services.advocate_create(
                organization=request.organization, actor=request.user, data=form.service_data(), request=request
            )
        except ValidationFailed as error:
            _errors_onto(form, error)
        else:
            messages.success(request, _("%(name)s was added as a candidate.") % {"name": advocate.full_name})
            return _back(advocate, org_slug)
    return render(
        request, "advocates/advocate_form.html", {"form": form, "advocate": None}, status=400 if form.errors else 200
    )


@organization_view(Capability.ADVOCATES_MANAGE)
@require_http_methods(["GET", "POST"])
def advocate_edit(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    advocate = visible_advocate(request, public_id)
    if advocate.anonymised_at is not None:
        messages.error(request, _("This person's data was erased; the profile can no longer be edited."))
        return _back(advocate, org_slug)
    form = AdvocateProfileForm(request.POST or None, instance=advocate, organization=request.organization)
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        advocate.refresh_from_db()  # the form filled the instance; the service compares with what is stored
        try:
            services.advocate_update(advocate=advocate, actor=request.user, data=data, request=request)
        except ValidationFailed as error:
            _errors_onto(form, error)
        else:
            messages.success(request, _("Profile saved."))
            return _back(advocate, org_slug)
    return render(
        request,
        "advocates/advocate_form.html",
        {"form": form, "advocate": advocate},
        status=400 if form.errors else 200,
    )


def _errors_onto(form: Any, error: ValidationFailed) -> None:
    for field, field_messages in error.errors.items():
        for message in field_messages:
            form.add_error(field if field in form.fields else None, message)
