"""The one base for tenant API views. It owns authentication of the organisation, the queryset and
object lookup, and role permissions; subclasses narrow, never widen.

- the organisation comes from the URL (``/api/v1/orgs/<org_slug>/``); a caller who is not a member,
  or whose token belongs to another organisation, gets 404 exactly as for a missing organisation;
- ``required_capability`` (read) and ``write_capability`` (create, update, delete) name what the
  caller's role must allow (403 otherwise);
- querysets hold rows of ``self.organization`` only; lookups use ``public_id``.
"""

from __future__ import annotations

from typing import Any, cast

from django.db.models import Model, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, permissions, serializers, viewsets
from rest_framework.request import Request

from ..models import ApiToken, Membership, Organization, User
from ..tenancy import membership_for

SAFE_METHODS = permissions.SAFE_METHODS


class TenantViewSet(viewsets.GenericViewSet):
    """Subclasses set ``model`` and may override ``narrow_queryset`` to filter, annotate or prefetch;
    the organisation filter is always applied here, after them."""

    model: type[Model]
    required_capability: str = ""
    write_capability: str = ""
    lookup_field = "public_id"
    lookup_url_kwarg = "public_id"

    organization: Organization
    membership: Membership

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # authenticates, then checks IsAuthenticated
        organization = getattr(request._request, "organization", None)
        token = request.auth if isinstance(request.auth, ApiToken) else None
        if organization is None or (token is not None and token.organization_id != organization.pk):
            raise exceptions.NotFound()
        membership = membership_for(request.user, organization)
        if membership is None:
            raise exceptions.NotFound()
        self.organization = organization
        self.membership = membership
        capability = self.required_capability
        if request.method not in SAFE_METHODS and self.write_capability:
            capability = self.write_capability
        if capability and not membership.can(capability):
            raise exceptions.PermissionDenied(
                f"Your role ({membership.get_role_display()}) does not give access to this resource."
            )

    @property
    def actor(self) -> User:
        """The member making the call (authenticated and checked in ``initial``)."""
        return cast(User, self.request.user)

    def narrow_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no tenant, no rows
            return self.model._default_manager.none()
        queryset = self.model._default_manager.filter(organization=self.organization)
        return self.narrow_queryset(queryset).filter(organization=self.organization)

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        context["organization"] = getattr(self, "organization", None)
        return context


@extend_schema_field(OpenApiTypes.UUID)
class TenantRelatedField(serializers.SlugRelatedField):
    """A reference to another object of the caller's organisation, by public id. An object of another
    organisation is indistinguishable from one that does not exist."""

    def __init__(self, model: type[Model], slug_field: str = "public_id", **kwargs: Any):
        self.model = model
        kwargs.setdefault("error_messages", {"does_not_exist": "No such object in this organisation: {value}."})
        super().__init__(slug_field=slug_field, **kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        organization = self.context.get("organization")
        if organization is None:
            return self.model._default_manager.none()
        return self.model._default_manager.filter(organization=organization)
