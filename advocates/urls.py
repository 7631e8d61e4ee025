from django.urls import path

from .views import directory

app_name = "advocates"

urlpatterns = [
    path("", directory.advocate_list, name="advocate-list"),
    path("<uuid:public_id>/", directory.advocate_detail, name="advocate-detail"),
]
