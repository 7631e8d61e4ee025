"""The advocate's content approvals in the portal: their own pieces once a round has reached them,
and their step (approve, or ask for changes) when it is their turn. Another advocate's piece, or
one no round has reached yet, is a 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from advocacy.roles import Capability
from advocacy.tenancy import TenantRequest, organization_view
from advocates.models import Advocate
from advocates.views.portal import advocate_page

from ..forms.content import StepDecisionForm
from ..models import ApprovalKind, ApprovalStep, ContentPiece, Publication
from ..services import content as services
from .form_submission import submit_form


@organization_view(Capability.PORTAL)
@require_safe
@advocate_page
def portal_content_list(request: TenantRequest, org_slug: str, advocate: Advocate) -> HttpResponse:
    pieces = list(services.portal_content(advocate=advocate).order_by("-updated_at", "-pk")[:100])
    waiting = {
        step.content_id
        for step in services.current_steps(organization=request.organization).filter(
            content__advocate=advocate, kind=ApprovalKind.CUSTOMER
        )
    }
    return render(
        request,
        "requests_mgmt/portal/content_list.html",
        {"advocate": advocate, "pieces": pieces, "waiting": waiting, "section": "content"},
    )


def _portal_detail(
    request: TenantRequest,
    advocate: Advocate,
    content: ContentPiece,
    *,
    form: StepDecisionForm | None,
    status: int,
    error: str = "",
) -> HttpResponse:
    current = services.current_step(content)
    can_decide = current is not None and current.kind == ApprovalKind.CUSTOMER
    if can_decide and form is None:
        form = StepDecisionForm(initial={"step": ApprovalKind.CUSTOMER, "version": content.version})
    decisions = ApprovalStep.objects.filter(
        organization=request.organization, content=content, kind=ApprovalKind.CUSTOMER
    ).exclude(status=ApprovalStep.Status.PENDING)
    publications = Publication.objects.filter(
        organization=request.organization, content=content, withdrawn_at__isnull=True
    )
    return render(
        request,
        "requests_mgmt/portal/content_detail.html",
        {
            "advocate": advocate,
            "content": content,
            "form": form if can_decide else None,
            "decisions": decisions,
            "publications": publications,
            "error": error,
            "section": "content",
        },
        status=status,
    )


@organization_view(Capability.PORTAL)
@require_http_methods(["GET", "POST"])
@advocate_page
def portal_content_detail(request: TenantRequest, org_slug: str, advocate: Advocate, public_id: Any) -> HttpResponse:
    content = get_object_or_404(services.portal_content(advocate=advocate), public_id=public_id)
    if request.method == "GET":
        return _portal_detail(request, advocate, content, form=None, status=200)
    form = StepDecisionForm(request.POST)

    def decide() -> HttpResponse:
        approve = form.cleaned_data["decision"] == "approve"
        services.step_decide(
            content=content,
            kind=ApprovalKind.CUSTOMER,
            actor=request.user,
            approve=approve,
            comment=form.cleaned_data["comment"],
            version=form.cleaned_data["version"],
            request=request,
        )
        if approve:
            messages.success(request, _("Thank you! Your approval was recorded."))
        else:
            messages.success(request, _("Thank you. The program team will make the changes and come back to you."))
        return redirect("content:portal-detail", org_slug=org_slug, public_id=public_id)

    def refused(reason: str) -> HttpResponse:
        content.refresh_from_db()
        return _portal_detail(request, advocate, content, form=None, status=409, error=reason)

    outcome = submit_form(form, decide, on_conflict=refused)
    if isinstance(outcome, HttpResponse):
        return outcome
    content.refresh_from_db()
    return _portal_detail(request, advocate, content, form=form, status=outcome)
