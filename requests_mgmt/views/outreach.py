"""Outreach pages: the matching screen where the program team invites advocates, the advocate's
invitations in the portal, and the answer page behind the signed link in the invitation email."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_scopes import scope

from advocacy.errors import ConflictError, ValidationFailed
from advocacy.messaging import recipient_language
from advocacy.models import Organization
from advocacy.roles import Capability
from advocacy.tenancy import TenantRequest, organization_view
from advocates.models import ActivityType, Advocate, ProgramPolicy
from advocates.views.portal import advocate_page

from .. import matching, selectors
from ..forms import AnswerForm, InviteForm, WithdrawAskForm, default_ask_message
from ..models import AdvocacyRequest, Ask, RequestStatus
from ..services import outreach


def _visible_request(request: TenantRequest, public_id: Any) -> AdvocacyRequest:
    requests = selectors.visible_requests(organization=request.organization, membership=request.membership)
    return get_object_or_404(requests, public_id=public_id)


def _invite_form(advocacy_request: AdvocacyRequest, data: Any = None) -> InviteForm:
    return InviteForm(data, initial={"message": default_ask_message(advocacy_request)}, choices=[])


def _matching_page(
    request: TenantRequest, advocacy_request: AdvocacyRequest, *, form: InviteForm | None = None, status: int = 200
) -> HttpResponse:
    candidates = matching.rank_candidates(advocacy_request=advocacy_request)
    query = request.GET.get("why_not", "").strip()
    looked_up: list[tuple[Any, list[matching.Reason], bool]] = []
    if query:
        people = (
            Advocate.objects.filter(organization=request.organization)
            .select_related("account")
            .filter(Q(full_name__icontains=query) | Q(email__iexact=query))[:5]
        )
        for advocate in people:
            reasons = matching.why_not(advocacy_request=advocacy_request, advocate=advocate)
            only_soft = all(reason.key in outreach.SOFT_RULES for reason in reasons)
            looked_up.append((advocate, reasons, only_soft))
    asks = (
        Ask.objects.filter(organization=request.organization, request=advocacy_request)
        .select_related("advocate", "advocate__account")
        .order_by("-asked_at")
    )
    return render(
        request,
        "requests_mgmt/request_matching.html",
        {
            "advocacy_request": advocacy_request,
            "candidates": candidates,
            "query": query,
            "looked_up": looked_up,
            "policy": ProgramPolicy.for_organization(request.organization),
            "can_invite": advocacy_request.status in (RequestStatus.MATCHING, RequestStatus.OUTREACH),
            "invite_form": form or _invite_form(advocacy_request),
            "asks": asks,
            "selected": set(request.POST.getlist("advocates")) if request.method == "POST" else set(),
        },
        status=status,
    )


@organization_view(Capability.REQUESTS_TRIAGE)
@require_safe
def request_matching(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    """Ranked candidates with each one's score parts, "why not?" for anyone left out, and the
    invitation form."""
    return _matching_page(request, _visible_request(request, public_id))


def _advocates_from(request: TenantRequest, values: list[str]) -> list[Advocate]:
    """The advocates picked on the form, in this organisation only: anyone else is a 404."""
    try:
        wanted = {uuid.UUID(value) for value in values}
    except ValueError as error:
        raise Http404 from error
    found = list(Advocate.objects.filter(organization=request.organization, public_id__in=wanted).order_by("full_name"))
    if len(found) != len(wanted):
        raise Http404
    return found


@organization_view(Capability.REQUESTS_TRIAGE)
@require_POST
def request_invite(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    """Asks each picked advocate. Each ask stands on its own: the ones that pass are sent, the
    others are reported with the rule that stopped them."""
    advocacy_request = _visible_request(request, public_id)
    form = _invite_form(advocacy_request, request.POST)
    form.fields["advocates"].choices = [(value, value) for value in request.POST.getlist("advocates")]  # type: ignore[attr-defined]
    if not form.is_valid():
        return _matching_page(request, advocacy_request, form=form, status=400)
    advocates = _advocates_from(request, form.cleaned_data["advocates"])
    asked: list[str] = []
    status = 409
    for advocate in advocates:
        try:
            outreach.ask_create(
                advocacy_request=advocacy_request,
                advocate=advocate,
                actor=request.user,
                message=form.cleaned_data["message"],
                override_reason=form.cleaned_data["override_reason"],
                request=request,
            )
        except ValidationFailed as error:
            for field, field_messages in error.errors.items():
                for text in field_messages:
                    form.add_error(
                        field if field in form.fields else None,
                        _("%(name)s: %(problem)s") % {"name": advocate.full_name, "problem": text},
                    )
            status = 400
        except ConflictError as error:
            form.add_error(None, _("%(name)s: %(problem)s") % {"name": advocate.full_name, "problem": error.message})
        else:
            asked.append(advocate.full_name)
        advocacy_request.refresh_from_db(fields=["status"])
    if asked:
        messages.success(
            request,
            ngettext(
                "Asked %(names)s. They get an email and see the invitation in their portal.",
                "Asked %(names)s. They get an email and see the invitation in their portal.",
                len(asked),
            )
            % {"names": ", ".join(asked)},
        )
    if form.errors:
        return _matching_page(request, advocacy_request, form=form, status=200 if asked else status)
    return redirect("requests_mgmt:request-matching", org_slug=org_slug, public_id=public_id)


@organization_view(Capability.REQUESTS_TRIAGE)
@require_POST
def ask_withdraw(request: TenantRequest, org_slug: str, public_id: Any, ask_id: Any) -> HttpResponse:
    advocacy_request = _visible_request(request, public_id)
    ask: Ask = get_object_or_404(
        Ask.objects.filter(organization=request.organization, request=advocacy_request).select_related("advocate"),
        public_id=ask_id,
    )
    form = WithdrawAskForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the ask is withdrawn; it is logged."))
        return redirect("requests_mgmt:request-detail", org_slug=org_slug, public_id=public_id)
    try:
        outreach.ask_withdraw(ask=ask, actor=request.user, reason=form.cleaned_data["reason"], request=request)
    except ConflictError as error:
        messages.error(request, error.message)
        return redirect("requests_mgmt:request-detail", org_slug=org_slug, public_id=public_id)
    messages.success(request, _("The ask was withdrawn; the advocate's capacity is free again."))
    return redirect("requests_mgmt:request-detail", org_slug=org_slug, public_id=public_id)


# The advocate's side ------------------------------------------------------------------------------


def _answer(form: AnswerForm, *, ask: Ask, actor: Any, via: str, request: HttpRequest) -> tuple[Ask | None, str | None]:
    """Records the advocate's answer. Returns the updated ask, or the reason it could not be taken."""
    try:
        if form.cleaned_data["answer"] == "accept":
            return outreach.ask_accept(ask=ask, actor=actor, via=via, request=request), None
        return outreach.ask_decline(
            ask=ask, actor=actor, reason=form.cleaned_data["reason"], via=via, request=request
        ), None
    except ConflictError as error:
        return None, error.message


def _activity_type(ask: Ask) -> ActivityType | None:
    return ActivityType.objects.filter(organization=ask.organization_id, key=ask.request.request_type).first()


@organization_view(Capability.PORTAL)
@advocate_page
@require_safe
def portal_asks(request: TenantRequest, org_slug: str, advocate: Advocate) -> HttpResponse:
    """Everything the program has asked of this advocate: what waits for an answer first."""
    asks = (
        Ask.objects.filter(organization=request.organization, advocate=advocate)
        .select_related("request", "asked_by")
        .annotate(
            waiting=Case(When(status=Ask.Status.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField())
        )
        .order_by("waiting", "-asked_at")
    )
    return render(request, "requests_mgmt/portal/ask_list.html", {"asks": asks, "section": "asks"})


def _portal_ask(request: TenantRequest, advocate: Advocate, public_id: Any) -> Ask:
    return get_object_or_404(
        Ask.objects.filter(organization=request.organization, advocate=advocate).select_related(
            "request", "asked_by", "advocate"
        ),
        public_id=public_id,
    )


def _portal_ask_page(
    request: TenantRequest, advocate: Advocate, ask: Ask, *, form: AnswerForm | None = None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "requests_mgmt/portal/ask_detail.html",
        {
            "ask": ask,
            "advocate": advocate,
            "advocacy_request": ask.request,
            "activity_type": _activity_type(ask),
            "form": form or AnswerForm(),
            "section": "asks",
        },
        status=status,
    )


@organization_view(Capability.PORTAL)
@advocate_page
@require_http_methods(["GET", "POST"])
def portal_ask(request: TenantRequest, org_slug: str, advocate: Advocate, public_id: Any) -> HttpResponse:
    ask = _portal_ask(request, advocate, public_id)
    if request.method != "POST":
        return _portal_ask_page(request, advocate, ask)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return _portal_ask_page(request, advocate, ask, form=form, status=400)
    answered, problem = _answer(form, ask=ask, actor=request.user, via="portal", request=request)
    if answered is None:
        form.add_error(None, problem or "")
        ask.refresh_from_db()
        return _portal_ask_page(request, advocate, ask, form=form, status=409)
    if answered.status == Ask.Status.ACCEPTED:
        messages.success(request, _("Thank you! The program team will be in touch to find a time."))
    else:
        messages.success(request, _("Thank you for letting us know. We will not count it against you."))
    return redirect("outreach:portal-ask", org_slug=org_slug, public_id=public_id)


class _TokenAsk:
    """The ask a signed answer link names, looked up inside its own organisation's scope."""

    def __init__(self, token: str):
        self.ask: Ask | None = None
        self.organization: Organization | None = None
        parsed = outreach.read_answer_token(token)
        if parsed is None:
            return
        organization_id, ask_public_id = parsed
        self.organization = Organization.objects.filter(pk=organization_id).first()
        if self.organization is None:
            return
        try:
            ask_uuid = uuid.UUID(ask_public_id)
        except ValueError:
            return
        with scope(organization=self.organization):
            self.ask = (
                Ask.objects.select_related("request", "advocate", "advocate__user", "asked_by", "organization")
                .filter(organization=self.organization, public_id=ask_uuid)
                .first()
            )


@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    """The page behind the invitation email's link: the request's specifics and a yes/no answer,
    without signing in. The signed token is the authority; an answered, expired or withdrawn ask
    gets a clear page and nothing changes."""
    found = _TokenAsk(token)
    ask, organization = found.ask, found.organization
    if ask is None or organization is None:
        return render(request, "requests_mgmt/answer_invalid.html", status=404)
    language = recipient_language(organization=organization, user=ask.advocate.user)
    with scope(organization=organization), translation.override(language):
        context: dict[str, Any] = {
            "ask": ask,
            "advocate": ask.advocate,
            "advocacy_request": ask.request,
            "activity_type": _activity_type(ask),
            "program_organization": organization,
            "token": token,
            "is_open": ask.status == Ask.Status.PENDING and (ask.expires_at is None or ask.expires_at > timezone.now()),
        }
        form = AnswerForm(request.POST or None, initial={"answer": request.GET.get("answer")})
        status = 200
        if request.method == "POST" and form.is_valid():
            answered, problem = _answer(form, ask=ask, actor=None, via="email link", request=request)
            if answered is not None:
                response = render(request, "requests_mgmt/answer_done.html", {**context, "ask": answered})
                response.headers["Content-Language"] = language
                return response
            form.add_error(None, problem or "")
            ask.refresh_from_db()
            status = 409
        elif request.method == "POST":
            status = 400
        response = render(request, "requests_mgmt/answer.html", {**context, "form": form}, status=status)
    response.headers["Content-Language"] = language
    return response
