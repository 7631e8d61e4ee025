"""Organisation settings for administrators: the organisation, members and roles, invitations,
API tokens and the audit log."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ..audit import VERB_LABELS
from ..errors import ConflictError, ValidationFailed
from ..forms import (
    ApiTokenForm,
    AuditFilterForm,
    InvitationForm,
    MemberRoleForm,
    OrganizationSettingsForm,
    RemoveMemberForm,
)
from ..models import ApiToken, AuditEvent, Invitation, Membership
from ..roles import Capability, Role
from ..services import invitations as invitation_services
from ..services import members as member_services
from ..tenancy import TenantRequest, organization_view

SETTINGS = Capability.SETTINGS


def _apply_errors(form: Any, error: ValidationFailed) -> None:
    for field, field_messages in error.errors.items():
        for message in field_messages:
            form.add_error(None if field == "__all__" else field, message)


@organization_view(SETTINGS)
@require_http_methods(["GET", "POST"])
def organization_settings(request: TenantRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    form = OrganizationSettingsForm(request.POST or None, instance=organization)
    if request.method == "POST":
        if form.is_valid():
            changes = {field: form.cleaned_data[field] for field in form.changed_data}
            organization.refresh_from_db()
            member_services.organization_update(
                organization=organization, actor=request.user, changes=changes, request=request
            )
            messages.success(request, _("Organisation settings saved."))
            return redirect("settings:organization", org_slug=org_slug)
        organization.refresh_from_db()
    return render(
        request,
        "advocacy/settings_organization.html",
        {"form": form, "section": "organization"},
        status=400 if form.errors else 200,
    )


@organization_view(SETTINGS)
def member_list(request: TenantRequest, org_slug: str) -> HttpResponse:
    members = (
        Membership.objects.filter(organization=request.organization)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )
    query = request.GET.get("q", "").strip()
    if query:
        members = members.filter(Q(user__email__icontains=query) | Q(user__full_name__icontains=query))
    role = request.GET.get("role", "")
    if role:
        members = members.filter(role=role)
    page = Paginator(members, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "advocacy/settings_members.html",
        {"page": page, "query": query, "role": role, "roles": Role.choices, "section": "members"},
    )


def _membership(request: TenantRequest, public_id: Any) -> Membership:
    return get_object_or_404(
        Membership.objects.select_related("user"), organization=request.organization, public_id=public_id
    )


@organization_view(SETTINGS)
@require_http_methods(["GET", "POST"])
def member_edit(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    membership = _membership(request, public_id)
    form = MemberRoleForm(request.POST or None, membership=membership)
    remove_form = RemoveMemberForm()
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                member_services.membership_change_role(
                    membership=membership,
                    role=form.cleaned_data["role"],
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                    request=request,
                )
            except ConflictError as error:
                form.add_error("role", error.message)
                status = 409
            else:
                messages.success(
                    request, _("%(person)s's role was updated.") % {"person": membership.user.display_name}
                )
                return redirect("settings:members", org_slug=org_slug)
        else:
            status = 400
    return render(
        request,
        "advocacy/settings_member_edit.html",
        {"membership": membership, "form": form, "remove_form": remove_form, "section": "members"},
        status=status,
    )


@organization_view(SETTINGS)
@require_POST
def member_remove(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    membership = _membership(request, public_id)
    remove_form = RemoveMemberForm(request.POST)
    if remove_form.is_valid():
        try:
            member_services.membership_remove(
                membership=membership,
                actor=request.user,
                reason=remove_form.cleaned_data["reason"],
                request=request,
            )
        except ConflictError as error:
            remove_form.add_error(None, error.message)
        else:
            messages.success(request, _("%(person)s no longer has access.") % {"person": membership.user.display_name})
            return redirect("settings:members", org_slug=org_slug)
    form = MemberRoleForm(membership=membership)
    return render(
        request,
        "advocacy/settings_member_edit.html",
        {"membership": membership, "form": form, "remove_form": remove_form, "section": "members"},
        status=400,
    )


@organization_view(SETTINGS)
@require_http_methods(["GET", "POST"])
def invitation_list(request: TenantRequest, org_slug: str) -> HttpResponse:
    form = InvitationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                invitation = invitation_services.invitation_create(
                    organization=request.organization,
                    invited_by=request.user,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    message=form.cleaned_data["message"],
                    request=request,
                )
            except ValidationFailed as error:
                _apply_errors(form, error)
                status = 400
            else:
                messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
                return redirect("settings:invitations", org_slug=org_slug)
        else:
            status = 400
    invitations = Invitation.objects.filter(organization=request.organization).select_related(
        "invited_by", "accepted_by"
    )[:200]
    return render(
        request,
        "advocacy/settings_invitations.html",
        {
            "form": form,
            "invitations": invitations,
            "invitation_days": settings.INVITATION_VALID_DAYS,
            "section": "invitations",
        },
        status=status,
    )


def _invitation(request: TenantRequest, public_id: Any) -> Invitation:
    return get_object_or_404(Invitation, organization=request.organization, public_id=public_id)


@organization_view(SETTINGS)
@require_POST
def invitation_resend(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    invitation = _invitation(request, public_id)
    try:
        invitation_services.invitation_resend(invitation=invitation, actor=request.user, request=request)
    except ConflictError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Invitation sent again to %(email)s.") % {"email": invitation.email})
    return redirect("settings:invitations", org_slug=org_slug)


@organization_view(SETTINGS)
@require_POST
def invitation_revoke(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    invitation = _invitation(request, public_id)
    try:
        invitation_services.invitation_revoke(invitation=invitation, actor=request.user, request=request)
    except ConflictError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The invitation to %(email)s was revoked.") % {"email": invitation.email})
    return redirect("settings:invitations", org_slug=org_slug)


@organization_view(SETTINGS)
@require_http_methods(["GET", "POST"])
def api_token_list(request: TenantRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    form = ApiTokenForm(request.POST or None, organization=organization, initial={"acts_as": request.user})
    new_key = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _token, new_key = member_services.api_token_create(
                    organization=organization,
                    user=form.cleaned_data["acts_as"],
                    name=form.cleaned_data["name"],
                    created_by=request.user,
                    request=request,
                )
            except ConflictError as error:
                form.add_error("acts_as", error.message)
                status = 409
            else:
                form = ApiTokenForm(organization=organization, initial={"acts_as": request.user})
        else:
            status = 400
    tokens = ApiToken.objects.filter(organization=organization).select_related("user")
    return render(
        request,
        "advocacy/settings_api_tokens.html",
        {
            "form": form,
            "tokens": tokens,
            "new_key": new_key,
            "api_docs_url": reverse("api-docs"),
            "section": "api_tokens",
        },
        status=status,
    )


@organization_view(SETTINGS)
@require_POST
def api_token_revoke(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    token = get_object_or_404(ApiToken, organization=request.organization, public_id=public_id)
    try:
        member_services.api_token_revoke(token=token, actor=request.user, request=request)
    except ConflictError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("settings:api-tokens", org_slug=org_slug)


@organization_view(SETTINGS)
def audit_log_view(request: TenantRequest, org_slug: str) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    events = AuditEvent.objects.filter(organization=request.organization).select_related("actor")
    if form.is_valid():
        data = form.cleaned_data
        if data["verb"]:
            events = events.filter(verb=data["verb"])
        if data["actor"]:
            events = events.filter(actor_label__icontains=data["actor"].strip())
        if data["since"]:
            events = events.filter(created_at__date__gte=data["since"])
        if data["until"]:
            events = events.filter(created_at__date__lte=data["until"])
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    querystring = request.GET.copy()
    querystring.pop("page", None)
    template = "advocacy/_audit_rows.html" if request.headers.get("HX-Request") else "advocacy/settings_audit.html"
    return render(
        request,
        template,
        {
            "form": form,
            "page": page,
            "verbs": sorted(VERB_LABELS.items(), key=lambda item: str(item[1])),
            "querystring": querystring.urlencode(),
            "section": "audit",
        },
    )
