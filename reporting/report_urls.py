from django.urls import path

from .views import executive, fairness, impact, opportunities, roi, satisfaction, targets

app_name = "reporting"

urlpatterns = [
    path("executive/", executive.page, name="executive"),
    path("fairness/", fairness.page, name="fairness"),
    path("impact/", impact.page, name="impact"),
    path("opportunities/", opportunities.page, name="opportunities"),
    path("opportunities/import/", opportunities.opportunity_import, name="opportunity-import"),
    path("satisfaction/", satisfaction.page, name="satisfaction"),
    path("satisfaction/surveys/", satisfaction.survey_start, name="survey-start"),
    path("roi/", roi.page, name="roi"),
    path("roi/costs/", roi.costs, name="costs"),
    path("targets/", targets.page, name="targets"),
    path("targets/edit/", targets.edit, name="targets-edit"),
]
