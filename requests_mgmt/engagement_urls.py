"""Scheduling, briefing, completion and feedback: staff pages under requests/, the advocate's under
portal/. Included at the organisation's root, so each path is written in full."""

from django.urls import path

from .views import engagement as views

app_name = "engagement"

urlpatterns = [
    path("requests/asks/<uuid:ask_id>/schedule/", views.propose_times, name="ask-propose"),
    path("requests/asks/<uuid:ask_id>/choose/", views.choose_time, name="ask-choose"),
    path("requests/asks/<uuid:ask_id>/briefing/", views.briefing, name="ask-briefing"),
    path("requests/asks/<uuid:ask_id>/cancel-meeting/", views.cancel_meeting, name="ask-cancel-meeting"),
    path("requests/asks/<uuid:ask_id>/complete/", views.complete, name="ask-complete"),
    path("requests/asks/<uuid:ask_id>/invite.ics", views.calendar_file, name="ask-calendar"),
    path("requests/<uuid:public_id>/outcome/", views.record_outcome, name="request-outcome"),
    path("portal/asks/<uuid:ask_id>/pick/", views.portal_pick, name="portal-pick"),
    path("portal/asks/<uuid:ask_id>/rate/", views.portal_rate, name="portal-rate"),
    path("portal/asks/<uuid:ask_id>/invite.ics", views.portal_calendar_file, name="portal-calendar"),
]
