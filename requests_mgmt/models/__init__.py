from .asks import Ask, TimeSlot
from .campaigns import Campaign
from .content import ApprovalKind, ApprovalStep, ContentKind, ContentPiece, ContentStatus, Publication
from .outcomes import DealResult, RequestOutcome
from .referrals import REFERRAL_TRANSITIONS, Referral, ReferralStatus
from .requests import (
    DUE_SOON,
    MANUAL_TRANSITIONS,
    MARKETING_TYPES,
    NOTIFY_REQUESTER,
    OPEN_STATUSES,
    REASON_REQUIRED,
    SALES_TYPES,
    TRANSITIONS,
    AdvocacyRequest,
    AdvocacyRequestQuerySet,
    RequestStatus,
    RequestStatusChange,
    RequestType,
)

__all__ = [
    "DUE_SOON",
    "MANUAL_TRANSITIONS",
    "MARKETING_TYPES",
    "NOTIFY_REQUESTER",
    "OPEN_STATUSES",
    "REASON_REQUIRED",
    "REFERRAL_TRANSITIONS",
    "SALES_TYPES",
    "TRANSITIONS",
    "AdvocacyRequest",
    "AdvocacyRequestQuerySet",
    "ApprovalKind",
    "ApprovalStep",
    "Ask",
    "Campaign",
    "ContentKind",
    "ContentPiece",
    "ContentStatus",
    "DealResult",
    "Publication",
    "Referral",
    "ReferralStatus",
    "RequestOutcome",
    "RequestStatus",
    "RequestStatusChange",
    "RequestType",
    "TimeSlot",
]
