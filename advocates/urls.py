from django.urls import path

from .views import directory, manage

app_name = "advocates"

urlpatterns = [
    path("", directory.advocate_list, name="advocate-list"),
    path("new/", manage.advocate_create, name="advocate-create"),
    path("candidates/", manage.candidate_list, name="candidate-list"),
    path("tiers/", manage.tier_review, name="tier-review"),
    path("tiers/recalculate/", manage.tier_recalculate, name="tier-recalculate"),
    path("<uuid:public_id>/", directory.advocate_detail, name="advocate-detail"),
    path("<uuid:public_id>/edit/", manage.advocate_edit, name="advocate-edit"),
    path("<uuid:public_id>/nominate/", manage.advocate_nominate, name="advocate-nominate"),
    path("<uuid:public_id>/invite/", manage.advocate_invite, name="advocate-invite"),
    path("<uuid:public_id>/status/", manage.advocate_status, name="advocate-status"),
    path("<uuid:public_id>/tier/", manage.advocate_tier, name="advocate-tier"),
    path("<uuid:public_id>/activities/", manage.activity_create, name="activity-create"),
]
