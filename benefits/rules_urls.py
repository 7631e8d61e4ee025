from django.urls import path

from .views import rules

app_name = "rules"

urlpatterns = [
    path("appreciation/rules/", rules.rules, name="rules"),
]
