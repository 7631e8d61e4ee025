from django.urls import path

from .views import outreach
from .views import requests as views

app_name = "requests_mgmt"

urlpatterns = [
    path("", views.request_list, name="request-list"),
    path("new/", views.request_create, name="request-create"),
    path("<uuid:public_id>/", views.request_detail, name="request-detail"),
    path("<uuid:public_id>/cancel/", views.request_cancel, name="request-cancel"),
    path("<uuid:public_id>/status/", views.request_transition, name="request-transition"),
    path("<uuid:public_id>/matching/", outreach.request_matching, name="request-matching"),
]
