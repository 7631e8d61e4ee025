"""Pages every signed-in person has: the landing page, personal preferences, invitation acceptance."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_scopes import scope, scopes_disabled

from ..audit import audit_log
from ..errors import ConflictError
from ..forms import AcceptInvitationForm, PreferencesForm
from ..models import Invitation, User
from ..services.invitations import invitation_accept as accept_service
from ..tenancy import memberships_of


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The organisations this person belongs to; straight into the only one."""
    memberships = memberships_of(request.user)
    if len(memberships) == 1:
        membership = memberships[0]
        return redirect(membership.home_url_name, org_slug=membership.organization.slug)
    return render(request, "advocacy/home.html", {"memberships": memberships})


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = PreferencesForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        changed = form.changed_data
        form.save()
        for membership in memberships_of(user):
            with scope(organization=membership.organization):
                audit_log(
                    organization=membership.organization,
                    actor=user,
                    verb="user.preferences_changed",
                    target=user,
                    data={"fields": changed},
                    request=request,
                )
        if user.language:
            translation.activate(user.language)
        messages.success(request, _("Your preferences were saved."))
        return redirect("preferences")
    return render(request, "advocacy/preferences.html", {"form": form}, status=400 if form.errors else 200)


def _usable_invitation(token: str) -> Invitation | None:
    # Resolving an invitation resolves its tenant: the token is the only key the visitor has.
    with scopes_disabled():
        return Invitation.objects.select_related("organization", "invited_by").filter(token=token).first()


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = _usable_invitation(token)
    if invitation is None or not invitation.is_usable:
        return render(request, "advocacy/invitation_unusable.html", {"invitation": invitation}, status=410)
    organization = invitation.organization
    signed_in: Any = request.user if request.user.is_authenticated else None
    with scopes_disabled():
        account_exists = User.objects.filter(email__iexact=invitation.email).exists()
    form = None
    if signed_in is None and not account_exists:
        form = AcceptInvitationForm(request.POST or None, invitation=invitation)

    context: dict[str, Any] = {
        "invitation": invitation,
        "organization": organization,
        "form": form,
        "account_exists": account_exists,
    }
    if request.method == "POST":
        if signed_in is None and account_exists:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        if form is not None and not form.is_valid():
            return render(request, "advocacy/invitation_accept.html", context, status=400)
        try:
            with scope(organization=organization):
                user, membership = accept_service(
                    invitation=invitation,
                    user=signed_in,
                    full_name=form.cleaned_data["full_name"] if form else "",
                    password=form.cleaned_data["password1"] if form else "",
                    request=request,
                )
        except ConflictError as error:
            context["error"] = error.message
            return render(request, "advocacy/invitation_accept.html", context, status=409)
        if signed_in is None:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        with translation.override(user.language or organization.default_language):
            messages.success(request, _("Welcome to %(org)s.") % {"org": organization.name})
        return redirect(membership.home_url_name, org_slug=organization.slug)
    return render(request, "advocacy/invitation_accept.html", context)
