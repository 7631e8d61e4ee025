"""The advocates app's REST API, one module per resource; ``advocates.api_urls`` routes them."""

from .accounts import CustomerAccountViewSet
from .activities import ActivityTypeViewSet, ActivityViewSet
from .advocates import AdvocateViewSet

__all__ = ["ActivityTypeViewSet", "ActivityViewSet", "AdvocateViewSet", "CustomerAccountViewSet"]
