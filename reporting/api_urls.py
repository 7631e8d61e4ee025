from django.urls import path
from rest_framework.routers import SimpleRouter

from .api import costs as cost_api
from .api import opportunities as opportunity_api
from .api import reports as report_api
from .api import settings as settings_api

router = SimpleRouter()
router.register("reports", report_api.ReportViewSet, basename="api-report")
router.register("program-costs", cost_api.ProgramCostViewSet, basename="api-program-cost")
router.register("opportunities", opportunity_api.OpportunityViewSet, basename="api-opportunity")

urlpatterns = [
    *router.urls,
    # One settings resource per organisation: no id in the path.
    path(
        "report-settings/",
        settings_api.ReportSettingsViewSet.as_view({"get": "retrieve", "put": "update", "patch": "partial_update"}),
        name="api-report-settings",
    ),
]
