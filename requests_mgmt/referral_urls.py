"""Referral pages, included at the organisation's root: the sales team's pages under referrals/,
the advocate's under portal/referrals/."""

from django.urls import path

from .views import referrals as views

app_name = "referrals"

urlpatterns = [
    path("referrals/", views.referral_list, name="referral-list"),
    path("referrals/<uuid:public_id>/", views.referral_detail, name="referral-detail"),
    path("referrals/<uuid:public_id>/assign/", views.referral_assign, name="referral-assign"),
    path("referrals/<uuid:public_id>/status/", views.referral_transition, name="referral-transition"),
    path("portal/referrals/", views.portal_referral_list, name="portal-list"),
    path("portal/referrals/new/", views.portal_referral_create, name="portal-create"),
    path("portal/referrals/<uuid:public_id>/", views.portal_referral_detail, name="portal-detail"),
]
