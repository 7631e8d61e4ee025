"""API shapes for accounts, advocates, activity types and activities, split by resource; ``common``
holds the fields and small shapes they share. Import them from here: ``from ..serializers import …``.

Output serializers render what the viewsets fetched (annotations included); input serializers only
parse and check the form of the input. The rules live in the services.
"""

from .accounts import (
    AccountFilterSerializer,
    CustomerAccountInputSerializer,
    CustomerAccountSerializer,
    CustomerAccountUpdateInputSerializer,
    HealthChangeSerializer,
    HealthInputSerializer,
)
from .activities import (
    ActivityFilterSerializer,
    ActivityInputSerializer,
    ActivitySerializer,
    ActivityStatusInputSerializer,
    ActivityTypeFilterSerializer,
    ActivityTypeInputSerializer,
    ActivityTypeSerializer,
    ActivityTypeUpdateInputSerializer,
)
from .advocates import (
    AdvocateFilterSerializer,
    AdvocateHistorySerializer,
    AdvocateInputSerializer,
    AdvocateSerializer,
    AdvocateStatusInputSerializer,
    AdvocateUpdateInputSerializer,
    CapacitySerializer,
    EligibilitySerializer,
    InviteInputSerializer,
    NominateInputSerializer,
    TierInputSerializer,
)
from .preferences import (
    BlackoutInputSerializer,
    BlackoutSerializer,
    ConsentInputSerializer,
    ConsentSerializer,
    PreferencesInputSerializer,
    PreferencesSerializer,
)

__all__ = [
    "AccountFilterSerializer",
    "ActivityFilterSerializer",
    "ActivityInputSerializer",
    "ActivitySerializer",
    "ActivityStatusInputSerializer",
    "ActivityTypeFilterSerializer",
    "ActivityTypeInputSerializer",
    "ActivityTypeSerializer",
    "ActivityTypeUpdateInputSerializer",
    "AdvocateFilterSerializer",
    "AdvocateHistorySerializer",
    "AdvocateInputSerializer",
    "AdvocateSerializer",
    "AdvocateStatusInputSerializer",
    "AdvocateUpdateInputSerializer",
    "BlackoutInputSerializer",
    "BlackoutSerializer",
    "CapacitySerializer",
    "ConsentInputSerializer",
    "ConsentSerializer",
    "CustomerAccountInputSerializer",
    "CustomerAccountSerializer",
    "CustomerAccountUpdateInputSerializer",
    "EligibilitySerializer",
    "HealthChangeSerializer",
    "HealthInputSerializer",
    "InviteInputSerializer",
    "NominateInputSerializer",
    "PreferencesInputSerializer",
    "PreferencesSerializer",
    "TierInputSerializer",
]
