from django.urls import path

from .views import settings as views

app_name = "settings"

urlpatterns = [
    path("", views.organization_settings, name="organization"),
    path("members/", views.member_list, name="members"),
    path("members/<uuid:public_id>/", views.member_edit, name="member-edit"),
    path("members/<uuid:public_id>/remove/", views.member_remove, name="member-remove"),
    path("invitations/", views.invitation_list, name="invitations"),
    path("invitations/<uuid:public_id>/resend/", views.invitation_resend, name="invitation-resend"),
    path("invitations/<uuid:public_id>/revoke/", views.invitation_revoke, name="invitation-revoke"),
    path("api-tokens/", views.api_token_list, name="api-tokens"),
    path("api-tokens/<uuid:public_id>/revoke/", views.api_token_revoke, name="api-token-revoke"),
    path("audit/", views.audit_log_view, name="audit"),
]
