from .outreach import AnswerForm, InviteForm, WithdrawAskForm, default_ask_message
from .requests import (
    AdvocacyRequestForm,
    CancelRequestForm,
    RequestFilterForm,
    TransitionForm,
)

__all__ = [
    "AdvocacyRequestForm",
    "AnswerForm",
    "CancelRequestForm",
    "InviteForm",
    "RequestFilterForm",
    "TransitionForm",
    "WithdrawAskForm",
    "default_ask_message",
]
