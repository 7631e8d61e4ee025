"""The program team's side of personal data rights: pending erasure requests and their confirmation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from advocacy.errors import ConflictError
from advocacy.roles import Capability
from advocacy.tenancy import TenantRequest, organization_view

from .. import privacy
from ..forms import PlainLabelsForm
from ..models import Activity, Advocate


class ErasureConfirmForm(PlainLabelsForm):
    confirm = forms.BooleanField(
        label=gettext_lazy("I have checked the request and want this person's data erased. This cannot be undone."),
        error_messages={"required": gettext_lazy("Tick the box to confirm the erasure.")},
    )


@organization_view(Capability.ADVOCATES_MANAGE)
@require_safe
def erasure_requests(request: TenantRequest, org_slug: str) -> HttpResponse:
    advocates = Advocate.objects.filter(organization=request.organization)
    pending = (
        advocates.filter(erasure_requested_at__isnull=False, anonymised_at__isnull=True)
        .select_related("account")
        .order_by("erasure_requested_at")
    )
    done = advocates.filter(anonymised_at__isnull=False).order_by("-anonymised_at")[:20]
    return render(request, "advocates/privacy_requests.html", {"pending": pending, "done": done})


@organization_view(Capability.ADVOCATES_MANAGE)
@require_http_methods(["GET", "POST"])
def erasure_confirm(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    advocate: Advocate = get_object_or_404(
        Advocate.objects.select_related("account"), organization=request.organization, public_id=public_id
    )
    form = ErasureConfirmForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                privacy.advocate_erase(advocate=advocate, actor=request.user, request=request)
            except ConflictError as error:
                form.add_error(None, error.message)
                status = 409
            else:
                messages.success(
                    request, _("The person's data was erased. Their activities remain as anonymous counts.")
                )
                return redirect("privacy:erasure-requests", org_slug=org_slug)
        else:
            status = 400
    activities = Activity.objects.filter(organization=request.organization, advocate=advocate)
    return render(
        request,
        "advocates/privacy_erase.html",
        {
            "advocate": advocate,
            "form": form,
            "activity_count": activities.count(),
            "planned_count": activities.filter(status=Activity.Status.PLANNED).count(),
        },
        status=status,
    )
