from .catalogue import BenefitForm
from .rewards import (
    BudgetForm,
    GiftPreferenceForm,
    ProposeRewardForm,
    RewardApproveForm,
    RewardChooseForm,
    RewardStatusForm,
    ShippingAddressForm,
    SpendQuarterForm,
)

__all__ = [
    "BenefitForm",
    "BudgetForm",
    "GiftPreferenceForm",
    "ProposeRewardForm",
    "RewardApproveForm",
    "RewardChooseForm",
    "RewardStatusForm",
    "ShippingAddressForm",
    "SpendQuarterForm",
]
