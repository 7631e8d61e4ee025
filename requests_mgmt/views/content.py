"""Content approvals pages: the program team's list, drafts and publications, and the internal
approvers' "waiting for my approval" list. The advocate's own step is in ``content_portal``.

Who sees what: the program team sees every piece of the organisation; any other member sees the
pieces they were asked to approve (another piece is a 404, as a missing one).
"""

from __future__ import annotations

import uuid
from functools import partial, wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from advocacy.errors import ConflictError, ValidationFailed
from advocacy.roles import Capability, Role
from advocacy.tenancy import TenantRequest, organization_view

from ..forms.content import (
    ContentDraftForm,
    ContentFilterForm,
    PublicationForm,
    StepDecisionForm,
    WithdrawPublicationForm,
)
from ..models import (
    AdvocacyRequest,
    ApprovalKind,
    ApprovalStep,
    Ask,
    ContentPiece,
    ContentStatus,
    Publication,
    RequestType,
)
from ..services import content as services
from .form_submission import submit_form

Handler = Any


def staff_view(view: Handler) -> Handler:
    """Guards the internal content pages: members of the organisation (404 for anyone else) whose
    role is not the advocate's (403: advocates use the portal)."""

    @wraps(view)
    def wrapped(request: Any, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        membership = getattr(request, "membership", None)
        if membership is None:
            raise Http404
        if membership.role == Role.ADVOCATE:
            raise PermissionDenied
        response: HttpResponse = view(request, *args, **kwargs)
        return response

    return wrapped


def _is_program_team(request: TenantRequest) -> bool:
    return request.membership.can(Capability.REQUESTS_TRIAGE)


def _visible_piece(request: TenantRequest, public_id: Any) -> ContentPiece:
    pieces = services.visible_content(
        organization=request.organization, user=request.user, program_team_member=_is_program_team(request)
    )
    piece: ContentPiece = get_object_or_404(pieces, public_id=public_id)
    return piece


# Lists -----------------------------------------------------------------------------------------


@staff_view
@require_safe
def content_list(request: TenantRequest, org_slug: str) -> HttpResponse:
    form = ContentFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    program_team_member = _is_program_team(request)
    pieces = services.visible_content(
        organization=request.organization, user=request.user, program_team_member=program_team_member
    )
    if filters.get("status"):
        pieces = pieces.filter(status=filters["status"])
    if filters.get("kind"):
        pieces = pieces.filter(kind=filters["kind"])
    if filters.get("usage") == "expiring":
        pieces = pieces.filter(Q(expiring_publications__gt=0))
    elif filters.get("usage") == "expired":
        pieces = pieces.filter(Q(expired_publications__gt=0))
    page = Paginator(pieces, 25).get_page(request.GET.get("page"))
    querystring = request.GET.copy()
    querystring.pop("page", None)
    return render(
        request,
        "requests_mgmt/content_list.html",
        {
            "form": form,
            "page": page,
            "querystring": querystring.urlencode(),
            "is_program_team": program_team_member,
            "waiting_count": services.steps_waiting_for(organization=request.organization, user=request.user).count(),
        },
    )


@staff_view
@require_safe
def content_approvals(request: TenantRequest, org_slug: str) -> HttpResponse:
    steps = services.steps_waiting_for(organization=request.organization, user=request.user)
    return render(
        request,
        "requests_mgmt/content_approvals.html",
        {"steps": list(steps[:200]), "is_program_team": _is_program_team(request)},
    )


# Drafts ----------------------------------------------------------------------------------------


def _initial_from_request(request: TenantRequest) -> dict[str, Any]:
    """Starting a draft from a case-study or testimonial request: its kind and the advocate who agreed."""
    try:
        public_id = uuid.UUID(request.GET.get("request", ""))
    except ValueError:  # no id, or a malformed one: nothing to start from
        return {}
    advocacy_request = AdvocacyRequest.objects.filter(
        organization=request.organization,
        request_type__in=(RequestType.CASE_STUDY, RequestType.TESTIMONIAL),
        public_id=public_id,
    ).first()
    if advocacy_request is None:
        return {}
    initial: dict[str, Any] = {"request": advocacy_request.public_id, "kind": advocacy_request.request_type}
    ask = (
        Ask.objects.filter(
            organization=request.organization,
            request=advocacy_request,
            status__in=(Ask.Status.ACCEPTED, Ask.Status.COMPLETED),
        )
        .select_related("advocate")
        .order_by("-responded_at", "-pk")
        .first()
    )
    if ask is not None:
        initial["advocate"] = ask.advocate.public_id
    return initial


@organization_view(Capability.REQUESTS_TRIAGE)
@require_http_methods(["GET", "POST"])
def content_create(request: TenantRequest, org_slug: str) -> HttpResponse:
    initial = _initial_from_request(request) if request.method == "GET" else {}
    form = ContentDraftForm(request.POST or None, organization=request.organization, creating=True, initial={**initial})

    def create() -> HttpResponse:
        data = form.cleaned_data
        content = services.content_create(
            organization=request.organization,
            actor=request.user,
            advocate=data["advocate"],
            kind=data["kind"],
            title=data["title"],
            body=data["body"],
            draft_url=data["draft_url"],
            legal_approver=data["legal_approver"],
            pr_approver=data["pr_approver"],
            advocacy_request=data.get("request"),
            request=request,
        )
        messages.success(request, _("Draft saved. Send it for approval when it is ready."))
        return redirect("content:content-detail", org_slug=org_slug, public_id=content.public_id)

    outcome = submit_form(form, create) if form.is_bound else 200
    if isinstance(outcome, HttpResponse):
        return outcome
    return render(request, "requests_mgmt/content_form.html", {"form": form, "content": None}, status=outcome)


@organization_view(Capability.REQUESTS_TRIAGE)
@require_http_methods(["GET", "POST"])
def content_edit(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    content = _visible_piece(request, public_id)
    form = ContentDraftForm(
        request.POST or None,
        organization=request.organization,
        creating=False,
        initial={
            "title": content.title,
            "body": content.body,
            "draft_url": content.draft_url,
            **services.round_approvers(content),
        },
    )

    def save() -> HttpResponse:
        nonlocal content  # a refused submission shows the piece as the update left it
        with transaction.atomic():
            content = services.content_update(
                content=content, actor=request.user, data=form.cleaned_data, request=request
            )
            if "submit_for_review" in request.POST:
                content = services.content_submit(content=content, actor=request.user, request=request)
        if content.status == ContentStatus.IN_REVIEW:
            messages.success(request, _("Sent for approval. The legal approver is asked first."))
        else:
            messages.success(request, _("Draft saved."))
        return redirect("content:content-detail", org_slug=org_slug, public_id=content.public_id)

    outcome: HttpResponse | int = 200
    error = ""
    if content.status not in services.EDITABLE_STATUSES:
        error = _("A piece that is “%(status)s” cannot be edited.") % {"status": content.get_status_display()}
        outcome = 409
    elif form.is_bound:
        outcome = submit_form(form, save)
    if isinstance(outcome, HttpResponse):
        return outcome
    return render(
        request, "requests_mgmt/content_form.html", {"form": form, "content": content, "error": error}, status=outcome
    )


# The piece -------------------------------------------------------------------------------------


def _can_decide(request: TenantRequest, content: ContentPiece, step: ApprovalStep | None) -> bool:
    if step is None:
        return False
    if _is_program_team(request):
        return True
    return step.kind != ApprovalKind.CUSTOMER and step.approver_id == request.user.pk


def _render_detail(
    request: TenantRequest,
    content: ContentPiece,
    *,
    status: int = 200,
    decision_form: StepDecisionForm | None = None,
    publication_form: PublicationForm | None = None,
    withdraw_error: str = "",
    error: str = "",
) -> HttpResponse:
    organization = request.organization
    steps = list(
        ApprovalStep.objects.filter(organization=organization, content=content)
        .select_related("approver", "decided_by")
        .order_by("-version", "position")
    )
    rounds: dict[int, list[ApprovalStep]] = {}
    for step in steps:
        rounds.setdefault(step.version, []).append(step)
    current = services.current_step(content)
    can_decide = _can_decide(request, content, current)
    if can_decide and decision_form is None and current is not None:
        decision_form = StepDecisionForm(initial={"step": current.kind, "version": content.version})
    program_team_member = _is_program_team(request)
    publications = list(
        Publication.objects.filter(organization=organization, content=content)
        .select_related("recorded_by")
        .order_by("withdrawn_at", "permitted_until", "pk")
    )
    for publication in publications:
        publication.state = services.publication_state(publication)  # type: ignore[attr-defined]
    can_publish = program_team_member and content.status in services.PUBLISHABLE_STATUSES
    if can_publish and publication_form is None:
        publication_form = PublicationForm()
    return render(
        request,
        "requests_mgmt/content_detail.html",
        {
            "content": content,
            "advocate": content.advocate,
            "rounds": sorted(rounds.items(), reverse=True),
            "current_step": current,
            "on_behalf": can_decide and current is not None and not _is_own_step(request, content, current),
            "decision_form": decision_form if can_decide else None,
            "publications": publications,
            "publication_form": publication_form if can_publish else None,
            "withdraw_form": WithdrawPublicationForm(),
            "withdraw_error": withdraw_error,
            "error": error,
            "is_program_team": program_team_member,
            "can_edit": program_team_member and content.status in services.EDITABLE_STATUSES,
            "can_submit": program_team_member and content.status == ContentStatus.DRAFT,
            "warning_days": services.EXPIRY_WARNING_DAYS,
        },
        status=status,
    )


def _refused(request: TenantRequest, content: ContentPiece, reason: str) -> HttpResponse:
    """The piece's page with the reason a move was refused at the top (409)."""
    return _render_detail(request, content, status=409, error=reason)


def _is_own_step(request: TenantRequest, content: ContentPiece, step: ApprovalStep) -> bool:
    if step.kind == ApprovalKind.CUSTOMER:
        return content.advocate.user_id == request.user.pk
    return step.approver_id == request.user.pk


@staff_view
@require_safe
def content_detail(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    return _render_detail(request, _visible_piece(request, public_id))


@organization_view(Capability.REQUESTS_TRIAGE)
@require_POST
def content_submit(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    content = _visible_piece(request, public_id)
    try:
        services.content_submit(content=content, actor=request.user, request=request)
    except ConflictError as error:
        return _refused(request, content, error.message)
    except ValidationFailed as error:
        return _render_detail(
            request, content, status=400, error=" ".join(m for ms in error.errors.values() for m in ms)
        )
    messages.success(request, _("Sent for approval. The legal approver is asked first."))
    return redirect("content:content-detail", org_slug=org_slug, public_id=public_id)


@staff_view
@require_POST
def content_decide(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    content = _visible_piece(request, public_id)
    form = StepDecisionForm(request.POST)

    def decide() -> HttpResponse:
        services.step_decide(
            content=content,
            kind=form.cleaned_data["step"],
            actor=request.user,
            approve=form.cleaned_data["decision"] == "approve",
            comment=form.cleaned_data["comment"],
            version=form.cleaned_data["version"],
            request=request,
        )
        messages.success(request, _("Your decision was recorded."))
        return redirect("content:content-detail", org_slug=org_slug, public_id=public_id)

    outcome = submit_form(form, decide, on_conflict=partial(_refused, request, content))
    if isinstance(outcome, HttpResponse):
        return outcome
    content.refresh_from_db()
    if not _can_decide(request, content, services.current_step(content)):
        return _refused(request, content, _("There is no step for you to decide."))
    return _render_detail(request, content, status=outcome, decision_form=form)


@organization_view(Capability.REQUESTS_TRIAGE)
@require_POST
def publication_add(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    content = _visible_piece(request, public_id)
    form = PublicationForm(request.POST)
    if content.status not in services.PUBLISHABLE_STATUSES:
        reason = _("Only approved content can be published; this piece is “%(status)s”.")
        return _refused(request, content, reason % {"status": content.get_status_display()})

    def publish() -> HttpResponse:
        data = form.cleaned_data
        services.publication_add(
            content=content,
            actor=request.user,
            channel=data["channel"],
            where=data["where"],
            permitted_from=data["permitted_from"],
            permitted_until=data["permitted_until"],
            request=request,
        )
        messages.success(request, _("Publication recorded."))
        return redirect("content:content-detail", org_slug=org_slug, public_id=public_id)

    outcome = submit_form(form, publish, on_conflict=partial(_refused, request, content))
    if isinstance(outcome, HttpResponse):
        return outcome
    return _render_detail(request, content, status=outcome, publication_form=form)


@organization_view(Capability.REQUESTS_TRIAGE)
@require_POST
def publication_withdraw(request: TenantRequest, org_slug: str, public_id: Any, publication_id: int) -> HttpResponse:
    content = _visible_piece(request, public_id)
    publication: Publication = get_object_or_404(
        Publication.objects.filter(organization=request.organization, content=content), pk=publication_id
    )
    form = WithdrawPublicationForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.publication_withdraw(publication=publication, actor=request.user, reason=reason, request=request)
    except ConflictError as error:
        return _render_detail(request, content, status=409, withdraw_error=error.message)
    messages.success(request, _("Publication withdrawn."))
    return redirect("content:content-detail", org_slug=org_slug, public_id=public_id)
