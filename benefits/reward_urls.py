"""Rewards, the benefit catalogue and budgets under /o/<org>/appreciation/."""

from django.urls import path

from .views import budgets, catalogue, rewards

app_name = "rewards"

urlpatterns = [
    path("rewards/", rewards.reward_list, name="reward-list"),
    path("rewards/new/", rewards.reward_propose, name="reward-propose"),
    path("rewards/<uuid:public_id>/", rewards.reward_detail, name="reward-detail"),
    path("rewards/<uuid:public_id>/approve/", rewards.reward_approve, name="reward-approve"),
    path("rewards/<uuid:public_id>/status/", rewards.reward_status, name="reward-status"),
    path("catalogue/", catalogue.benefit_list, name="benefit-list"),
    path("catalogue/new/", catalogue.benefit_create, name="benefit-create"),
    path("catalogue/<uuid:public_id>/edit/", catalogue.benefit_edit, name="benefit-edit"),
    path("budgets/", budgets.budget_overview, name="budget-overview"),
    path("budgets/set/", budgets.budget_set, name="budget-set"),
]
