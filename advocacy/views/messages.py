"""Pages reached from a message: the one-click unsubscribe link."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django_scopes import scope

from advocates.models import Advocate

from ..messaging import advocate_set_opt_out, read_unsubscribe_token, recipient_language
from ..models import Organization


def _advocate_for_token(token: str) -> Advocate | None:
    """The token names its organisation: resolve it, then look the advocate up inside its scope."""
    parsed = read_unsubscribe_token(token)
    if parsed is None:
        return None
    organization_id, advocate_public_id = parsed
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return None
    with scope(organization=organization):
        return (
            Advocate.objects.select_related("organization", "user")
            .filter(organization=organization, public_id=advocate_public_id)
            .first()
        )


# The signed token is what authorises the change, so there is nothing for CSRF protection to add,
# and mail clients send the one-click POST (RFC 8058) without any cookie or form token.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a confirmation page with a button. POST (the button, or a mail client's one-click
    unsubscribe): stops program mail for this advocate."""
    advocate = _advocate_for_token(token)
    if advocate is None:
        return render(request, "advocacy/unsubscribe_invalid.html", status=400)
    organization = advocate.organization
    language = recipient_language(organization=organization, user=advocate.user)
    with scope(organization=organization), translation.override(language):
        if request.method == "POST":
            advocate = advocate_set_opt_out(
                advocate=advocate, opted_out=True, actor=None, request=request, via="unsubscribe link"
            )
            template = "advocacy/unsubscribe_done.html"
        else:
            template = "advocacy/unsubscribe_confirm.html"
        context = {
            "advocate": advocate,
            "program_organization": organization,
            "already_opted_out": advocate.marketing_opt_out_at is not None,
        }
        response = render(request, template, context)
    response.headers["Content-Language"] = language
    return response
