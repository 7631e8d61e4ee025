from django.urls import path

from .views import campaigns as views

app_name = "campaigns"

urlpatterns = [
    path("", views.campaign_list, name="campaign-list"),
    path("new/", views.campaign_create, name="campaign-create"),
    path("<uuid:public_id>/", views.campaign_detail, name="campaign-detail"),
    path("<uuid:public_id>/audience/", views.campaign_audience, name="campaign-audience"),
    path("<uuid:public_id>/send/", views.campaign_send, name="campaign-send"),
    path("<uuid:public_id>/close/", views.campaign_close, name="campaign-close"),
    path("<uuid:public_id>/asks/<uuid:ask_id>/done/", views.campaign_ask_done, name="campaign-ask-done"),
]
