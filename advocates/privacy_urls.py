from django.urls import path

from .views import privacy

app_name = "privacy"

urlpatterns = [
    path("", privacy.erasure_requests, name="erasure-requests"),
    path("<uuid:public_id>/erase/", privacy.erasure_confirm, name="erasure-confirm"),
]
