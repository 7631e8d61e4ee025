from django.urls import path

from .views import portal

app_name = "portal_benefits"

urlpatterns = [
    path("", portal.benefits_home, name="home"),
    path("gifts/", portal.gift_preference, name="gift-preference"),
    path("<uuid:public_id>/choose/", portal.reward_choose, name="reward-choose"),
    path("<uuid:public_id>/address/", portal.reward_address, name="reward-address"),
    path("<uuid:public_id>/decline/", portal.reward_decline, name="reward-decline"),
]
