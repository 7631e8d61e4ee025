from django.urls import path

from .views import survey

app_name = "surveys"

urlpatterns = [
    path("<str:token>/", survey.answer, name="answer"),
]
