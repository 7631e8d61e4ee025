"""Recognition pages, included at the organisation's root under appreciation/recognition/."""

from django.urls import path

from .views import recognition as views

app_name = "recognition"

urlpatterns = [
    path("appreciation/recognition/", views.nomination_list, name="nomination-list"),
    path("appreciation/recognition/new/", views.nomination_create, name="nomination-create"),
    path("appreciation/recognition/<uuid:public_id>/", views.nomination_detail, name="nomination-detail"),
    path("appreciation/recognition/<uuid:public_id>/decide/", views.nomination_decide, name="nomination-decide"),
]
