from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("advocates", api.AdvocateViewSet, basename="api-advocate")
router.register("accounts", api.CustomerAccountViewSet, basename="api-account")
router.register("activity-types", api.ActivityTypeViewSet, basename="api-activity-type")
router.register("activities", api.ActivityViewSet, basename="api-activity")

urlpatterns = router.urls
