from .requests import (
    AdvocacyRequestForm,
    CancelRequestForm,
    RequestFilterForm,
    TransitionForm,
)

__all__ = ["AdvocacyRequestForm", "CancelRequestForm", "RequestFilterForm", "TransitionForm"]
