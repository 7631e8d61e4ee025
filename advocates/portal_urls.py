from django.urls import path

from .views import portal

app_name = "portal"

urlpatterns = [
    path("", portal.portal_home, name="home"),
    path("invitation/", portal.invitation_answer, name="invitation-answer"),
    path("welcome/", portal.welcome, name="welcome"),
    path("welcome/<slug:step>/", portal.welcome, name="welcome"),
    path("preferences/", portal.preferences, name="preferences"),
    path("preferences/blackouts/", portal.blackout_add, name="blackout-add"),
    path("preferences/blackouts/remove/", portal.blackout_remove, name="blackout-remove"),
    path("consent/", portal.consent, name="consent"),
    path("data/", portal.my_data, name="data"),
    path("data/download/", portal.data_download, name="data-download"),
    path("data/erasure/", portal.erasure_request, name="erasure-request"),
    path("data/erasure/withdraw/", portal.erasure_withdraw, name="erasure-withdraw"),
]
