from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from requests_mgmt.views import outreach as outreach_views

from .views import account as account_views
from .views import messages as message_views

# The Django admin signs in through allauth: its rate limits, lockouts and MFA apply there too.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = "Advocacy"

organization_patterns = [
    path("", include("reporting.urls")),
    path("reports/", include("reporting.report_urls")),
    path("nps/", include("reporting.survey_urls")),
    path("advocates/privacy/", include("advocates.privacy_urls")),
    path("advocates/imports/", include("advocates.import_urls")),
    path("advocates/", include("advocates.urls")),
    path("accounts/", include("advocates.account_urls")),
    path("requests/", include("requests_mgmt.urls")),
    path("campaigns/", include("requests_mgmt.campaign_urls")),
    path("", include("requests_mgmt.outreach_urls")),
    path("", include("requests_mgmt.referral_urls")),
    path("", include("requests_mgmt.content_urls")),
    path("", include("requests_mgmt.engagement_urls")),
    path("", include("benefits.recognition_urls")),
    path("", include("benefits.rules_urls")),
    path("appreciation/", include("benefits.urls")),
    path("appreciation/", include("benefits.reward_urls")),
    path("portal/benefits/", include("benefits.portal_urls")),
    path("portal/", include("advocates.portal_urls")),
    path("settings/program/", include("advocates.program_urls")),
    path("settings/", include("advocacy.settings_urls")),
]

api_patterns = [
    path("", include("advocates.api_urls")),
    path("", include("requests_mgmt.api_urls")),
    path("", include("benefits.api_urls")),
    path("", include("reporting.api_urls")),
    path("", include("advocacy.api.urls")),
]

urlpatterns = [
    path("", account_views.home, name="home"),
    path("accounts/preferences/", account_views.preferences, name="preferences"),
    path("accounts/invitations/<str:token>/", account_views.invitation_accept, name="invitation-accept"),
    path("accounts/", include("allauth.urls")),
    path("m/unsubscribe/<str:token>/", message_views.unsubscribe, name="message-unsubscribe"),
    path("a/<str:token>/", outreach_views.answer, name="ask-answer"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/orgs/<slug:org_slug>/", include(api_patterns)),
    path("o/<slug:org_slug>/", include(organization_patterns)),
]

handler403 = "advocacy.views.errors.permission_denied"
handler404 = "advocacy.views.errors.page_not_found"
