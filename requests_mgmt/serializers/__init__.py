from .requests import (
    AdvocacyRequestInputSerializer,
    AdvocacyRequestSerializer,
    CancelInputSerializer,
    CandidateSerializer,
    ReasonSerializer,
    RequestStatusChangeSerializer,
    TransitionInputSerializer,
)

__all__ = [
    "AdvocacyRequestInputSerializer",
    "AdvocacyRequestSerializer",
    "CancelInputSerializer",
    "CandidateSerializer",
    "ReasonSerializer",
    "RequestStatusChangeSerializer",
    "TransitionInputSerializer",
]
