"""The advocate directory, advocate profiles, and customer accounts."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from advocacy.models import AuditEvent
from advocacy.roles import Capability
from advocacy.tenancy import TenantRequest, organization_view

from .. import selectors
from ..forms import AdvocateFilterForm
from ..models import Tier


@organization_view(Capability.ADVOCATES)
def advocate_list(request: TenantRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    form = AdvocateFilterForm(request.GET or None, industries=selectors.industries(organization=organization))
    filters: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    advocates = selectors.advocate_directory(organization=organization, membership=request.membership, filters=filters)
    page = Paginator(advocates, 25).get_page(request.GET.get("page"))
    querystring = request.GET.copy()
    querystring.pop("page", None)
    context = {"form": form, "page": page, "querystring": querystring.urlencode()}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "advocates/advocate_list.html#results", context)
    return render(request, "advocates/advocate_list.html", context)


@organization_view(Capability.ADVOCATES)
def advocate_detail(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    advocates = selectors.visible_advocates(organization=request.organization, membership=request.membership)
    advocate = get_object_or_404(advocates.select_related("account", "account__csm", "user"), public_id=public_id)
    history = AuditEvent.objects.filter(
        organization=request.organization, object_type="advocate", object_id=str(advocate.public_id)
    ).select_related("actor")[:50]
    return render(request, "advocates/advocate_detail.html", {"advocate": advocate, "history": history})


@organization_view(Capability.ADVOCATES)
def account_list(request: TenantRequest, org_slug: str) -> HttpResponse:
    query = request.GET.get("q", "")
    accounts = selectors.account_directory(
        organization=request.organization, membership=request.membership, query=query
    )
    page = Paginator(accounts, 25).get_page(request.GET.get("page"))
    return render(request, "advocates/account_list.html", {"page": page, "query": query})


@organization_view(Capability.ADVOCATES)
def account_detail(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    accounts = selectors.account_directory(organization=request.organization, membership=request.membership)
    account = get_object_or_404(accounts, public_id=public_id)
    advocates = account.advocates.filter(organization=request.organization).order_by("full_name")
    tiers = dict(advocates.values_list("tier").annotate(n=Count("id")).values_list("tier", "n"))
    return render(
        request,
        "advocates/account_detail.html",
        {
            "account": account,
            "advocates": advocates,
            "tier_counts": [(t.label, tiers.get(t.value, 0)) for t in Tier],
        },
    )
