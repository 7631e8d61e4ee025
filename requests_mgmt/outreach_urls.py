from django.urls import path

from .views import outreach

app_name = "outreach"

urlpatterns = [
    path("requests/<uuid:public_id>/invite/", outreach.request_invite, name="invite"),
    path("requests/<uuid:public_id>/asks/<uuid:ask_id>/withdraw/", outreach.ask_withdraw, name="ask-withdraw"),
    path("portal/asks/", outreach.portal_asks, name="portal-asks"),
    path("portal/asks/<uuid:public_id>/", outreach.portal_ask, name="portal-ask"),
]
