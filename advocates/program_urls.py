from django.urls import path

from .views import program

app_name = "program"

urlpatterns = [
    path("", program.program_policy, name="policy"),
    path("tiers/<str:tier>/", program.tier_policy_edit, name="tier-policy"),
    path("activity-types/", program.activity_type_list, name="activity-types"),
    path("activity-types/new/", program.activity_type_edit, name="activity-type-create"),
    path("activity-types/<uuid:public_id>/", program.activity_type_edit, name="activity-type-edit"),
]
