"""Appreciation pages under /o/<org>/appreciation/."""

from django.urls import path

from .views import queue

app_name = "benefits"

urlpatterns = [
    path("", queue.queue, name="queue"),
    path("notes/<uuid:activity_public_id>/", queue.note_write, name="note-write"),
]
