from django.urls import path

from .views import directory

app_name = "accounts"

urlpatterns = [
    path("", directory.account_list, name="account-list"),
    path("<uuid:public_id>/", directory.account_detail, name="account-detail"),
    path("<uuid:public_id>/health/", directory.account_record_health, name="account-health"),
]
